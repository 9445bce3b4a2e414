"""`make loadtest`: a realistic mix of users against the portal served by gunicorn on
PostgreSQL with Redis, then a check that nothing written was lost and no invariant broke."""
