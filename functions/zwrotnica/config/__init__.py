"""Configuration shipped with the code (JSON), read by zwrotnica.domain.sla_policy."""
