"""Configuration: the run cards (TOML, validated against a typed schema) and the physics options."""
