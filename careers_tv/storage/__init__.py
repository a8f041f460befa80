"""Object storage, chosen by `STORAGE_URL`: `file:///path` or `s3://bucket/prefix`."""

from __future__ import annotations

from flask import Flask, current_app

from .base import InvalidKey, NotFound, Storage, StorageError, check_key, check_prefix
from .factory import storage_from_config

__all__ = [
    "InvalidKey",
    "NotFound",
    "Storage",
    "StorageError",
    "check_key",
    "check_prefix",
    "get_storage",
    "init_storage",
    "storage_from_config",
]


def init_storage(app: Flask) -> None:
    app.extensions["storage"] = storage_from_config(app.config)


def get_storage() -> Storage:
    return current_app.extensions["storage"]
