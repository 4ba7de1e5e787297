"""WebSocket through the gateway (issue 5, item 5), over ws:// and wss://.

One manifest-mode gateway (http + https listeners, 1 worker) in front of two backends:
- `waygate echo`: after its 101 it echoes raw bytes, so frames come back exactly as sent
  (masked); websocket-client unmasks them, and raw clients can check byte transparency.
- `FramesBackend`: a small RFC 6455 server on a RawBackend (records the upgrade request as
  received, unmasks client frames, answers unmasked, pong for ping, close for close), so the
  tests can see what the backend saw: headers, close codes, EOF.

Every behaviour is tested twice by the same mixin: `PlainWebSocketTest` (ws://, hosts *.test)
and `TlsWebSocketTest` (wss://, SNI and Host *.example.com, certificate from a TLS Secret and
verified against the run's CA). `H2cOverTlsTest` pins that `Upgrade: h2c` over TLS never turns
the connection into HTTP/2.

Tunnel completions are visible in /metrics as nginx_ingress_controller_requests with
status="101", labelled with the route's host and path; the close tests use a dedicated path
each, so "the gateway freed the tunnel" is an exact count, polled, never slept for.
"""

import base64
import hashlib
import os
import socket
import ssl
import time
import unittest
import uuid

import websocket  # Debian python3-websocket (websocket-client)

from harness import (Client, ConnectionClosed, EchoBackend, Gateway, RawBackend,
                     backend_objects, build_request, ingress, make_temp_dir, metric_sum,
                     path_entry, simple_response, wait_until, yaml_docs)
from tls_certs import Pki, client_context, handshake

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
TLS_HOSTS = ["echo.example.com", "frames.example.com", "idle.example.com", "h2c.example.com",
             "h2c101.example.com"]
# Paths with a route of their own, so the 101 completions of one test are counted alone.
CLOSE_PATHS = ["/close-frame", "/close-drop", "/server-close"]
MIB = 1 << 20

PKI = None
LEAF = None
ECHO = None
FRAMES = None
GW = None


# ---------------------------------------------------------------------------------------------
# RFC 6455 framing
# ---------------------------------------------------------------------------------------------


def accept_for(key):
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


def xor_mask(data, key):
    n = len(data)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, mask=True):
    """One frame; clients mask (RFC 6455 5.3), servers do not."""
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head = bytes([b0, mbit | n])
    elif n < 65536:
        head = bytes([b0, mbit | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, mbit | 127]) + n.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + xor_mask(payload, key)


def close_payload(code, reason=b""):
    return code.to_bytes(2, "big") + reason


def read_frame(read_exact):
    """(fin, opcode, masked, payload) of the next frame; `read_exact(n)` supplies bytes."""
    b0, b1 = read_exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(read_exact(2), "big")
    elif n == 127:
        n = int.from_bytes(read_exact(8), "big")
    masked = bool(b1 & 0x80)
    key = read_exact(4) if masked else None
    payload = read_exact(n) if n else b""
    if masked:
        payload = xor_mask(payload, key)
    return bool(b0 & 0x80), b0 & 0x0F, masked, payload


def handshake_headers(key, extra=()):
    return [("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Key", key),
            ("Sec-WebSocket-Version", "13")] + list(extra)


def new_key():
    return base64.b64encode(os.urandom(16)).decode()


# ---------------------------------------------------------------------------------------------
# The RFC 6455 backend
# ---------------------------------------------------------------------------------------------


class FrameReader:
    """Reads the bytes after the upgrade request of a RawConnection (which records them all)."""

    def __init__(self, conn):
        self.conn = conn

    def read_exact(self, n):
        c = self.conn
        while len(c.data) - c.consumed < n:
            if not c.recv_some():
                raise EOFError("peer closed")
        data = bytes(c.data[c.consumed:c.consumed + n])
        c.consumed += n
        return data

    def rest(self):
        c = self.conn
        data = bytes(c.data[c.consumed:])
        c.consumed = len(c.data)
        return data


