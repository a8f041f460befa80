"""The `portal` blueprint object, apart from its views: the views import it, the package
imports the views, and nothing imports in a circle."""

from flask import Blueprint

bp = Blueprint("portal", __name__)
