"""Limits on password guessing: who is counted, and when a request counts.

Only failures count (a wrong password), so staff who sign in many times are never slowed
down. The count lives in `RATELIMIT_STORAGE_URI` (Redis in production, so that every
gunicorn worker sees the same count; memory in the embedded default). The limiter itself is
`extensions.limiter`; the views decorate themselves with the keys and predicates below.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_login import current_user


def client_ip() -> str:
    """The client's address, read through the reverse proxies the settings say to trust.

    Behind a proxy every request comes from the proxy's address; with `TRUSTED_PROXY_COUNT`
    set to the number of proxies in front, the address that the outermost one saw is used
    (the entries further left in X-Forwarded-For could have been written by the client).
    """
    hops = current_app.config.get("TRUSTED_PROXY_COUNT", 0)
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


def ip_key() -> str:
    return f"ip:{client_ip()}"


def login_email_key() -> str:
    """The account being tried, so spreading guesses over many addresses does not help.

    Hashed: the limiter's storage has no business holding staff email addresses.
    """
    email = request.form.get("email", "").strip().lower()
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def account_key() -> str:
    """The signed-in account (for a password change); the address when signed out."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return ip_key()


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def password_change_limit() -> str:
    return current_app.config["PASSWORD_CHANGE_RATE_LIMIT"]


def record_failure() -> None:
    """The view calls this when the password given was wrong: this request counts."""
    g.password_failure = True


def failed(_response) -> bool:
    """`deduct_when` for Flask-Limiter: deduct only when the view recorded a failure."""
    return g.get("password_failure", False)
