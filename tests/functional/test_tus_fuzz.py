"""Fuzzing the tus endpoint (issue 9): random sequences of HEAD, PATCH (right or wrong offsets,
any sizes, odd headers) and DELETE, through the test client. Never a 500; the server's offset
only grows by what it accepted; after a full upload the original holds exactly the bytes sent."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careers_tv.extensions import db
from careers_tv.models import Video, VideoStatus
from tests.factories import PASSWORD, UserFactory, VideoFactory
from tests.functional.tus_client import Tus, login

# Headers a confused or hostile client sends instead of the right ones.
ODD_HEADERS = st.sampled_from([
    {}, {}, {}, {"Tus-Resumable": ""}, {"Tus-Resumable": "0.2.2"},
    {"Content-Type": "application/json"}, {"Content-Type": "text/plain"},
    {"Upload-Offset": "-1"}, {"Upload-Offset": "abc"}, {"Upload-Offset": "9" * 30},
    {"Upload-Offset": " 0"}, {"Upload-Length": "5"}, {"X-CSRFToken": "forged"},
])
PATCH = st.tuples(
    st.just("patch"),
    st.sampled_from(["right", "right", "right", "ahead", "behind", "zero", "huge"]),
    st.integers(min_value=0, max_value=40),
    ODD_HEADERS,
)
STEPS = st.lists(st.one_of(PATCH, st.just(("head",)), st.just(("delete",))), max_size=10)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(length=st.integers(min_value=1, max_value=64), steps=STEPS, finish=st.booleans())
def test_random_tus_requests_never_fail_the_server_nor_lose_bytes(app, client, session,
                                                                  length, steps, finish):
    user = UserFactory()
    video = VideoFactory(created_by=user, status=VideoStatus.UPLOADING)
    session.commit()
    video_id, public_id = video.id, video.public_id
    client.delete_cookie("session")  # each example signs its own user in
    tus = Tus(client, login(client, user.email, PASSWORD))
    data = os.urandom(length)
    url = tus.create(length, public_id).headers["Location"]
    offset, gone = 0, False
    for step in steps:
        if step[0] == "head":
            response = tus.head(url)
        elif step[0] == "delete":
            response = tus.delete(url)
            if response.status_code == 204:
                gone = True
        else:
            _, where, size, headers = step
            at = {"right": offset, "ahead": offset + 1 + size, "behind": max(offset - 1, 0),
                  "zero": 0, "huge": 2**62}[where]
            body = data[at:at + size] if at == offset else os.urandom(size)
            response = tus.patch(url, at, body, **headers)
            if response.status_code == 204:
                assert at == offset and not headers.get("X-CSRFToken")
                offset += len(body)
                assert int(response.headers["Upload-Offset"]) == offset
        assert response.status_code < 500, (step, response.get_data(as_text=True))
        assert response.headers["Tus-Resumable"] == "1.0.0"
        if response.status_code >= 400 and step[0] != "head":
            assert response.json["error"]["message"]
        head = tus.head(url)
        if gone:
            assert head.status_code == 410
        else:
            assert int(head.headers["Upload-Offset"]) == offset <= length
    if finish and not gone:
        response = tus.patch(url, offset, data[offset:])
        assert response.status_code == 204, response.get_data(as_text=True)
        offset = length
    video = db.session.get(Video, video_id, populate_existing=True)
    if offset == length and not gone:
        assert video.status is VideoStatus.QUEUED
        with app.extensions["storage"].open(video.original_key) as stored:
            assert stored.read() == data
    else:
        assert video.status in (VideoStatus.UPLOADING, VideoStatus.DRAFT)
        assert video.original_key is None
