"""Personas pages."""
from flask import Blueprint

bp = Blueprint("personas", __name__)
