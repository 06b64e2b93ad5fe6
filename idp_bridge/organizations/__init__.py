"""Provider organizations, their NPI/TIN pairs and their members: the bridge's own records."""
