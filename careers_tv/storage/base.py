"""The storage protocol: what the platform asks of an object store.

Keys are relative, '/'-separated paths (`videos/<public_id>/<version>/720p/index.m3u8`).
Implementations: `LocalStorage` (a folder, the embedded default) and `S3Storage` (any S3 API).
One contract test suite (tests/functional/test_storage_contract.py) runs against both.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

MiB = 1024 * 1024
# S3's multipart rules, kept by every implementation so code written against a folder also
# works on a bucket: parts numbered 1..10000, each at least 5 MiB except the last.
MIN_PART_SIZE = 5 * MiB
MAX_PARTS = 10_000

# mimetypes does not know the streaming formats (or differs between systems), and players
# and CDNs care about these exact values.
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".json": "application/json",
}


def guess_content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


class StorageError(RuntimeError):
    """The store could not do what was asked (unreachable, refused, ...)."""


class NotFound(StorageError, KeyError):
    """No object at that key."""


class InvalidKey(StorageError, ValueError):
    """A key that is empty, absolute, or climbs out of the store ('..')."""


def check_key(key: str) -> str:
    if not key or key.startswith("/") or "\\" in key or "\x00" in key:
        raise InvalidKey(f"invalid storage key: {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def check_parts(parts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Parts to complete: at least one, numbers strictly ascending within 1..MAX_PARTS."""
    if not parts:
        raise StorageError("a multipart upload needs at least one part to complete")
    previous = 0
    for number, _token in parts:
        if not previous < number <= MAX_PARTS:
            raise StorageError(f"part numbers must ascend within 1..{MAX_PARTS}: {number}")
        previous = number
    return parts


def check_prefix(prefix: str) -> str:
    """A prefix is a key ending in '/', so 'videos/1/' never matches 'videos/10/...'."""
    if not prefix.endswith("/"):
        raise InvalidKey(f"a prefix must end with '/': {prefix!r}")
    check_key(prefix[:-1])
    return prefix


@runtime_checkable
class Storage(Protocol):
    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None: ...

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None: ...

    def put_many(self, items: Iterable[tuple[str, Path]]) -> None:
        """Upload many local files at once (in parallel where the store allows)."""

    def open(self, key: str) -> BinaryIO: ...

    def download(self, key: str, path: Path) -> None: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def list(self, prefix: str = "") -> Iterator[str]: ...

    def public_url(self, key: str) -> str: ...

    def presigned_url(self, key: str, expires_in: int = 3600) -> str: ...

    # Multipart: an object written in numbered parts, invisible until completed (resumable
    # uploads stage their bytes this way). Parts may be re-sent (the last one of a number
    # wins); NotFound means the upload id is unknown (completed, aborted, or never made).

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        """Start an object written in parts; returns the upload id."""

    def upload_part(
        self, key: str, upload_id: str, number: int, source: BinaryIO | Path, size: int
    ) -> str:
        """Store part `number` (`size` bytes from a stream or file); returns its token."""

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Join the parts (ascending numbers, with their tokens) into the object at `key`."""

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished upload and its parts; harmless when already gone."""

    def check(self) -> None:
        """Raise StorageError when the store cannot be reached (for /readyz)."""
