"""Reverse-proxy edge cases end to end (issue items 4 and 5), beyond test_proxy.py.

Each test starts its own gateway (1 worker: one upstream pool, deterministic round robin; a
gateway starts in well under a second) in front of a RawBackend whose behaviour the test
scripts, so what reached the backend (version, headers, how many times a body, on which
upstream connection) is asserted byte for byte. `waygate echo` is used where only the volume
matters (the slow-reader memory test).
"""

import socket
import time
import unittest

from harness import (Client, EchoBackend, Gateway, RawBackend, backend_objects, build_request,
                     dead_port, endpoints, gateway_object, ingress, metric_sum, path_entry,
                     service, simple_ingress, simple_response, wait_until, yaml_docs)

MAX_HEAD = 32 * 1024      # http::Limits::max_head_bytes (request-line + fields + CRLFs)
MAX_LINE = 8192           # http::Limits::max_request_line (bytes before the CRLF)
MAX_HEADERS = 100         # http::Limits::max_headers (Host counts)


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("VmRSS not found")


def recv_head(conn):
    """Backend side: reads until the end of a request head (not its body). Returns the head
    bytes, or None at EOF."""
    while b"\r\n\r\n" not in conn.data[conn.consumed:]:
        if not conn.recv_some():
            return None
    end = conn.data.index(b"\r\n\r\n", conn.consumed) + 4
    head = bytes(conn.data[conn.consumed:end])
    conn.consumed = end
    return head


def drain(conn):
    """Backend side: reads and discards until the gateway closes (a polite lingering close)."""
    while conn.recv_some():
        pass


def per_connection(*steps):
    """A handler that runs steps[i](conn, req) for the i-th request on each connection; a
    step returns False to stop (the connection is then closed). Warm-up requests always get
    a plain 200 and do not count."""
    def handler(conn):
        i = 0
        while True:
            req = conn.recv_request()
            if req is None:
                return
            if req.target.startswith("/__"):
                if not conn.send(simple_response(200, b"warm")):
                    return
                continue
            step = steps[min(i, len(steps) - 1)]
            i += 1
            if step(conn, req) is False:
                conn.close()
                return
    return handler


def answer(body=b"raw-ok", headers=()):
    return lambda conn, req: conn.send(simple_response(200, body, headers))


def close_silently(conn, req):
    return False


class EdgeCase(unittest.TestCase):
    def gateway(self, objs, config=None):
        if config is not None:
            objs = list(objs) + [gateway_object(config)]
        return Gateway(self.addCleanup, {"m.yaml": yaml_docs(*objs)}, workers=1)

    def raw_gateway(self, handler=None, annotations=None, config=None, host="raw.test"):
        """Gateway -> one RawBackend for `host`. Returns (gw, backend) with the warm-up
        traffic already finished, so backend counters start from a known state."""
        backend = RawBackend(self.addCleanup, **({"handler": handler} if handler else {}))
        objs = backend_objects("raw", backend.port)
        objs.append(simple_ingress("raw", host, "raw", annotations=annotations))
        gw = self.gateway(objs, config)
        gw.wait_route(host, "/__warmup", lambda r: r.status != 404)
        return gw, backend

    def new_requests(self, backend, before, n, timeout=5):
        """The requests the backend received after the first `before`, once there are n."""
        return backend.wait_requests(before + n, timeout)[before:]

    def assert_gateway_response(self, r, status):
        self.assertEqual(r.status, status, repr(r))
        self.assertEqual(r.header_all("server"), ["waygate"])
        self.assertIn(b"<center>waygate</center>", r.body, "not the gateway's own page")


# ---------------------------------------------------------------------------------------------
# HTTP/1.0 clients
# ---------------------------------------------------------------------------------------------


