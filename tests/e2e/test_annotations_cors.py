"""CORS (issue 6): enable-cors and the cors-* keys, modelled on ingress-nginx's
test/e2e/annotations/cors.go and its template's CORS block.

What ingress-nginx does, and so what is pinned here: with cors-allow-origin "*" (the default)
every response of the route carries Access-Control-Allow-Origin "*" (with or without an Origin);
with a list, only a request whose Origin matches an entry (exactly, or with "*." standing for one
label) gets the headers, its Origin echoed; the same header set (Allow-Origin, Allow-Credentials
when true, Allow-Methods, Allow-Headers, Expose-Headers when set, Max-Age) goes on every response
of an allowed request and replaces the upstream's copies; an OPTIONS request of an allowed origin
is answered 204 by the gateway (nothing upstream), a disallowed one is proxied like any request.

Ours on top: `Vary: Origin` when the origin is echoed, and no `Content-Length` on the 204
(RFC 9110 8.6).
"""

import subprocess
import unittest

from harness import (Client, EchoBackend, Gateway, backend_objects, build_request, echo_name,
                     ingress, make_temp_dir, path_entry, yaml_docs)
from tls_certs import Pki

A = "nginx.ingress.kubernetes.io/"
PKI = None
LEAF = None
ECHO = None
GW = None

DEFAULT_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS"
DEFAULT_HEADERS = ("DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,"
                   "Content-Type,Range,Authorization")
PREFLIGHT = [("Origin", "https://app.example.net"), ("Access-Control-Request-Method", "PUT"),
             ("Access-Control-Request-Headers", "content-type")]


def cors_ingress(name, host, annotations, tls=False):
    obj = ingress(name, "default", [(host, [path_entry("/", "echo")])],
                  annotations={A + k: v for k, v in annotations.items()})
    if tls:
        obj["spec"]["tls"] = [{"hosts": [host], "secretName": "cors-tls"}]
    return obj


def objects():
    return backend_objects("echo", ECHO.port) + [
        LEAF.secret("cors-tls"),
        ingress("plain", "default", [("plain.example.com", [path_entry("/", "echo")])]),
        cors_ingress("cors", "cors.example.com", {"enable-cors": "true"}),
        cors_ingress("star", "star.example.com",
                     {"enable-cors": "true", "cors-allow-origin": "*"}),
        cors_ingress("list", "list.example.com", {
            "enable-cors": "true",
            "cors-allow-origin": "https://origin.cors.com:8080, https://origin2.cors.com, "
                                 "http://*.wild.cors.com, http://*.port.com:8080"}),
        cors_ingress("opts", "opts.example.com", {
            "enable-cors": "true", "cors-allow-methods": "POST, GET",
            "cors-allow-headers": "DNT, User-Agent", "cors-allow-credentials": "false",
            "cors-expose-headers": "X-CustomResponseHeader, X-CustomSecondHeader",
            "cors-max-age": "200"}),
        cors_ingress("off", "off.example.com", {"enable-cors": "false"}),
        cors_ingress("h2", "h2cors.example.com", {
            "enable-cors": "true", "cors-allow-origin": "https://app.example.net"}, tls=True),
    ]


def setUpModule():
    global PKI, LEAF, ECHO, GW
    PKI = Pki(make_temp_dir(unittest.addModuleCleanup, "waygate-e2e-cors-pki-"))
    LEAF = PKI.leaf("cors", ["h2cors.example.com"])
    ECHO = EchoBackend(unittest.addModuleCleanup, "e1")
    GW = Gateway(unittest.addModuleCleanup, {"objects.yaml": yaml_docs(*objects())},
                 args=["--https-listen", "127.0.0.1:0"], listeners=["http", "https", "admin"])
    GW.https = GW.proc.address("https")
    GW.wait_backend("plain.example.com", "/", "e1")


def cors_headers(r):
    """Every Access-Control-* field of a response, lower-case names, in order."""
    return [(n.lower(), v) for n, v in r.headers if n.lower().startswith("access-control-")]


def default_set(origin):
    return [("access-control-allow-origin", origin),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-methods", DEFAULT_METHODS),
            ("access-control-allow-headers", DEFAULT_HEADERS),
            ("access-control-max-age", "1728000")]


