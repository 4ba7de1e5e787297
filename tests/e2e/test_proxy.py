"""Reverse-proxy behaviour end to end (issue item 4).

Each test starts the gateway it needs (1 worker unless said otherwise, so per-worker upstream
pools and round robin are deterministic) in front of `waygate echo` backends (module-wide) or
RawBackends (exact bytes, scripted upstream behaviour).
"""

import email.utils
import re
import threading
import time
import unittest

from harness import (Client, ConnectionClosed, EchoBackend, Gateway, RawBackend, backend_objects,
                     build_request, dead_port, echo_name, endpoints, gateway_object,
                     handler_close_after_request, handler_respond, metric_sum, service,
                     simple_ingress, simple_response, wait_until, yaml_docs)

ECHO = {}
IMF_FIXDATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                         r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$")


def setUpModule():
    for name in ("e1", "e2", "e3"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)


def named_raw_handler(name, hold=None):
    """RawBackend handler answering 200 with X-Echo-Name; requests whose target contains
    "hold" wait for the `hold` event first."""
    def handler(conn):
        while True:
            req = conn.recv_request()
            if req is None:
                return
            if "hold" in req.target and hold is not None:
                while not hold.wait(0.05):
                    if conn.backend.stopping.is_set():
                        return
            if not conn.send(simple_response(200, name.encode(), [("X-Echo-Name", name)])):
                return
    return handler


class ProxyCase(unittest.TestCase):
    gw = None  # class-wide gateway, when the class has one

    def setUp(self):
        if self.gw:
            self.gw.assert_alive()
    def gateway(self, objs, args=(), workers=1):
        return Gateway(self.addCleanup, {"m.yaml": yaml_docs(*objs)}, args, workers)

    def echo_gateway(self, names=("e1",), host="proxy.test", annotations=None, config=None,
                     args=(), workers=1):
        objs = backend_objects("svc", [ECHO[n].port for n in names])
        objs.append(simple_ingress("web", host, "svc", annotations=annotations))
        if config is not None:
            objs.append(gateway_object(config))
        gw = self.gateway(objs, args, workers)
        gw.wait_route(host, "/", lambda r: r.status == 200 and echo_name(r) in names)
        return gw

    def raw_gateway(self, handler=None, annotations=None, config=None, host="raw.test"):
        backend = RawBackend(self.addCleanup, **({"handler": handler} if handler else {}))
        objs = backend_objects("raw", backend.port)
        objs.append(simple_ingress("raw", host, "raw", annotations=annotations))
        if config is not None:
            objs.append(gateway_object(config))
        gw = self.gateway(objs)
        gw.wait_route(host, "/__warmup", lambda r: r.status != 404)
        with backend.lock:  # forget the warm-up traffic
            n = len(backend.requests)
        return gw, backend, n

    def assert_gateway_response(self, r, status):
        self.assertEqual(r.status, status, repr(r))
        self.assertIsNone(echo_name(r), "answered by a backend, not by the gateway")
        self.assertEqual(r.header_all("server"), ["waygate"])