class Http10Test(EdgeCase):
    def test_keep_alive_serves_a_second_request_on_the_connection(self):
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        with Client(gw.http) as c:
            for i in range(2):
                c.send(f"GET /ka{i} HTTP/1.0\r\nHost: raw.test\r\nConnection: keep-alive\r\n\r\n"
                       .encode())
                r = c.read_response()
                self.assertEqual((r.status, r.body), (200, b"raw-ok"))
                self.assertEqual(r.connection_tokens(), ["keep-alive"], repr(r))
                self.assertEqual(r.header("content-length"), "6",
                                 "a 1.0 keep-alive response must be length-delimited")
            self.assertFalse(c.is_closed(0.3), "keep-alive 1.0 connection was closed")
            # A gateway answer (404) on it keeps it too, and says so.
            c.send(b"GET / HTTP/1.0\r\nHost: nobody.test\r\nConnection: keep-alive\r\n\r\n")
            r = c.read_response()
            self.assertEqual((r.status, r.connection_tokens()), (404, ["keep-alive"]))
            # The last request on it, without keep-alive, is answered with close and ends it
            # (test_proxy pins a lone 1.0 request closing).
            c.send(b"GET /last HTTP/1.0\r\nHost: raw.test\r\n\r\n")
            self.assertIn("close", c.read_response().connection_tokens())
            self.assertTrue(c.is_closed())
        targets = [q.target for q in self.new_requests(backend, before, 3)]
        self.assertEqual(targets, ["/ka0", "/ka1", "/last"])

    def test_upstream_request_is_http10_with_connection_close(self):
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        with Client(gw.http) as c:
            c.send(b"POST /form HTTP/1.0\r\nHost: raw.test\r\nConnection: keep-alive\r\n"
                   b"Content-Length: 5\r\n\r\nhello")
            self.assertEqual(c.read_response().status, 200)
        req = self.new_requests(backend, before, 1)[0]
        self.assertEqual((req.method, req.target, req.version), ("POST", "/form", "HTTP/1.0"))
        self.assertEqual(req.header_all("connection"), ["close"])
        self.assertEqual(req.header_all("keep-alive"), [])
        self.assertEqual(req.header_all("transfer-encoding"), [])
        self.assertEqual((req.header("content-length"), req.body), ("5", b"hello"))


    def test_upstream_connection_closed_by_request_is_not_reused(self):
        # The gateway sent "Connection: close" upstream for the 1.0 request, so it must not send
        # another request on that connection (RFC 9112 9.6: "A client that sends a close
        # connection option MUST NOT send further requests on that connection"), even though
        # this backend answers as HTTP/1.1 without "close" and keeps the connection open.
        # A real backend closes it a moment later: reusing it races that FIN (502 for a POST).
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        with Client(gw.http) as c:
            c.send(b"GET /ten HTTP/1.0\r\nHost: raw.test\r\nConnection: keep-alive\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
            c.send(b"GET /eleven HTTP/1.1\r\nHost: raw.test\r\n\r\n")
            self.assertEqual(c.read_response().status, 200)
        ten, eleven = self.new_requests(backend, before, 2)
        conn_of = {id(q): conn.index for conn in backend.connections for q in conn.requests}
        self.assertEqual(ten.header("connection"), "close")
        self.assertNotEqual(conn_of[id(ten)], conn_of[id(eleven)],
                            "a request was sent on an upstream connection announced as closing")

    def test_echo_backend_never_answers_chunked_to_a_10_request(self):
        echo = EchoBackend(self.addCleanup, "e10")
        objs = backend_objects("echo", echo.port) + [simple_ingress("echo", "echo.test", "echo")]
        gw = self.gateway(objs)
        gw.wait_route("echo.test", "/", lambda r: r.status == 200)
        with Client(gw.http) as c:
            c.send(b"GET /c?chunked=1&body_bytes=70000 HTTP/1.0\r\nHost: echo.test\r\n"
                   b"Connection: keep-alive\r\n\r\n")
            r = c.read_response()
            self.assertEqual((r.status, len(r.body)), (200, 70000))
            self.assertFalse(r.chunked, "chunked response to an HTTP/1.0 client")
            self.assertEqual(r.header_all("transfer-encoding"), [])
            self.assertEqual(r.header("content-length"), "70000")
            self.assertEqual(r.connection_tokens(), ["keep-alive"])
            c.send(b"GET /again HTTP/1.0\r\nHost: echo.test\r\n\r\n")
            self.assertEqual(c.read_response().json()["protocol"], "HTTP/1.0")


    def test_chunked_answer_to_a_10_request_is_not_forwarded_as_chunked(self):
        # A backend violating RFC 9112 6.1 (Transfer-Encoding in answer to HTTP/1.0). The
        # gateway is the server towards the 1.0 client and the same rule binds it: "A server
        # MUST NOT send a response containing Transfer-Encoding unless the corresponding request
        # indicates HTTP/1.1". Acceptable: a 502, or the de-chunked body delimited by close.
        chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n0\r\n\r\n")
        gw, _ = self.raw_gateway(per_connection(lambda conn, req: conn.send(chunked)))
        with Client(gw.http) as c:
            c.send(b"GET /c HTTP/1.0\r\nHost: raw.test\r\n\r\n")
            _, status, _, headers, _ = c.read_head()
            rest = b""
            while True:  # an HTTP/1.0 response without keep-alive ends at close
                more = c.read_some()
                if not more:
                    break
                rest += more
        names = [n.lower() for n, _ in headers]
        if status == 502:
            return
        self.assertEqual(status, 200)
        self.assertNotIn("transfer-encoding", names, f"chunked sent to a 1.0 client: {headers}")
        self.assertEqual(rest, b"hello")


# ---------------------------------------------------------------------------------------------
# Pooled upstream connections that die
# ---------------------------------------------------------------------------------------------


class StalePooledConnectionTest(EdgeCase):
    def conn_index(self, backend, req):
        for conn in backend.connections:
            if any(q is req for q in conn.requests):
                return conn.index
        raise AssertionError(f"{req!r} on no connection")

    def test_get_retried_on_fresh_connection_when_pooled_one_closes_under_it(self):
        # Each backend connection answers one request, then reads the next one and closes
        # without a response: the keep-alive race where the server times out a connection
        # just as the proxy reuses it. GET is idempotent and nothing came back: retry.
        gw, backend = self.raw_gateway(per_connection(answer(b"first"), close_silently))
        with Client(gw.http) as c:
            c.send(build_request("GET", "/one", "raw.test"))
            self.assertEqual(c.read_response().body, b"first")
            before = len(backend.requests)
            c.send(build_request("GET", "/two", "raw.test"))
            r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"first"), repr(r))
        sent = self.new_requests(backend, before, 2)
        self.assertEqual([q.target for q in sent], ["/two", "/two"])
        self.assertNotEqual(self.conn_index(backend, sent[0]), self.conn_index(backend, sent[1]),
                            "the retry must use a new connection")

    def test_post_not_resent_when_pooled_connection_closes_under_it(self):
        # Same race with a POST: the body reached the backend once; a non-idempotent request
        # must never be replayed, so the client gets a 502 and the backend saw the body once.
        gw, backend = self.raw_gateway(per_connection(answer(b"first"), close_silently))
        with Client(gw.http) as c:
            c.send(build_request("GET", "/one", "raw.test"))
            self.assertEqual(c.read_response().body, b"first")
            before = len(backend.requests)
            body = b"post-payload-%d" % time.monotonic_ns()
            c.send(build_request("POST", "/pay", "raw.test", body=body))
            r = c.read_response()
        self.assert_gateway_response(r, 502)
        self.assertEqual(self.new_requests(backend, before, 1)[0].body, body)
        gw.get("/__sync", "raw.test")  # anything else the gateway sent has arrived by now
        self.assertEqual(backend.all_bytes().count(body), 1, "POST body sent upstream twice")
        self.assertEqual([q.target for q in backend.requests[before:]], ["/pay", "/__sync"])

    def test_connection_closed_by_backend_while_idle_is_not_used(self):
        # The backend answers (keep-alive framing) and closes 0.2 s later while the connection
        # idles in the pool: the next GET and POST both go out on fresh connections and succeed,
        # each reaching the backend exactly once.
        def answer_then_close_later(conn, req):
            conn.send(simple_response(200, req.target.encode()))
            if not conn.backend.stopping.wait(0.2):
                return False
        gw, backend = self.raw_gateway(per_connection(answer_then_close_later))
        body = b"idle-post-%d" % time.monotonic_ns()
        with Client(gw.http) as c:
            before = len(backend.requests)
            for method, target, payload in (("GET", "/a", None), ("GET", "/b", None),
                                            ("POST", "/c", body)):
                c.send(build_request(method, target, "raw.test", body=payload))
                r = c.read_response()
                self.assertEqual((r.status, r.body), (200, target.encode()), repr(r))
                wait_until(lambda: all(k.closed for k in backend.connections),
                           what="backend closed its connection")
                # The FIN and the next client request could land in one epoll batch in either
                # order; give the gateway's loop a moment to handle the FIN first, so this
                # checks the idle-close path (the race itself is tested above).
                time.sleep(0.1)
        sent = self.new_requests(backend, before, 3)
        self.assertEqual([q.target for q in sent], ["/a", "/b", "/c"])
        self.assertEqual(len(backend.requests) - before, 3, "a request was sent twice")
        self.assertEqual(backend.all_bytes().count(body), 1)
        self.assertEqual(len({self.conn_index(backend, q) for q in sent}), 3)