class Case(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()

    def options(self, host, headers=PREFLIGHT, target="/"):
        return GW.request("OPTIONS", target, host, headers)

    def assert_preflight(self, r, expected):
        self.assertEqual(r.status, 204, r)
        self.assertIsNone(echo_name(r), "a preflight must not reach the backend")
        self.assertEqual(cors_headers(r), expected)
        self.assertEqual(r.header("content-type"), "text/plain charset=UTF-8")
        self.assertIsNone(r.header("content-length"))
        self.assertEqual(r.body, b"")


class DefaultsTest(Case):
    def test_preflight_answered_204_with_the_defaults(self):
        r = self.options("cors.example.com")
        self.assert_preflight(r, default_set("*"))
        self.assertIsNone(r.header("vary"))

    def test_any_options_is_answered_even_without_origin(self):
        # ingress-nginx's condition is the method alone once the origin is allowed ("*").
        self.assert_preflight(self.options("cors.example.com", headers=[]), default_set("*"))

    def test_simple_request_gets_the_headers(self):
        for headers in ([], [("Origin", "http://anything.example")]):
            with self.subTest(headers=headers):
                r = GW.get("/x", "cors.example.com", headers)
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(cors_headers(r), default_set("*"))
        self.assertEqual(cors_headers(GW.get("/", "star.example.com")), default_set("*"))

    def test_upstream_copies_are_replaced(self):
        r = GW.get("/?header=Access-Control-Allow-Origin:https://evil.example"
                   "&header=Access-Control-Max-Age:5&header=X-Kept:1", "cors.example.com")
        self.assertEqual(cors_headers(r), default_set("*"))
        self.assertEqual(r.header("x-kept"), "1")

    def test_keep_alive_after_a_preflight(self):
        with Client(GW.http) as c:
            c.send(build_request("OPTIONS", "/", "cors.example.com", PREFLIGHT))
            self.assertEqual(c.read_response("OPTIONS").status, 204)
            c.send(build_request("GET", "/after", "cors.example.com"))
            r = c.read_response()
            self.assertEqual((r.status, r.json()["path"]), (200, "/after"))

    def test_disabled_and_unannotated_routes_have_no_cors(self):
        for host in ("off.example.com", "plain.example.com"):
            with self.subTest(host=host):
                r = self.options(host)
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(r.json()["method"], "OPTIONS")
                self.assertEqual(cors_headers(r), [])


class OriginListTest(Case):
    def test_listed_origin_is_echoed(self):
        for origin in ("https://origin.cors.com:8080", "https://origin2.cors.com"):
            with self.subTest(origin=origin):
                r = GW.get("/", "list.example.com", [("Origin", origin)])
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(cors_headers(r), default_set(origin))
                self.assertEqual(r.header_all("vary"), ["Origin"])

    def test_preflight_echoes_the_origin(self):
        r = self.options("list.example.com",
                         [("Origin", "https://origin2.cors.com"),
                          ("Access-Control-Request-Method", "DELETE")])
        self.assert_preflight(r, default_set("https://origin2.cors.com"))

    def test_wildcard_covers_one_label(self):
        for origin, allowed in (("http://foo.wild.cors.com", True),
                                ("http://bar-foo.wild.cors.com", True),
                                ("http://bar.foo.wild.cors.com", False),
                                ("http://wild.cors.com", False),
                                ("https://foo.wild.cors.com", False),
                                ("http://abc.port.com:8080", True),
                                ("http://abc.port.com", False),
                                ("http://port.com:8080", False)):
            with self.subTest(origin=origin):
                r = GW.get("/", "list.example.com", [("Origin", origin)])
                self.assertEqual(cors_headers(r), default_set(origin) if allowed else [])

    def test_disallowed_origins_get_nothing(self):
        for origin in ("http://no.origin.com", "https://origin.cors.com",
                       "http://origin.cors.com:8080", "https://origin2.cors.com.evil.org"):
            with self.subTest(origin=origin):
                r = GW.get("/", "list.example.com", [("Origin", origin)])
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(cors_headers(r), [])
                self.assertIsNone(r.header("vary"))
        self.assertEqual(cors_headers(GW.get("/", "list.example.com")), [])

    def test_disallowed_preflight_is_proxied(self):
        r = self.options("list.example.com", [("Origin", "http://no.origin.com"),
                                              ("Access-Control-Request-Method", "PUT")])
        self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
        self.assertEqual(cors_headers(r), [])


class OptionsTest(Case):
    EXPECTED = [("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "POST, GET"),
                ("access-control-allow-headers", "DNT, User-Agent"),
                ("access-control-expose-headers", "X-CustomResponseHeader, X-CustomSecondHeader"),
                ("access-control-max-age", "200")]

    def test_methods_headers_expose_max_age_without_credentials(self):
        self.assert_preflight(self.options("opts.example.com"), self.EXPECTED)
        self.assertEqual(cors_headers(GW.get("/", "opts.example.com")), self.EXPECTED)

    def test_upstream_credentials_pass_when_not_ours(self):
        # cors-allow-credentials false: the gateway sets no such header, so the upstream's stays.
        r = GW.get("/?header=Access-Control-Allow-Credentials:true", "opts.example.com")
        self.assertEqual(r.header_all("access-control-allow-credentials"), ["true"])
        self.assertEqual(r.header_all("access-control-allow-origin"), ["*"])


class Http2Test(Case):
    def curl(self, *args):
        port = GW.https[1]
        out = subprocess.run(
            ["curl", "-sS", "--http2", "--max-time", "20", "--cacert", PKI.ca_cert,
             "--resolve", f"h2cors.example.com:{port}:127.0.0.1", "-D", "-", "-o", "/dev/null",
             "-H", "Origin: https://app.example.net"] + list(args) +
            [f"https://h2cors.example.com:{port}/p"], capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.decode().replace("\r\n", "\n").strip().split("\n")
        fields = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
        return lines[0], fields

    def test_preflight_and_simple_request_over_h2(self):
        status, fields = self.curl("-X", "OPTIONS", "-H", "Access-Control-Request-Method: PUT")
        self.assertEqual(status.split()[:2], ["HTTP/2", "204"])
        origin = [v for n, v in fields if n == "access-control-allow-origin"]
        self.assertEqual(origin, ["https://app.example.net"])
        self.assertNotIn("x-echo-name", [n for n, _ in fields])
        status, fields = self.curl()
        self.assertEqual(status.split()[:2], ["HTTP/2", "200"])
        names = [n for n, _ in fields]
        self.assertIn("x-echo-name", names)
        self.assertEqual([v for n, v in fields if n == "access-control-allow-origin"],
                         ["https://app.example.net"])
        self.assertEqual([v for n, v in fields if n == "access-control-allow-credentials"],
                         ["true"])


if __name__ == "__main__":
    unittest.main()
