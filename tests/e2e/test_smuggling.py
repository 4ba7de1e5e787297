"""Malformed and smuggling requests, end to end (issue item 5).

One gateway (1 worker) routes every host and path to a RawBackend that records every byte it
receives. Each case opens a fresh downstream connection, sends exact bytes, and asserts:

  * the exact status (400, 414, 431, 501 or 505),
  * a `Connection: close` header on that response, and that the gateway then closes,
  * what reached the backend. Two classes, on purpose:

    HEAD-LEVEL errors (request line, header fields, framing headers, limits, versions): the
    gateway sees the whole problem before it has a route, so ZERO bytes may reach the backend.

    BODY-LEVEL errors (an invalid chunk size, chunk extension, chunk framing or trailer, behind
    a valid head): a streaming gateway may already have forwarded the head and the valid body
    bytes before the bad byte arrives (the body is never buffered whole). The backend may then
    hold a partial request, but must never receive a COMPLETE request from that message, nor
    anything smuggled after the bad bytes, and the upstream connection carrying the partial
    request must never be reused (checked by the sentinel below parsing cleanly).

How "nothing reached the backend" is observed without sleeping: after each case a sentinel
request goes through the same single worker; once the backend has it, anything the gateway
would have forwarded for the bad request has been written already. The sentinel must itself
arrive as a clean, complete request (no garbage before it on a reused upstream connection).

Statuses follow RFC 9112 and the issue: 400 for invalid syntax/framing (incl. Host problems and
malformed versions such as "HTTP/1.1x" or "http/1.1"); 505 for a well-formed but unsupported
major version ("HTTP/2.0", "HTTP/0.9"); 501 for a transfer-coding list that ends in chunked but
contains a coding we do not implement ("gzip, chunked"); a list NOT ending in chunked is 400
(RFC 9112 6.3: length cannot be determined). 414 for a request line over the limit, 431 for too
many or too large header fields. A few VALID edge cases (tab as OWS, upper-case CHUNKED, leading
zeros in Content-Length, HTTP/1.2 served as 1.1 per RFC 9110 2.5, obs-text, chunk extensions,
trailers) are pinned too, so strictness never turns into rejecting valid traffic.
"""

import subprocess
import unittest

from harness import (Client, Gateway, RawBackend, backend_objects, build_request, ingress,
                     path_entry, yaml_docs)

HOST = b"Host: s.example\r\n"


def post(fields=b"", body=b"", version=b"HTTP/1.1", host=HOST, target=b"/"):
    """A POST head whose extra header lines are `fields` (each with its own terminator)."""
    return b"POST " + target + b" " + version + b"\r\n" + host + fields + b"\r\n" + body


def get(fields=b"", version=b"HTTP/1.1", host=HOST, target=b"/"):
    return b"GET " + target + b" " + version + b"\r\n" + host + fields + b"\r\n"


def chunked(body):
    """A valid head announcing a chunked body, followed by raw (maybe invalid) body bytes."""
    return post(b"Transfer-Encoding: chunked\r\n", body)


SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: s.example\r\n\r\n"