# ---------------------------------------------------------------------------------------------
# Response framing
# ---------------------------------------------------------------------------------------------


class ResponseFramingTest(EdgeCase):
    def test_body_until_close_forwarded_with_connection_close(self):
        part1, part2 = b"A" * 30000, b"B" * 50000

        def until_close(conn, req):
            conn.send(b"HTTP/1.1 200 OK\r\nX-Up: 1\r\n\r\n" + part1)
            time.sleep(0.05)
            conn.send(part2)
            return False
        gw, _ = self.raw_gateway(per_connection(until_close))
        with Client(gw.http) as c:
            c.send(build_request("GET", "/stream", "raw.test"))
            r = c.read_response()  # neither length nor chunked: reads until the gateway closes
            self.assertEqual((r.status, r.header("x-up")), (200, "1"))
            self.assertEqual(r.body, part1 + part2)
            self.assertEqual(r.header_all("content-length"), [])
            self.assertEqual(r.header_all("transfer-encoding"), [])
            self.assertIn("close", r.connection_tokens())
            self.assertTrue(c.eof and not c.reset, "the body must end with a clean close")

    def test_http10_upstream_response_until_close(self):
        gw, _ = self.raw_gateway(per_connection(
            lambda conn, req: conn.send(b"HTTP/1.0 200 OK\r\n\r\nold-style body") and False))
        with Client(gw.http) as c:
            c.send(build_request("GET", "/", "raw.test"))
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"old-style body"))
            self.assertIn("close", r.connection_tokens())
            self.assertTrue(c.eof)

    def test_head_keeps_content_length_and_sends_no_body(self):
        def head_or_get(conn, req):
            if req.method == "HEAD":
                return conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"e\"\r\n\r\n")
            return conn.send(simple_response(200, b"get-body"))
        gw, backend = self.raw_gateway(per_connection(head_or_get))
        before = len(backend.requests)
        with Client(gw.http) as c:
            c.send(build_request("HEAD", "/doc", "raw.test"))
            r = c.read_response("HEAD")
            self.assertEqual((r.status, r.header("content-length"), r.header("etag")),
                             (200, "1234", '"e"'))
            self.assertEqual(r.header_all("transfer-encoding"), [])
            self.assertFalse(c.is_closed(0.2))  # raises if any body byte follows the head
            c.send(build_request("GET", "/doc", "raw.test"))
            g = c.read_response()
            self.assertEqual((g.status, g.body), (200, b"get-body"))
            self.assertFalse(c.is_closed(0.2))
        sent = self.new_requests(backend, before, 2)
        self.assertEqual([q.method for q in sent], ["HEAD", "GET"])
        self.assertEqual(len({id(k) for k in backend.connections
                              if any(q in k.requests for q in sent)}), 1,
                         "the upstream connection is reusable after a HEAD")

    def test_head_answered_with_a_stray_body_does_not_leak_into_the_next_response(self):
        def head_or_get(conn, req):
            if req.method == "HEAD":
                return conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nSTRAY")
            return conn.send(simple_response(200, b"get-body"))
        gw, _ = self.raw_gateway(per_connection(head_or_get))
        with Client(gw.http) as c:
            c.send(build_request("HEAD", "/", "raw.test"))
            self.assertEqual(c.read_response("HEAD").header("content-length"), "5")
            c.send(build_request("GET", "/", "raw.test"))
            g = c.read_response()
            self.assertEqual((g.status, g.body), (200, b"get-body"))
            self.assertFalse(c.is_closed(0.2))

    def check_no_body_status(self, status_line, extra=b""):
        def no_body(conn, req):
            if req.target == "/nb":
                return conn.send(status_line + b"\r\n" + extra + b"\r\n")
            return conn.send(simple_response(200, b"next"))
        gw, backend = self.raw_gateway(per_connection(no_body))
        with backend.lock:
            conns = len(backend.connections)
        with Client(gw.http) as c:
            c.send(build_request("GET", "/nb", "raw.test"))
            r = c.read_response()
            self.assertEqual(r.header_all("content-length"), [], repr(r))
            self.assertEqual(r.header_all("transfer-encoding"), [])
            self.assertNotIn("close", r.connection_tokens())
            # No body bytes: the next response on the connection parses cleanly.
            c.send(build_request("GET", "/after", "raw.test"))
            n = c.read_response()
            self.assertEqual((n.status, n.body), (200, b"next"))
            self.assertFalse(c.is_closed(0.2))
        self.assertEqual(len(backend.connections), conns, "the upstream connection was not reused")
        return r

    def test_204_no_body_no_length_connection_reused(self):
        r = self.check_no_body_status(b"HTTP/1.1 204 No Content", b"X-A: 1\r\n")
        self.assertEqual((r.status, r.header("x-a"), r.body), (204, "1", b""))

    def test_304_no_body_no_length_connection_reused(self):
        r = self.check_no_body_status(b"HTTP/1.1 304 Not Modified", b"ETag: \"v1\"\r\n")
        self.assertEqual((r.status, r.header("etag"), r.body), (304, '"v1"', b""))


