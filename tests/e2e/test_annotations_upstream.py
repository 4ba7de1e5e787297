"""Upstream behaviour annotations on the request path (issue 6), modelled on ingress-nginx's
test/e2e/annotations/{affinity,affinitymode,proxy,customhttperrors,default_backend,
disableaccesslog,serviceupstream}.go.

One manifest-mode gateway (one worker, access log to a file) serves every host; echo backends
answer with their name, RawBackends answer as scripted and record what they were sent.
"""

import os
import unittest

from harness import (EchoBackend, Gateway, RawBackend, backend_objects, dead_port, echo_name,
                     endpoints, handler_respond, make_temp_dir, service, simple_ingress,
                     simple_response, wait_until, yaml_docs)

A = "nginx.ingress.kubernetes.io/"
ECHO = {}
RAW = {}
GW = None
LOG_DIR = None


def ann(**keys):
    return {A + k.replace("_", "-"): v for k, v in keys.items()}


def error_page_handler(req):
    code = int(req.header("x-code") or 200)
    return simple_response(code, f"custom error {code}".encode(), [("X-Page", "errors")])


def objects():
    objs = []
    objs += backend_objects("sticky", [ECHO[n].port for n in ("s1", "s2", "s3")])
    objs += backend_objects("cof", [ECHO[n].port for n in ("c1", "c2")])
    objs += backend_objects("nocof", [ECHO[n].port for n in ("n1", "n2")])
    objs += backend_objects("flaky", [RAW["bad502"].port, RAW["good"].port])
    objs += backend_objects("failing", RAW["bad503"].port)
    objs += backend_objects("errors", RAW["errors"].port)
    objs += backend_objects("errors-echo", ECHO["errecho"].port)
    objs += backend_objects("def", ECHO["def"].port)
    objs += backend_objects("plain", ECHO["plain"].port)
    objs += [service("empty"), endpoints("empty")]
    # service-upstream: the Service's ClusterIP (127.0.0.1 here) and port are the backend; its
    # Endpoints name a port nobody listens on, so only the ClusterIP route can answer.
    svcup = service("svcup", ports=[("http", ECHO["svcup"].port)])
    svcup["spec"]["clusterIP"] = "127.0.0.1"
    objs += [svcup, endpoints("svcup", subsets=[(["127.0.0.1"], [("http", dead_port())])])]
    ing = simple_ingress
    objs += [
        ing("sticky", "sticky.test", "sticky", annotations=ann(affinity="cookie")),
        ing("persistent", "persistent.test", "sticky",
            annotations=ann(affinity="cookie", affinity_mode="persistent")),
        ing("attrs", "attrs.test", "sticky", path="/foo", annotations=ann(
            affinity="cookie", session_cookie_name="SERVERID", session_cookie_path="/foo/bar",
            session_cookie_max_age="259200", session_cookie_expires="172800",
            session_cookie_domain="example.com", session_cookie_samesite="Strict",
            session_cookie_secure="true")),
        ing("pathdefault", "path.test", "sticky", path="/something",
            annotations=ann(affinity="cookie")),
        ing("cof", "cof.test", "cof",
            annotations=ann(affinity="cookie", session_cookie_change_on_failure="true")),
        ing("nocof", "nocof.test", "nocof", annotations=ann(affinity="cookie")),
        ing("nu502", "nu502.test", "flaky",
            annotations=ann(proxy_next_upstream="error timeout http_502")),
        ing("nu502post", "nu502post.test", "flaky",
            annotations=ann(proxy_next_upstream="error timeout http_502 non_idempotent")),
        ing("nuoff", "nuoff.test", "flaky", annotations=ann(proxy_next_upstream="off")),
        ing("custom", "custom.test", "failing",
            annotations=ann(default_backend="errors", custom_http_errors="404,503")),
        ing("custom200", "custom200.test", "failing",
            annotations=ann(default_backend="errors-echo", custom_http_errors="503")),
        ing("custompass", "custompass.test", "failing",
            annotations=ann(default_backend="errors", custom_http_errors="500")),
        ing("defempty", "defempty.test", "empty", annotations=ann(default_backend="def")),
        ing("empty", "empty.test", "empty"),
        ing("log", "log.test", "plain"),
        ing("nolog", "nolog.test", "plain", annotations=ann(enable_access_log="false")),
        ing("svcup", "svcup.test", "svcup", port=ECHO["svcup"].port,
            annotations=ann(service_upstream="true")),
        ing("nosvcup", "nosvcup.test", "svcup", port=ECHO["svcup"].port),
    ]
    return objs