def frames_handler(conn):
    """Upgrade requests for websocket get a 101 and an RFC 6455 echo; `/refuse...` targets and
    requests without Upgrade get a plain 200 (keep-alive); any other Upgrade token (h2c) gets a
    101 naming it and a raw byte echo, the way a lenient backend would switch."""
    conn.ws_frames = []      # (fin, opcode, masked, payload) received after the 101
    conn.ws_close = None     # payload of the client's close frame
    conn.ws_eof = False      # the gateway closed the upstream side
    while True:
        req = conn.recv_request()
        if req is None:
            return
        upgrade = (req.header("upgrade") or "").strip().lower()
        if not upgrade or req.target.startswith("/refuse"):
            if not conn.send(simple_response(200, b"plain-http", [("X-Frames", "http")])):
                return
            continue
        if upgrade != "websocket":
            conn.send(f"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                      f"Upgrade: {upgrade}\r\n\r\n".encode())
            reader = FrameReader(conn)
            pending = reader.rest()
            while True:
                if pending and not conn.send(pending):
                    return
                pending = conn.recv_some()
                if not pending:
                    return
                reader.rest()
        head = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Accept: " + accept_for(req.header("sec-websocket-key") or "")]
        offered = req.header("sec-websocket-protocol")
        if offered:
            head.append("Sec-WebSocket-Protocol: " + offered.split(",")[0].strip())
        if not conn.send(("\r\n".join(head) + "\r\n\r\n").encode()):
            return
        serve_frames(conn, req)
        return


def serve_frames(conn, req):
    reader = FrameReader(conn)
    if req.target.startswith("/server-close"):
        conn.send(frame(OP_CLOSE, close_payload(1001, b"going away"), mask=False))
    try:
        while True:
            f = read_frame(reader.read_exact)
            with conn.backend.lock:
                conn.ws_frames.append(f)
            fin, opcode, _, payload = f
            if opcode in (OP_CONT, OP_TEXT, OP_BINARY):
                if not conn.send(frame(opcode, payload, fin=fin, mask=False)):
                    return
            elif opcode == OP_PING:
                if not conn.send(frame(OP_PONG, payload, mask=False)):
                    return
            elif opcode == OP_CLOSE:
                with conn.backend.lock:
                    conn.ws_close = payload
                if not req.target.startswith("/server-close"):
                    conn.send(frame(OP_CLOSE, payload, mask=False))
                # RFC 6455 7.1.1: the server closes the TCP connection first.
                conn.close()
                return
    except EOFError:
        with conn.backend.lock:
            conn.ws_eof = True


class FramesBackend(RawBackend):
    def __init__(self, cleanup):
        super().__init__(cleanup, frames_handler)

    def connection_for(self, target):
        """The upstream connection that carried the request for `target` (waits for it). The
        gateway may send it on a pooled connection that served plain requests before."""
        def find():
            with self.lock:
                for c in self.connections:
                    if any(r.target == target for r in c.requests):
                        return c
            return None
        return wait_until(find, what=f"backend connection for {target}")

    def request_for(self, target):
        return next(r for r in self.connection_for(target).requests if r.target == target)


# ---------------------------------------------------------------------------------------------
# Module fixture: one gateway for every test
# ---------------------------------------------------------------------------------------------


def manifests():
    objs = backend_objects("echo", ECHO.port) + backend_objects("frames", FRAMES.port)
    objs.append(LEAF.secret("ws-tls"))

    def frames_paths():
        return [path_entry("/", "frames")] + [path_entry(p, "frames") for p in CLOSE_PATHS]

    plain = ingress("plain", rules=[("echo.test", [path_entry("/", "echo")]),
                                    ("frames.test", frames_paths())])
    secure = ingress("secure", rules=[("echo.example.com", [path_entry("/", "echo")]),
                                      ("frames.example.com", frames_paths()),
                                      ("h2c.example.com", [path_entry("/", "echo")]),
                                      ("h2c101.example.com", [path_entry("/", "frames")])])
    secure["spec"]["tls"] = [{"hosts": TLS_HOSTS, "secretName": "ws-tls"}]
    idle = ingress("idle", rules=[("idle.test", [path_entry("/", "frames")]),
                                  ("idle.example.com", [path_entry("/", "frames")])],
                   annotations={"nginx.ingress.kubernetes.io/proxy-read-timeout": "1"})
    idle["spec"]["tls"] = [{"hosts": ["idle.example.com"], "secretName": "ws-tls"}]
    return yaml_docs(*objs, plain, secure, idle)


def setUpModule():
    global PKI, LEAF, ECHO, FRAMES, GW
    cleanup = unittest.addModuleCleanup
    PKI = Pki(make_temp_dir(cleanup, "waygate-e2e-ws-pki-"))
    LEAF = PKI.leaf("ws", TLS_HOSTS)
    ECHO = EchoBackend(cleanup, "ws-echo")
    FRAMES = FramesBackend(cleanup)
    GW = Gateway(cleanup, {"objects.yaml": manifests()},
                 args=["--https-listen", "127.0.0.1:0"], listeners=["http", "https", "admin"])
    GW.https = GW.proc.address("https")
    for host, check in (("echo.test", lambda r: r.header("x-echo-name") == "ws-echo"),
                        ("frames.test", lambda r: r.body == b"plain-http"),
                        ("idle.test", lambda r: r.body == b"plain-http")):
        GW.wait_route(host, "/", lambda r, check=check: r.status == 200 and check(r))
    wait_until(lambda: handshake(GW.https, "frames.example.com").der == LEAF.der,
               what="frames.example.com served with its Secret's certificate")
    # The https routes: a plain GET through TLS reaches the backend.
    for host in ("echo.example.com", "frames.example.com", "idle.example.com"):
        wait_until(lambda host=host: https_get(host).status == 200, what=f"https {host}")


# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------


def tls_context():
    """Verifies the gateway's certificate against this run's CA; ALPN offers only http/1.1
    (WebSocket over HTTP/2, RFC 8441, is not what these tests are about)."""
    ctx = client_context(alpn=("http/1.1",), cafile=PKI.ca_cert)
    ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF  # a tunnel torn down without close_notify
    return ctx


class TlsRawClient(Client):
    """harness.Client (raw bytes, exact framing) after a verified TLS handshake with `sni`."""

    def __init__(self, address, sni, timeout=5.0):
        super().__init__(address, timeout=timeout)
        self.sock = tls_context().wrap_socket(self.sock, server_hostname=sni)


def https_get(host, target="/"):
    with TlsRawClient(GW.https, host) as c:
        c.send(build_request("GET", target, host, [("Connection", "close")]))
        return c.read_response()


def tunnel_completions(host, path):
    return metric_sum(GW.metrics(), "nginx_ingress_controller_requests", host=host, path=path,
                      status="101")


class WebSocketCases:
    """The tests, run once per scheme by the subclasses below."""

    TLS = False

    def setUp(self):
        GW.assert_alive()

    # --- per-scheme plumbing ---
    def host(self, kind):
        return f"{kind}.example.com" if self.TLS else f"{kind}.test"

    def listen_port(self):
        return (GW.https if self.TLS else GW.http)[1]

    def raw(self, kind, timeout=5.0):
        c = (TlsRawClient(GW.https, self.host(kind), timeout) if self.TLS
             else Client(GW.http, timeout=timeout))
        self.addCleanup(c.close)
        return c

    def ws(self, kind, path="/ws", **options):
        """A websocket-client connection through the gateway."""
        host = self.host(kind)
        if self.TLS:
            sock = socket.create_connection(GW.https, timeout=5)
            sock = tls_context().wrap_socket(sock, server_hostname=host)
            url = f"wss://{host}:{GW.https[1]}{path}"
            options["socket"] = sock
        else:
            url = f"ws://{GW.http[0]}:{GW.http[1]}{path}"
        conn = websocket.create_connection(url, timeout=5, host=host, **options)
        self.addCleanup(conn.shutdown)
        return conn

    def upgrade(self, kind, target, extra=()):
        """Raw client after a 101 for `target`; returns (client, response, key)."""
        c = self.raw(kind)
        key = new_key()
        c.send(build_request("GET", target, self.host(kind), handshake_headers(key, extra)))
        r = c.read_response()
        self.assertEqual(r.status, 101, repr(r))
        self.assertEqual(r.header("sec-websocket-accept"), accept_for(key))
        return c, r, key

    def unique(self, path):
        return f"{path}?id={uuid.uuid4().hex}"

    # --- (1)/(2) echo ---
    def test_text_and_binary_round_trips(self):
        ws = self.ws("echo")
        messages = [(OP_TEXT, "hello"), (OP_BINARY, b"\x00\x01\xfe\xff"),
                    (OP_TEXT, "h\u00e9llo \u2713 \U0001f600"), (OP_BINARY, bytes(range(256))),
                    (OP_TEXT, "x" * 125), (OP_TEXT, "y" * 126), (OP_BINARY, b"z" * 65536)]
        for round_trip in range(3):
            for opcode, data in messages:
                ws.send(data, opcode=opcode)
                got_opcode, got = ws.recv_data()
                expected = data.encode() if isinstance(data, str) else data
                self.assertEqual((got_opcode, got), (opcode, expected),
                                 f"round {round_trip}, {len(expected)} bytes")

    def test_rfc6455_backend_text_binary_and_ping_pong(self):
        target = self.unique("/ws")
        ws = self.ws("frames", target)
        for i in range(10):
            ws.send(f"message {i}")
            self.assertEqual(ws.recv_data(), (OP_TEXT, f"message {i}".encode()))
            ws.send_binary(bytes([i]) * (i * 1000))
            self.assertEqual(ws.recv_data(), (OP_BINARY, bytes([i]) * (i * 1000)))
        ws.ping(b"are you there?")
        self.assertEqual(ws.recv_data(control_frame=True), (OP_PONG, b"are you there?"))
        ws.ping(b"")
        self.assertEqual(ws.recv_data(control_frame=True), (OP_PONG, b""))
        ws.send("after ping")
        self.assertEqual(ws.recv(), "after ping")
        conn = FRAMES.connection_for(target)
        self.assertEqual(len(conn.ws_frames), 23)  # 20 messages, 2 pings, 1 message
        self.assertTrue(all(masked for _, _, masked, _ in conn.ws_frames),
                        "client frames reached the backend unmasked")

    def test_large_message_both_ways(self):
        payload = os.urandom(MIB)
        for kind in ("echo", "frames"):
            ws = self.ws(kind)
            ws.send_binary(payload)
            opcode, got = ws.recv_data()
            self.assertEqual((opcode, len(got)), (OP_BINARY, MIB), kind)
            self.assertTrue(got == payload, f"{kind}: 1 MiB came back altered")
            text = "\u00e9" * (MIB // 2)  # 1 MiB of UTF-8
            ws.send(text)
            self.assertTrue(ws.recv() == text, f"{kind}: 1 MiB text came back altered")

    def test_tunnel_is_byte_transparent(self):
        """Fragments, control frames between fragments, and frames split across writes come
        back from the raw echo byte for byte: the gateway neither parses nor reframes."""
        c, _, _ = self.upgrade("echo", "/raw")
        stream = (frame(OP_TEXT, b"frag-1 ", fin=False) + frame(OP_PING, b"mid")
                  + frame(OP_CONT, b"frag-2 ", fin=False) + frame(OP_CONT, b"end")
                  + frame(OP_BINARY, os.urandom(70000)))
        for i in range(0, len(stream), 997):  # odd-sized writes split headers and payloads
            c.send(stream[i:i + 997])
        self.assertEqual(c.read_exact(len(stream)), stream)

    # --- (3) the upgrade request as the backend sees it ---
    def test_upgrade_request_as_backend_sees_it(self):
        target = self.unique("/chat")
        host = self.host("frames")
        extra = [("Sec-WebSocket-Protocol", "chat, superchat"),
                 ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
                 ("Origin", f"https://{host}")]
        c, r, key = self.upgrade("frames", target, extra)
        # What the client got back.
        self.assertEqual(r.version, "HTTP/1.1")
        self.assertEqual(r.header_all("upgrade"), ["websocket"])
        self.assertIn("upgrade", r.connection_tokens())
        self.assertEqual(r.header_all("sec-websocket-protocol"), ["chat"])
        self.assertIsNone(r.header("content-length"))
        self.assertIsNone(r.header("transfer-encoding"))
        # What the backend got.
        req = FRAMES.request_for(target)
        self.assertEqual((req.method, req.target, req.version), ("GET", target, "HTTP/1.1"))
        self.assertEqual(req.header_all("host"), [host])
        self.assertEqual(req.header_all("upgrade"), ["websocket"])
        tokens = [t.strip().lower() for v in req.header_all("connection") for t in v.split(",")]
        self.assertEqual(tokens, ["upgrade"])
        self.assertEqual(req.header_all("sec-websocket-key"), [key])
        self.assertEqual(req.header_all("sec-websocket-version"), ["13"])
        for name, value in extra:
            self.assertEqual(req.header_all(name), [value], name)
        self.assertEqual(req.header_all("x-forwarded-for"), ["127.0.0.1"])
        self.assertEqual(req.header_all("x-real-ip"), ["127.0.0.1"])
        self.assertEqual(req.header_all("x-forwarded-host"), [host])
        self.assertEqual(req.header_all("x-forwarded-port"), [str(self.listen_port())])
        scheme = "https" if self.TLS else "http"
        self.assertEqual(req.header_all("x-forwarded-proto"), [scheme])
        self.assertEqual(req.header_all("x-scheme"), [scheme])
        self.assertRegex(req.header("x-request-id") or "", r"^[0-9a-f]{32}$")
        self.assertEqual(req.header_all("content-length") + req.header_all("transfer-encoding"),
                         [])
        # And the tunnel behind it works.
        c.send(frame(OP_TEXT, b"hi"))
        self.assertEqual(read_frame(c.read_exact), (True, OP_TEXT, False, b"hi"))

    # --- (4) a refused upgrade stays HTTP ---
    def test_upgrade_answered_200_stays_http(self):
        c = self.raw("frames")
        host = self.host("frames")
        target = self.unique("/refuse")
        c.send(build_request("GET", target, host, handshake_headers(new_key())))
        r = c.read_response()
        self.assertEqual((r.status, r.body, r.header("x-frames")), (200, b"plain-http", "http"))
        self.assertIsNone(r.header("upgrade"))
        self.assertNotIn("upgrade", r.connection_tokens())
        # Same connection, next request: still HTTP/1.1 keep-alive through the gateway.
        c.send(build_request("GET", "/refuse-again", host))
        r2 = c.read_response()
        self.assertEqual((r2.status, r2.body), (200, b"plain-http"))
        # Bytes of the "new protocol" are now just a malformed HTTP request: never tunnelled.
        marker = b"NOT-TUNNELLED-" + uuid.uuid4().hex.encode()
        c.send(frame(OP_TEXT, marker, mask=False) + b"\r\n\r\n")
        try:
            r3 = c.read_response()
            self.assertEqual(r3.status, 400, repr(r3))
        except ConnectionClosed:
            pass
        self.assertNotIn(marker, FRAMES.all_bytes())

    def test_echo_answers_other_upgrade_token_with_200(self):
        """`waygate echo` only switches for websocket: Upgrade: foo gets its JSON answer, and
        the connection carries the next request."""
        c = self.raw("echo")
        host = self.host("echo")
        c.send(build_request("GET", "/up", host, [("Connection", "Upgrade"),
                                                  ("Upgrade", "foo/1.0")]))
        r = c.read_response()
        self.assertEqual(r.status, 200, repr(r))
        self.assertEqual(r.json()["headers"].get("upgrade"), "foo/1.0")
        c.send(build_request("GET", "/next", host))
        r2 = c.read_response()
        self.assertEqual((r2.status, r2.json()["path"]), (200, "/next"))

    # --- (5) idle timeout = proxy-read-timeout ---
    def test_idle_tunnel_closed_after_read_timeout(self):
        target = self.unique("/idle")
        c, _, _ = self.upgrade("idle", target)
        start = time.monotonic()
        self.assertTrue(c.is_closed(timeout=4.0), "idle tunnel still open after 4 s")
        elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 0.8, "closed before proxy-read-timeout (1 s)")
        self.assertLess(elapsed, 3.0, "closed long after proxy-read-timeout (1 s)")
        conn = FRAMES.connection_for(target)
        wait_until(lambda: conn.ws_eof, what="backend sees the upstream side closed")
        self.assertEqual(conn.ws_frames, [], "nothing was sent, nothing may arrive")

    def test_active_tunnel_outlives_read_timeout(self):
        target = self.unique("/active")
        c, _, _ = self.upgrade("idle", target)
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < 3.0:
            payload = f"tick {i}".encode()
            c.send(frame(OP_TEXT, payload))
            self.assertEqual(read_frame(c.read_exact), (True, OP_TEXT, False, payload),
                             f"message {i} at {time.monotonic() - start:.1f}s")
            i += 1
            time.sleep(0.3)  # the traffic pattern under test, not a wait for a condition
        self.assertGreaterEqual(i, 9)
        c.send(frame(OP_PING, b"still here"))
        self.assertEqual(read_frame(c.read_exact), (True, OP_PONG, False, b"still here"))
        self.assertFalse(FRAMES.connection_for(target).ws_eof)

    # --- (6) closing ---
    def assert_freed(self, path):
        """The gateway finished exactly one tunnel on `path` (one test per scheme uses it)."""
        host = self.host("frames")
        GW.wait_metrics(lambda s: metric_sum(s, "nginx_ingress_controller_requests", host=host,
                                             path=path, status="101") >= 1,
                        what=f"101 completion recorded for {host}{path}")
        self.assertEqual(tunnel_completions(host, path), 1)

    def assert_route_still_works(self):
        ws = self.ws("frames")
        ws.send("new connection")
        self.assertEqual(ws.recv(), "new connection")

    def test_client_close_frame_reaches_backend_and_frees_tunnel(self):
        target = self.unique("/close-frame")
        c, _, _ = self.upgrade("frames", target)
        c.send(frame(OP_TEXT, b"before close"))
        self.assertEqual(read_frame(c.read_exact)[3], b"before close")
        c.send(frame(OP_CLOSE, close_payload(1000, b"bye")))
        # The backend's close reply, then its TCP close relayed as EOF.
        self.assertEqual(read_frame(c.read_exact),
                         (True, OP_CLOSE, False, close_payload(1000, b"bye")))
        self.assertTrue(c.is_closed(timeout=3.0), "backend closed but client side still open")
        conn = FRAMES.connection_for(target)
        self.assertEqual(conn.ws_close, close_payload(1000, b"bye"))
        c.close()
        self.assert_freed("/close-frame")
        self.assert_route_still_works()

    def test_client_drop_without_close_frame_closes_upstream(self):
        target = self.unique("/close-drop")
        c, _, _ = self.upgrade("frames", target)
        c.send(frame(OP_BINARY, b"\x01\x02"))
        self.assertEqual(read_frame(c.read_exact)[3], b"\x01\x02")
        c.close()
        conn = FRAMES.connection_for(target)
        wait_until(lambda: conn.ws_eof, what="backend sees EOF after the client vanished")
        self.assertIsNone(conn.ws_close)
        self.assert_freed("/close-drop")
        self.assert_route_still_works()

    def test_backend_close_reaches_client(self):
        target = self.unique("/server-close")
        c, _, _ = self.upgrade("frames", target)
        self.assertEqual(read_frame(c.read_exact),
                         (True, OP_CLOSE, False, close_payload(1001, b"going away")))
        c.send(frame(OP_CLOSE, close_payload(1000)))
        self.assertTrue(c.is_closed(timeout=3.0), "backend closed but client side still open")
        conn = FRAMES.connection_for(target)
        self.assertEqual(conn.ws_close, close_payload(1000))
        c.close()
        self.assert_freed("/server-close")

    def test_websocket_client_close_handshake(self):
        target = self.unique("/lib-close")
        ws = self.ws("frames", target)
        ws.send("x")
        self.assertEqual(ws.recv(), "x")
        ws.close(status=1000, reason=b"done")  # waits for the server's close frame
        self.assertFalse(ws.connected)
        conn = FRAMES.connection_for(target)
        self.assertEqual(conn.ws_close, close_payload(1000, b"done"))


class PlainWebSocketTest(WebSocketCases, unittest.TestCase):
    TLS = False


class TlsWebSocketTest(WebSocketCases, unittest.TestCase):
    TLS = True

    def test_served_certificate_is_the_secret(self):
        self.assertEqual(handshake(GW.https, "echo.example.com").der, LEAF.der)


# ---------------------------------------------------------------------------------------------
# (7) h2c over TLS
# ---------------------------------------------------------------------------------------------

H2C_HEADERS = [("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c"),
               ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA")]
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class H2cOverTlsTest(unittest.TestCase):
    """RFC 9113 3.1/3.2: h2c is cleartext only; over TLS an `Upgrade: h2c` must not switch the
    connection to HTTP/2, neither by the gateway nor through it (h2c smuggling: a tunnel to
    the backend that bypasses per-request routing, like Bishop Fox's 2020 write-up)."""

    def setUp(self):
        GW.assert_alive()

    def client(self, host):
        c = TlsRawClient(GW.https, host)
        self.addCleanup(c.close)
        return c

    def assert_not_h2(self, c):
        """The HTTP/2 preface on this connection gets an HTTP/1.1 answer or a close, never a
        SETTINGS frame."""
        c.send(H2_PREFACE)
        try:
            data = c.read_some(timeout=3.0)
        except AssertionError:
            data = b""  # nothing at all within 3 s: certainly not HTTP/2
        if data:
            self.assertTrue(data.startswith(b"HTTP/1.1 "),
                            f"answer to the HTTP/2 preface is not HTTP/1.1: {data[:60]!r}")

    def test_h2c_upgrade_to_plain_backend_answered_as_http11(self):
        c = self.client("h2c.example.com")
        c.send(build_request("GET", "/h2c", "h2c.example.com", H2C_HEADERS))
        r = c.read_response()
        self.assertEqual((r.version, r.status), ("HTTP/1.1", 200), repr(r))
        self.assertIsNone(r.header("upgrade"))
        self.assertEqual(r.header("x-echo-name"), "ws-echo")
        # HTTP2-Settings is a connection option: hop-by-hop, never forwarded.
        self.assertNotIn("http2-settings", r.json()["headers"])
        c.send(build_request("GET", "/after", "h2c.example.com"))
        r2 = c.read_response()
        self.assertEqual((r2.status, r2.json()["path"]), (200, "/after"))
        self.assert_not_h2(c)

    # Found by this test: the gateway used to forward `Upgrade: h2c` and relay the backend's 101,
    # handing a TLS client an HTTP/2 tunnel to one backend past the gateway's routing. The
    # request now goes upstream without the upgrade, and a 101 it did not ask for is a 502.
    def test_h2c_upgrade_never_switches_over_tls(self):
        c = self.client("h2c101.example.com")
        target = f"/h2c?id={uuid.uuid4().hex}"
        c.send(build_request("GET", target, "h2c101.example.com", H2C_HEADERS))
        r = c.read_response()
        req = FRAMES.request_for(target)
        upstream_upgrade = req.header_all("upgrade")
        self.assertNotEqual(r.status, 101,
                            f"the client got a 101 for h2c over TLS; the backend was sent "
                            f"Upgrade: {upstream_upgrade} and Connection: "
                            f"{req.header_all('connection')}")
        self.assertNotIn("h2c", [v.lower() for v in upstream_upgrade],
                         "Upgrade: h2c forwarded upstream for a TLS client")
        self.assert_not_h2(c)


if __name__ == "__main__":
    unittest.main()
