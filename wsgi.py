"""Entry point for gunicorn and the flask command."""

from portal import create_app

app = create_app()
