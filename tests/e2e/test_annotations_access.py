"""Access control, basic auth and rate limits (issue 6), modelled on ingress-nginx's
test/e2e/annotations/{ipwhitelist,ipdenylist,auth,limit_connections,limit_rps,limit_rpm}.go.

Source addresses are real: the client binds 127.x.y.z before connecting (all of 127.0.0.0/8 is
loopback), so "deny 127.1.0.0/16 + allow 127.0.0.0/8 => 127.1.0.1 gets 403, 127.0.0.2 gets 200"
is the issue's 18.x example moved into loopback. Rate-limit state is per client address, so
each case uses an address of its own and the cases stay independent.

The gateway runs two workers: limits are per gateway node, so 20 concurrent connections spread
over both workers still get exactly limit-connections slots.

Order, as nginx runs a location ingress-nginx generated: rate limits (preaccess phase: limit_req,
then limit_conn), then the allow/deny rules, then basic auth (access phase). A gateway answer
never reaches the backend (no X-Echo-Name).
"""

import base64
import select
import socket
import struct
import time
import unittest

from harness import (Client, EchoBackend, Gateway, backend_objects, build_request, echo_name,
                     gateway_object, ingress, meta, path_entry, wait_until, yaml_docs)

A = "nginx.ingress.kubernetes.io/"
ECHO = None
GW = None

# htpasswd -B (bcrypt, $2y$) for foo:bar and htpasswd -m (apr1) for alice:wonderland, generated
# once with libxcrypt's crypt and `openssl passwd -apr1`.
FOO_BCRYPT = "$2y$05$e2eSaltForWaygateTestejPu6WOGYbftrk5UdBJmLJhaYQQomF6O"
ALICE_APR1 = "$apr1$e2esalt1$PDfFg626havSnal2vUNzO/"


def b64(text):
    return base64.b64encode(text.encode()).decode()


def basic(user, password):
    return ("Authorization", "Basic " + b64(f"{user}:{password}"))


def secret(name, data):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta(name, "default"),
            "type": "Opaque", "data": {k: b64(v) for k, v in data.items()}}


def ing(name, host, annotations=None):
    return ingress(name, "default", [(host, [path_entry("/", "echo")])],
                   annotations={A + k: v for k, v in (annotations or {}).items()})


def objects():
    return backend_objects("echo", ECHO.port) + [
        secret("basic-auth", {"auth": f"# users\nfoo:{FOO_BCRYPT}\nalice:{ALICE_APR1}\n"}),
        secret("auth-map", {"foo": FOO_BCRYPT, "alice": ALICE_APR1}),
        secret("plain-auth", {"auth": "foo:bar\n"}),  # plain text: refused, fails closed
        ing("plain", "plain.example.com"),
        # ipwhitelist.go / ipdenylist.go, and the deny + allow example.
        ing("both", "both.example.com", {"denylist-source-range": "127.1.0.0/16",
                                         "whitelist-source-range": "127.0.0.0/8"}),
        ing("allow", "allow.example.com", {"allowlist-source-range": "127.0.0.2/32, ::1"}),
        ing("deny", "deny.example.com", {"denylist-source-range": "127.0.0.3, 127.2.0.0/16"}),
        # An address with host bits past its prefix: nginx would widen it silently; refused.
        ing("badcidr", "badcidr.example.com", {"whitelist-source-range": "127.0.0.1/8"}),
        # auth.go
        ing("auth", "auth.example.com", {"auth-type": "basic", "auth-secret": "basic-auth",
                                         "auth-realm": "test auth"}),
        ing("authdefault", "authdefault.example.com", {"auth-type": "basic",
                                                       "auth-secret": "basic-auth"}),
        ing("authmap", "authmap.example.com", {"auth-type": "basic", "auth-secret": "auth-map",
                                               "auth-secret-type": "auth-map"}),
        ing("authmissing", "authmissing.example.com", {"auth-type": "basic",
                                                       "auth-secret": "no-such-secret"}),
        ing("authplain", "authplain.example.com", {"auth-type": "basic",
                                                   "auth-secret": "plain-auth"}),
        ing("authdeny", "authdeny.example.com", {"auth-type": "basic",
                                                 "auth-secret": "basic-auth",
                                                 "denylist-source-range": "127.0.0.4"}),
        # limit_connections.go, limit_rps / limit_rpm
        ing("conns", "conns.example.com", {"limit-connections": "8"}),
        ing("rps", "rps.example.com", {"limit-rps": "1"}),  # burst = 1 * 5 (the default)
        ing("rps3", "rps3.example.com", {"limit-rps": "2", "limit-burst-multiplier": "3"}),
        ing("rpm", "rpm.example.com", {"limit-rpm": "2", "limit-burst-multiplier": "1"}),
        ing("rpmkeep", "rpmkeep.example.com", {"limit-rpm": "1", "limit-burst-multiplier": "1"}),
        ing("limitwl", "limitwl.example.com", {"limit-rps": "1", "limit-burst-multiplier": "1",
                                               "limit-whitelist": "127.0.0.9/32"}),
        ing("limitdeny", "limitdeny.example.com", {"limit-rps": "1",
                                                   "limit-burst-multiplier": "1",
                                                   "denylist-source-range": "127.0.0.12"}),
        ing("limitstatus", "limitstatus.example.com", {"limit-rpm": "1",
                                                       "limit-burst-multiplier": "1"}),
    ]


