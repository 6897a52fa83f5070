"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from deliberation import create_app

app = create_app()