# ---------------------------------------------------------------------------------------------
# The backend answers before the request body is complete
# ---------------------------------------------------------------------------------------------


class EarlyResponseTest(EdgeCase):
    REJECT = b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\n" \
             b"too large"

    def early_gateway(self):
        def handler(conn):
            while True:
                head = recv_head(conn)
                if head is None:
                    return
                if b"/__" in head.split(b"\r\n")[0]:
                    conn.send(simple_response(200, b"warm"))
                    continue
                conn.send(self.REJECT)  # after the head, without reading the body
                drain(conn)
                return
        return self.raw_gateway(handler)

    def send_partial(self, gw):
        c = Client(gw.http)
        self.addCleanup(c.close)
        c.send(b"POST /upload HTTP/1.1\r\nHost: raw.test\r\nContent-Length: 500000\r\n\r\n" +
               b"x" * 1000)
        return c

    def test_early_response_forwarded_then_connection_closed(self):
        gw, _ = self.early_gateway()
        c = self.send_partial(gw)
        r = c.read_response()
        self.assertEqual((r.status, r.body), (413, b"too large"))
        self.assertEqual(r.header_all("server"), ["waygate"])
        self.assertTrue(c.is_closed(3), "connection kept after a response to an unread body")


    def test_early_response_announces_connection_close(self):
        # When the response head goes out the request body is unfinished, and the gateway will
        # close the connection after this response (it does not discard the rest of the body).
        # RFC 9112 9.6: "A sender SHOULD send a Connection header field containing the close
        # connection option when it intends to close a connection"; it also tells the client
        # to stop sending the body (RFC 9112 9.5) instead of pushing it into a lingering close.
        gw, _ = self.early_gateway()
        c = self.send_partial(gw)
        r = c.read_response()
        self.assertEqual(r.status, 413)
        self.assertIn("close", r.connection_tokens(), repr(r))


