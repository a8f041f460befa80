"""S3Storage: any S3 API (AWS S3, MinIO, SeaweedFS) through boto3.

Keys are stored under an optional prefix inside the bucket, so several deployments can share
one bucket. Every boto3/botocore failure becomes a StorageError whose message names the
operation and the key, never a credential.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import boto3
from boto3.exceptions import Boto3Error
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import (
    MAX_PARTS,
    InvalidKey,
    NotFound,
    StorageError,
    check_key,
    check_parts,
    check_prefix,
    guess_content_type,
)

MiB = 1024 * 1024
MULTIPART_THRESHOLD = 16 * MiB
MULTIPART_CHUNKSIZE = 16 * MiB
DELETE_BATCH = 1000  # the most keys one DeleteObjects call accepts

_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        public_base_url: str | None = None,
        max_workers: int = 8,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage needs a bucket name")
        prefix = prefix.strip("/")
        self.bucket = bucket
        self.prefix = check_prefix(prefix + "/") if prefix else ""
        self.region = region
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.max_workers = max_workers
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},  # MinIO/SeaweedFS have no per-bucket DNS names
            retries={"mode": "standard", "max_attempts": 5},
            # put_many and multipart transfers share this client's connection pool.
            max_pool_connections=max(10, 2 * max_workers),
        )
        # A private session: boto3's default session is not safe to create clients from
        # concurrently, and this keeps credentials out of process-wide state.
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region,
        )
        self._client = session.client("s3", endpoint_url=endpoint_url, config=config)
        self.endpoint_url = self._client.meta.endpoint_url.rstrip("/")
        self._transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNKSIZE,
            max_concurrency=max_workers,
        )

    def __repr__(self) -> str:
        # No credentials here: reprs end up in logs and tracebacks.
        return (
            f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r}, "
            f"endpoint={self.endpoint_url!r})"
        )

    @property
    def client(self):
        """The boto3 client (for tests and tools that need a raw S3 call)."""
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _errors(self, action: str, key: str | None = None) -> Iterator[None]:
        """Turn boto3/botocore failures into NotFound / StorageError with a readable message."""
        where = f"{action} {key!r}" if key is not None else action
        try:
            yield
        except ClientError as exc:
            code = _error_code(exc)
            if key is not None and code in _NOT_FOUND_CODES:
                raise NotFound(key) from exc
            raise StorageError(f"S3 {where} in bucket {self.bucket!r} failed: {exc}") from exc
        except (BotoCoreError, Boto3Error) as exc:
            raise StorageError(f"S3 {where} at {self.endpoint_url} failed: {exc}") from exc

    # -- writes ---------------------------------------------------------------------------

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type or guess_content_type(key)}
        with self._errors("upload of", key):
            try:
                self._client.upload_file(
                    str(path), self.bucket, self._key(key), ExtraArgs=extra, Config=self._transfer
                )
            except OSError as exc:
                raise StorageError(f"cannot read {path}: {exc}") from exc

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type or guess_content_type(key)}
        with self._errors("upload of", key):
            self._client.upload_fileobj(
                stream, self.bucket, self._key(key), ExtraArgs=extra, Config=self._transfer
            )

    def _put_small(self, key: str, path: Path) -> None:
        # One PutObject per file: for HLS segments this avoids spinning up a transfer
        # manager (and its threads) per file; the open file is seekable, so retries work.
        try:
            size = Path(path).stat().st_size
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        if size >= MULTIPART_THRESHOLD:
            self.put_file(key, path)
            return
        with self._errors("upload of", key), open(path, "rb") as body:
            self._client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=body,
                ContentType=guess_content_type(key),
            )

    def put_many(self, items: Iterable[tuple[str, Path]]) -> None:
        items = [(check_key(key), Path(path)) for key, path in items]
        if not items:
            return
        failures: list[tuple[str, BaseException]] = []
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            futures = {pool.submit(self._put_small, key, path): key for key, path in items}
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                exc = future.exception()
                if exc is not None:
                    failures.append((futures[future], exc))
                    for other in futures:
                        other.cancel()  # no point uploading the rest of a broken batch
        if failures:
            key, exc = failures[0]
            raise StorageError(
                f"{len(failures)} of {len(items)} uploads failed; first {key!r}: {exc}"
            ) from exc

    # -- reads ----------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        """A streaming body (file-like, closable); read it promptly."""
        with self._errors("read of", key):
            return self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]

    def download(self, key: str, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._errors("download of", key):
            self._client.download_file(
                self.bucket, self._key(key), str(path), Config=self._transfer
            )

    def _head(self, key: str) -> dict:
        with self._errors("head of", key):
            return self._client.head_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except NotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def list(self, prefix: str = "") -> Iterator[str]:
        if prefix:
            check_prefix(prefix)
        paginator = self._client.get_paginator("list_objects_v2")
        start = len(self.prefix)
        keys = []
        with self._errors("listing of", prefix or None):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", ()):
                    if not item["Key"].endswith("/"):  # skip folder markers some stores add
                        keys.append(item["Key"][start:])
        # AWS lists in key order, SeaweedFS folder by folder ('a/y' before 'a-x'); sort so
        # every store yields the same order. Costs memory only for very large listings.
        yield from sorted(keys)

    # -- deletes --------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        # DeleteObject succeeds on a missing key, which is what callers want.
        with self._errors("delete of", key):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def _delete_batch(self, keys: list[str]) -> int:
        with self._errors("delete of objects under", keys[0]):
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise StorageError(
                f"S3 could not delete {len(errors)} objects; first {first.get('Key')!r}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
        return len(keys)

    def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise InvalidKey("delete_prefix needs a non-empty prefix")
        check_prefix(prefix)
        # Collect first: deleting while paginating can make some stores skip keys.
        keys = [self.prefix + key for key in self.list(prefix)]
        return sum(
            self._delete_batch(keys[i : i + DELETE_BATCH])
            for i in range(0, len(keys), DELETE_BATCH)
        )

    # -- multipart --------------------------------------------------------------------------

    @contextmanager
    def _multipart_errors(self, action: str, key: str, upload_id: str) -> Iterator[None]:
        """As `_errors`, and an unknown upload id (NoSuchUpload) is NotFound."""
        try:
            with self._errors(action, key):
                yield
        except StorageError as exc:
            cause = exc.__cause__
            if isinstance(cause, ClientError) and _error_code(cause) == "NoSuchUpload":
                raise NotFound(f"multipart upload {upload_id!r} of {key!r}") from cause
            raise

    def create_multipart(self, key: str, content_type: str | None = None) -> str:
        with self._errors("start of a multipart upload of", key):
            response = self._client.create_multipart_upload(
                Bucket=self.bucket,
                Key=self._key(key),
                ContentType=content_type or guess_content_type(key),
            )
        return response["UploadId"]

    def upload_part(
        self, key: str, upload_id: str, number: int, source: BinaryIO | Path, size: int
    ) -> str:
        if not 1 <= number <= MAX_PARTS:
            raise StorageError(f"part numbers go from 1 to {MAX_PARTS}: {number}")
        with self._multipart_errors(f"upload of part {number} of", key, upload_id):
            if isinstance(source, Path):
                try:
                    body = open(source, "rb")  # closed by the with below
                except OSError as exc:
                    raise StorageError(f"cannot read {source}: {exc}") from exc
                with body:
                    response = self._upload_part(key, upload_id, number, body, size)
            else:
                response = self._upload_part(key, upload_id, number, source, size)
        return response["ETag"]

    def _upload_part(self, key: str, upload_id: str, number: int, body: BinaryIO, size: int):
        return self._client.upload_part(
            Bucket=self.bucket,
            Key=self._key(key),
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ContentLength=size,
        )

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        check_parts(parts)
        with self._multipart_errors("completion of", key, upload_id):
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self._key(key),
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": number, "ETag": etag} for number, etag in parts]
                },
            )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            with self._multipart_errors("abort of", key, upload_id):
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
                )
        except NotFound:
            pass  # already completed, aborted or never made: nothing left to free

    # -- URLs -----------------------------------------------------------------------------

    def public_url(self, key: str) -> str:
        check_key(key)
        if self.public_base_url:
            return f"{self.public_base_url}/{quote(key, safe='/')}"
        return f"{self.endpoint_url}/{self.bucket}/{quote(self._key(key), safe='/')}"

    def presigned_url(self, key: str, expires_in: int = 3600) -> str:
        with self._errors("signing of", key):
            return self._client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=int(expires_in),
            )

    # -- health and setup -----------------------------------------------------------------

    def _bucket_error(self, exc: Exception) -> StorageError:
        where = f"S3 bucket {self.bucket!r} at {self.endpoint_url}"
        if not isinstance(exc, ClientError):
            return StorageError(f"{where} unreachable: {exc}")
        code = _error_code(exc)
        if code in ("403", "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"):
            reason = "access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
        elif code in ("404", "NoSuchBucket", "NotFound"):
            reason = "the bucket does not exist"
        else:
            reason = str(exc)
        return StorageError(f"{where}: {reason}")

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError, Boto3Error) as exc:
            raise self._bucket_error(exc) from exc

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist yet (tests, `make run`)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise self._bucket_error(exc) from exc
        except (BotoCoreError, Boto3Error) as exc:
            raise self._bucket_error(exc) from exc
        kwargs: dict = {"Bucket": self.bucket}
        if self.region and self.region != "us-east-1":
            # AWS refuses an explicit us-east-1 constraint and needs one everywhere else.
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self._client.create_bucket(**kwargs)
        except ClientError as exc:
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StorageError(f"cannot create S3 bucket {self.bucket!r}: {exc}") from exc
            self.check()  # created concurrently: fine if it is ours, a clear error if not
        except (BotoCoreError, Boto3Error) as exc:
            raise self._bucket_error(exc) from exc