class KeepAliveTest(ProxyCase):
    @classmethod
    def setUpClass(cls):
        objs = backend_objects("svc", ECHO["e1"].port)
        objs.append(simple_ingress("web", "proxy.test", "svc"))
        cls.gw = Gateway(cls.addClassCleanup, {"m.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("proxy.test", "/", "e1")

    def test_sequential_requests_share_one_connection(self):
        with Client(self.gw.http) as c:
            for i in range(3):
                c.send(build_request("GET", f"/seq{i}", "proxy.test"))
                r = c.read_response()
                self.assertEqual((r.status, r.json()["path"]), (200, f"/seq{i}"))
                self.assertNotIn("close", r.connection_tokens())
            self.assertFalse(c.is_closed(0.2), "keep-alive connection was closed")

    def test_three_pipelined_requests_in_one_write(self):
        with Client(self.gw.http) as c:
            c.send(build_request("GET", "/p1", "proxy.test") +
                   build_request("POST", "/p2", "proxy.test", body=b"x" * 1000) +
                   build_request("GET", "/p3?q=1", "proxy.test"))
            responses = [c.read_response() for _ in range(3)]
        self.assertEqual([(r.status, r.json()["path"]) for r in responses],
                         [(200, "/p1"), (200, "/p2"), (200, "/p3?q=1")])
        self.assertEqual(responses[1].json()["body_length"], 1000)

    def test_pipelined_responses_keep_request_order(self):
        with Client(self.gw.http) as c:
            c.send(build_request("GET", "/slow?delay_ms=300", "proxy.test") +
                   build_request("GET", "/fast", "proxy.test"))
            paths = [c.read_response().json()["path"] for _ in range(2)]
        self.assertEqual(paths, ["/slow?delay_ms=300", "/fast"])

    def test_head_then_get_pipelined(self):
        # HEAD responses carry no body: the GET response after it must parse cleanly.
        with Client(self.gw.http) as c:
            c.send(build_request("HEAD", "/h", "proxy.test") +
                   build_request("GET", "/g", "proxy.test"))
            head = c.read_response("HEAD")
            get = c.read_response()
        self.assertEqual(head.status, 200)
        self.assertEqual(get.json()["path"], "/g")

    def test_http10_request_closes(self):
        with Client(self.gw.http) as c:
            c.send(b"GET /old HTTP/1.0\r\nHost: proxy.test\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertTrue(c.is_closed(), "HTTP/1.0 without keep-alive must be closed")

    def test_connection_close_honoured(self):
        with Client(self.gw.http) as c:
            c.send(build_request("GET", "/bye", "proxy.test", [("Connection", "close")]))
            r = c.read_response()
            self.assertEqual(r.status, 200)
            self.assertIn("close", r.connection_tokens())
            self.assertTrue(c.is_closed())

    def test_expect_100_continue(self):
        with Client(self.gw.http) as c:
            c.send(b"POST /upload HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: 5\r\n"
                   b"Expect: 100-continue\r\n\r\n")
            interim = c.read_response(allow_interim=True)
            self.assertEqual(interim.status, 100, f"expected 100 Continue first, got {interim!r}")
            c.send(b"hello")
            r = c.read_response()
        self.assertEqual((r.status, r.json()["body_length"]), (200, 5))

    def test_response_chunked_from_upstream(self):
        with Client(self.gw.http) as c:
            c.send(build_request("GET", "/c?chunked=1&body_bytes=100000", "proxy.test"))
            r = c.read_response()
            self.assertEqual((r.status, len(r.body)), (200, 100000))
            c.send(build_request("GET", "/after", "proxy.test"))
            self.assertEqual(c.read_response().json()["path"], "/after")

    def test_upstream_status_and_headers_passed(self):
        r = self.gw.get("/s?status=418&header=X-Custom:yes", "proxy.test")
        self.assertEqual((r.status, r.header("x-custom")), (418, "yes"))

    def test_no_route_404_from_gateway(self):
        self.assert_gateway_response(self.gw.get("/", "nobody.test"), 404)


class ReuseTest(ProxyCase):
    def test_upstream_keepalive_reused_for_sequential_requests(self):
        gw = self.echo_gateway()
        with Client(gw.http) as c:
            seen = []
            for i in range(5):
                c.send(build_request("GET", f"/ka{i}", "proxy.test"))
                seen.append(c.read_response().json())
        ids = {j["connection_id"] for j in seen}
        self.assertEqual(len(ids), 1, f"upstream connection not reused: {ids}")
        indexes = [j["request_index"] for j in seen]
        self.assertEqual(indexes, sorted(indexes))
        self.assertGreaterEqual(indexes[-1], 5)

    def test_upstream_keepalive_reused_across_downstream_connections(self):
        gw = self.echo_gateway()
        seen = [gw.get(f"/new{i}", "proxy.test").json() for i in range(5)]
        self.assertEqual(len({j["connection_id"] for j in seen}), 1,
                         "one worker: the pooled upstream connection must serve every request")
        self.assertGreater(seen[-1]["request_index"], seen[0]["request_index"])

    def test_reuse_counted_in_metrics(self):
        gw = self.echo_gateway()
        name = "waygate_upstream_requests_total"
        # The warm-up request (exactly one reached upstream) must be published first.
        before = gw.wait_metrics(lambda m: metric_sum(m, name) >= 1, what="warm-up counted")
        with Client(gw.http) as c:
            for i in range(20):
                c.send(build_request("GET", f"/m{i}", "proxy.test"))
                self.assertEqual(c.read_response().status, 200)
        for i in range(10):
            self.assertEqual(gw.get(f"/n{i}", "proxy.test").status, 200)
        after = gw.wait_metrics(lambda m: metric_sum(m, name) - metric_sum(before, name) >= 30,
                                what="30 upstream requests counted")
        opened = (metric_sum(after, "waygate_upstream_connections_opened_total") -
                  metric_sum(before, "waygate_upstream_connections_opened_total"))
        reqs = metric_sum(after, name) - metric_sum(before, name)
        self.assertEqual(reqs, 30)
        self.assertLessEqual(opened, 1, "30 sequential requests need one upstream connection")
        self.assertGreaterEqual(1 - opened / reqs, 0.95)


class BodyStreamingTest(ProxyCase):
    def test_content_length_request_body_streamed(self):
        gw, backend, base = self.raw_gateway(annotations={
            "nginx.ingress.kubernetes.io/proxy-body-size": "0"})
        total = 4 * 1024 * 1024
        first = b"a" * (256 * 1024)
        before = backend.snapshot()[0]  # taken before sending: the bytes may arrive at once
        with Client(gw.http) as c:
            c.send(f"POST /up HTTP/1.1\r\nHost: raw.test\r\nContent-Length: {total}\r\n\r\n"
                   .encode() + first)
            # The first part reaches the backend while the client still holds the rest.
            backend.wait_bytes(before + len(first), timeout=5)
            c.send(b"b" * (total - len(first)))
            r = c.read_response()
        self.assertEqual(r.status, 200)
        req = backend.wait_requests(base + 1)[base]
        self.assertEqual(len(req.body), total)
        self.assertEqual(req.body[:len(first)], first)

    def test_chunked_request_body_streamed(self):
        gw, backend, base = self.raw_gateway()
        with Client(gw.http) as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: raw.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n")
            wait_until(lambda: b"hello" in backend.all_bytes(), what="first chunk upstream")
            c.send(b"6\r\n world\r\n0\r\n\r\n")
            r = c.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(backend.wait_requests(base + 1)[base].body, b"hello world")

    def test_response_body_streamed(self):
        release = threading.Event()
        part = b"p" * (128 * 1024)

        def handler(conn):
            if conn.recv_request() is None:
                return
            if "__warmup" in conn.requests[-1].target:
                conn.send(simple_response(200, b"ok"))
                return handler(conn)
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 * len(part)) + part)
            while not release.wait(0.05):
                if conn.backend.stopping.is_set():
                    return
            conn.send(part)
        gw, backend, _ = self.raw_gateway(handler)
        with Client(gw.http) as c:
            c.send(build_request("GET", "/down", "raw.test"))
            c.read_head()
            got = b""
            deadline = time.monotonic() + 5
            while len(got) < len(part) and time.monotonic() < deadline:
                got += c.read_some(timeout=5)
            self.assertGreaterEqual(len(got), len(part),
                                    "response body not streamed before the upstream finished")
            release.set()
            got += c.read_exact(2 * len(part) - len(got))
        self.assertEqual(len(got), 2 * len(part))

    def test_big_transfers_do_not_grow_memory(self):
        gw = self.echo_gateway(annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "0"})
        size = 64 * 1024 * 1024
        self.assertEqual(gw.get("/warm", "proxy.test").status, 200)
        baseline = gw.proc.peak_rss_kib()
        with Client(gw.http, timeout=30) as c:
            c.send(f"POST /big HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: {size}\r\n\r\n"
                   .encode())
            block = b"z" * (1024 * 1024)
            for _ in range(size // len(block)):
                c.send(block)
            r = c.read_response()
            self.assertEqual((r.status, r.json()["body_length"]), (200, size))
            c.send(build_request("GET", f"/big?body_bytes={size}", "proxy.test"))
            r = c.read_response()
            self.assertEqual((r.status, len(r.body)), (200, size))
        grown_mib = (gw.proc.peak_rss_kib() - baseline) / 1024
        self.assertLess(grown_mib, 24, f"peak RSS grew by {grown_mib:.1f} MiB moving 2x64 MiB: "
                        "bodies must be streamed, not buffered")


class ErrorsTest(ProxyCase):
    def test_502_when_backend_closes_without_response(self):
        gw, _, _ = self.raw_gateway(handler_close_after_request)
        self.assert_gateway_response(gw.get("/", "raw.test"), 502)

    def test_502_on_invalid_upstream_response(self):
        gw, _, _ = self.raw_gateway(handler_respond(b"NOT HTTP AT ALL\r\n\r\n"))
        self.assert_gateway_response(gw.get("/", "raw.test"), 502)

    def test_502_when_connect_refused(self):
        objs = [service("dead"), endpoints("dead", subsets=[(["127.0.0.1"],
                                                             [("http", dead_port())])]),
                simple_ingress("dead", "dead.test", "dead")]
        gw = self.gateway(objs)
        r = gw.wait_route("dead.test", "/", lambda r: r.status != 404)
        self.assert_gateway_response(r, 502)

    def test_504_on_read_timeout(self):
        gw = self.echo_gateway(annotations={"nginx.ingress.kubernetes.io/proxy-read-timeout": "1"})
        start = time.monotonic()
        r = gw.get("/?delay_ms=4000", "proxy.test")
        elapsed = time.monotonic() - start
        self.assert_gateway_response(r, 504)
        self.assertGreater(elapsed, 0.8)
        self.assertLess(elapsed, 3.0)

    def test_read_timeout_from_gateway_config(self):
        gw = self.echo_gateway(config={"proxy-read-timeout": "1"})
        self.assert_gateway_response(gw.get("/?delay_ms=4000", "proxy.test"), 504)
        self.assertEqual(gw.get("/?delay_ms=100", "proxy.test").status, 200)

    def test_503_without_ready_endpoints(self):
        objs = [service("none"), endpoints("none"), simple_ingress("none", "none.test", "none")]
        gw = self.gateway(objs)
        r = gw.wait_route("none.test", "/", lambda r: r.status != 404)
        self.assert_gateway_response(r, 503)

    def test_connect_failure_retried_on_next_endpoint(self):
        live = RawBackend(self.addCleanup, named_raw_handler("live"))
        objs = [service("mixed"),
                endpoints("mixed", subsets=[(["127.0.0.1"], [("http", dead_port())]),
                                            (["127.0.0.1"], [("http", live.port)])]),
                simple_ingress("mixed", "mixed.test", "mixed")]
        gw = self.gateway(objs)
        gw.wait_route("mixed.test", "/", lambda r: r.status != 404)
        for i in range(10):
            r = gw.request("POST", f"/r{i}", "mixed.test", body=b"data")
            self.assertEqual((r.status, echo_name(r)), (200, "live"), f"request {i}: {r!r}")

    def test_no_retry_after_request_bytes_went_upstream(self):
        closer = RawBackend(self.addCleanup, handler_close_after_request)
        live = RawBackend(self.addCleanup, named_raw_handler("live"))
        objs = [service("mixed"),
                endpoints("mixed", subsets=[(["127.0.0.1"], [("http", closer.port)]),
                                            (["127.0.0.1"], [("http", live.port)])]),
                simple_ingress("mixed", "mixed.test", "mixed")]
        gw = self.gateway(objs)
        gw.wait_route("mixed.test", "/", lambda r: r.status != 404)
        base_closer = len(closer.requests)
        failed = set()
        for i in range(6):
            r = gw.request("POST", f"/once{i}", "mixed.test", body=b"data")
            if r.status == 502:
                failed.add(f"/once{i}")
            else:
                self.assertEqual((r.status, echo_name(r)), (200, "live"))
        closer_targets = {q.target for q in closer.requests[base_closer:]}
        self.assertTrue(failed, "round robin never picked the closing endpoint")
        self.assertEqual(failed, closer_targets)
        self.assertFalse(failed & {q.target for q in live.requests},
                         "a request was replayed after its bytes went upstream")

    def test_ejected_endpoint_recovers(self):
        port = dead_port()
        objs = [service("rec"),
                endpoints("rec", subsets=[(["127.0.0.1"], [("http", port)]),
                                          (["127.0.0.1"], [("http", ECHO["e1"].port)])]),
                simple_ingress("rec", "rec.test", "rec")]
        gw = self.gateway(objs)
        gw.wait_route("rec.test", "/", lambda r: r.status != 404)
        for _ in range(10):
            self.assertEqual(echo_name(gw.get("/", "rec.test")), "e1")
        EchoBackend(self.addCleanup, "revived", port=port)
        # Passive ejection must end: the revived endpoint serves again within a bounded time.
        wait_until(lambda: echo_name(gw.get("/", "rec.test")) == "revived", timeout=40,
                   interval=0.1, what="the revived endpoint to receive traffic again")


class BodyLimitTest(ProxyCase):
    def test_413_before_body_is_read_default_1m(self):
        gw, backend, _ = self.raw_gateway()
        before = backend.snapshot()[0]
        with Client(gw.http) as c:
            c.send(b"POST / HTTP/1.1\r\nHost: raw.test\r\nContent-Length: 1048577\r\n\r\n")
            r = c.read_response()  # no body byte sent: the limit is decided from the head
        self.assert_gateway_response(r, 413)
        self.assertEqual(backend.snapshot()[0], before, "bytes reached the backend")

    def test_exactly_1m_is_allowed(self):
        gw = self.echo_gateway()
        r = gw.request("POST", "/", "proxy.test", body=b"x" * 1048576)
        self.assertEqual((r.status, r.json()["body_length"]), (200, 1048576))

    def test_413_with_expect_100_continue_sends_no_100(self):
        gw, backend, _ = self.raw_gateway()
        before = backend.snapshot()[0]
        with Client(gw.http) as c:
            c.send(b"POST / HTTP/1.1\r\nHost: raw.test\r\nContent-Length: 2000000\r\n"
                   b"Expect: 100-continue\r\n\r\n")
            r = c.read_response(allow_interim=True)
        self.assert_gateway_response(r, 413)
        self.assertEqual(backend.snapshot()[0], before)

    def test_annotation_body_size(self):
        gw = self.echo_gateway(annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "10"})
        self.assertEqual(gw.request("POST", "/", "proxy.test", body=b"x" * 10).status, 200)
        self.assert_gateway_response(gw.request("POST", "/", "proxy.test", body=b"x" * 11), 413)

    def test_gateway_config_body_size(self):
        gw = self.echo_gateway(config={"proxy-body-size": "2k"})
        self.assertEqual(gw.request("POST", "/", "proxy.test", body=b"x" * 2048).status, 200)
        self.assert_gateway_response(gw.request("POST", "/", "proxy.test", body=b"x" * 2049), 413)