# ---------------------------------------------------------------------------------------------
# Pipelining after a gateway answer
# ---------------------------------------------------------------------------------------------


class PipelineTest(EdgeCase):
    def test_gateway_404_then_pipelined_valid_request_in_one_write(self):
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        with Client(gw.http) as c:
            c.send(build_request("GET", "/x", "nobody.test") +
                   build_request("GET", "/ok", "raw.test") +
                   build_request("GET", "/y", "nobody.test"))
            first, second, third = (c.read_response() for _ in range(3))
            self.assert_gateway_response(first, 404)
            self.assertNotIn("close", first.connection_tokens())
            self.assertEqual((second.status, second.body), (200, b"raw-ok"))
            self.assert_gateway_response(third, 404)
            self.assertFalse(c.is_closed(0.2))
        self.assertEqual([q.target for q in self.new_requests(backend, before, 1)], ["/ok"])
        self.assertEqual(len(backend.requests), before + 1)


# ---------------------------------------------------------------------------------------------
# Request head limits through the gateway
# ---------------------------------------------------------------------------------------------


class HeadLimitsTest(EdgeCase):
    def head_of_size(self, total):
        prefix = b"GET /lim HTTP/1.1\r\nHost: raw.test\r\nX-Big: "
        suffix = b"\r\n\r\n"
        head = prefix + b"v" * (total - len(prefix) - len(suffix)) + suffix
        self.assertEqual(len(head), total)
        return head

    def roundtrip(self, gw, data):
        with Client(gw.http) as c:
            c.send(data)
            r = c.read_response()
            closed = "close" in r.connection_tokens() and c.is_closed()
        return r, closed

    def test_head_at_32k_served_one_byte_over_is_431(self):
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        r, _ = self.roundtrip(gw, self.head_of_size(MAX_HEAD))
        self.assertEqual((r.status, r.body), (200, b"raw-ok"))
        req = self.new_requests(backend, before, 1)[0]
        self.assertEqual(len(req.header("x-big")), MAX_HEAD - len(
            b"GET /lim HTTP/1.1\r\nHost: raw.test\r\nX-Big: \r\n\r\n"))
        r, closed = self.roundtrip(gw, self.head_of_size(MAX_HEAD + 1))
        self.assert_gateway_response(r, 431)
        self.assertTrue(closed, "431 must carry Connection: close and close")
        gw.get("/__sync", "raw.test")
        self.assertEqual([q.target for q in backend.requests[before:]], ["/lim", "/__sync"])

    def test_request_line_at_8k_served_one_byte_over_is_414(self):
        gw, backend = self.raw_gateway()
        before = len(backend.requests)
        fixed = len("GET  HTTP/1.1")
        target = "/" + "a" * (MAX_LINE - fixed - 1)
        r, _ = self.roundtrip(gw, build_request("GET", target, "raw.test"))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.new_requests(backend, before, 1)[0].target, target)
        r, closed = self.roundtrip(gw, build_request("GET", target + "a", "raw.test"))
        self.assert_gateway_response(r, 414)
        self.assertTrue(closed)

    def test_100_fields_served_101_is_431(self):
        gw, _ = self.raw_gateway()
        fields = [(f"X-F{i}", "v") for i in range(MAX_HEADERS - 1)]  # + Host = 100
        r, _ = self.roundtrip(gw, build_request("GET", "/", "raw.test", fields))
        self.assertEqual(r.status, 200)
        r, closed = self.roundtrip(gw, build_request("GET", "/", "raw.test",
                                                     fields + [("X-One-More", "v")]))
        self.assert_gateway_response(r, 431)
        self.assertTrue(closed)