def setUpModule():
    global ECHO, GW
    ECHO = EchoBackend(unittest.addModuleCleanup, "echo")
    GW = Gateway(unittest.addModuleCleanup, {"objects.yaml": yaml_docs(*objects())}, workers=2)
    GW.wait_backend("plain.example.com", "/", "echo")


def get(host, source="127.0.0.1", target="/", headers=(), gw=None):
    """One request from `source` on a fresh connection."""
    gw = gw or GW
    with Client(gw.http, source=source) as c:
        c.send(build_request("GET", target, host, list(headers) + [("Connection", "close")]))
        return c.read_response()


def statuses(host, source, n, target="/"):
    return [get(host, source, target).status for _ in range(n)]


class Case(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()

    def assert_backend(self, r):
        self.assertEqual((r.status, echo_name(r)), (200, "echo"), r)

    def assert_gateway(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertIsNone(echo_name(r), "a gateway answer must not reach the backend")


class SourceRangeTest(Case):
    def test_deny_checked_before_allow(self):
        self.assert_gateway(get("both.example.com", "127.1.0.1"), 403)
        self.assert_gateway(get("both.example.com", "127.1.255.254"), 403)
        self.assert_backend(get("both.example.com", "127.0.0.2"))
        self.assert_backend(get("both.example.com", "127.2.0.1"))

    def test_allowlist_only(self):
        self.assert_backend(get("allow.example.com", "127.0.0.2"))
        self.assert_gateway(get("allow.example.com", "127.0.0.1"), 403)
        self.assert_gateway(get("allow.example.com", "127.0.0.22"), 403)

    def test_denylist_only(self):
        self.assert_gateway(get("deny.example.com", "127.0.0.3"), 403)
        self.assert_gateway(get("deny.example.com", "127.2.3.4"), 403)
        self.assert_backend(get("deny.example.com", "127.0.0.1"))
        self.assert_backend(get("deny.example.com", "127.3.0.1"))

    def test_forwarded_for_is_not_trusted_by_default(self):
        r = get("both.example.com", "127.0.0.2", headers=[("X-Forwarded-For", "127.1.0.1")])
        self.assert_backend(r)
        r = get("both.example.com", "127.1.0.1", headers=[("X-Forwarded-For", "127.0.0.2")])
        self.assert_gateway(r, 403)

    def test_a_denied_request_with_a_body_closes(self):
        with Client(GW.http, source="127.0.0.3") as c:
            c.send(build_request("POST", "/", "deny.example.com", body=b"x" * 100))
            r = c.read_response()
            self.assert_gateway(r, 403)
            self.assertIn("close", r.connection_tokens())

    def test_invalid_cidr_is_not_served(self):
        self.assertEqual(get("badcidr.example.com").status, 404)
        self.assertIn("whitelist-source-range", GW.stderr())

    def test_keep_alive_after_403(self):
        with Client(GW.http, source="127.1.0.1") as c:
            for _ in range(3):
                c.send(build_request("GET", "/", "both.example.com"))
                self.assert_gateway(c.read_response(), 403)


class ForwardedHeadersTest(unittest.TestCase):
    """use-forwarded-headers: the client is the first X-Forwarded-For entry (ingress-nginx's
    real_ip module, every source trusted)."""

    @classmethod
    def setUpClass(cls):
        objs = backend_objects("echo", ECHO.port) + [
            ing("both", "both.example.com", {"denylist-source-range": "127.1.0.0/16",
                                             "whitelist-source-range": "127.0.0.0/8"}),
            ing("rpm", "rpm.example.com", {"limit-rpm": "1", "limit-burst-multiplier": "1"}),
            gateway_object({"use-forwarded-headers": "true"})]
        cls.gw = Gateway(cls.addClassCleanup, {"m.yaml": yaml_docs(*objs)})
        cls.gw.wait_route("both.example.com", "/", lambda r: r.status == 200)

    def test_first_forwarded_address_is_the_client(self):
        h = "both.example.com"
        self.assertEqual(get(h, headers=[("X-Forwarded-For", "127.1.0.1")], gw=self.gw).status,
                         403)
        self.assertEqual(get(h, headers=[("X-Forwarded-For", "127.1.0.1, 127.0.0.1")],
                             gw=self.gw).status, 403)
        self.assertEqual(get(h, headers=[("X-Forwarded-For", "127.0.0.7, 127.1.0.1")],
                             gw=self.gw).status, 200)
        self.assertEqual(get(h, headers=[("X-Forwarded-For", "10.0.0.1")], gw=self.gw).status,
                         403)  # outside the allowlist
        # No header, or one that is not an address: the peer.
        self.assertEqual(get(h, gw=self.gw).status, 200)
        self.assertEqual(get(h, "127.1.0.1", gw=self.gw).status, 403)
        self.assertEqual(get(h, "127.1.0.1", headers=[("X-Forwarded-For", "unknown")],
                             gw=self.gw).status, 403)

    def test_limits_count_the_forwarded_client(self):
        got = [get("rpm.example.com", headers=[("X-Forwarded-For", "10.9.9.9")], gw=self.gw)
               .status for _ in range(3)]
        self.assertEqual(got, [200, 200, 503])
        # Another forwarded client from the same peer has its own bucket.
        self.assertEqual(get("rpm.example.com", headers=[("X-Forwarded-For", "10.9.9.8")],
                             gw=self.gw).status, 200)


class BasicAuthTest(Case):
    def test_no_credentials_is_401_with_the_realm(self):
        r = get("auth.example.com")
        self.assert_gateway(r, 401)
        self.assertEqual(r.header("www-authenticate"), 'Basic realm="test auth"')

    def test_default_realm(self):
        r = get("authdefault.example.com")
        self.assert_gateway(r, 401)
        self.assertEqual(r.header("www-authenticate"), 'Basic realm="Authentication Required"')

    def test_wrong_password_or_user_is_401(self):
        for header in (basic("foo", "baz"), basic("foo", ""), basic("bar", "bar"),
                       basic("alice", "bar"), ("Authorization", "Basic not-base64!"),
                       ("Authorization", "Bearer " + b64("foo:bar"))):
            with self.subTest(header=header):
                r = get("auth.example.com", headers=[header])
                self.assert_gateway(r, 401)
                self.assertEqual(r.header("www-authenticate"), 'Basic realm="test auth"')

    def test_right_password_reaches_the_backend(self):
        for user, password in (("foo", "bar"), ("alice", "wonderland")):
            with self.subTest(user=user):
                r = get("auth.example.com", headers=[basic(user, password)])
                self.assert_backend(r)
                seen = r.json()["headers"]
                self.assertEqual(seen.get("authorization"), basic(user, password)[1])
        # Repeated (cached) and on a kept-alive connection.
        with Client(GW.http) as c:
            for _ in range(3):
                c.send(build_request("GET", "/", "auth.example.com", [basic("foo", "bar")]))
                self.assert_backend(c.read_response())

    def test_auth_map(self):
        self.assert_backend(get("authmap.example.com", headers=[basic("foo", "bar")]))
        self.assert_backend(get("authmap.example.com", headers=[basic("alice", "wonderland")]))
        self.assert_gateway(get("authmap.example.com", headers=[basic("foo", "wonderland")]), 401)

    def test_missing_secret_fails_closed(self):
        self.assert_gateway(get("authmissing.example.com"), 503)
        self.assert_gateway(get("authmissing.example.com", headers=[basic("foo", "bar")]), 503)

    def test_unusable_secret_fails_closed(self):
        self.assert_gateway(get("authplain.example.com", headers=[basic("foo", "bar")]), 503)

    def test_deny_comes_before_auth(self):
        self.assert_gateway(get("authdeny.example.com", "127.0.0.4",
                                headers=[basic("foo", "bar")]), 403)
        r = get("authdeny.example.com", "127.0.0.5")
        self.assert_gateway(r, 401)
        self.assert_backend(get("authdeny.example.com", "127.0.0.5",
                                headers=[basic("foo", "bar")]))


class LimitConnectionsTest(Case):
    def concurrent(self, n, source, delay_ms):
        """n connections each send one slow request before any is read; returns statuses."""
        clients = [Client(GW.http, source=source) for _ in range(n)]
        try:
            for c in clients:
                c.send(build_request("GET", f"/?delay_ms={delay_ms}", "conns.example.com",
                                     [("Connection", "close")]))
            return [c.read_response() for c in clients]
        finally:
            for c in clients:
                c.close()

    def test_8_of_20_concurrent_requests_pass(self):
        responses = self.concurrent(20, "127.0.1.1", 3000)
        ok = [r for r in responses if r.status == 200]
        limited = [r for r in responses if r.status == 503]
        self.assertEqual((len(ok), len(limited)), (8, 12), [r.status for r in responses])
        for r in ok:
            self.assert_backend(r)
        for r in limited:
            self.assert_gateway(r, 503)
        # Every slot came back when those exchanges ended.
        responses = self.concurrent(8, "127.0.1.1", 200)
        self.assertEqual([r.status for r in responses], [200] * 8)

    def hold_slots(self, source, delay_ms):
        """9 slow requests from `source`: 8 take the slots, the 9th is refused at once. Returns
        the 8 clients holding slots once that refusal arrived (so all 8 are admitted)."""
        clients = [Client(GW.http, source=source) for _ in range(9)]
        self.addCleanup(lambda: [c.close() for c in clients])
        for c in clients:
            c.send(build_request("GET", f"/?delay_ms={delay_ms}", "conns.example.com"))
        ready, _, _ = select.select([c.sock for c in clients], [], [], 5.0)
        self.assertEqual(len(ready), 1, "exactly one request answered at once")
        refused = next(c for c in clients if c.sock is ready[0])
        self.assert_gateway(refused.read_response(), 503)
        return [c for c in clients if c is not refused]

    def test_other_clients_have_their_own_slots(self):
        self.hold_slots("127.0.1.2", 3000)
        self.assert_gateway(get("conns.example.com", "127.0.1.2"), 503)
        self.assert_backend(get("conns.example.com", "127.0.1.3"))

    def test_slots_come_back_when_clients_reset(self):
        held = self.hold_slots("127.0.1.4", 20000)
        self.assert_gateway(get("conns.example.com", "127.0.1.4"), 503)
        for c in held:  # RST, in the middle of the exchanges
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        wait_until(lambda: get("conns.example.com", "127.0.1.4").status == 200,
                   what="slots released after the clients reset")
        responses = self.concurrent(8, "127.0.1.4", 200)
        self.assertEqual([r.status for r in responses], [200] * 8)


class LimitRateTest(Case):
    def timed_statuses(self, host, source, n):
        start = time.monotonic()
        got = statuses(host, source, n)
        return got, time.monotonic() - start

    def test_rps_with_default_burst(self):
        # A new client gets 1 + burst (1 r/s * 5) at once (nodelay), then one per second.
        got, elapsed = self.timed_statuses("rps.example.com", "127.0.2.1", 12)
        self.assertEqual(got[:6], [200] * 6, got)
        self.assertLessEqual(got.count(200), 6 + int(elapsed), got)
        self.assertIn(503, got)
        time.sleep(1.1)  # the bucket leaks one request a second: the wait is the behaviour
        self.assertEqual(get("rps.example.com", "127.0.2.1").status, 200)

    def test_rps_with_burst_multiplier(self):
        got, elapsed = self.timed_statuses("rps3.example.com", "127.0.2.2", 12)
        self.assertEqual(got[:7], [200] * 7, got)  # 1 + 2 * 3
        self.assertLessEqual(got.count(200), 7 + 2 * int(elapsed + 1), got)
        self.assertIn(503, got)

    def test_limited_answer_is_the_gateways(self):
        got = [get("limitstatus.example.com", "127.0.2.3") for _ in range(3)]
        self.assertEqual([r.status for r in got], [200, 200, 503])
        self.assert_gateway(got[2], 503)

    def test_rpm(self):
        self.assertEqual(statuses("rpm.example.com", "127.0.2.4", 5), [200, 200, 200, 503, 503])
        # Another client is not affected.
        self.assertEqual(get("rpm.example.com", "127.0.2.5").status, 200)

    def test_limit_whitelist_is_exempt(self):
        self.assertEqual(statuses("limitwl.example.com", "127.0.0.9", 15), [200] * 15)
        got = statuses("limitwl.example.com", "127.0.2.6", 5)
        self.assertEqual(got[:2], [200, 200], got)
        self.assertIn(503, got)

    def test_limits_run_before_deny(self):
        # nginx's preaccess phase (limit_req) runs before its access phase (deny): a denied
        # client over its rate gets the limit status.
        got = statuses("limitdeny.example.com", "127.0.0.12", 4)
        self.assertEqual(got[:2], [403, 403], got)
        self.assertIn(503, got[2:])

    def test_state_survives_a_recompile_that_keeps_the_values(self):
        self.assertEqual(statuses("rpmkeep.example.com", "127.0.2.7", 3), [200, 200, 503])
        GW.write_manifest("extra.yaml", yaml_docs(ing("extra", "extra.example.com")))
        GW.wait_backend("extra.example.com", "/", "echo")
        self.assertEqual(get("rpmkeep.example.com", "127.0.2.7").status, 503)
        self.assertEqual(get("rpmkeep.example.com", "127.0.2.8").status, 200)


if __name__ == "__main__":
    unittest.main()
