"""The fake X API answers like X: auth, weighted length, duplicates, scripted faults, media upload.

Requests are signed by requests_oauthlib.OAuth1, the client library the app uses, and the fake
verifies the HMAC-SHA1 signature with oauthlib (x_oauth.py): a wrong secret or a request changed
after signing gets 401.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests
from requests_oauthlib import OAuth1

from tests import media as m
from tests.fakes.x_api import DUPLICATE_MESSAGE, FakeX
from tests.fakes.x_oauth import TEST_CREDENTIALS
from tests.fakes.x_text import weighted_length

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401,
                "detail": "Unauthorized"}
URL = "https://careers.example.com/videos/un-titre-assez-long-pour-depasser-vingt-trois"
Auth = Callable[[requests.PreparedRequest], requests.PreparedRequest]


def signed(*, consumer_key: str = TEST_CREDENTIALS.consumer_key,
           consumer_secret: str = TEST_CREDENTIALS.consumer_secret,
           token: str = TEST_CREDENTIALS.access_token,
           token_secret: str = TEST_CREDENTIALS.access_token_secret,
           nonce: str | None = None, timestamp: int | None = None) -> OAuth1:
    """requests_oauthlib's OAuth1 signer; fixed nonce or timestamp only when a test needs one."""
    fixed = {key: str(value) for key, value in (("nonce", nonce), ("timestamp", timestamp))
             if value is not None}
    return OAuth1(consumer_key, consumer_secret, token, token_secret, **fixed)