# ---------------------------------------------------------------------------------------------
# Gateway-wide downstream settings
# ---------------------------------------------------------------------------------------------


class DownstreamSettingsTest(EdgeCase):
    def timed_close(self, c, start):
        """Seconds from `start` until the gateway closed `c` (at most 5 s of waiting)."""
        self.assertTrue(c.is_closed(5.0), "not closed within 5 s")
        return time.monotonic() - start

    def test_client_header_timeout_closes_a_stalled_head(self):
        gw, backend = self.raw_gateway(config={"client-header-timeout": "1"})
        before = backend.snapshot()[0]
        with Client(gw.http) as c:
            c.send(b"GET /slow HTTP/1.1\r\nHost: raw.te")
            start = time.monotonic()
            elapsed = self.timed_close(c, start)
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 2.5)
        self.assertEqual(backend.snapshot()[0], before)

    def test_client_header_timeout_for_a_silent_connection(self):
        gw, _ = self.raw_gateway(config={"client-header-timeout": "1"})
        with Client(gw.http) as c:
            start = time.monotonic()
            elapsed = self.timed_close(c, start)
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 2.5)

    def test_keep_alive_timeout_closes_an_idle_connection(self):
        gw, _ = self.raw_gateway(config={"keep-alive": "1"})
        with Client(gw.http) as c:
            c.send(build_request("GET", "/", "raw.test"))
            r = c.read_response()
            start = time.monotonic()
            self.assertNotIn("close", r.connection_tokens())
            self.assertFalse(c.is_closed(0.5), "closed before the keep-alive timeout")
            elapsed = self.timed_close(c, start)
        self.assertLess(elapsed, 2.5)

    def test_keep_alive_timeout_restarts_after_each_request(self):
        gw, _ = self.raw_gateway(config={"keep-alive": "1"})
        with Client(gw.http) as c:
            for i in range(3):  # 3 x 0.6 s > 1 s: each request restarts the idle clock
                c.send(build_request("GET", f"/r{i}", "raw.test"))
                self.assertEqual(c.read_response().status, 200)
                self.assertFalse(c.is_closed(0.6))

    def test_keep_alive_zero_closes_after_every_response(self):
        gw, _ = self.raw_gateway(config={"keep-alive": "0"})
        for target, host in (("/", "raw.test"), ("/", "nobody.test")):
            with Client(gw.http) as c:
                c.send(build_request("GET", target, host) + build_request("GET", "/2", host))
                r = c.read_response()
                self.assertIn("close", r.connection_tokens(), repr(r))
                self.assertTrue(c.is_closed(), "second pipelined request answered")

    def test_keep_alive_requests_three(self):
        gw, backend = self.raw_gateway(config={"keep-alive-requests": "3"})
        before = len(backend.requests)
        with Client(gw.http) as c:
            for i in range(2):
                c.send(build_request("GET", f"/k{i}", "raw.test"))
                r = c.read_response()
                self.assertEqual(r.status, 200)
                self.assertNotIn("close", r.connection_tokens(), f"response {i + 1}: {r!r}")
            # Third and fourth pipelined: the third is the last one served.
            c.send(build_request("GET", "/k2", "raw.test") +
                   build_request("GET", "/k3", "raw.test"))
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertIn("close", r.connection_tokens())
            self.assertTrue(c.is_closed())
        self.assertEqual([q.target for q in self.new_requests(backend, before, 3)],
                         ["/k0", "/k1", "/k2"])
        gw.get("/__sync", "raw.test")
        self.assertNotIn("/k3", [q.target for q in backend.requests])

    def test_keep_alive_requests_counts_gateway_answers_too(self):
        gw, _ = self.raw_gateway(config={"keep-alive-requests": "3"})
        with Client(gw.http) as c:
            c.send(build_request("GET", "/", "nobody.test") * 2)
            for _ in range(2):
                self.assertNotIn("close", c.read_response().connection_tokens())
            c.send(build_request("GET", "/", "nobody.test"))
            self.assertIn("close", c.read_response().connection_tokens())
            self.assertTrue(c.is_closed())


