"""One contract for every Storage: the same tests run on a folder and on a real S3 API.

Then a few tests of what only one implementation has (signed local URLs, atomic local
writes, S3 content types and credentials) and of `storage_from_config`.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from careers_tv.storage import InvalidKey, NotFound, Storage, StorageError, storage_from_config
from careers_tv.storage.base import MIN_PART_SIZE
from careers_tv.storage.local import LocalStorage
from careers_tv.storage.s3 import S3Storage

MiB = 1024 * 1024
LOCAL_BASE = "http://media.test/media"


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "media", base_url=LOCAL_BASE, secret_key="contract-secret")
    return request.getfixturevalue("s3_storage")


def make_file(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read(storage: Storage, key: str) -> bytes:
    with storage.open(key) as body:
        return body.read()


def put_bytes(storage: Storage, key: str, data: bytes) -> None:
    storage.put_stream(key, io.BytesIO(data))


# -- the contract -------------------------------------------------------------------------


def test_storage_satisfies_protocol(storage):
    assert isinstance(storage, Storage)
    storage.check()


def test_put_file_then_open_returns_the_same_bytes(storage, tmp_path):
    data = os.urandom(10_000)
    storage.put_file("videos/abc/v1/720p/index.m3u8", make_file(tmp_path, "src/in.bin", data))
    assert read(storage, "videos/abc/v1/720p/index.m3u8") == data


def test_put_stream_round_trip(storage):
    put_bytes(storage, "uploads/u1/original.mp4", b"\x00\x01video bytes")
    assert read(storage, "uploads/u1/original.mp4") == b"\x00\x01video bytes"


def test_exists_and_size(storage):
    assert not storage.exists("a/b.txt")
    put_bytes(storage, "a/b.txt", b"12345")
    assert storage.exists("a/b.txt")
    assert not storage.exists("a/b.tx")
    assert storage.size("a/b.txt") == 5
    with pytest.raises(NotFound):
        storage.size("a/missing.txt")


def test_overwrite_replaces_the_whole_object(storage):
    put_bytes(storage, "k.txt", b"a much longer first version")
    put_bytes(storage, "k.txt", b"short")
    assert read(storage, "k.txt") == b"short"
    assert storage.size("k.txt") == 5
    assert list(storage.list()) == ["k.txt"]


def test_delete_and_delete_of_missing_key(storage):
    put_bytes(storage, "x/y.bin", b"1")
    storage.delete("x/y.bin")
    assert not storage.exists("x/y.bin")
    storage.delete("x/y.bin")  # again: harmless
    storage.delete("never/was/there.bin")
    assert list(storage.list()) == []


def test_delete_prefix_removes_only_under_that_prefix(storage):
    doomed = ["videos/1/master.m3u8", "videos/1/720p/seg0.ts", "videos/1/720p/seg1.ts"]
    kept = ["videos/10/master.m3u8", "videos/1-poster.jpg", "other/videos/1/x.ts"]
    for key in doomed + kept:
        put_bytes(storage, key, key.encode())
    assert storage.delete_prefix("videos/1/") == 3
    assert list(storage.list()) == sorted(kept)
    assert read(storage, "videos/10/master.m3u8") == b"videos/10/master.m3u8"
    assert storage.delete_prefix("videos/1/") == 0


@pytest.mark.parametrize("prefix", ["", "videos/1", "../", "/videos/"])
def test_delete_prefix_refuses_anything_but_a_folder_prefix(storage, prefix):
    put_bytes(storage, "videos/1/a.ts", b"a")
    with pytest.raises(InvalidKey):
        storage.delete_prefix(prefix)
    assert storage.exists("videos/1/a.ts")


def test_list_with_and_without_prefix(storage):
    # 'a-x/' sorts before 'a/' though a folder-by-folder walk would meet 'a/' first.
    keys = ["b/2.ts", "a/1.ts", "a/sub/3.ts", "ab/4.ts", "a-x/5.ts", "a.txt", "top.txt"]
    for key in keys:
        put_bytes(storage, key, b"x")
    assert list(storage.list()) == sorted(keys)
    assert list(storage.list("a/")) == ["a/1.ts", "a/sub/3.ts"]
    assert list(storage.list("a/sub/")) == ["a/sub/3.ts"]
    assert list(storage.list("nothing/")) == []


def test_missing_object_raises_not_found(storage, tmp_path):
    with pytest.raises(NotFound) as info:
        storage.open("no/such/key.ts")
    assert isinstance(info.value, KeyError) and isinstance(info.value, StorageError)
    with pytest.raises(NotFound):
        storage.download("no/such/key.ts", tmp_path / "out.ts")


@pytest.mark.parametrize(
    "key", ["../x", "a/../../x", "/abs", "a//b", "a/./b", "", "a/", "a\\b", "a\x00b"]
)
def test_traversal_and_malformed_keys_are_refused(storage, tmp_path, key):
    operations = [
        lambda: put_bytes(storage, key, b"evil"),
        lambda: storage.put_file(key, make_file(tmp_path, "src.bin", b"evil")),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.size(key),
        lambda: storage.delete(key),
        lambda: storage.public_url(key),
        lambda: storage.presigned_url(key),
    ]
    for operation in operations:
        with pytest.raises(InvalidKey):
            operation()
    assert list(storage.list()) == []
    assert not (tmp_path / "x").exists()


def test_put_many_uploads_every_file(storage, tmp_path):
    items = []
    for i in range(50):
        path = make_file(tmp_path, f"out/seg{i:03d}.ts", f"segment {i} ".encode() * (i + 1))
        items.append((f"videos/7/v2/360p/seg{i:03d}.ts", path))
    storage.put_many(iter(items))
    assert list(storage.list("videos/7/v2/")) == sorted(key for key, _ in items)
    for key, path in items:
        assert read(storage, key) == path.read_bytes()
    storage.put_many([])  # nothing to do is fine


def test_put_many_reports_a_missing_source(storage, tmp_path):
    items = [(f"v/seg{i:02d}.ts", make_file(tmp_path, f"seg{i:02d}.ts", b"ok")) for i in range(40)]
    items.insert(3, ("v/bad.ts", tmp_path / "missing.ts"))
    with pytest.raises(StorageError, match="missing.ts"):
        storage.put_many(items)
    assert not storage.exists("v/bad.ts")


def test_large_file_round_trips(storage, tmp_path):
    data = os.urandom(40 * MiB)  # above the 16 MiB multipart threshold on S3
    digest = hashlib.sha256(data).hexdigest()
    source = make_file(tmp_path, "big/original.mp4", data)
    del data
    storage.put_file("uploads/big/original.mp4", source)
    assert storage.size("uploads/big/original.mp4") == 40 * MiB
    target = tmp_path / "back/original.mp4"
    storage.download("uploads/big/original.mp4", target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    streamed = hashlib.sha256()
    with storage.open("uploads/big/original.mp4") as body:
        while chunk := body.read(MiB):
            streamed.update(chunk)
    assert streamed.hexdigest() == digest
    if isinstance(storage, S3Storage):
        head = storage.client.head_object(Bucket=storage.bucket, Key="uploads/big/original.mp4")
        assert head["ETag"].strip('"').endswith("-3")  # three 16 MiB parts: multipart


def test_multipart_joins_parts_in_number_order(storage, tmp_path):
    first, second, last = os.urandom(MIN_PART_SIZE), os.urandom(MIN_PART_SIZE), b"the end"
    upload_id = storage.create_multipart("originals/v1/film.mp4", "video/mp4")
    # Sent out of order, from a stream and from a file: the part numbers decide the order.
    token3 = storage.upload_part("originals/v1/film.mp4", upload_id, 3, io.BytesIO(last), 7)
    token1 = storage.upload_part("originals/v1/film.mp4", upload_id, 1, io.BytesIO(first),
                                 MIN_PART_SIZE)
    token2 = storage.upload_part("originals/v1/film.mp4", upload_id, 2,
                                 make_file(tmp_path, "part2", second), MIN_PART_SIZE)
    assert not storage.exists("originals/v1/film.mp4")  # invisible until completed
    assert list(storage.list()) == []
    storage.complete_multipart("originals/v1/film.mp4", upload_id,
                               [(1, token1), (2, token2), (3, token3)])
    assert read(storage, "originals/v1/film.mp4") == first + second + last
    assert list(storage.list()) == ["originals/v1/film.mp4"]
    with pytest.raises(NotFound):  # a completed upload is gone
        storage.upload_part("originals/v1/film.mp4", upload_id, 4, io.BytesIO(b"x"), 1)


def test_multipart_part_sent_again_replaces_the_first(storage):
    upload_id = storage.create_multipart("originals/v2/a.mov")
    storage.upload_part("originals/v2/a.mov", upload_id, 1, io.BytesIO(b"x" * MIN_PART_SIZE),
                        MIN_PART_SIZE)
    again = os.urandom(MIN_PART_SIZE)
    token1 = storage.upload_part("originals/v2/a.mov", upload_id, 1, io.BytesIO(again),
                                 MIN_PART_SIZE)
    token2 = storage.upload_part("originals/v2/a.mov", upload_id, 2, io.BytesIO(b"tail"), 4)
    storage.complete_multipart("originals/v2/a.mov", upload_id, [(1, token1), (2, token2)])
    assert read(storage, "originals/v2/a.mov") == again + b"tail"


def test_multipart_completion_replaces_an_existing_object(storage):
    put_bytes(storage, "originals/v3/b.mp4", b"an older original")
    upload_id = storage.create_multipart("originals/v3/b.mp4")
    token = storage.upload_part("originals/v3/b.mp4", upload_id, 1, io.BytesIO(b"new"), 3)
    storage.complete_multipart("originals/v3/b.mp4", upload_id, [(1, token)])
    assert read(storage, "originals/v3/b.mp4") == b"new"
    assert list(storage.list()) == ["originals/v3/b.mp4"]


def test_multipart_abort_leaves_nothing(storage):
    upload_id = storage.create_multipart("originals/v4/c.mp4")
    token = storage.upload_part("originals/v4/c.mp4", upload_id, 1, io.BytesIO(b"abc"), 3)
    storage.abort_multipart("originals/v4/c.mp4", upload_id)
    storage.abort_multipart("originals/v4/c.mp4", upload_id)  # again: harmless
    assert list(storage.list()) == []
    with pytest.raises(NotFound):
        storage.complete_multipart("originals/v4/c.mp4", upload_id, [(1, token)])


def test_multipart_refuses_unknown_parts_and_bad_keys(storage):
    upload_id = storage.create_multipart("originals/v5/d.mp4")
    token = storage.upload_part("originals/v5/d.mp4", upload_id, 1, io.BytesIO(b"abc"), 3)
    with pytest.raises(StorageError):
        storage.complete_multipart("originals/v5/d.mp4", upload_id, [(2, token)])
    with pytest.raises(StorageError):
        storage.complete_multipart("originals/v5/d.mp4", upload_id, [])
    assert not storage.exists("originals/v5/d.mp4")
    storage.abort_multipart("originals/v5/d.mp4", upload_id)
    for key in ("../x", "/abs", "a//b"):
        with pytest.raises(InvalidKey):
            storage.create_multipart(key)


def test_public_url_ends_with_the_key(storage):
    assert storage.public_url("videos/a1/v1/master.m3u8").endswith("/videos/a1/v1/master.m3u8")


# -- LocalStorage only --------------------------------------------------------------------


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "media", base_url=LOCAL_BASE + "/", secret_key="s3cr3t")


def all_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_local_write_is_atomic(local):
    put_bytes(local, "v/index.m3u8", b"#EXTM3U\nold\n")
    assert all_files(local.root) == ["v/index.m3u8"]  # no temp file left next to it

    class Broken(io.RawIOBase):
        """A source that fails half-way, like a dropped upload."""

        def __init__(self):
            self.sent = False

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent:
                raise OSError("connection reset")
            self.sent = True
            buffer[:4] = b"#EXT"
            return 4

    with pytest.raises(StorageError):
        local.put_stream("v/index.m3u8", Broken())
    assert read(local, "v/index.m3u8") == b"#EXTM3U\nold\n"
    assert all_files(local.root) == ["v/index.m3u8"]
    assert list(local.list()) == ["v/index.m3u8"]


def test_local_multipart_staging_is_hidden_and_unreachable(local):
    put_bytes(local, "a/kept.ts", b"kept")
    upload_id = local.create_multipart("originals/v6/e.mp4")
    local.upload_part("originals/v6/e.mp4", upload_id, 1, io.BytesIO(b"staged"), 6)
    assert list(local.list()) == ["a/kept.ts"]
    for key in (f".multipart/{upload_id}/key", ".multipart/x"):
        with pytest.raises(InvalidKey):
            local.open(key)
    with pytest.raises(InvalidKey):
        local.delete_prefix(".multipart/")
    with pytest.raises(NotFound):  # an upload id belongs to its key
        local.upload_part("originals/v6/other.mp4", upload_id, 2, io.BytesIO(b"x"), 1)
    with pytest.raises(NotFound):
        local.upload_part("originals/v6/e.mp4", "../../etc", 2, io.BytesIO(b"x"), 1)
    with pytest.raises(StorageError, match="short"):
        local.upload_part("originals/v6/e.mp4", upload_id, 2, io.BytesIO(b"xy"), 5)
    local.abort_multipart("originals/v6/e.mp4", upload_id)
    assert all_files(local.root) == ["a/kept.ts"]


def test_local_signed_url_verification(local):
    url = local.presigned_url("videos/a/master.m3u8", expires_in=60)
    assert url.startswith(f"{LOCAL_BASE}/videos/a/master.m3u8?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    expires, signature = query["expires"], query["signature"]
    assert local.verify_signature("videos/a/master.m3u8", expires, signature)
    tampered = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert not local.verify_signature("videos/a/master.m3u8", expires, tampered)
    assert not local.verify_signature("videos/b/master.m3u8", expires, signature)
    assert not local.verify_signature("videos/a/master.m3u8", str(int(expires) + 1), signature)
    assert not local.verify_signature("videos/a/master.m3u8", "soon", signature)
    other = LocalStorage(local.root, base_url=LOCAL_BASE, secret_key="another-secret")
    assert not other.verify_signature("videos/a/master.m3u8", expires, signature)
    expired = parse_qs(urlsplit(local.presigned_url("videos/a/master.m3u8", -5)).query)
    assert not local.verify_signature(
        "videos/a/master.m3u8", expired["expires"][0], expired["signature"][0]
    )


def test_local_delete_prefix_removes_empty_folders(local):
    put_bytes(local, "videos/5/v1/720p/seg0.ts", b"a")
    put_bytes(local, "videos/5/v1/master.m3u8", b"b")
    put_bytes(local, "videos/6/v1/master.m3u8", b"c")
    assert local.delete_prefix("videos/5/") == 2
    assert not (local.root / "videos/5").exists()
    assert (local.root / "videos/6/v1").is_dir()
    local.delete("videos/6/v1/master.m3u8")
    assert list(local.root.iterdir()) == []  # nothing but the root remains


def test_local_path_for_stays_inside_the_root(local, tmp_path):
    assert local.path_for("a/b.ts") == local.root / "a" / "b.ts"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("no")
    (local.root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        local.path_for("link/secret.txt")


def test_local_check_fails_when_the_folder_is_gone(local):
    local.root.rmdir()
    local.root.write_text("not a folder")
    with pytest.raises(StorageError):
        local.check()


# -- S3Storage only -----------------------------------------------------------------------


def test_s3_presigned_url_reads_a_private_object(s3_storage):
    put_bytes(s3_storage, "videos/p/poster.jpg", b"\xff\xd8jpeg")
    anonymous = requests.get(s3_storage.public_url("videos/p/poster.jpg"), timeout=10)
    assert anonymous.status_code == 403  # the bucket is private
    signed = requests.get(s3_storage.presigned_url("videos/p/poster.jpg", 60), timeout=10)
    assert signed.status_code == 200
    assert signed.content == b"\xff\xd8jpeg"


def test_s3_wrong_secret_is_refused_without_leaking_it(seaweedfs, s3_storage, tmp_path):
    wrong = "wrong-" + secrets.token_urlsafe(24)
    intruder = seaweedfs.storage(s3_storage.bucket, secret_key=wrong)
    with pytest.raises(StorageError) as checked:
        intruder.check()
    with pytest.raises(StorageError) as uploaded:
        intruder.put_file("x/evil.ts", make_file(tmp_path, "evil.ts", b"evil"))
    for message in (str(checked.value), str(uploaded.value), repr(intruder)):
        assert wrong not in message and seaweedfs.secret_key not in message
    assert "access denied" in str(checked.value)
    assert not s3_storage.exists("x/evil.ts")


def test_s3_content_types(s3_storage, tmp_path):
    s3_storage.put_file("v/master.m3u8", make_file(tmp_path, "m.m3u8", b"#EXTM3U\n"))
    put_bytes(s3_storage, "v/360p/seg0.ts", b"ts")
    s3_storage.put_many([("v/720p/seg0.m4s", make_file(tmp_path, "s.m4s", b"m4s"))])
    put_bytes(s3_storage, "v/captions/fr.vtt", b"WEBVTT\n")
    s3_storage.put_stream("v/poster", io.BytesIO(b"x"), content_type="image/jpeg")
    expected = {
        "v/master.m3u8": "application/vnd.apple.mpegurl",
        "v/360p/seg0.ts": "video/mp2t",
        "v/720p/seg0.m4s": "video/iso.segment",
        "v/captions/fr.vtt": "text/vtt",
        "v/poster": "image/jpeg",
    }
    for key, content_type in expected.items():
        head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=key)
        assert head["ContentType"] == content_type, key


def test_s3_prefix_keeps_keys_relative(seaweedfs, s3_storage):
    tenant = seaweedfs.storage(s3_storage.bucket, prefix="/careers/tv/")
    put_bytes(tenant, "videos/1/a.ts", b"a")
    put_bytes(s3_storage, "elsewhere.txt", b"b")
    assert list(tenant.list()) == ["videos/1/a.ts"]
    assert list(s3_storage.list()) == ["careers/tv/videos/1/a.ts", "elsewhere.txt"]
    assert tenant.public_url("videos/1/a.ts").endswith("/careers/tv/videos/1/a.ts")
    assert tenant.delete_prefix("videos/") == 1
    assert list(s3_storage.list()) == ["elsewhere.txt"]


def test_s3_check_and_ensure_bucket(seaweedfs):
    storage = seaweedfs.storage(f"fresh-{secrets.token_hex(6)}")
    with pytest.raises(StorageError, match="does not exist"):
        storage.check()
    storage.ensure_bucket()
    storage.ensure_bucket()  # idempotent
    storage.check()
    storage.client.delete_bucket(Bucket=storage.bucket)


def test_s3_public_url_uses_the_media_base_when_set():
    storage = S3Storage("media", public_base_url="https://cdn.example/tv/")
    assert (
        storage.public_url("videos/a/master.m3u8") == "https://cdn.example/tv/videos/a/master.m3u8"
    )


# -- storage_from_config ------------------------------------------------------------------


def test_config_file_url_gives_local_storage(tmp_path):
    root = tmp_path / "media with space"
    config = {"STORAGE_URL": root.as_uri(), "SECRET_KEY": "k", "PUBLIC_BASE_URL": "http://h:1/"}
    storage = storage_from_config(config)
    assert isinstance(storage, LocalStorage) and storage.root == root.resolve()
    assert storage.public_url("a.ts") == "http://h:1/media/a.ts"
    config["MEDIA_BASE_URL"] = "https://media.example"
    assert storage_from_config(config).public_url("a.ts") == "https://media.example/a.ts"


def test_config_s3_url_gives_s3_storage():
    storage = storage_from_config(
        {
            "STORAGE_URL": "s3://careers-media/prod/tv/",
            "S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ACCESS_KEY_ID": "id",
            "AWS_SECRET_ACCESS_KEY": "never-shown",
            "AWS_REGION": "eu-west-3",
        }
    )
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix, storage.region) == (
        "careers-media",
        "prod/tv/",
        "eu-west-3",
    )
    assert storage.public_url("a.ts") == "http://127.0.0.1:9/careers-media/prod/tv/a.ts"
    assert "never-shown" not in repr(storage)


@pytest.mark.parametrize(
    "url", [None, "", "media", "/abs/path", "ftp://x/y", "file://host/x", "file:rel", "s3:///p"]
)
def test_config_rejects_other_urls(url):
    with pytest.raises(ValueError, match="file:///") as info:
        storage_from_config({"STORAGE_URL": url, "SECRET_KEY": "k"})
    assert "s3://" in str(info.value)
