"""Personas API."""
from . import bp  # noqa: F401

SCHEMAS: dict = {}