def unsigned(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


def bearer(request: requests.PreparedRequest) -> requests.PreparedRequest:
    request.headers["Authorization"] = "Bearer app-only-token"
    return request


def post(fake_x: FakeX, text: str, *, auth: Auth | None = None, timeout: float = 10,
         media_ids: list[str] | None = None) -> requests.Response:
    body: dict = {"text": text}
    if media_ids:
        body["media"] = {"media_ids": media_ids}
    return requests.post(f"{fake_x.base_url}/2/tweets", json=body, timeout=timeout,
                         auth=signed() if auth is None else auth)


def send_tampered(request: requests.Request, tamper: Callable[[requests.PreparedRequest], None]
                  ) -> requests.Response:
    """Sign `request` (its auth), change it with `tamper`, then send it as changed."""
    prepared = request.prepare()
    tamper(prepared)
    with requests.Session() as session:
        return session.send(prepared, timeout=10)


def test_a_signed_post_is_accepted_and_recorded(fake_x):
    answer = post(fake_x, "Nouvelle vidéo : " + URL)

    assert answer.status_code == 201
    data = answer.json()["data"]
    assert data["id"].isdigit()
    assert data["text"].startswith("Nouvelle vidéo : https://t.co/")
    assert [(p.id, p.text, p.media_ids) for p in fake_x.posts] == [
        (data["id"], "Nouvelle vidéo : " + URL, ())]
    assert int(answer.headers["x-rate-limit-remaining"]) == 99
    assert answer.headers["x-rate-limit-limit"] == "100"
    assert int(answer.headers["x-rate-limit-reset"]) > time.time()


@pytest.mark.parametrize("auth", [
    unsigned,
    bearer,
    signed(consumer_key="someone-else"),
    signed(token="another-account"),
    signed(consumer_secret="not-the-consumer-secret"),
    signed(token_secret="not-the-token-secret"),
    signed(timestamp=int(time.time()) - 301),
], ids=["no header", "bearer", "wrong consumer key", "wrong token", "wrong consumer secret",
        "wrong token secret", "stale timestamp"])
def test_requests_without_the_account_s_oauth_are_refused(fake_x, auth):
    answer = post(fake_x, "hello", auth=auth)

    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED
    assert answer.headers["x-rate-limit-remaining"] == "99"
    assert fake_x.posts == []


def test_a_post_changed_after_signing_is_refused(fake_x):
    request = requests.Request("POST", f"{fake_x.base_url}/2/tweets", json={"text": "hi"},
                               auth=signed())

    def to_another_host(prepared: requests.PreparedRequest) -> None:
        prepared.url = prepared.url.replace("127.0.0.1", "localhost")

    answer = send_tampered(request, to_another_host)

    assert answer.status_code == 401
    assert fake_x.posts == []


def test_a_replayed_nonce_is_refused(fake_x):
    auth = signed(nonce="same-nonce")
    assert post(fake_x, "first", auth=auth).status_code == 201

    answer = post(fake_x, "second", auth=auth)

    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED
    assert fake_x.post_texts() == ["first"]


def test_revoked_credentials_get_401_from_then_on(fake_x):
    assert post(fake_x, "before").status_code == 201
    fake_x.reject_credentials()

    assert post(fake_x, "after").json() == UNAUTHORIZED
    assert post(fake_x, "again").status_code == 401
    assert fake_x.post_texts() == ["before"]


@pytest.mark.parametrize("text, expected", [
    ("hello", 5),
    (URL, 23),
    ("see http://a.b.", 4 + 23 + 1),
    ("日本語", 6),
    ("🎬 é", 4),
    (chr(4351) + chr(4352), 3),
    (chr(8205) + chr(8206) + chr(8208) + chr(8242) + chr(8248), 1 + 2 + 1 + 1 + 2),
])
def test_weighted_length_follows_x_rules(text, expected):
    assert weighted_length(text) == expected


@pytest.mark.parametrize("text", [
    "a" * 256 + " " + URL,
    "日" * 140,
])
def test_texts_of_280_weighted_characters_are_accepted(fake_x, text):
    assert post(fake_x, text).status_code == 201


@pytest.mark.parametrize("text", ["a" * 257 + " " + URL, "日" * 140 + "a", "a" * 281])
def test_texts_over_280_weighted_characters_are_refused(fake_x, text):
    answer = post(fake_x, text)

    assert answer.status_code == 400
    assert "281" in answer.json()["errors"][0]["message"]
    assert fake_x.posts == []


def test_a_duplicate_text_gets_x_s_403(fake_x):
    assert post(fake_x, "Once only").status_code == 201

    answer = post(fake_x, "Once only")

    assert answer.status_code == 403
    assert answer.json() == {"title": "Forbidden", "type": "about:blank", "status": 403,
                             "detail": DUPLICATE_MESSAGE}
    assert fake_x.post_texts() == ["Once only"]


def test_a_scripted_429_carries_the_reset_time_and_holds_until_then(fake_x):
    fake_x.fail_next(429, reset_in=30)

    answers = [post(fake_x, "rate limited"), post(fake_x, "rate limited")]

    for answer in answers:
        assert answer.status_code == 429
        assert answer.json()["title"] == "Too Many Requests"
        assert answer.headers["x-rate-limit-remaining"] == "0"
        assert abs(int(answer.headers["x-rate-limit-reset"]) - (time.time() + 30)) <= 2
        assert "Retry-After" not in answer.headers
    assert fake_x.posts == []


def test_after_the_reset_time_posts_are_accepted_again(fake_x):
    fake_x.fail_next(429, reset_in=0)

    assert post(fake_x, "later").status_code == 429
    assert post(fake_x, "later").status_code == 201
    assert fake_x.post_texts() == ["later"]


def test_the_rate_window_runs_out_by_itself():
    with FakeX(rate_limit=2) as fake_x:
        codes = [post(fake_x, f"post {n}").status_code for n in range(3)]

    assert codes == [201, 201, 429]
    assert fake_x.post_texts() == ["post 0", "post 1"]


def test_three_503s_then_success(fake_x):
    fake_x.fail_next(503, times=3)

    answers = [post(fake_x, "through the storm") for _ in range(4)]

    assert [a.status_code for a in answers] == [503, 503, 503, 201]
    assert answers[0].json() == {"title": "Service Unavailable", "type": "about:blank",
                                 "status": 503, "detail": "Service Unavailable"}
    assert fake_x.post_texts() == ["through the storm"]


def test_a_script_can_be_kept_for_one_path(fake_x):
    fake_x.fail_next(503, path="/2/tweets")

    upload = requests.post(f"{fake_x.base_url}/2/media/upload/initialize", auth=signed(),
                           json={"media_type": "video/mp4", "total_bytes": 10,
                                 "media_category": "tweet_video"}, timeout=10)

    assert upload.status_code == 200
    assert post(fake_x, "x").status_code == 503


def test_a_slow_answer_times_the_client_out_but_the_post_is_kept(fake_x):
    fake_x.slow_next(3)

    with pytest.raises(requests.Timeout):
        post(fake_x, "slow news", timeout=0.5)

    assert fake_x.post_texts() == ["slow news"]
    retry = post(fake_x, "slow news")
    assert retry.status_code == 403
    assert retry.json()["detail"] == DUPLICATE_MESSAGE


def test_a_dropped_connection_still_records_the_post(fake_x):
    fake_x.drop_next()

    with pytest.raises(requests.ConnectionError):
        post(fake_x, "lost answer")

    assert fake_x.post_texts() == ["lost answer"]
    assert fake_x.requests[-1] == ("POST", "/2/tweets", None)


# -- media upload -------------------------------------------------------------------------------

def upload(fake_x: FakeX, data: bytes, *, total_bytes: int | None = None,
           chunk: int = 64 * 1024) -> tuple[str, dict]:
    """initialize, append in chunks, finalize; the finalize answer's data."""
    base = f"{fake_x.base_url}/2/media/upload"
    init = requests.post(f"{base}/initialize", auth=signed(), timeout=10, json={
        "media_type": "video/mp4", "total_bytes": total_bytes or len(data),
        "media_category": "tweet_video"})
    assert init.status_code == 200, init.text
    media_id = init.json()["data"]["id"]
    assert init.json()["data"]["media_key"] == f"7_{media_id}"
    for index, start in enumerate(range(0, len(data), chunk)):
        appended = requests.post(f"{base}/{media_id}/append", auth=signed(), timeout=10,
                                 data={"segment_index": index},
                                 files={"media": ("chunk", data[start:start + chunk])})
        assert appended.status_code == 200, appended.text
    final = requests.post(f"{base}/{media_id}/finalize", auth=signed(), timeout=10)
    assert final.status_code == 200, final.text
    return media_id, final.json()["data"]


def poll(fake_x: FakeX, media_id: str) -> dict:
    answer = requests.get(f"{fake_x.base_url}/2/media/upload", auth=signed(),
                          params={"command": "STATUS", "media_id": media_id}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["processing_info"]


def test_a_video_uploaded_in_chunks_can_be_attached_to_a_post(fake_x, media):
    video = media.short.read_bytes()
    media_id, finalized = upload(fake_x, video)

    assert finalized["processing_info"] == {"state": "pending", "check_after_secs": 1}
    assert post(fake_x, "too early", media_ids=[media_id]).status_code == 400
    assert poll(fake_x, media_id)["state"] == "in_progress"
    assert poll(fake_x, media_id) == {"state": "succeeded"}

    answer = post(fake_x, "With the video", media_ids=[media_id])

    assert answer.status_code == 201
    assert [(p.text, p.media_ids) for p in fake_x.posts] == [("With the video", (media_id,))]
    assert fake_x.uploads[media_id].duration == pytest.approx(2, abs=0.2)


def test_an_upload_short_of_its_total_bytes_fails_processing(fake_x, media):
    video = media.short.read_bytes()
    media_id, _ = upload(fake_x, video, total_bytes=len(video) + 1)

    poll(fake_x, media_id)
    info = poll(fake_x, media_id)

    assert info["state"] == "failed"
    assert "expected total_bytes" in info["error"]["message"]
    assert post(fake_x, "broken", media_ids=[media_id]).status_code == 400


def test_a_video_over_140_seconds_fails_processing(fake_x, media):
    video = media.build(m.make_landscape, duration=141, size=(64, 64), rate=2, audio=False,
                        name="long.mp4")
    media_id, _ = upload(fake_x, video.read_bytes())

    poll(fake_x, media_id)
    info = poll(fake_x, media_id)

    assert info["state"] == "failed"
    assert info["error"]["name"] == "InvalidMedia"
    assert "Duration too long" in info["error"]["message"]


def test_reset_forgets_posts_scripts_and_revocation(fake_x):
    assert post(fake_x, "same text").status_code == 201
    fake_x.fail_next(503)
    fake_x.reject_credentials()

    fake_x.reset()

    assert fake_x.posts == []
    assert post(fake_x, "same text").status_code == 201


# -- signatures over the upload's query, path and form body ----------------------------------------

def start_upload(fake_x: FakeX, total_bytes: int = 4) -> str:
    answer = requests.post(f"{fake_x.base_url}/2/media/upload/initialize", auth=signed(),
                           json={"media_type": "video/mp4", "total_bytes": total_bytes,
                                 "media_category": "tweet_video"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["id"]


def finalize(fake_x: FakeX, media_id: str) -> None:
    answer = requests.post(f"{fake_x.base_url}/2/media/upload/{media_id}/finalize",
                           auth=signed(), timeout=10)
    assert answer.status_code == 200, answer.text


def test_a_signed_multipart_append_and_status_poll_are_accepted(fake_x):
    media_id = start_upload(fake_x)

    appended = requests.post(f"{fake_x.base_url}/2/media/upload/{media_id}/append",
                             auth=signed(), data={"segment_index": 0},
                             files={"media": ("chunk", b"abcd")}, timeout=10)
    finalize(fake_x, media_id)

    assert appended.status_code == 200, appended.text
    assert fake_x.uploads[media_id].segments == {0: b"abcd"}
    assert poll(fake_x, media_id)["state"] == "in_progress"


def test_a_status_query_changed_after_signing_is_refused(fake_x):
    signed_for, sent_for = start_upload(fake_x), start_upload(fake_x)
    finalize(fake_x, signed_for)
    finalize(fake_x, sent_for)
    request = requests.Request("GET", f"{fake_x.base_url}/2/media/upload", auth=signed(),
                               params={"command": "STATUS", "media_id": signed_for})

    def to_the_other_upload(prepared: requests.PreparedRequest) -> None:
        prepared.url = prepared.url.replace(signed_for, sent_for)

    answer = send_tampered(request, to_the_other_upload)

    assert answer.status_code == 401
    assert answer.json() == UNAUTHORIZED
    assert poll(fake_x, sent_for)["state"] == "in_progress"  # its first poll is still to come


def test_a_path_changed_after_signing_is_refused(fake_x):
    signed_for, sent_for = start_upload(fake_x), start_upload(fake_x)
    request = requests.Request(
        "POST", f"{fake_x.base_url}/2/media/upload/{signed_for}/finalize", auth=signed())

    def to_the_other_upload(prepared: requests.PreparedRequest) -> None:
        prepared.url = prepared.url.replace(signed_for, sent_for)

    assert send_tampered(request, to_the_other_upload).status_code == 401
    assert fake_x.uploads[sent_for].state == "uploading"


FORM = {"media_type": "video/mp4", "total_bytes": "10", "media_category": "tweet_video"}


def test_a_signed_form_encoded_initialize_is_accepted(fake_x):
    answer = requests.post(f"{fake_x.base_url}/2/media/upload/initialize", auth=signed(),
                           data=FORM, timeout=10)

    assert answer.status_code == 200, answer.text
    assert fake_x.uploads[answer.json()["data"]["id"]].total_bytes == 10


def test_a_form_body_changed_after_signing_is_refused(fake_x):
    request = requests.Request("POST", f"{fake_x.base_url}/2/media/upload/initialize",
                               auth=signed(), data=FORM)

    def to_another_size(prepared: requests.PreparedRequest) -> None:
        assert isinstance(prepared.body, bytes) and b"total_bytes=10" in prepared.body
        prepared.body = prepared.body.replace(b"total_bytes=10", b"total_bytes=99")

    answer = send_tampered(request, to_another_size)

    assert answer.status_code == 401
    assert fake_x.uploads == {}
