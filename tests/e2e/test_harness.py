"""Self-test of the harness: the raw client's framing, the RawBackend's byte accounting, the
manifest builders and the metrics parser. Needs no gateway, so a broken expectation in the
other files can be told apart from a broken harness."""

import unittest

from harness import (Client, RawBackend, _parse_one_request, build_request, handler_respond,
                     metric_sum, parse_metrics, simple_response, to_yaml, yaml_docs)


class ClientFramingTest(unittest.TestCase):
    def serve(self, response):
        return RawBackend(self.addCleanup, handler_respond(response))

    def test_content_length_then_keepalive(self):
        b = self.serve(simple_response(200, b"hello", [("X-A", "1")]))
        with Client(b.address) as c:
            c.send(build_request() + build_request())
            r1, r2 = c.read_response(), c.read_response()
            self.assertEqual((r1.status, r1.body, r1.header("x-a")), (200, b"hello", "1"))
            self.assertEqual(r2.body, b"hello")
            self.assertFalse(c.is_closed(0.1))

    def test_chunked_with_trailers(self):
        b = self.serve(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: v\r\n\r\n")
        with Client(b.address) as c:
            c.send(build_request())
            r = c.read_response()
        self.assertEqual((r.body, r.chunked, r.trailers), (b"abc0123456789", True, [("X-T", "v")]))

    def test_until_close_body_and_close_detected(self):
        def handler(conn):
            conn.recv_request()
            conn.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest of stream")
            conn.close()
        b = RawBackend(self.addCleanup, handler)
        with Client(b.address) as c:
            c.send(build_request())
            r = c.read_response()
            self.assertEqual((r.body, r.connection_tokens()), (b"rest of stream", ["close"]))
            self.assertTrue(c.is_closed(1))

    def test_interim_responses(self):
        b = self.serve(b"HTTP/1.1 100 Continue\r\n\r\n" + simple_response(201, b"x"))
        with Client(b.address) as c:
            c.send(build_request())
            self.assertEqual(c.read_response(allow_interim=True).status, 100)
            self.assertEqual(c.read_response().status, 201)
        with Client(b.address) as c:
            c.send(build_request())
            self.assertEqual(c.read_response().status, 201)  # 1xx skipped

    def test_head_response_has_no_body(self):
        b = self.serve(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        with Client(b.address) as c:
            c.send(build_request("HEAD"))
            self.assertEqual(c.read_response("HEAD").body, b"")
            self.assertFalse(c.is_closed(0.1))

    def test_extra_bytes_after_response_are_reported(self):
        b = self.serve(simple_response(200, b"ok") + b"JUNK")
        with Client(b.address) as c:
            c.send(build_request())
            c.read_response()
            with self.assertRaises(AssertionError):
                c.is_closed(0.5)


class RawBackendAccountingTest(unittest.TestCase):
    def test_counts_bytes_and_parses_pipelined_requests(self):
        b = RawBackend(self.addCleanup)
        data = (build_request("POST", "/a", body=b"hello") +
                build_request("POST", "/b", body=b"chunk", chunked=True) +
                build_request("GET", "/c"))
        with Client(b.address) as c:
            c.send(data)
            for _ in range(3):
                self.assertEqual(c.read_response().body, b"raw-ok")
        reqs = b.wait_requests(3)
        self.assertEqual([(r.target, r.body) for r in reqs],
                         [("/a", b"hello"), ("/b", b"chunk"), ("/c", b"")])
        self.assertEqual(b.snapshot()[0], len(data))
        self.assertEqual(b"".join(r.raw for r in reqs), data)
        self.assertEqual(b.leftover_bytes(), 0)

    def test_partial_request_is_leftover_not_a_request(self):
        b = RawBackend(self.addCleanup)
        partial = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"
        with Client(b.address) as c:
            c.send(partial)
            b.wait_bytes(len(partial))
        self.assertEqual(b.snapshot()[1], 0)
        self.assertEqual(b.leftover_bytes(), len(partial))

    def test_parser_rejects_garbage_framing(self):
        for data in (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                     b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                     b"NOT HTTP\r\n\r\n"):
            self.assertEqual(_parse_one_request(bytearray(data)), (None, 0), data)


class BuildersTest(unittest.TestCase):
    def test_yaml_quotes_every_string(self):
        text = to_yaml({"a": "true", "b": [{"c": 1, "d": "*.x"}, "e"], "f": {}, "g": True})
        self.assertEqual(text, '"a": "true"\n"b":\n  - "c": 1\n    "d": "*.x"\n  - "e"\n'
                               '"f": {}\n"g": true')
        self.assertTrue(yaml_docs({"k": "v"}, {"k": "w"}).startswith('---\n"k": "v"\n---\n'))

    def test_metrics_parser(self):
        samples = parse_metrics('# TYPE x counter\nx{a="1",b="q\\"z"} 3\nx{a="2"} 4.5\ny 1\n')
        self.assertEqual(samples[0], ("x", {"a": "1", "b": 'q"z'}, 3.0))
        self.assertEqual(metric_sum(samples, "x"), 7.5)
        self.assertEqual(metric_sum(samples, "x", a="2"), 4.5)
        with self.assertRaises(AssertionError):
            parse_metrics("bad line here\n")


if __name__ == "__main__":
    unittest.main()