# ---------------------------------------------------------------------------------------------
# Upstream settings and retries
# ---------------------------------------------------------------------------------------------


class UpstreamSettingsTest(EdgeCase):
    def test_upstream_keepalive_connections_zero_opens_one_connection_per_request(self):
        gw, backend = self.raw_gateway(config={"upstream-keepalive-connections": "0"})
        wait_until(lambda: all(k.closed_by_peer or k.closed for k in backend.connections),
                   what="warm-up connections closed")
        with backend.lock:
            conns, before = len(backend.connections), len(backend.requests)
        with Client(gw.http) as c:
            for i in range(5):
                c.send(build_request("GET", f"/n{i}", "raw.test"))
                r = c.read_response()
                self.assertEqual((r.status, r.body), (200, b"raw-ok"))
                self.assertNotIn("close", r.connection_tokens(), "downstream keep-alive unaffected")
        self.new_requests(backend, before, 5)
        fresh = backend.connections[conns:]
        self.assertEqual(len(fresh), 5, "every request needs its own upstream connection")
        self.assertEqual([len(k.requests) for k in fresh], [1] * 5)
        wait_until(lambda: all(k.closed_by_peer for k in fresh),
                   what="the gateway closing each upstream connection after its response")

    def test_next_upstream_tries_one_fails_without_retry(self):
        live = RawBackend(self.addCleanup)
        objs = [service("mixed"),
                endpoints("mixed", subsets=[(["127.0.0.1"], [("http", dead_port())]),
                                            (["127.0.0.1"], [("http", live.port)])]),
                simple_ingress("mixed", "mixed.test", "mixed", annotations={
                    "nginx.ingress.kubernetes.io/proxy-next-upstream-tries": "1"})]
        gw = self.gateway(objs)
        gw.wait_route("mixed.test", "/__warmup", lambda r: r.status != 404)
        statuses = []
        for i in range(6):
            r = gw.get(f"/t{i}", "mixed.test")
            if r.status == 502:
                self.assert_gateway_response(r, 502)
            else:
                self.assertEqual((r.status, r.body), (200, b"raw-ok"))
            statuses.append(r.status)
        self.assertIn(502, statuses, "the dead endpoint was never tried (or was retried)")
        self.assertIn(200, statuses)
        failed = {f"/t{i}" for i, s in enumerate(statuses) if s == 502}
        self.assertFalse(failed & {q.target for q in live.requests},
                         "a failed request was also sent to the live endpoint")
        samples = gw.wait_metrics(
            lambda m: metric_sum(m, "waygate_upstream_connect_failures_total") >= len(failed),
            what="connect failures counted")
        self.assertEqual(metric_sum(samples, "waygate_upstream_retries_total"), 0)

    def test_absolute_form_target_routed_by_host_and_sent_in_origin_form(self):
        a = RawBackend(self.addCleanup)
        b = RawBackend(self.addCleanup)
        objs = (backend_objects("sa", a.port) + backend_objects("sb", b.port) +
                [ingress("two", rules=[("a.test", [path_entry("/", "sa")]),
                                       ("b.test", [path_entry("/", "sb")])])])
        gw = self.gateway(objs)
        gw.wait_route("b.test", "/__warmup", lambda r: r.status == 200)
        before_a, before_b = len(a.requests), len(b.requests)
        with Client(gw.http) as c:
            c.send(b"GET http://b.test/path/x?q=1 HTTP/1.1\r\nHost: b.test\r\n\r\n"
                   b"GET http://A.TEST:80/other HTTP/1.1\r\nHost: a.test:80\r\n\r\n")
            self.assertEqual([c.read_response().status for _ in range(2)], [200, 200])
        to_b = self.new_requests(b, before_b, 1)[0]
        to_a = self.new_requests(a, before_a, 1)[0]
        self.assertEqual((to_b.target, to_b.header_all("host")), ("/path/x?q=1", ["b.test"]))
        self.assertTrue(to_b.raw.startswith(b"GET /path/x?q=1 HTTP/1.1\r\n"), to_b.raw[:80])
        self.assertEqual(to_a.target, "/other")
        self.assertEqual(len(a.requests), before_a + 1)
        self.assertEqual(len(b.requests), before_b + 1)


