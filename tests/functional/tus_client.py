"""A small tus 1.0.0 client over Flask's test client, as tus-js-client talks to the server."""

from __future__ import annotations

import base64
import re

LOGIN_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# The portal's pages carry the session's token for scripts (tus-js-client sends it).
PAGE_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ENDPOINT = "/api/v1/uploads"
TUS = {"Tus-Resumable": "1.0.0"}


def login(client, email: str, password: str) -> str:
    """Log in through the portal's form; returns the CSRF token of the new session."""
    html = client.get("/portal/login").get_data(as_text=True)
    token = LOGIN_TOKEN.search(html).group(1)
    response = client.post("/portal/login",
                           data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return PAGE_TOKEN.search(client.get("/portal/").get_data(as_text=True)).group(1)


def metadata_header(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in values.items())


class Tus:
    def __init__(self, client, csrf_token: str | None) -> None:
        self.client = client
        # The messages asserted on are the English ones, whatever the catalogues say.
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        self.csrf = {"X-CSRFToken": csrf_token} if csrf_token else {}

    def create(self, length: int, video: str | None, filename: str = "interview.mp4",
               **headers):
        values = {"filename": filename, "filetype": "video/mp4"}
        if video is not None:
            values["video"] = video
        return self.client.post(ENDPOINT, headers={
            **TUS, **self.csrf, "Upload-Length": str(length),
            "Upload-Metadata": metadata_header(**values), **headers})

    def head(self, url: str, **headers):
        return self.client.head(url, headers={**TUS, **headers})

    def patch(self, url: str, offset: int, data: bytes, **headers):
        return self.client.patch(url, data=data, headers={
            **TUS, **self.csrf, "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream", **headers})

    def delete(self, url: str, **headers):
        return self.client.delete(url, headers={**TUS, **self.csrf, **headers})

    def offset(self, url: str) -> int:
        response = self.head(url)
        assert response.status_code == 200, response.status_code
        return int(response.headers["Upload-Offset"])
