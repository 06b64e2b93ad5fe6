"""Settings for the benchmark's minimal relying party and wizard (bench/minimal_rp.py,
bench/minimal_wizard.py) in unit tests: nothing listens at these addresses."""

SETTINGS = {"MINIMAL_RP_ISSUER": "http://127.0.0.1:1/realms/provider-portal",
            "MINIMAL_RP_CLIENT_ID": "idp-bridge", "MINIMAL_RP_CLIENT_SECRET": "s3cret",
            "MINIMAL_RP_URL": "http://127.0.0.1:2", "MINIMAL_RP_SECRET_KEY": "k",
            "MINIMAL_RP_SMTP_HOST": "127.0.0.1", "MINIMAL_RP_SMTP_PORT": "1"}
