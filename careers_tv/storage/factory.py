"""Build the configured Storage from `STORAGE_URL` (and the S3 settings beside it)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .base import Storage

ACCEPTED_FORMS = "file:///absolute/path or s3://bucket[/prefix]"


def storage_from_config(config: Mapping) -> Storage:
    url = config.get("STORAGE_URL") or ""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _local(config, parts.netloc, parts.path)
    if parts.scheme == "s3":
        return _s3(config, parts.netloc, parts.path)
    raise ValueError(f"STORAGE_URL {url!r} is not supported: use {ACCEPTED_FORMS}")


# Implementations are imported on use: boto3 is slow to import and not needed for a folder.
def _local(config: Mapping, host: str, raw_path: str) -> Storage:
    from .local import LocalStorage

    # Path.as_uri() percent-encodes (spaces etc.), so decode before use.
    path = unquote(raw_path)
    if host not in ("", "localhost") or not path.startswith("/"):
        raise ValueError(
            f"STORAGE_URL must name an absolute local folder, got file://{host}{raw_path}: "
            f"use {ACCEPTED_FORMS}"
        )
    base_url = config.get("MEDIA_BASE_URL")
    if not base_url:
        public = (config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        base_url = f"{public}/media"
    return LocalStorage(Path(path), base_url=base_url, secret_key=config.get("SECRET_KEY") or "")


def _s3(config: Mapping, bucket: str, raw_path: str) -> Storage:
    from .s3 import S3Storage

    if not bucket:
        raise ValueError(f"STORAGE_URL must name a bucket: use {ACCEPTED_FORMS}")
    return S3Storage(
        bucket=bucket,
        prefix=unquote(raw_path).strip("/"),
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        access_key=config.get("AWS_ACCESS_KEY_ID") or None,
        secret_key=config.get("AWS_SECRET_ACCESS_KEY") or None,
        region=config.get("AWS_REGION") or "us-east-1",
        public_base_url=config.get("MEDIA_BASE_URL") or None,
    )
