"""A forward HTTP proxy that makes loopback look like a viewer's line: a shared bandwidth cap
on what reaches the browser and a round-trip time added to every request and connection.

Chromium is pointed at it with Playwright's `proxy={"server": proxy.url}` (and
`--proxy-bypass-list=<-loopback>`, or it goes straight to 127.0.0.1). Plain HTTP only: the
benches serve the app over http on loopback, so CONNECT is refused.

Each response is read whole from the server (over loopback, in milliseconds), then sent on
to the browser in 16 KiB chunks through one token bucket shared by every connection, as one
access line is shared by everything a page fetches. Every chunk written is noted with its
time (time.monotonic) and the URL it belongs to, so a bench can count the bytes that reached
the browser in any window and see which files they were.

The added round trip is split as a real one is: half before the request goes on to the
server, half before the first byte of the answer leaves; a new connection pays one whole
round trip first (its TCP handshake).

Stdlib asyncio, in a thread of its own with its own event loop, so the caller may block
(Playwright's sync API) while it runs.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHUNK = 16 * 1024
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization",
              "te", "trailer", "transfer-encoding", "upgrade"}


@dataclass(frozen=True)
class Delivery:
    """`size` bytes of the answer to `url` written to the browser at `at`."""
    at: float
    size: int
    url: str


@dataclass
class Response:
    url: str
    method: str
    status: int
    body_bytes: int
    requested_at: float


@dataclass
class Line:
    """What the proxy saw since the last `reset`; read by the bench after a visit."""
    deliveries: list[Delivery] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)

    def bytes_between(self, start: float, end: float) -> int:
        return sum(d.size for d in self.deliveries if start <= d.at < end)

    def urls_between(self, start: float, end: float) -> list[str]:
        """URLs with at least one byte delivered in the window, in the order first seen."""
        seen: dict[str, None] = {}
        for delivery in self.deliveries:
            if start <= delivery.at < end:
                seen.setdefault(delivery.url, None)
        return list(seen)


class TokenBucket:
    """`rate` bytes/s shared by every caller, with `burst` bytes of credit when idle.

    Callers reserve their chunk's slot in turn and sleep until it has passed, so chunks of
    concurrent answers interleave and the total never exceeds the rate. Only the proxy's
    event loop touches it: no lock."""

    def __init__(self, rate: float, burst: int = 2 * CHUNK):
        self.rate, self.burst = rate, burst
        self.next_free = 0.0

    async def take(self, size: int) -> None:
        now = time.monotonic()
        start = max(self.next_free, now - self.burst / self.rate)
        self.next_free = start + size / self.rate
        if self.next_free > now:
            await asyncio.sleep(self.next_free - now)


class BadRequest(Exception):
    pass


class ThrottledProxy:
    """Start with `with ThrottledProxy(...) as proxy:`; `proxy.url` for the browser."""

    def __init__(self, bits_per_second: float = 10e6, rtt_seconds: float = 0.040):
        self.bits_per_second, self.rtt = bits_per_second, rtt_seconds
        self.bucket = TokenBucket(bits_per_second / 8)
        self.line = Line()
        self.generation = 0
        self.port = 0
        self._clients: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="throttle-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThrottledProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the throttling proxy did not start")
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def reset(self) -> Line:
        """A clean line for the next visit: connections closed (the next visit pays its own
        handshakes), the bucket's backlog dropped, a fresh record (returned). Answers still
        being sent on old connections are no longer recorded."""
        done = threading.Event()

        def clear() -> None:
            self.generation += 1
            for writer in list(self._clients):
                writer.transport.abort()
            self._clients.clear()
            self.bucket.next_free = 0.0
            self.line = Line()
            done.set()

        self._loop.call_soon_threadsafe(clear)
        if not done.wait(10):
            raise RuntimeError("the throttling proxy did not answer")
        return self.line

    # -- the loop's side ---------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        generation = self.generation
        self._clients.add(writer)
        upstreams: dict[tuple[str, int], tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        try:
            await asyncio.sleep(self.rtt)  # the TCP handshake a real line would cost
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not await self._one(head, reader, writer, upstreams, generation):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, BadRequest, OSError):
            pass  # the browser closed the connection (or sent what we do not proxy)
        finally:
            self._clients.discard(writer)
            for _reader, upstream in upstreams.values():
                upstream.close()
            writer.close()

    async def _one(self, head: bytes, reader, writer, upstreams, generation: int) -> bool:
        """Forward one request and send its answer on; False when the connection ends."""
        method, url, headers = parse_request(head)
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return False
        body = b""
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", ""):
            raise BadRequest("chunked request bodies are not proxied")
        requested_at = time.monotonic()
        await asyncio.sleep(self.rtt / 2)  # the request's way to the server
        parts = urlsplit(url)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        status, response_headers, response_body = await self._fetch(
            upstreams, target, method, path, headers, body)
        await asyncio.sleep(self.rtt / 2)  # the answer's way back
        if generation == self.generation:
            self.line.responses.append(Response(url, method, status, len(response_body),
                                                requested_at))
        keep = headers.get("connection", headers.get("proxy-connection", "")).lower() != "close"
        await self._send(writer, url, (method, status), response_headers, response_body, keep,
                         generation)
        return keep

    async def _fetch(self, upstreams, target, method, path, headers, body):
        """The server's whole answer, on a kept-alive connection (opened again if it was
        closed under us)."""
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()
                  if name not in HOP_BY_HOP]
        request = ("\r\n".join(lines) + "\r\nConnection: keep-alive\r\n\r\n").encode("latin-1")
        for attempt in (1, 2):
            if target not in upstreams:
                upstreams[target] = await asyncio.open_connection(*target)
            up_reader, up_writer = upstreams[target]
            try:
                up_writer.write(request + body)
                await up_writer.drain()
                answer = await read_response(up_reader, method)
            except (asyncio.IncompleteReadError, ConnectionError):
                upstreams.pop(target)[1].close()
                if attempt == 2:
                    raise
                continue
            if answer[3]:  # the server will close this one
                upstreams.pop(target)[1].close()
            return answer[:3]
        raise AssertionError("unreachable")

    async def _send(self, writer, url, answer, headers, body, keep, generation) -> None:
        method, status = answer
        # A HEAD or a 304 keeps the server's Content-Length (the size it would have sent);
        # any other body was read whole and un-chunked, so its length is now known.
        bodiless = method == "HEAD" or status in (204, 304)
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}"]
        lines += [f"{name}: {value}" for name, value in headers if name.lower() not in
                  HOP_BY_HOP and (bodiless or name.lower() != "content-length")]
        if not bodiless:
            lines.append(f"Content-Length: {len(body)}")
        lines.append(f"Connection: {'keep-alive' if keep else 'close'}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for start in range(0, len(data), CHUNK):
            chunk = data[start:start + CHUNK]
            await self.bucket.take(len(chunk))
            if generation != self.generation or writer.is_closing():
                raise ConnectionResetError("the visit is over")
            writer.write(chunk)
            await writer.drain()
            self.line.deliveries.append(Delivery(time.monotonic(), len(chunk), url))


REASONS = {200: "OK", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently",
           302: "Found", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden",
           404: "Not Found", 410: "Gone", 500: "Internal Server Error"}


def parse_request(head: bytes) -> tuple[str, str, dict[str, str]]:
    """(method, absolute URL, headers with lower-case names) of a proxy request's head."""
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, url, _version = lines[0].split(" ", 2)
    except ValueError as exc:
        raise BadRequest(lines[0]) from exc
    headers = {}
    for line in lines[1:]:
        if line:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if not url.startswith("http://") and method != "CONNECT":
        raise BadRequest(f"not a proxy request: {lines[0]}")
    return method, url, headers


async def read_response(reader: asyncio.StreamReader, method: str):
    """(status, [(name, value)], body, server closes) of one answer; the body is un-chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = []
    for line in lines[1:]:
        if line:
            name, _sep, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    found = {name.lower(): value for name, value in headers}
    closes = found.get("connection", "").lower() == "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, headers, b"", closes
    if "chunked" in found.get("transfer-encoding", "").lower():
        body = bytearray()
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # no trailers from our servers: the last CRLF
        return status, headers, bytes(body), closes
    if "content-length" in found:
        return status, headers, await reader.readexactly(int(found["content-length"])), closes
    return status, headers, await reader.read(), True  # until the server closes
