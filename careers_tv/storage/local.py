"""LocalStorage: objects are files under one folder (the embedded default).

Flask serves these files itself (with Range support) through `path_for`, and signs
time-limited links with `presigned_url` / `verify_signature`, so the folder behaves like a
small, private bucket.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from .base import (
    MAX_PARTS,
    InvalidKey,
    NotFound,
    StorageError,
    check_key,
    check_parts,
    check_prefix,
)

# Temp files live next to their target (so os.replace is a same-filesystem rename) and carry
# this prefix/suffix so `list` and `delete_prefix` can tell them from objects.
_TMP_PREFIX = ".tmp-"
_TMP_SUFFIX = ".part"
_COPY_CHUNK = 1024 * 1024
# Unfinished multipart uploads: one folder per upload id under this hidden top-level folder,
# which is never an object, never listed and never reachable through a key.
_MULTIPART_DIR = ".multipart"
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_KEY_FILE = "key"


def _is_temp(name: str) -> bool:
    return name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX)


def _copy_exactly(source: BinaryIO, out: BinaryIO, size: int) -> None:
    left = size
    while left > 0:
        chunk = source.read(min(_COPY_CHUNK, left))
        if not chunk:
            raise StorageError(f"the part ended {left} bytes short of its size ({size})")
        out.write(chunk)
        left -= len(chunk)


def _append_file(source: Path, out: BinaryIO) -> None:
    """Append a whole file: in the kernel where it can (copy_file_range), else by reads."""
    out.flush()  # copy_file_range writes at the descriptor's offset, past Python's buffer
    with open(source, "rb") as part:
        size = os.fstat(part.fileno()).st_size
        left = size
        try:
            while left > 0:
                copied = os.copy_file_range(part.fileno(), out.fileno(), left)
                if copied == 0:
                    break
                left -= copied
        except OSError:
            pass  # not supported here (another filesystem, an old kernel): copy by reads
        if left > 0:
            part.seek(size - left)
            out.seek(0, os.SEEK_END)
            shutil.copyfileobj(part, out, _COPY_CHUNK)
            out.flush()


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
        if _is_temp(key.rsplit("/", 1)[-1]) or key.split("/", 1)[0] == _MULTIPART_DIR:
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
        if prefix.split("/", 1)[0] == _MULTIPART_DIR:
            raise InvalidKey(f"invalid prefix (reserved name): {prefix!r}")
        return self.root.joinpath(*prefix[:-1].split("/"))

    # -- writes ---------------------------------------------------------------------------

    def _write(self, key: str, source: BinaryIO) -> None:
        self._write_with(key, lambda out: shutil.copyfileobj(source, out, _COPY_CHUNK))

    def _write_with(self, key: str, fill: Callable[[BinaryIO], None]) -> None:
        """Write the object's bytes with `fill(file)` into a temporary file, then rename."""
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
                fill(out)
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
        for dirpath, dirnames, filenames in os.walk(top):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            if rel == "." and _MULTIPART_DIR in dirnames:
                dirnames.remove(_MULTIPART_DIR)  # unfinished uploads are not objects
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

    # -- multipart --------------------------------------------------------------------------
    # Parts are files `<number>.<token>` in the upload's staging folder; completion joins
    # them into a temp file beside the target and renames it into place, so readers see
    # no object or the whole one.

    def _staging(self, key: str, upload_id: str) -> Path:
        """The staging folder of an existing upload made for `key`; NotFound otherwise."""
        self.path_for(key)
        if not isinstance(upload_id, str) or not _UPLOAD_ID.fullmatch(upload_id):
            raise NotFound(f"multipart upload {upload_id!r}")
        folder = self.root / _MULTIPART_DIR / upload_id
        try:
            recorded = (folder / _KEY_FILE).read_text()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise NotFound(f"multipart upload {upload_id!r}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read multipart upload {upload_id!r}: {exc}") from exc
        if recorded != key:
            raise NotFound(f"multipart upload {upload_id!r} of {key!r}")
        return folder

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        self.path_for(key)
        upload_id = uuid.uuid4().hex
        folder = self.root / _MULTIPART_DIR / upload_id
        try:
            folder.mkdir(parents=True)
            (folder / _KEY_FILE).write_text(key)
        except OSError as exc:
            raise StorageError(f"cannot start a multipart upload of {key!r}: {exc}") from exc
        return upload_id

    def upload_part(
        self, key: str, upload_id: str, number: int, source: BinaryIO | Path, size: int
    ) -> str:
        if not 1 <= number <= MAX_PARTS:
            raise StorageError(f"part numbers go from 1 to {MAX_PARTS}: {number}")
        folder = self._staging(key, upload_id)
        token = secrets.token_hex(8)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
        except OSError as exc:
            raise StorageError(f"cannot write part {number} of {key!r}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, Path):
                    with open(source, "rb") as data:
                        _copy_exactly(data, out, size)
                else:
                    _copy_exactly(source, out, size)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, folder / f"{number:05d}.{token}")
        except BaseException as exc:
            Path(tmp_name).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write part {number} of {key!r}: {exc}") from exc
            raise
        # A part sent again replaces the earlier one, as on S3.
        for earlier in folder.glob(f"{number:05d}.*"):
            if earlier.name != f"{number:05d}.{token}":
                earlier.unlink(missing_ok=True)
        return token

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        folder = self._staging(key, upload_id)
        check_parts(parts)
        sources = []
        for number, token in parts:
            path = folder / f"{number:05d}.{token}"
            if not path.is_file():
                raise StorageError(f"part {number} of {key!r} is missing or was replaced")
            sources.append(path)

        def join(out: BinaryIO) -> None:
            for path in sources:
                _append_file(path, out)

        self._write_with(key, join)
        shutil.rmtree(folder, ignore_errors=True)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            folder = self._staging(key, upload_id)
        except NotFound:
            return
        shutil.rmtree(folder, ignore_errors=True)

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