class HeadersTest(ProxyCase):
    @classmethod
    def setUpClass(cls):
        objs = backend_objects("svc", ECHO["e1"].port)
        objs.append(simple_ingress("web", "hdr.test", "svc"))
        cls.gw = Gateway(cls.addClassCleanup, {"m.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("hdr.test", "/", "e1")

    def upstream(self, headers=(), gw=None, host="hdr.test"):
        r = (gw or self.gw).get("/h", host, headers)
        self.assertEqual(r.status, 200, repr(r))
        return r.json()

    def test_request_id_generated(self):
        a = self.upstream()["headers"].get("x-request-id", "")
        b = self.upstream()["headers"].get("x-request-id", "")
        self.assertRegex(a, r"^[0-9a-f]{32}$")
        self.assertRegex(b, r"^[0-9a-f]{32}$")
        self.assertNotEqual(a, b)

    def test_request_id_kept_when_sent(self):
        h = self.upstream([("X-Request-ID", "abc-123")])["headers"]
        self.assertEqual(h.get("x-request-id"), "abc-123")

    def test_forwarded_headers_set(self):
        j = self.upstream()
        h = j["headers"]
        self.assertEqual(h.get("x-forwarded-for"), "127.0.0.1")
        self.assertEqual(h.get("x-real-ip"), "127.0.0.1")
        self.assertEqual(h.get("x-forwarded-proto"), "http")
        self.assertEqual(h.get("x-forwarded-host"), "hdr.test")
        self.assertEqual(h.get("x-forwarded-port"), str(self.gw.http[1]))
        self.assertEqual(j["host"], "hdr.test")
        self.assertEqual(j["protocol"], "HTTP/1.1")

    def test_client_forwarded_headers_replaced_by_default(self):
        h = self.upstream([("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"),
                           ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Port", "9999"),
                           ("X-Real-IP", "5.6.7.8")])["headers"]
        self.assertEqual(h.get("x-forwarded-for"), "127.0.0.1")
        self.assertEqual(h.get("x-real-ip"), "127.0.0.1")
        self.assertEqual(h.get("x-forwarded-proto"), "http")
        self.assertEqual(h.get("x-forwarded-host"), "hdr.test")
        self.assertEqual(h.get("x-forwarded-port"), str(self.gw.http[1]))

    def test_client_forwarded_headers_trusted_with_use_forwarded_headers(self):
        gw = self.echo_gateway(host="hdr.test", config={"use-forwarded-headers": "true"})
        h = self.upstream([("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"),
                           ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Port", "9999")],
                          gw)["headers"]
        # ingress-nginx sends the client address the header names (and may append the peer).
        self.assertEqual(h.get("x-forwarded-for", "").split(",")[0].strip(), "1.2.3.4")
        self.assertEqual(h.get("x-forwarded-proto"), "https")
        self.assertEqual(h.get("x-forwarded-host"), "evil.example")
        self.assertEqual(h.get("x-forwarded-port"), "9999")

    def test_hop_by_hop_request_headers_removed(self):
        h = self.upstream([("Connection", "keep-alive, X-Secret"), ("X-Secret", "1"),
                           ("Keep-Alive", "timeout=5"), ("TE", "trailers"),
                           ("Proxy-Connection", "keep-alive"), ("X-Visible", "1")])["headers"]
        self.assertEqual(h.get("x-visible"), "1")
        for name in ("x-secret", "keep-alive", "te", "proxy-connection"):
            self.assertNotIn(name, h, f"hop-by-hop {name} forwarded")
        self.assertNotIn("x-secret", h.get("connection", "").lower())

    def test_connection_cannot_strip_framing_or_host(self):
        r = self.gw.request("POST", "/f", "hdr.test",
                            [("Connection", "Content-Length, Host, Transfer-Encoding")],
                            body=b"hello")
        j = r.json()
        self.assertEqual((r.status, j["body_length"], j["host"]), (200, 5, "hdr.test"))

    def test_hop_by_hop_response_headers_removed(self):
        resp = simple_response(200, b"ok", [("Connection", "X-Up-Secret"), ("X-Up-Secret", "1"),
                                            ("X-Up-Visible", "1")])
        gw, _, _ = self.raw_gateway(handler_respond(resp))
        r = gw.get("/", "raw.test")
        self.assertEqual((r.status, r.header("x-up-visible")), (200, "1"))
        self.assertIsNone(r.header("x-up-secret"))

    def test_server_header_replaces_upstream_server(self):
        resp = simple_response(200, b"ok", [("Server", "rawbackend/1.0")])
        gw, _, _ = self.raw_gateway(handler_respond(resp))
        self.assertEqual(gw.get("/", "raw.test").header_all("server"), ["waygate"])

    def test_server_header_on_gateway_errors(self):
        self.assert_gateway_response(self.gw.get("/", "nobody.test"), 404)
        with Client(self.gw.http) as c:
            c.send(b"GET / HTTP/1.1\r\nHost: hdr.test\r\nX-A : b\r\n\r\n")
            self.assert_gateway_response(c.read_response(), 400)
        with Client(self.gw.http) as c:
            c.send(b"POST / HTTP/1.1\r\nHost: hdr.test\r\nContent-Length: 1048577\r\n\r\n")
            self.assert_gateway_response(c.read_response(), 413)

    def test_upstream_date_kept(self):
        date = "Tue, 15 Nov 1994 08:12:31 GMT"
        gw, _, _ = self.raw_gateway(handler_respond(simple_response(200, b"ok",
                                                                    [("Date", date)])))
        self.assertEqual(gw.get("/", "raw.test").header_all("date"), [date])

    def check_fresh_date(self, r):
        dates = r.header_all("date")
        self.assertEqual(len(dates), 1, repr(r))
        self.assertRegex(dates[0], IMF_FIXDATE)
        age = abs(time.time() - email.utils.parsedate_to_datetime(dates[0]).timestamp())
        self.assertLess(age, 120)

    def test_date_added_when_upstream_has_none(self):
        gw, _, _ = self.raw_gateway()  # handler_ok sends no Date
        r = gw.get("/", "raw.test")
        self.assertEqual(r.body, b"raw-ok")
        self.check_fresh_date(r)

    def test_date_on_gateway_responses(self):
        self.check_fresh_date(self.gw.get("/", "nobody.test"))


class UpgradeTest(ProxyCase):
    UPGRADE = [("Connection", "Upgrade"), ("Upgrade", "websocket"),
               ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")]

    def test_websocket_tunnel_through_gateway(self):
        gw = self.echo_gateway(host="ws.test")
        with Client(gw.http) as c:
            c.send(build_request("GET", "/ws", "ws.test", self.UPGRADE))
            r = c.read_response()
            self.assertEqual(r.status, 101, repr(r))
            self.assertEqual((r.header("upgrade") or "").lower(), "websocket")
            self.assertIn("upgrade", r.connection_tokens())
            for payload in (b"hello ws", b"\x00\x01binary\xff", b"x" * 100000):
                c.send(payload)
                self.assertEqual(c.read_exact(len(payload)), payload)

    def test_no_tunnel_without_101(self):
        gw, backend, _ = self.raw_gateway()  # answers 200 to the upgrade request
        with Client(gw.http) as c:
            c.send(build_request("GET", "/ws", "raw.test", self.UPGRADE))
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"raw-ok"))
            c.send(b"NOT HTTP\r\n\r\n")
            try:
                after = c.read_response()
                self.assertEqual(after.status, 400, "bytes after a refused upgrade are HTTP")
            except ConnectionClosed:
                pass
        gw.get("/__sync", "raw.test")
        self.assertNotIn(b"NOT HTTP", backend.all_bytes(), "tunnelled without a 101")


class LoadBalancingTest(ProxyCase):
    def test_round_robin_by_default(self):
        gw = self.echo_gateway(names=("e1", "e2", "e3"))
        order = []
        with Client(gw.http) as c:
            for i in range(30):
                c.send(build_request("GET", f"/rr{i}", "proxy.test"))
                order.append(echo_name(c.read_response()))
        counts = {n: order.count(n) for n in ("e1", "e2", "e3")}
        self.assertEqual(counts, {"e1": 10, "e2": 10, "e3": 10}, order)
        self.assertTrue(all(a != b for a, b in zip(order, order[1:])), order)

    def _least_request(self, algorithm):
        hold = threading.Event()
        self.addCleanup(hold.set)
        a = RawBackend(self.addCleanup, named_raw_handler("a", hold))
        b = RawBackend(self.addCleanup, named_raw_handler("b", hold))
        objs = [service("lr"), endpoints("lr", subsets=[(["127.0.0.1"], [("http", a.port)]),
                                                        (["127.0.0.1"], [("http", b.port)])]),
                simple_ingress("lr", "lr.test", "lr", annotations={
                    "nginx.ingress.kubernetes.io/load-balance": algorithm})]
        gw = self.gateway(objs)
        gw.wait_route("lr.test", "/", lambda r: r.status == 200)
        busy = Client(gw.http)
        self.addCleanup(busy.close)
        busy.send(build_request("GET", "/hold", "lr.test"))
        wait_until(lambda: any(r.target == "/hold" for r in a.requests + b.requests),
                   what="the held request upstream")
        held_on = "a" if any(r.target == "/hold" for r in a.requests) else "b"
        quick = [echo_name(gw.get(f"/q{i}", "lr.test")) for i in range(8)]
        # Two endpoints: the two choices are both endpoints, so the busy one never wins.
        self.assertNotIn(held_on, quick, f"{algorithm}: busy endpoint {held_on} got {quick}")
        hold.set()
        self.assertEqual(busy.read_response().status, 200)

    def test_least_conn(self):
        self._least_request("least_conn")

    def test_ewma(self):
        self._least_request("ewma")

    def check_consistent(self, gw, keyed_requests):
        """keyed_requests: {key: callable() -> Response}. Same key, same endpoint; keys spread."""
        chosen = {}
        for key, send in keyed_requests.items():
            names = {echo_name(send()) for _ in range(3)}
            self.assertEqual(len(names), 1, f"key {key} went to {names}")
            chosen[key] = names.pop()
        self.assertGreater(len(set(chosen.values())), 1, f"every key on one endpoint: {chosen}")
        self.assertNotIn(None, chosen.values())

    def hash_gateway(self, by):
        return self.echo_gateway(names=("e1", "e2", "e3"), annotations={
            "nginx.ingress.kubernetes.io/upstream-hash-by": by})

    def test_hash_by_request_uri(self):
        gw = self.hash_gateway("$request_uri")
        self.check_consistent(gw, {i: (lambda i=i: gw.get(f"/item/{i}?v=1", "proxy.test"))
                                   for i in range(20)})

    def test_hash_by_header(self):
        gw = self.hash_gateway("$http_x_user")
        self.check_consistent(gw, {u: (lambda u=u: gw.get(f"/any{time.monotonic_ns()}",
                                                          "proxy.test", [("X-User", u)]))
                                   for u in (f"user{i}" for i in range(20))})

    def test_hash_by_remote_addr(self):
        gw = self.hash_gateway("$remote_addr")
        self.check_consistent(gw, {ip: (lambda ip=ip: gw.request(
            "GET", f"/r{time.monotonic_ns()}", "proxy.test", source=ip))
            for ip in (f"127.0.0.{i}" for i in range(2, 22))})


class LiveChangeTest(ProxyCase):
    def test_no_failed_request_across_manifest_rewrites(self):
        objs = backend_objects("svc1", ECHO["e1"].port) + backend_objects("svc2", ECHO["e2"].port)
        gw = Gateway(self.addCleanup, {"backends.yaml": yaml_docs(*objs),
                                       "web.yaml": yaml_docs(simple_ingress("web", "live.test",
                                                                            "svc1"))})
        gw.wait_backend("live.test", "/", "e1")
        stop = threading.Event()

        def rewrite():
            i = 0
            while not stop.is_set() and i < 60:
                i += 1
                gw.write_manifest("web.yaml", yaml_docs(simple_ingress(
                    "web", "live.test", "svc2" if i % 2 else "svc1")))
                stop.wait(0.03)
        writer = threading.Thread(target=rewrite)
        writer.start()
        self.addCleanup(writer.join)
        self.addCleanup(stop.set)
        failures, names = [], set()
        deadline = time.monotonic() + 3
        with Client(gw.http) as kept:
            n = 0
            while writer.is_alive() and time.monotonic() < deadline:
                n += 1
                if n % 2:
                    kept.send(build_request("GET", f"/k{n}?delay_ms=20", "live.test"))
                    r = kept.read_response()
                else:
                    r = gw.get(f"/n{n}", "live.test")
                names.add(echo_name(r))
                if r.status != 200:
                    failures.append(r)
        stop.set()
        self.assertEqual(failures, [])
        self.assertGreater(n, 20)
        self.assertEqual(names, {"e1", "e2"}, "the rewrites never took effect")

    def test_in_flight_request_survives_reload(self):
        objs = backend_objects("svc1", ECHO["e1"].port) + backend_objects("svc2", ECHO["e2"].port)
        gw = Gateway(self.addCleanup, {"backends.yaml": yaml_docs(*objs),
                                       "web.yaml": yaml_docs(simple_ingress("web", "live.test",
                                                                            "svc1"))})
        gw.wait_backend("live.test", "/", "e1")
        with Client(gw.http) as c:
            c.send(build_request("GET", "/slow?delay_ms=800", "live.test"))
            gw.write_manifest("web.yaml", yaml_docs(simple_ingress("web", "live.test", "svc2")))
            gw.wait_backend("live.test", "/", "e2")
            r = c.read_response()
            self.assertEqual((r.status, echo_name(r)), (200, "e1"))
            # The kept connection's next request uses the new snapshot.
            c.send(build_request("GET", "/next", "live.test"))
            self.assertEqual(echo_name(c.read_response()), "e2")


class WorkersTest(ProxyCase):
    def test_two_workers_serve_many_connections(self):
        gw = self.echo_gateway(workers=2)
        clients = [Client(gw.http) for _ in range(16)]
        for c in clients:
            self.addCleanup(c.close)
        for c in clients:
            c.send(build_request("GET", "/w1", "proxy.test") +
                   build_request("GET", "/w2", "proxy.test"))
        for c in clients:
            self.assertEqual([c.read_response().json()["path"] for _ in range(2)], ["/w1", "/w2"])


if __name__ == "__main__":
    unittest.main()