# (name, bytes, status). Head-level: zero bytes may reach the backend.
HEAD_CASES = [
    # --- Content-Length together with Transfer-Encoding (RFC 9112 6.1, 6.3) ---
    ("cl_and_te", post(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_and_cl", post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n"), 400),
    ("cl_te_classic", post(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" %
                           (5 + len(SMUGGLED)),
                           b"0\r\n\r\n" + SMUGGLED), 400),
    ("te_cl_classic", post(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                           b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n"), 400),
    ("cl_zero_and_te", post(b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
                            b"0\r\n\r\n"), 400),
    # --- Transfer-Encoding not ending in chunked / obfuscated (TE.TE) ---
    ("te_chunked_then_identity", post(b"Transfer-Encoding: chunked, identity\r\n", b"0\r\n\r\n"),
     400),
    ("te_gzip_only", post(b"Transfer-Encoding: gzip\r\n", b"0\r\n\r\n"), 400),
    ("te_identity", post(b"Transfer-Encoding: identity\r\n", b"0\r\n\r\n"), 400),
    ("te_chunked_twice_list", post(b"Transfer-Encoding: chunked, chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_chunked_twice_fields",
     post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_second_field_not_chunked",
     post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", b"0\r\n\r\n"), 400),
    ("te_xchunked", post(b"Transfer-Encoding: xchunked\r\n", b"0\r\n\r\n"), 400),
    ("te_chunked_suffix", post(b"Transfer-Encoding: chunkedx\r\n", b"0\r\n\r\n"), 400),
    ("te_quoted", post(b'Transfer-Encoding: "chunked"\r\n', b"0\r\n\r\n"), 400),
    ("te_empty_value", post(b"Transfer-Encoding: \r\n", b"0\r\n\r\n"), 400),
    ("te_space_before_colon", post(b"Transfer-Encoding : chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_tab_before_colon", post(b"Transfer-Encoding\t: chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_obs_fold", post(b"Transfer-Encoding:\r\n chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_obs_fold_tab", post(b"X-A: b\r\n\tTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_leading_space_first_field",
     b"POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: s.example\r\n\r\n0\r\n\r\n", 400),
    ("te_vertical_tab", post(b"Transfer-Encoding:\x0bchunked\r\n", b"0\r\n\r\n"), 400),
    ("te_form_feed", post(b"Transfer-Encoding: chunked\x0c\r\n", b"0\r\n\r\n"), 400),
    ("te_nul", post(b"Transfer-Encoding: chunked\x00\r\n", b"0\r\n\r\n"), 400),
    ("te_bare_cr", post(b"Transfer-Encoding: chunked\rX-A: b\r\n", b"0\r\n\r\n"), 400),
    ("te_bare_lf_hides_field", post(b"X-A: b\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 400),
    ("te_in_http10", post(b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n", version=b"HTTP/1.0"),
     400),
    ("te_in_http10_with_cl",
     post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n",
          version=b"HTTP/1.0"), 400),
    # --- invalid or conflicting Content-Length (RFC 9112 6.3 item 5) ---
    ("cl_duplicate_different", post(b"Content-Length: 5\r\nContent-Length: 6\r\n", b"hello!"),
     400),
    ("cl_zero_then_length",
     post(b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(SMUGGLED), SMUGGLED), 400),
    ("cl_list_different", post(b"Content-Length: 5, 6\r\n", b"hello!"), 400),
    ("cl_plus_sign", post(b"Content-Length: +5\r\n", b"hello"), 400),
    ("cl_negative", post(b"Content-Length: -1\r\n", b"hello"), 400),
    ("cl_negative_zero", post(b"Content-Length: -0\r\n"), 400),
    ("cl_hex", post(b"Content-Length: 0x5\r\n", b"hello"), 400),
    ("cl_inner_space", post(b"Content-Length: 1 0\r\n", b"helloworld"), 400),
    ("cl_empty", post(b"Content-Length: \r\n"), 400),
    ("cl_letters", post(b"Content-Length: five\r\n", b"hello"), 400),
    ("cl_decimal", post(b"Content-Length: 5.0\r\n", b"hello"), 400),
    ("cl_overflow_u64", post(b"Content-Length: 18446744073709551621\r\n", b"hello"), 400),
    ("cl_overflow_huge", post(b"Content-Length: " + b"9" * 40 + b"\r\n", b"hello"), 400),
    ("cl_space_before_colon", post(b"Content-Length : 5\r\n", b"hello"), 400),
    ("cl_obs_fold", post(b"Content-Length:\r\n 5\r\n", b"hello"), 400),
    ("cl_nul", post(b"Content-Length: 5\x00\r\n", b"hello"), 400),
    # --- line endings and control bytes (RFC 9112 2.2, 5) ---
    ("bare_lf_request_line", b"GET / HTTP/1.1\nHost: s.example\r\n\r\n", 400),
    ("bare_lf_field_line", get(b"X-A: b\nX-C: d\r\n"), 400),
    ("bare_lf_end_of_head", b"GET / HTTP/1.1\r\nHost: s.example\r\n\n", 400),
    ("lf_only_message", b"GET / HTTP/1.1\nHost: s.example\n\n", 400),
    ("bare_cr_request_line", b"GET /\r HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("bare_cr_field_value", get(b"X-A: b\rc\r\n"), 400),
    ("bare_cr_field_name", get(b"X-A\r: b\r\n"), 400),
    ("nul_field_value", get(b"X-A: b\x00c\r\n"), 400),
    ("soh_field_value", get(b"X-A: b\x01c\r\n"), 400),
    ("esc_field_value", get(b"X-A: b\x1bc\r\n"), 400),
    ("del_field_value", get(b"X-A: b\x7fc\r\n"), 400),
    ("nul_target", get(target=b"/a\x00b"), 400),
    ("soh_target", get(target=b"/a\x01b"), 400),
    ("del_target", get(target=b"/a\x7fb"), 400),
    ("space_in_target", get(target=b"/a b"), 400),
    ("tab_separator", b"GET\t/ HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("double_space_separator", b"GET  / HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("trailing_space_request_line", b"GET / HTTP/1.1 \r\nHost: s.example\r\n\r\n", 400),
    # --- field syntax (RFC 9112 5.1, 5.2) ---
    ("obs_fold_space", get(b"X-A: b\r\n c\r\n"), 400),
    ("obs_fold_tab", get(b"X-A: b\r\n\tc\r\n"), 400),
    ("space_before_colon", get(b"X-A : b\r\n"), 400),
    ("empty_field_name", get(b": b\r\n"), 400),
    ("space_in_field_name", get(b"X A: b\r\n"), 400),
    ("non_token_field_name", get(b"X@A: b\r\n"), 400),
    ("non_ascii_field_name", get(b"X-\xc3\xa4: b\r\n"), 400),
    ("field_without_colon", get(b"X-A\r\n"), 400),
    # --- request line ---
    ("non_token_method", b"G(T / HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("non_ascii_method", b"G\xc3\x89T / HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("empty_method", b" / HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("missing_target", b"GET HTTP/1.1\r\nHost: s.example\r\n\r\n", 400),
    ("http09_request_line", b"GET /\r\n\r\n", 400),
    # --- Host (RFC 9112 3.2, RFC 9110 7.2) ---
    ("missing_host", get(host=b""), 400),
    ("missing_host_absolute_form", get(host=b"", target=b"http://s.example/"), 400),
    ("two_hosts_same", get(host=b"Host: s.example\r\nHost: s.example\r\n"), 400),
    ("two_hosts_different", get(host=b"Host: s.example\r\nHost: t.example\r\n"), 400),
    ("host_list", get(host=b"Host: s.example, t.example\r\n"), 400),
    ("host_space", get(host=b"Host: s example\r\n"), 400),
    ("host_slash", get(host=b"Host: s.example/x\r\n"), 400),
    ("host_userinfo", get(host=b"Host: user@s.example\r\n"), 400),
    ("host_ctl", get(host=b"Host: s\x01.example\r\n"), 400),
    ("host_port_letters", get(host=b"Host: s.example:abc\r\n"), 400),
    ("host_two_ports", get(host=b"Host: s.example:80:80\r\n"), 400),
    ("host_port_negative", get(host=b"Host: s.example:-1\r\n"), 400),
    ("host_unclosed_ipv6", get(host=b"Host: [::1\r\n"), 400),
    ("absolute_form_disagrees", get(target=b"http://t.example/"), 400),
    ("absolute_form_port_disagrees", get(host=b"Host: s.example:81\r\n",
                                         target=b"http://s.example:82/"), 400),
    # --- versions (RFC 9112 2.3, RFC 9110 2.5) ---
    ("version_lower_case", get(version=b"http/1.1"), 400),
    ("version_suffix", get(version=b"HTTP/1.1x"), 400),
    ("version_no_minor", get(version=b"HTTP/1"), 400),
    ("version_two_digit_minor", get(version=b"HTTP/1.10"), 400),
    ("version_leading_zero", get(version=b"HTTP/01.1"), 400),
    ("version_missing", b"GET / \r\nHost: s.example\r\n\r\n", 400),
    ("version_2_0", get(version=b"HTTP/2.0"), 505),
    ("version_3_0", get(version=b"HTTP/3.0"), 505),
    ("version_0_9", get(version=b"HTTP/0.9"), 505),
    # --- limits ---
    ("request_line_too_long", get(target=b"/" + b"a" * 16384), 414),
    ("too_many_fields", get(b"".join(b"X-F%d: v\r\n" % i for i in range(200))), 431),
    ("field_too_large", get(b"X-Big: " + b"v" * 40000 + b"\r\n"), 431),
    ("head_too_large", get(b"".join(b"X-F%d: " % i + b"v" * 1000 + b"\r\n" for i in range(60))),
     431),
    # --- transfer-codings we do not implement, list ending in chunked (RFC 9112 6.1) ---
    ("te_gzip_chunked", post(b"Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"), 501),
    ("te_unknown_chunked", post(b"Transfer-Encoding: foo, chunked\r\n", b"0\r\n\r\n"), 501),
    ("te_unknown_field_then_chunked",
     post(b"Transfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"), 501),
]

# (name, raw body after a valid chunked head). Body-level: no complete request may reach the
# backend, nothing after the bad bytes either.
BODY_CASES = [
    ("chunk_size_overflow", b"1" + b"0" * 20 + b"\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_0x", b"0x5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_negative", b"-5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_missing", b"\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_leading_space", b" 5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_trailing_space", b"5 \r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_not_hex", b"g\r\nhello\r\n0\r\n\r\n"),
    ("chunk_size_plus", b"+5\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_bare_cr", b"5;a\rb\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_bare_lf", b"5;a\nb\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_nul", b"5;a\x00\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_empty_name", b"5;=x\r\nhello\r\n0\r\n\r\n"),
    ("chunk_ext_unterminated_quote", b'5;a="b\r\nhello\r\n0\r\n\r\n'),
    ("chunk_data_without_crlf", b"5\r\nhelloXX0\r\n\r\n"),
    ("chunk_data_longer_than_size", b"3\r\nhello\r\n0\r\n\r\n"),
    ("chunk_lines_lf_only", b"5\nhello\n0\n\n"),
    ("chunk_data_lf_only", b"5\r\nhello\n0\r\n\r\n"),
    ("last_chunk_lf_only", b"5\r\nhello\r\n0\n\r\n"),
    ("trailer_without_colon", b"5\r\nhello\r\n0\r\nbad trailer\r\n\r\n"),
    ("trailer_obs_fold", b"5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n"),
    ("trailer_bare_lf", b"5\r\nhello\r\n0\r\nX-T: a\n\r\n"),
    ("final_crlf_bare_cr", b"5\r\nhello\r\n0\r\n\rX"),
    ("smuggle_after_bad_chunk", b"5\r\nhello\r\nzz\r\n" + SMUGGLED),
]

# A valid request first, then a bad one, in the same write: only the first may reach the backend.
PIPELINED_AFTER_VALID = ["cl_and_te", "te_chunked_then_identity", "cl_duplicate_different",
                         "bare_lf_field_line", "obs_fold_space", "space_before_colon",
                         "nul_field_value", "missing_host", "two_hosts_different",
                         "absolute_form_disagrees", "version_2_0", "request_line_too_long",
                         "too_many_fields", "te_gzip_chunked"]
PIPELINED_BODY_AFTER_VALID = ["chunk_size_overflow", "smuggle_after_bad_chunk"]

# Valid edge cases: (name, bytes, expected body the backend must receive, expected target).
VALID_CASES = [
    ("te_tab_ows", post(b"Transfer-Encoding:\tchunked\r\n", b"5\r\nhello\r\n0\r\n\r\n"), b"hello",
     "/"),
    ("te_upper_case", post(b"Transfer-Encoding: CHUNKED\r\n", b"5\r\nhello\r\n0\r\n\r\n"),
     b"hello", "/"),
    ("chunk_extensions", post(b"Transfer-Encoding: chunked\r\n",
                              b'5;a=b;c="d e"\r\nhello\r\n0;z\r\n\r\n'), b"hello", "/"),
    ("chunk_trailer", post(b"Transfer-Encoding: chunked\r\n",
                           b"5\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n"), b"hello", "/"),
    ("chunk_size_upper_hex", post(b"Transfer-Encoding: chunked\r\n",
                                  b"A\r\nhelloworld\r\n0\r\n\r\n"), b"helloworld", "/"),
    ("cl_leading_zeros", post(b"Content-Length: 005\r\n", b"hello"), b"hello", "/"),
    ("cl_trailing_ows", post(b"Content-Length: 5 \t\r\n", b"hello"), b"hello", "/"),
    ("http10_without_host", b"GET /old HTTP/1.0\r\n\r\n", b"", "/old"),
    ("http_1_2_served_as_1_1", get(version=b"HTTP/1.2", target=b"/v12"), b"", "/v12"),
    ("absolute_form_agrees", get(target=b"http://s.example/abs?q=1"), b"", "/abs?q=1"),
    ("obs_text_field_value", get(b"X-A: caf\xe9\r\n", target=b"/obs"), b"", "/obs"),
    ("host_ipv4_with_port", get(host=b"Host: 127.0.0.1:8080\r\n", target=b"/ip"), b"", "/ip"),
    ("host_ipv6_literal", get(host=b"Host: [::1]:8080\r\n", target=b"/ip6"), b"", "/ip6"),
]

HEAD_BY_NAME = {name: (data, status) for name, data, status in HEAD_CASES}
BODY_BY_NAME = dict(BODY_CASES)


class SmugglingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.backend = RawBackend(cls.addClassCleanup)
        cls.manifests = {
            "backend.yaml": yaml_docs(*backend_objects("raw", cls.backend.port)),
            "ingress.yaml": yaml_docs(ingress("all", rules=[(None, [path_entry("/", "raw")])])),
        }
        cls.sentinels = 0
        cls.start_gateway()

    @classmethod
    def start_gateway(cls):
        cls.gw = Gateway(cls.addClassCleanup, cls.manifests, workers=1)
        # The route must serve before any case runs (else every case "passes" on 404 paths).
        cls.gw.wait_route("s.example", "/__warmup", lambda r: r.status == 200 and
                          r.body == b"raw-ok")

    def setUp(self):
        if not self.gw.proc.alive():
            # An earlier case crashed it and was reported as failed with the gateway's stderr;
            # a fresh gateway keeps every case's outcome its own.
            self.gw.proc.crash_reported = True
            type(self).start_gateway()

    def run_guarded(self, fn, *args):
        try:
            fn(*args)
        except Exception as e:
            try:  # a crashing process closes its sockets a moment before it can be reaped
                self.gw.proc.popen.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            if not self.gw.proc.alive():
                self.gw.proc.crash_reported = True
                raise AssertionError(f"the gateway crashed on this case (exit status "
                                     f"{self.gw.proc.popen.returncode}); stderr tail:\n"
                                     f"{self.gw.stderr()[-3000:]}") from e
            raise

    # --- helpers ---
    def observe(self):
        b = self.backend
        with b.lock:
            return {"bytes": b.bytes_received, "requests": len(b.requests),
                    "leftover": sum(len(c.data) - c.consumed for c in b.connections)}

    def sentinel(self):
        """A valid request through the same worker; returns its size once the backend has it.
        It must arrive as a clean request and be the last one the backend parsed."""
        SmugglingTest.sentinels += 1
        target = f"/__sentinel/{SmugglingTest.sentinels}"
        with Client(self.gw.http) as c:
            c.send(build_request("GET", target, "s.example", [("Connection", "close")]))
            r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"raw-ok"),
                         f"the sentinel after the case failed: {r!r}; the gateway forwarded "
                         "garbage or reused a poisoned upstream connection")
        with self.backend.lock:
            last = self.backend.requests[-1]
        self.assertEqual(last.target, target)
        return len(last.raw)

    def assert_rejected(self, client, status):
        r = client.read_response()
        self.assertEqual(r.status, status, f"wrong status: {r!r}")
        self.assertIn("close", r.connection_tokens(), f"no Connection: close on {r!r}")
        self.assertIsNone(r.header("x-raw-index"), "the rejection came from the backend")
        self.assertTrue(client.is_closed(), "the gateway kept the connection open after "
                        f"answering {status}")
        return r

    def assert_nothing_smuggled(self):
        self.assertNotIn(b"/smuggled", self.backend.all_bytes())

    # --- the three kinds of cases ---
    def run_head_case(self, data, status, prefix=b""):
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(prefix + data)
            if prefix:
                first = c.read_response()
                self.assertEqual(first.status, 200, f"the valid first request failed: {first!r}")
                self.assertEqual(first.body, b"raw-ok")
            self.assert_rejected(c, status)
        sentinel_bytes = self.sentinel()
        after = self.observe()
        expected_requests = 1 if prefix else 0
        self.assertEqual(after["requests"] - before["requests"] - 1, expected_requests,
                         "complete requests reached the backend")
        if prefix:
            first_req = self.backend.requests[before["requests"]]
            self.assertEqual(first_req.target, "/first")
            sentinel_bytes += len(first_req.raw)
        self.assertEqual(after["bytes"] - before["bytes"] - sentinel_bytes, 0,
                         "bytes of the rejected request reached the backend")
        self.assertEqual(after["leftover"], before["leftover"])
        self.assert_nothing_smuggled()

    def run_body_case(self, body, prefix=b""):
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(prefix + chunked(body))
            if prefix:
                first = c.read_response()
                self.assertEqual(first.status, 200, f"the valid first request failed: {first!r}")
            self.assert_rejected(c, 400)
        self.sentinel()
        after = self.observe()
        self.assertEqual(after["requests"] - before["requests"] - 1, 1 if prefix else 0,
                         "the invalid chunked request reached the backend complete")
        self.assert_nothing_smuggled()

    def run_valid_case(self, data, body, target):
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(data)
            r = c.read_response()
            self.assertEqual(r.status, 200, f"valid request rejected: {r!r}")
            self.assertEqual(r.body, b"raw-ok")
        reqs = self.backend.wait_requests(before["requests"] + 1)
        self.assertEqual(reqs[before["requests"]].target, target)
        self.assertEqual(reqs[before["requests"]].body, body)
        self.assertEqual(self.observe()["leftover"], before["leftover"])

    # --- a few cases written out, beyond the tables ---
    def test_sequential_valid_then_bad_on_keepalive_connection(self):
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(build_request("GET", "/first", "s.example"))
            self.assertEqual(c.read_response().status, 200)
            self.backend.wait_requests(before["requests"] + 1)
            c.send(HEAD_BY_NAME["cl_and_te"][0])
            self.assert_rejected(c, 400)
        self.sentinel()
        self.assertEqual(self.observe()["requests"] - before["requests"], 2)
        self.assert_nothing_smuggled()

    def test_bad_request_split_across_writes(self):
        # The conflict is only visible in the second write: nothing may be forwarded early.
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(b"POST / HTTP/1.1\r\nHost: s.example\r\nContent-Length: 5\r\n")
            c.send(b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            self.assert_rejected(c, 400)
        n = self.sentinel()
        self.assertEqual(self.observe()["bytes"] - before["bytes"] - n, 0)

    def test_valid_chunked_body_then_smuggled_prefix_is_a_new_request(self):
        # After a complete chunked body, the next bytes are a new request that must be parsed
        # (and here rejected as a bad request line), never appended to the previous body.
        before = self.observe()
        with Client(self.gw.http) as c:
            c.send(chunked(b"5\r\nhello\r\n0\r\n\r\n") + b"G(T /x HTTP/1.1\r\nHost: s\r\n\r\n")
            first = c.read_response()
            self.assertEqual(first.status, 200)
            self.assert_rejected(c, 400)
        self.sentinel()
        reqs = self.backend.requests[before["requests"]:]
        self.assertEqual(reqs[0].body, b"hello")
        self.assertEqual(self.observe()["leftover"], before["leftover"])


def _add(name, fn):
    assert not hasattr(SmugglingTest, name), name
    setattr(SmugglingTest, name, fn)


PIPELINE_PREFIX = b"GET /first HTTP/1.1\r\nHost: s.example\r\n\r\n"

for _name, _data, _status in HEAD_CASES:
    _add(f"test_{_status}_{_name}",
         lambda self, d=_data, s=_status: self.run_guarded(self.run_head_case, d, s))
for _name, _body in BODY_CASES:
    _add(f"test_400_body_{_name}", lambda self, b=_body: self.run_guarded(self.run_body_case, b))
for _name in PIPELINED_AFTER_VALID:
    _data, _status = HEAD_BY_NAME[_name]
    _add(f"test_pipelined_after_valid_{_status}_{_name}",
         lambda self, d=_data, s=_status: self.run_guarded(self.run_head_case, d, s,
                                                          PIPELINE_PREFIX))
for _name in PIPELINED_BODY_AFTER_VALID:
    _add(f"test_pipelined_after_valid_400_body_{_name}",
         lambda self, b=BODY_BY_NAME[_name]: self.run_guarded(self.run_body_case, b,
                                                              PIPELINE_PREFIX))
for _name, _data, _body, _target in VALID_CASES:
    _add(f"test_valid_{_name}",
         lambda self, d=_data, b=_body, t=_target: self.run_guarded(self.run_valid_case, d, b, t))

if __name__ == "__main__":
    unittest.main()