def setUpModule():
    global GW, LOG_DIR
    for name in ("s1", "s2", "s3", "c1", "c2", "n1", "n2", "errecho", "def", "plain", "svcup"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)
    RAW["bad502"] = RawBackend(unittest.addModuleCleanup, handler_respond(
        simple_response(502, b"bad gateway from upstream", reason="Bad Gateway")))
    RAW["good"] = RawBackend(unittest.addModuleCleanup, handler_respond(
        simple_response(200, b"good")))
    RAW["bad503"] = RawBackend(unittest.addModuleCleanup, handler_respond(
        lambda req: simple_response(503 if req.target != "/ok" else 200, b"upstream says no",
                                    reason="Service Unavailable")))
    RAW["errors"] = RawBackend(unittest.addModuleCleanup, handler_respond(error_page_handler))
    LOG_DIR = make_temp_dir(unittest.addModuleCleanup, "waygate-e2e-upstream-log-")
    GW = Gateway(unittest.addModuleCleanup, {"upstream.yaml": yaml_docs(*objects())},
                 args=["--access-log", os.path.join(LOG_DIR, "access.log")])
    GW.wait_backend("log.test", "/", "plain")


def cookie_of(resp, name="INGRESSCOOKIE"):
    """(value, attributes text) of the Set-Cookie for `name`, or (None, None)."""
    for v in resp.header_all("set-cookie"):
        if v.startswith(name + "="):
            value, _, attrs = v[len(name) + 1:].partition(";")
            return value, attrs.strip()
    return None, None


