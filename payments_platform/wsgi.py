"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payments_platform.settings")

application = get_wsgi_application()

# The URLconf (every view, serializer and admin) now rather than on the first request: with
# gunicorn's preload_app (gunicorn.conf.py) the workers are forked with it loaded.
get_resolver().resolve("/health")
