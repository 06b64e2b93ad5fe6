"""Access that is granted, not assumed: plan-admin review and site-admin consoles."""