class UpstreamCase(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()

    def get(self, host, target="/", headers=(), cookie=None, method="GET", body=None):
        headers = list(headers)
        if cookie:
            headers.append(("Cookie", cookie))
        return GW.request(method, target, host, headers, body)


class StickyTest(UpstreamCase):
    def test_cookie_pins_the_endpoint(self):
        first = self.get("sticky.test")
        self.assertEqual(first.status, 200, first)
        value, attrs = cookie_of(first)
        self.assertIsNotNone(value, first.headers)
        self.assertRegex(value, r"^[0-9a-f]{16}\.3$")  # balanced (default): endpoints at issue
        self.assertEqual(attrs, "Path=/; HttpOnly")
        name = echo_name(first)
        for _ in range(20):
            r = self.get("sticky.test", cookie=f"INGRESSCOOKIE={value}")
            self.assertEqual(echo_name(r), name)
            self.assertEqual(cookie_of(r), (None, None), "a valid cookie is not set again")

    def test_without_cookie_requests_are_balanced_and_each_gets_one(self):
        seen = {}
        for _ in range(6):
            r = self.get("sticky.test")
            value, _ = cookie_of(r)
            self.assertIsNotNone(value)
            seen.setdefault(echo_name(r), set()).add(value)
        self.assertEqual(set(seen), {"s1", "s2", "s3"})
        # One value per endpoint, the same whoever asks: it names the endpoint, not the client.
        self.assertTrue(all(len(v) == 1 for v in seen.values()), seen)
        self.assertEqual(len(set().union(*seen.values())), 3)

    def test_cookie_value_is_the_same_for_the_same_endpoint_across_hosts_of_one_service(self):
        r = self.get("sticky.test")
        value, _ = cookie_of(r)
        for _ in range(10):
            r2 = self.get("path.test", "/something", cookie=f"INGRESSCOOKIE={value}")
            self.assertEqual(echo_name(r2), echo_name(r))

    def test_persistent_mode_cookie(self):
        r = self.get("persistent.test")
        value, _ = cookie_of(r)
        self.assertRegex(value, r"^[0-9a-f]{16}$")
        for _ in range(5):
            self.assertEqual(echo_name(self.get("persistent.test",
                                                cookie=f"INGRESSCOOKIE={value}")), echo_name(r))

    def test_unknown_or_forged_cookie_is_replaced(self):
        for bad in ("garbage", "0123456789abcdef", "0123456789abcdef.3"):
            r = self.get("sticky.test", cookie=f"INGRESSCOOKIE={bad}")
            self.assertEqual(r.status, 200)
            value, _ = cookie_of(r)
            self.assertIsNotNone(value, f"{bad}: expected a new cookie")
            self.assertNotEqual(value, bad)

    def test_set_cookie_attributes(self):
        r = self.get("attrs.test", "/foo")
        self.assertEqual(r.status, 200, r)
        value, attrs = cookie_of(r, "SERVERID")
        self.assertIsNotNone(value, r.headers)
        self.assertRegex(attrs, r"^Expires=\w{3}, \d{2}-\w{3}-\d{2} \d{2}:\d{2}:\d{2} GMT; "
                                r"Max-Age=259200; Domain=example\.com; Path=/foo/bar; Secure; "
                                r"HttpOnly; SameSite=Strict$")

    def test_path_defaults_to_the_ingress_path(self):
        _, attrs = cookie_of(self.get("path.test", "/something"))
        self.assertEqual(attrs, "Path=/something; HttpOnly")

    def test_no_cookie_without_affinity(self):
        self.assertEqual(self.get("log.test").header_all("set-cookie"), [])


class StickyFailureTest(UpstreamCase):
    """Each test stops one echo process of its own Service (two endpoints each)."""

    def pin(self, host):
        r = self.get(host)
        value, _ = cookie_of(r)
        self.assertIsNotNone(value)
        return echo_name(r), value

    def test_change_on_failure_moves_at_once(self):
        name, value = self.pin("cof.test")
        other = {"c1": "c2", "c2": "c1"}[name]
        ECHO[name].stop()
        r = self.get("cof.test", cookie=f"INGRESSCOOKIE={value}")
        self.assertEqual((r.status, echo_name(r)), (200, other), r)
        new, _ = cookie_of(r)
        self.assertIsNotNone(new, "the cookie is set again for the new endpoint")
        self.assertNotEqual(new, value)
        self.assertEqual(echo_name(self.get("cof.test", cookie=f"INGRESSCOOKIE={new}")), other)

    def test_without_change_on_failure_the_dead_endpoint_is_rebalanced_once_ejected(self):
        name, value = self.pin("nocof.test")
        other = {"n1": "n2", "n2": "n1"}[name]
        ECHO[name].stop()
        # The session stays on its endpoint while it is in the backend and not ejected (its
        # failures eject it), then it is balanced again and gets a new cookie.
        statuses = []

        def moved():
            r = self.get("nocof.test", cookie=f"INGRESSCOOKIE={value}")
            statuses.append(r.status)
            return r if r.status == 200 else None
        r = wait_until(moved, timeout=10, what="session rebalanced after its endpoint died")
        self.assertEqual(echo_name(r), other)
        self.assertIn(502, statuses, "the first failure is not silently moved")
        new, _ = cookie_of(r)
        self.assertIsNotNone(new)
        self.assertNotEqual(new, value)


class StickyEndpointRemovedTest(unittest.TestCase):
    """Endpoints change: a session whose endpoint left the Service is rebalanced."""

    def test_removed_endpoint(self):
        a = EchoBackend(self.addCleanup, "ra")
        b = EchoBackend(self.addCleanup, "rb")
        objs = backend_objects("rm", [a.port, b.port]) + [
            simple_ingress("rm", "rm.test", "rm", annotations=ann(affinity="cookie"))]
        gw = Gateway(self.addCleanup, {"rm.yaml": yaml_docs(*objs)})
        gw.wait_route("rm.test", "/", lambda r: r.status == 200)
        r = gw.get("/", "rm.test")
        value, _ = cookie_of(r)
        pinned = echo_name(r)
        keep = b if pinned == "ra" else a
        gw.write_manifest("rm.yaml", yaml_docs(*(backend_objects("rm", [keep.port]) + [
            simple_ingress("rm", "rm.test", "rm", annotations=ann(affinity="cookie"))])))
        r = wait_until(lambda: (lambda x: x if echo_name(x) != pinned else None)(
            gw.get("/", "rm.test", [("Cookie", f"INGRESSCOOKIE={value}")])),
            what="session moved off the removed endpoint")
        self.assertEqual(echo_name(r), keep.name)
        new, _ = cookie_of(r)
        self.assertIsNotNone(new)
        self.assertNotEqual(new, value)


class NextUpstreamTest(UpstreamCase):
    def test_http_502_goes_to_the_next_endpoint(self):
        before = len(RAW["bad502"].requests)
        for _ in range(6):
            r = self.get("nu502.test")
            self.assertEqual((r.status, r.body), (200, b"good"), r)
        self.assertGreater(len(RAW["bad502"].requests), before, "round robin reached the 502")

    def test_off_passes_the_502_through(self):
        statuses = [self.get("nuoff.test").status for _ in range(6)]
        self.assertEqual(sorted(set(statuses)), [200, 502], statuses)
        r = next(r for r in (self.get("nuoff.test") for _ in range(4)) if r.status == 502)
        self.assertEqual(r.body, b"bad gateway from upstream")  # the upstream's, not ours

    def test_non_idempotent_is_not_retried_unless_asked(self):
        statuses = [self.get("nu502.test", method="POST", body=b"").status for _ in range(6)]
        self.assertIn(502, statuses)
        statuses = [self.get("nu502post.test", method="POST", body=b"").status
                    for _ in range(6)]
        self.assertEqual(set(statuses), {200}, statuses)


class CustomErrorsTest(UpstreamCase):
    def test_listed_status_is_served_by_the_default_backend(self):
        before = len(RAW["errors"].requests)
        r = self.get("custom.test", "/some/path?q=1",
                     headers=[("Accept", "application/json"), ("X-Request-ID", "rid-123")])
        # The error backend answers with the code it is given (X-Code), as ingress-nginx's
        # custom error backends do; the gateway passes its answer on unchanged.
        self.assertEqual((r.status, r.body, r.header("x-page")), (503, b"custom error 503",
                                                                   "errors"), r)
        req = RAW["errors"].wait_requests(before + 1)[-1]
        self.assertEqual((req.method, req.target), ("GET", "/"))
        expected = {"x-code": "503", "x-format": "application/json",
                    "x-original-uri": "/some/path?q=1", "x-namespace": "default",
                    "x-ingress-name": "custom", "x-service-name": "failing",
                    "x-service-port": "80", "x-request-id": "rid-123", "host": "custom.test"}
        self.assertEqual({k: req.header(k) for k in expected}, expected)

    def test_other_status_passes_through(self):
        r = self.get("custompass.test")
        self.assertEqual((r.status, r.body), (503, b"upstream says no"), r)
        r = self.get("custom.test", "/ok")
        self.assertEqual((r.status, r.body), (200, b"upstream says no"), r)

    def test_default_backend_status_is_what_the_client_gets(self):
        r = self.get("custom200.test", "/x")
        self.assertEqual((r.status, echo_name(r)), (200, "errecho"), r)
        self.assertEqual(r.json()["headers"].get("x-code"),
                         "503", r.body[:400])


class DefaultBackendTest(UpstreamCase):
    def test_no_endpoints_uses_the_default_backend(self):
        r = self.get("defempty.test", "/x/y?z=1")
        self.assertEqual((r.status, echo_name(r)), (200, "def"), r)
        self.assertIn("/x/y?z=1", r.body.decode())

    def test_without_it_no_endpoints_is_503(self):
        r = self.get("empty.test")
        self.assertEqual(r.status, 503)
        self.assertIsNone(echo_name(r))


class AccessLogTest(UpstreamCase):
    def test_enable_access_log_false(self):
        path = os.path.join(LOG_DIR, "access.log")
        self.assertEqual(self.get("nolog.test", "/nolog-marker").status, 200)
        self.assertEqual(self.get("log.test", "/log-marker").status, 200)
        def logged():
            if not os.path.exists(path):
                return None
            with open(path) as f:
                text = f.read()
            return text if "/log-marker" in text else None
        text = wait_until(logged, what="access log line")
        self.assertNotIn("/nolog-marker", text)


class ServiceUpstreamTest(UpstreamCase):
    def test_cluster_ip_instead_of_endpoints(self):
        r = self.get("svcup.test")
        self.assertEqual((r.status, echo_name(r)), (200, "svcup"), r)
        r = self.get("nosvcup.test")
        self.assertEqual(r.status, 502, "the Endpoints name a dead port")


if __name__ == "__main__":
    unittest.main()
