"""LocalStorage: objects are files under one folder (the embedded default).

Flask serves these files itself (with Range support) through `path_for`, and signs
time-limited links with `presigned_url` / `verify_signature`, so the folder behaves like a
small, private bucket.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from .base import InvalidKey, NotFound, StorageError, check_key, check_prefix

# Temp files live next to their target (so os.replace is a same-filesystem rename) and carry
# this prefix/suffix so `list` and `delete_prefix` can tell them from objects.
_TMP_PREFIX = ".tmp-"
_TMP_SUFFIX = ".part"
_COPY_CHUNK = 1024 * 1024


def _is_temp(name: str) -> bool:
    return name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX)


class LocalStorage:
    def __init__(self, root: Path, base_url: str, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("LocalStorage needs a secret_key to sign URLs")
        self.root = Path(root).resolve()
        self.base_url = base_url.rstrip("/")
        self._secret = secret_key.encode()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create media folder {self.root}: {exc}") from exc

    def __repr__(self) -> str:
        return f"LocalStorage(root={str(self.root)!r})"

    # -- keys and paths -------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        """The file for `key`; raises InvalidKey for anything that could leave the root."""
        check_key(key)
        if _is_temp(key.rsplit("/", 1)[-1]):
            raise InvalidKey(f"invalid storage key (reserved name): {key!r}")
        path = self.root.joinpath(*key.split("/"))
        # check_key already forbids '..'; this also catches a symlink pointing outside.
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"invalid storage key (outside the store): {key!r}")
        return path

    def _prefix_dir(self, prefix: str) -> Path:
        if prefix == "":
            return self.root
        check_prefix(prefix)
        return self.root.joinpath(*prefix[:-1].split("/"))

    # -- writes ---------------------------------------------------------------------------

    def _write(self, key: str, source: BinaryIO) -> None:
        target = self.path_for(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(
                dir=target.parent, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX
            )
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, _COPY_CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; media is meant to be readable
            # The rename is atomic: readers see the old object or the whole new one.
            os.replace(tmp_name, target)
        except BaseException as exc:
            Path(tmp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write {key!r}: {exc}") from exc
            raise

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        # content_type is not stored: the media route guesses it from the extension.
        try:
            source = open(path, "rb")  # closed by the with below
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        with source:
            self._write(key, source)

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None:
        self._write(key, stream)

    def put_many(self, items: Iterable[tuple[str, Path]]) -> None:
        # Local copies are disk-bound; a thread pool buys little here.
        for key, path in items:
            self.put_file(key, path)

    # -- reads ----------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        path = self.path_for(key)
        try:
            return open(path, "rb")  # the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise NotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key!r}: {exc}") from exc

    def download(self, key: str, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.open(key) as source, open(path, "wb") as out:
            shutil.copyfileobj(source, out, _COPY_CHUNK)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def size(self, key: str) -> int:
        path = self.path_for(key)
        if not path.is_file():
            raise NotFound(key)
        return path.stat().st_size

    def list(self, prefix: str = "") -> Iterator[str]:
        top = self._prefix_dir(prefix)
        keys = []
        for dirpath, _dirnames, filenames in os.walk(top):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if not _is_temp(name):
                    keys.append(name if rel == "." else f"{rel}/{name}")
        yield from sorted(keys)

    # -- deletes --------------------------------------------------------------------------

    def _prune_empty_parents(self, directory: Path) -> None:
        """Remove now-empty folders up to (not including) the root."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:
                return  # not empty (or already gone and raced): stop here
            directory = directory.parent

    def delete(self, key: str) -> None:
        path = self.path_for(key)
        try:
            path.unlink(missing_ok=True)
        except IsADirectoryError:
            return  # a "folder" is not an object; nothing to delete
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc}") from exc
        self._prune_empty_parents(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        if prefix == "":
            raise InvalidKey("delete_prefix needs a non-empty prefix")
        top = self._prefix_dir(prefix)
        if not top.is_dir():
            return 0
        count = 0
        try:
            for dirpath, _dirnames, filenames in os.walk(top, topdown=False):
                for name in filenames:
                    try:
                        os.unlink(os.path.join(dirpath, name))
                    except FileNotFoundError:
                        continue  # raced with another delete; what is gone is gone
                    count += 0 if _is_temp(name) else 1
                try:
                    os.rmdir(dirpath)
                except OSError:
                    pass  # a concurrent write landed here; keep the folder
        except OSError as exc:
            raise StorageError(f"cannot delete under {prefix!r}: {exc}") from exc
        self._prune_empty_parents(top.parent)
        return count

    # -- URLs -----------------------------------------------------------------------------

    def public_url(self, key: str) -> str:
        check_key(key)
        return f"{self.base_url}/{quote(key, safe='/')}"

    def _sign(self, key: str, expires: int) -> str:
        # A separator keeps ("a1", 23) and ("a", 123) apart; expires is digits only.
        message = f"{key}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def presigned_url(self, key: str, expires_in: int = 3600) -> str:
        expires = int(time.time()) + int(expires_in)
        query = urlencode({"expires": expires, "signature": self._sign(key, expires)})
        return f"{self.public_url(key)}?{query}"

    def verify_signature(self, key: str, expires: str | int, signature: str) -> bool:
        """True for a signature made by `presigned_url` that has not expired."""
        try:
            check_key(key)
            expires_at = int(expires)
        except (InvalidKey, TypeError, ValueError):
            return False
        if expires_at < time.time() or not isinstance(signature, str):
            return False
        return hmac.compare_digest(self._sign(key, expires_at), signature)

    # -- health ---------------------------------------------------------------------------

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageError(f"media folder {self.root} is missing or not a folder")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"media folder {self.root} is not writable")
