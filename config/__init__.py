"""Configuration and reference data for the portal."""