# ---------------------------------------------------------------------------------------------
# Upgrade
# ---------------------------------------------------------------------------------------------


class UnrequestedUpgradeTest(EdgeCase):
    def test_101_without_upgrade_request_is_502(self):
        switch = (b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                  b"Upgrade: websocket\r\n\r\n")
        gw, backend = self.raw_gateway(per_connection(lambda conn, req: conn.send(switch)))
        with Client(gw.http) as c:
            c.send(build_request("GET", "/plain", "raw.test"))
            r = c.read_response()
            self.assert_gateway_response(r, 502)
            self.assertIn("close", r.connection_tokens())
            c.send(b"TUNNELLED BYTES")
            self.assertTrue(c.is_closed())
        gw.get("/__sync", "raw.test")
        self.assertNotIn(b"TUNNELLED", backend.all_bytes())


# ---------------------------------------------------------------------------------------------
# A slow reader of a large response
# ---------------------------------------------------------------------------------------------


class SlowReaderTest(EdgeCase):
    def test_slow_client_large_response_memory_bounded(self):
        echo = EchoBackend(self.addCleanup, "big")
        objs = backend_objects("echo", echo.port) + [simple_ingress("echo", "big.test", "echo")]
        gw = self.gateway(objs)
        gw.wait_route("big.test", "/", lambda r: r.status == 200)
        size = 64 * 1024 * 1024  # waygate echo's maximum: buffering it all would show plainly
        baseline = vm_rss_kib(gw.proc.pid)
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        sock.connect(gw.http)
        sock.settimeout(10)
        sock.sendall(build_request("GET", f"/big?body_bytes={size}", "big.test"))
        peak = baseline
        got = bytearray()
        head = None
        stalls = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if stalls < 3 and len(got) >= stalls * 8 * 1024 * 1024:
                # Stop reading for a while: a gateway that does not push back would now pull
                # the rest of the body from the backend into its memory.
                time.sleep(0.4)
                peak = max(peak, vm_rss_kib(gw.proc.pid))
                stalls += 1
            data = sock.recv(256 * 1024)
            if not data:
                break
            got += data
            if head is None and b"\r\n\r\n" in got:
                end = got.index(b"\r\n\r\n") + 4
                head = bytes(got[:end])
                del got[:end]
            if head is not None and len(got) >= size:
                break
        peak = max(peak, vm_rss_kib(gw.proc.pid))
        self.assertIsNotNone(head)
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head[:100])
        self.assertIn(b"\r\nContent-Length: %d\r\n" % size, head)
        self.assertEqual(len(got), size, "the whole body must arrive")
        self.assertEqual(got.count(b"x"), size)
        grown_mib = (peak - baseline) / 1024
        self.assertLess(grown_mib, 16, f"RSS grew {grown_mib:.1f} MiB while a slow client "
                        f"read {size >> 20} MiB: the response must be streamed with backpressure")


if __name__ == "__main__":
    unittest.main()
