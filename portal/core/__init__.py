"""Shared kernel: database base, errors, permissions, audit, email, security. Imports no feature."""
