"""The X client against the fake X server: posts, and each of X's answers as its exception."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from careers_tv.announce.x_client import (
    BadCredentials,
    Duplicate,
    MediaFailed,
    RateLimited,
    Rejected,
    Unavailable,
    XClient,
)
from tests.media import make_landscape


def client_for(fake_x, timeout: float = 10) -> XClient:
    env = fake_x.env
    return XClient(env["X_API_BASE_URL"], env["X_CONSUMER_KEY"], env["X_CONSUMER_SECRET"],
                   env["X_ACCESS_TOKEN"], env["X_ACCESS_TOKEN_SECRET"], timeout=timeout)


def test_a_post_returns_its_id_and_reaches_x(fake_x):
    post_id = client_for(fake_x).post("Hello https://careers.example/videos/abc")
    assert fake_x.post_texts() == ["Hello https://careers.example/videos/abc"]
    assert post_id == fake_x.posts[0].id


def test_the_same_text_twice_is_a_duplicate(fake_x):
    client = client_for(fake_x)
    client.post("Once")
    with pytest.raises(Duplicate):
        client.post("Once")
    assert fake_x.post_texts() == ["Once"]


def test_a_rate_limit_carries_the_reset_time(fake_x):
    fake_x.fail_next(429, reset_in=120)
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as raised:
        client_for(fake_x).post("Later")
    assert 100 <= (raised.value.reset_at - before).total_seconds() <= 121
    assert fake_x.posts == []


def test_refused_credentials(fake_x):
    fake_x.reject_credentials()
    with pytest.raises(BadCredentials):
        client_for(fake_x).post("Nope")


def test_a_wrong_secret_is_refused(fake_x):
    env = fake_x.env
    client = XClient(env["X_API_BASE_URL"], env["X_CONSUMER_KEY"], env["X_CONSUMER_SECRET"],
                     env["X_ACCESS_TOKEN"], "not-the-token-secret")
    with pytest.raises(BadCredentials):
        client.post("Nope")
    assert fake_x.posts == []


def test_a_text_too_long_is_rejected_with_xs_message(fake_x):
    with pytest.raises(Rejected) as raised:
        client_for(fake_x).post("a" * 281)
    assert raised.value.status == 400
    assert "weighted length" in raised.value.message and "281" in raised.value.message


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_unavailable(fake_x, status):
    fake_x.fail_next(status)
    with pytest.raises(Unavailable, match=str(status)):
        client_for(fake_x).post("Down")


def test_a_timeout_is_unavailable_though_the_post_landed(fake_x):
    fake_x.slow_next(1.5)
    with pytest.raises(Unavailable, match="did not answer"):
        client_for(fake_x, timeout=0.5).post("Slow")
    assert fake_x.post_texts() == ["Slow"]


def test_a_dropped_connection_is_unavailable(fake_x):
    fake_x.drop_next()
    with pytest.raises(Unavailable, match="could not reach X"):
        client_for(fake_x).post("Dropped")
    assert fake_x.post_texts() == ["Dropped"]


def test_nothing_unreachable_or_refused_logs_a_credential(fake_x, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_for(fake_x)
    fake_x.fail_next(503)
    with pytest.raises(Unavailable):
        client.post("One")
    fake_x.reject_credentials()
    with pytest.raises(BadCredentials) as raised:
        client.post("Two")
    seen = caplog.text + repr(client) + str(raised.value)
    for secret in (fake_x.env["X_CONSUMER_SECRET"], fake_x.env["X_ACCESS_TOKEN_SECRET"],
                   fake_x.env["X_ACCESS_TOKEN"]):
        assert secret not in seen


def test_the_backoff_grows_is_capped_and_jittered():
    from careers_tv.announce.outbox import BACKOFF_MAX_SECONDS, backoff

    waits = [[backoff(attempt).total_seconds() for _ in range(50)] for attempt in (1, 2, 3, 20)]
    assert all(2.5 <= w <= 5 for w in waits[0]) and all(5 <= w <= 10 for w in waits[1])
    assert all(10 <= w <= 20 for w in waits[2])
    assert all(BACKOFF_MAX_SECONDS / 2 <= w <= BACKOFF_MAX_SECONDS for w in waits[3])
    assert len(set(waits[0])) > 1  # jittered: retries after an outage do not come in step


# -- native video: the v2 chunked media upload --------------------------------------------------

# The fake's media ids are numbers, so this prefix catches append, finalize and STATUS-free paths
# of an upload (`/2/media/upload/<id>/...`) but not initialize.
AN_UPLOADS_OWN_PATH = "/2/media/upload/1"


@pytest.fixture
def clip(media):
    return media.build(make_landscape, duration=1, size=(160, 90), rate=10, audio=False,
                       name="x-clip.mp4")


def test_a_video_goes_up_in_chunks_and_is_attached(fake_x, clip):
    client = client_for(fake_x)
    media_id = client.upload_video(clip, chunk_bytes=4096)

    upload = fake_x.uploads[media_id]
    assert upload.state == "succeeded" and upload.category == "tweet_video"
    assert len(upload.segments) > 1
    assert b"".join(upload.segments[i] for i in sorted(upload.segments)) == clip.read_bytes()
    post_id = client.post("With a video", media_ids=[media_id])
    assert [(p.id, p.media_ids) for p in fake_x.posts] == [(post_id, (media_id,))]


def test_a_video_x_will_not_process_raises_with_xs_reason(fake_x, tmp_path):
    not_a_video = tmp_path / "x-clip.mp4"
    not_a_video.write_bytes(b"these are not the frames you are looking for" * 100)
    with pytest.raises(MediaFailed, match="Unsupported video format"):
        client_for(fake_x).upload_video(not_a_video)
    assert fake_x.posts == []


def test_an_upload_x_refuses_to_start_is_rejected(fake_x, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(Rejected) as raised:
        client_for(fake_x).upload_video(empty)
    assert raised.value.status == 400 and "total_bytes" in raised.value.message


def test_a_server_error_during_append_is_unavailable(fake_x, clip):
    fake_x.fail_next(503, path=AN_UPLOADS_OWN_PATH)
    with pytest.raises(Unavailable, match="503"):
        client_for(fake_x).upload_video(clip)


def test_processing_longer_than_the_bound_is_unavailable(fake_x, clip):
    # The fake asks to check back after 1 s; a bound below that cannot be met.
    with pytest.raises(Unavailable, match="had not processed"):
        client_for(fake_x).upload_video(clip, max_wait=0.5)
    assert fake_x.posts == []
