"""Headless Chromium (Debian's), driven by pytest-playwright."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Playwright's wait_for_function evaluates its argument with eval() in the page, which
    # our Content-Security-Policy refuses; test_csp.py runs with the policy enforced.
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def vendor_js():
    hls = VENDOR / "hls.min.js"
    if not hls.exists():
        pytest.fail("static/vendor/hls.min.js is missing: `make test` copies it from npm")
    return VENDOR


@pytest.fixture
def static_server(tmp_path):
    """Serve a folder over HTTP on a free loopback port; yields (folder, base URL)."""
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment"}

    def log_message(self, format, *args):  # noqa: A002 - keep test output readable
        pass


@pytest.fixture
def proxy(app, test_env, tmp_path):
    """The app under gunicorn (test database and storage; data via `committed`), reached
    through a shaky line (throttle, cut) that notes the requests. The app's public address
    is the proxy's, so media URLs in its pages go through the same line."""
    from .live import LiveServer, Proxy, free_port

    port = free_port()
    line = Proxy(port)
    server = LiveServer({**test_env, "PUBLIC_BASE_URL": line.url}, tmp_path, port=port)
    try:
        server.wait_ready()
        yield line
    finally:
        server.stop()
        line.stop()
