"""Faults the portal must survive: the database, Redis or the mail server going away, and the
outbox worker killed mid-send. Each test says what it shows; docs/resilience.md records the
outcomes."""
