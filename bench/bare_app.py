"""The baseline of bench/web.py: a Flask app that answers "ok" and does nothing else.

Served by gunicorn exactly as the platform is, so the ratio shows what our pages cost on top
of Flask, gunicorn and the HTTP round trip themselves.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    return "ok"
