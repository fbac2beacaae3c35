"""A recording HTTP/1.1 proxy for loopback tests: every byte both ways, and holds.

A node is pointed at the proxy (``connector-node hub connect --url <proxy.url>``) instead
of the hub, so the test sees exactly what crossed the wire (the privacy canary searches
it), can count requests, and can stop one request or response in flight to kill a
process at a precise moment. Each request gets its own upstream connection, so a hub
restarted on the same port is picked up without stale keep-alive sockets.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.federation.harness import free_port

_BUFFER = 65536


class _Closed(Exception):
    """The peer closed the connection before a whole message arrived."""


@dataclass
class Exchange:
    """One request and (when one came back) its response, as raw bytes and parsed."""

    method: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes
    request_raw: bytes
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    response_raw: bytes = b""

    def request_json(self) -> Any:
        return json.loads(self.request_body)

    def response_json(self) -> Any:
        return json.loads(self.response_body)


@dataclass
class Hold:
    """Stop the ``nth`` matching message at ``phase`` until released.

    ``phase`` is ``"request"`` (before it is forwarded to the hub) or ``"response"``
    (after the hub answered, before the node sees the answer).
    """

    method: str
    path: str
    nth: int
    phase: str
    seen: int = 0
    drop: bool = True
    exchange: Exchange | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)

    def release(self, *, drop: bool) -> None:
        """Let the held message go on (``drop=False``) or close the node's connection."""
        self.drop = drop
        self._released.set()

    def wait_reached(self, timeout: float = 60) -> Exchange:
        if not self.reached.wait(timeout):
            raise AssertionError(f"{self.method} {self.path} #{self.nth} never reached the proxy")
        assert self.exchange is not None
        return self.exchange


class _Stream:
    """A socket with a read buffer that keeps every byte it read."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> None:
        chunk = self.sock.recv(_BUFFER)
        if not chunk:
            raise _Closed
        self.buffer += chunk

    def read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        index = self.buffer.index(marker) + len(marker)
        data, self.buffer = self.buffer[:index], self.buffer[index:]
        return data

    def read_exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def read_to_close(self) -> bytes:
        try:
            while True:
                self._fill()
        except (_Closed, OSError):
            pass
        data, self.buffer = self.buffer, b""
        return data


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


def _read_body(stream: _Stream, headers: dict[str, str], *, to_close: bool) -> tuple[bytes, bytes]:
    """Return (raw bytes of the body as sent, decoded body)."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = b""
        body = b""
        while True:
            size_line = stream.read_until(b"\r\n")
            raw += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            chunk = stream.read_exact(size + 2)
            raw += chunk
            body += chunk[:-2]
            if size == 0:
                # Trailers (none expected) end with an empty line; the chunk read it.
                return raw, body
    if "content-length" in headers:
        data = stream.read_exact(int(headers["content-length"]))
        return data, data
    if to_close:
        data = stream.read_to_close()
        return data, data
    return b"", b""


class RecordingProxy:
    """Forward 127.0.0.1:<port> to 127.0.0.1:<upstream_port>, recording everything."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.exchanges: list[Exchange] = []
        self.stray: list[bytes] = []  # bytes of messages cut off before they were whole
        self.holds: list[Hold] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._connections: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Inspection ---------------------------------------------------------------------

    def mark(self) -> int:
        with self._lock:
            return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges[mark:])

    def requests_to(self, method: str, path: str, since: int = 0) -> list[Exchange]:
        return [e for e in self.since(since) if e.method == method and e.path.startswith(path)]

    def all_bytes(self) -> bytes:
        """Every byte that went through, in either direction."""
        with self._lock:
            parts = [e.request_raw + e.response_raw for e in self.exchanges] + self.stray
        return b"\n".join(parts)

    def hold(self, method: str, path: str, *, nth: int, phase: str) -> Hold:
        assert phase in ("request", "response")
        hold = Hold(method, path, nth, phase)
        with self._lock:
            self.holds.append(hold)
        return hold

    def close(self) -> None:
        self._closed = True
        for hold in self.holds:
            hold.release(drop=True)
        self._server.close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.close()

    # Serving ------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _held(self, exchange: Exchange, phase: str) -> bool:
        """Apply any hold on this message; return True when it must be dropped."""
        with self._lock:
            matching = [
                h
                for h in self.holds
                if h.phase == phase
                and h.method == exchange.method
                and exchange.path.startswith(h.path)
            ]
            due = []
            for hold in matching:
                hold.seen += 1
                if hold.seen == hold.nth:
                    hold.exchange = exchange
                    due.append(hold)
        drop = False
        for hold in due:
            hold.reached.set()
            hold._released.wait(120)
            drop = drop or hold.drop
        return drop

    def _serve(self, client: socket.socket) -> None:
        stream = _Stream(client)
        try:
            while True:
                try:
                    head = stream.read_until(b"\r\n\r\n")
                except _Closed:
                    if stream.buffer:
                        self.stray.append(stream.buffer)
                    return
                request_line, headers = _parse_head(head)
                method, path, _version = request_line.split(" ", 2)
                raw_body, body = _read_body(stream, headers, to_close=False)
                exchange = Exchange(method, path, headers, body, head + raw_body)
                with self._lock:
                    self.exchanges.append(exchange)
                if self._held(exchange, "request"):
                    return
                if not self._forward(exchange):
                    return
                if self._held(exchange, "response"):
                    return
                client.sendall(exchange.response_raw)
                if "close" in exchange.response_headers.get("connection", "").lower():
                    return
        except (OSError, _Closed, ValueError):
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _forward(self, exchange: Exchange) -> bool:
        """Send the request upstream on a fresh connection and record the answer."""
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        except OSError:
            return False
        stream = _Stream(upstream)
        try:
            upstream.sendall(exchange.request_raw)
            head = stream.read_until(b"\r\n\r\n")
            status_line, headers = _parse_head(head)
            status = int(status_line.split(" ", 2)[1])
            if exchange.method == "HEAD" or status in (204, 304) or status < 200:
                raw_body, body = b"", b""
            else:
                raw_body, body = _read_body(stream, headers, to_close=True)
        except (OSError, _Closed, ValueError):
            if stream.buffer:
                self.stray.append(stream.buffer)
            return False
        finally:
            upstream.close()
        exchange.status = status
        exchange.response_headers = headers
        exchange.response_body = body
        exchange.response_raw = head + raw_body
        return True
