"""Paths, rewrites and redirects (issue 6), modelled on ingress-nginx's own e2e cases
(test/e2e/annotations/{rewrite,approot,redirect,fromtowwwredirect,preservetrailingslash,
xforwardedprefix,upstreamvhost,proxy}.go).

One manifest-mode gateway (http + https listeners) serves every host below; each host is one
Ingress (or a pair) with the annotations under test. The echo backend answers with the request it
saw (path with query, headers, protocol), so each case states the exact upstream request. A
gateway-generated answer never reaches the backend: no X-Echo-Name.

Locations name the listener's port when it is not the scheme's default, as a node port would be
(ingress-nginx, behind its Service, always sees 80/443).
"""

import json
import subprocess
import unittest

from harness import (Client, EchoBackend, Gateway, backend_objects, build_request, echo_name,
                     ingress, make_temp_dir, path_entry, yaml_docs)
from test_tls import TlsClient
from tls_certs import Pki

A = "nginx.ingress.kubernetes.io/"
PKI = None
LEAF = None
ECHO = {}
GW = None

TLS_HOSTS = ["slash.example.com", "noslash.example.com", "www.tlswww.example.com",
             "tlswww.example.com", "h2rw.example.com"]


def ing(name, host, paths, annotations=None, tls=False, tls_hosts=None):
    """paths: [(path, pathType, service)]; `tls`: spec.tls binds the host (or `tls_hosts`)."""
    obj = ingress(name, "default", [(host, [path_entry(p, svc, 80, t) for p, t, svc in paths])],
                  annotations={A + k: v for k, v in (annotations or {}).items()})
    if tls:
        obj["spec"]["tls"] = [{"hosts": tls_hosts or [host], "secretName": "paths-tls"}]
    return obj


def objects():
    objs = backend_objects("e1", ECHO["e1"].port) + backend_objects("e2", ECHO["e2"].port)
    objs.append(LEAF.secret("paths-tls"))
    IS = "ImplementationSpecific"
    objs += [
        ing("plain", "plain.example.com", [("/", "Prefix", "e1")]),
        # rewrite-target with capture groups (ingress-nginx's rewrite documentation example);
        # a second Ingress of the same host without annotations: use-regex is host-wide.
        ing("rewrite", "rewrite.example.com", [("/something(/|$)(.*)", IS, "e1")],
            {"rewrite-target": "/$2"}),
        ing("rewrite-neighbour", "rewrite.example.com", [("/plain.+", IS, "e2")]),
        ing("rewrite-root", "rewriteroot.example.com", [("/something", IS, "e1")],
            {"rewrite-target": "/"}),
        ing("regex", "regex.example.com", [("/foo/bar/(.+)", IS, "e1")],
            {"use-regex": "true", "rewrite-target": "/new/backend/$1"}),
        ing("xfp", "xfp.example.com", [("/", "Prefix", "e1")],
            {"x-forwarded-prefix": "/test/value"}),
        ing("vhost", "vhost.example.com", [("/", "Prefix", "e1")],
            {"upstream-vhost": "upstreamvhost.internal"}),
        ing("approot", "approot.example.com", [("/", "Prefix", "e1")], {"app-root": "/foo"}),
        ing("permanent", "permanent.example.com", [("/", "Prefix", "e1")],
            {"permanent-redirect": "https://www.google.com"}),
        ing("permanent-code", "permanentcode.example.com", [("/", "Prefix", "e1")],
            {"permanent-redirect": "https://www.google.com", "permanent-redirect-code": "308"}),
        ing("permanent-vars", "vars.example.com", [("/", "Prefix", "e1")],
            {"permanent-redirect": "https://new.example.org$request_uri"}),
        ing("permanent-vars2", "vars2.example.com", [("/", "Prefix", "e1")],
            {"permanent-redirect": "https://$host.moved.example.org$uri?from=$args"}),
        ing("temporal", "temporal.example.com", [("/", "Prefix", "e1")],
            {"temporal-redirect": "http://tmp.example.org/x"}),
        ing("temporal-code", "temporalcode.example.com", [("/", "Prefix", "e1")],
            {"temporal-redirect": "http://tmp.example.org/x", "temporal-redirect-code": "307"}),
        ing("both", "both.example.com", [("/", "Prefix", "e1")],
            {"permanent-redirect": "http://permanent.example.org",
             "temporal-redirect": "http://temporal.example.org"}),
        ing("fromwww", "fromwww.example.com", [("/", "Prefix", "e1")],
            {"from-to-www-redirect": "true"}),
        ing("towww", "www.towww.example.com", [("/", "Prefix", "e1")],
            {"from-to-www-redirect": "true"}),
        # Its certificate covers the www name too, as in ingress-nginx's HTTPS case.
        ing("tlswww", "tlswww.example.com", [("/", "Prefix", "e1")],
            {"from-to-www-redirect": "true"}, tls=True,
            tls_hosts=["tlswww.example.com", "www.tlswww.example.com"]),
        ing("slash", "slash.example.com", [("/", "Prefix", "e1")],
            {"ssl-redirect": "true", "preserve-trailing-slash": "true"}, tls=True),
        ing("noslash", "noslash.example.com", [("/", "Prefix", "e1")], {"ssl-redirect": "true"},
            tls=True),
        ing("http10", "http10.example.com", [("/", "Prefix", "e1")],
            {"proxy-http-version": "1.0"}),
        ing("h2rw", "h2rw.example.com", [("/something(/|$)(.*)", IS, "e1")],
            {"rewrite-target": "/$2"}, tls=True),
    ]
    return objs


def setUpModule():
    global PKI, LEAF, GW
    PKI = Pki(make_temp_dir(unittest.addModuleCleanup, "waygate-e2e-paths-pki-"))
    LEAF = PKI.leaf("paths", TLS_HOSTS)
    for name in ("e1", "e2"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)
    GW = Gateway(unittest.addModuleCleanup, {"objects.yaml": yaml_docs(*objects())},
                 args=["--https-listen", "127.0.0.1:0"], listeners=["http", "https", "admin"])
    GW.https = GW.proc.address("https")
    # One manifest file: once one host routes, every Ingress of it is compiled.
    GW.wait_backend("plain.example.com", "/", "e1")


def seen(r):
    """The request the echo backend saw."""
    if echo_name(r) is None:
        raise AssertionError(f"not answered by the backend: {r!r}")
    return r.json()


def https_request(host, target, headers=()):
    with TlsClient(GW.https, host) as c:
        return c.get(target, host, headers, close=True)


class Case(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()

    def assert_redirect(self, r, status, location):
        self.assertEqual((r.status, r.header("location")), (status, location), r)
        self.assertIsNone(echo_name(r), "a redirect must not reach the backend")


class RewriteTest(Case):
    def test_capture_groups_as_ingress_nginx_documents(self):
        for target, upstream in (("/something", "/"), ("/something/", "/"),
                                 ("/something/new", "/new"), ("/something/new/deep", "/new/deep"),
                                 ("/something/new?x=1&y=%2F", "/new?x=1&y=%2F")):
            with self.subTest(target=target):
                r = GW.get(target, "rewrite.example.com")
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(seen(r)["path"], upstream)

    def test_regex_is_case_insensitive_and_anchored_at_the_start(self):
        self.assertEqual(seen(GW.get("/SomeThing/New", "rewrite.example.com"))["path"], "/New")
        self.assertEqual(GW.get("/x/something/new", "rewrite.example.com").status, 404)
        # (/|$) after "something": "/somethingelse" is not this path.
        self.assertEqual(GW.get("/somethingelse", "rewrite.example.com").status, 404)

    def test_use_regex_applies_to_every_path_of_the_host(self):
        # The neighbour Ingress has no annotation; its "/plain.+" is a regex all the same.
        r = GW.get("/plainABC", "rewrite.example.com")
        self.assertEqual((r.status, echo_name(r)), (200, "e2"), r)
        self.assertEqual(seen(r)["path"], "/plainABC")  # no rewrite-target of its own
        self.assertEqual(GW.get("/plain", "rewrite.example.com").status, 404)

    def test_rewrite_target_root_replaces_the_whole_path(self):
        for target, upstream in (("/something", "/"), ("/something/deep/er", "/"),
                                 ("/something?a=b", "/?a=b")):
            with self.subTest(target=target):
                self.assertEqual(seen(GW.get(target, "rewriteroot.example.com"))["path"],
                                 upstream)

    def test_custom_rewrite_parameters(self):
        r = GW.get("/foo/bar/bar", "regex.example.com")
        self.assertEqual(seen(r)["path"], "/new/backend/bar")
        self.assertEqual(GW.get("/foo/bar/", "regex.example.com").status, 404)

    def test_rewrite_over_http2(self):
        port = GW.https[1]
        out = subprocess.run(
            ["curl", "-sS", "--http2", "--max-time", "20", "--cacert", PKI.ca_cert, "--resolve",
             f"h2rw.example.com:{port}:127.0.0.1", "-w", "\n%{http_code} %{http_version}",
             f"https://h2rw.example.com:{port}/something/new?q=1"],
            capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        body, _, tail = out.stdout.rpartition(b"\n")
        self.assertEqual(tail.decode().split(), ["200", "2"])
        self.assertEqual(json.loads(body)["path"], "/new?q=1")


class HeadersTest(Case):
    def test_x_forwarded_prefix(self):
        r = GW.get("/a", "xfp.example.com")
        self.assertEqual(seen(r)["headers"].get("x-forwarded-prefix"), "/test/value")
        # The route's value replaces the client's (proxy_set_header).
        r = GW.get("/a", "xfp.example.com", [("X-Forwarded-Prefix", "/evil")])
        self.assertEqual(seen(r)["headers"].get("x-forwarded-prefix"), "/test/value")

    def test_no_x_forwarded_prefix_without_the_annotation(self):
        self.assertNotIn("x-forwarded-prefix", seen(GW.get("/a", "plain.example.com"))["headers"])

    def test_upstream_vhost(self):
        doc = seen(GW.get("/v?x=1", "vhost.example.com"))
        self.assertEqual(doc["host"], "upstreamvhost.internal")
        self.assertEqual(doc["headers"]["host"], "upstreamvhost.internal")
        self.assertEqual(doc["headers"]["x-forwarded-host"], "vhost.example.com")
        self.assertEqual(doc["path"], "/v?x=1")


class AppRootTest(Case):
    def test_root_redirects_302_to_app_root(self):
        self.assert_redirect(GW.get("/", "approot.example.com"), 302,
                             "http://approot.example.com/foo")
        # $http_host: the Host header as sent, port included; the query is not carried.
        self.assert_redirect(GW.get("/?x=1", "approot.example.com:8080"), 302,
                             "http://approot.example.com:8080/foo")

    def test_other_paths_are_served(self):
        for target in ("/foo", "/bar", "/foo/"):
            with self.subTest(target=target):
                r = GW.get(target, "approot.example.com")
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(seen(r)["path"], target)


class RedirectTest(Case):
    def test_permanent_redirect_default_code(self):
        for method in ("GET", "POST", "HEAD"):
            with self.subTest(method=method):
                r = GW.request(method, "/any/path?q=1", "permanent.example.com",
                               body=b"data" if method == "POST" else None)
                self.assert_redirect(r, 301, "https://www.google.com")

    def test_permanent_redirect_code(self):
        self.assert_redirect(GW.get("/", "permanentcode.example.com"), 308,
                             "https://www.google.com")

    def test_variables(self):
        self.assert_redirect(GW.get("/a/b?c=d", "vars.example.com"), 301,
                             "https://new.example.org/a/b?c=d")
        self.assert_redirect(GW.get("/", "vars.example.com"), 301, "https://new.example.org/")
        self.assert_redirect(GW.get("/p/q?z=1", "Vars2.Example.com:81"), 301,
                             "https://vars2.example.com.moved.example.org/p/q?from=z=1")

    def test_temporal_redirect(self):
        self.assert_redirect(GW.get("/t", "temporal.example.com"), 302, "http://tmp.example.org/x")
        self.assert_redirect(GW.get("/t", "temporalcode.example.com"), 307,
                             "http://tmp.example.org/x")

    def test_temporal_wins_over_permanent(self):
        self.assert_redirect(GW.get("/", "both.example.com"), 302, "http://temporal.example.org")


class FromToWwwTest(Case):
    def location(self, scheme, host, uri):
        port = GW.http[1] if scheme == "http" else GW.https[1]
        return f"{scheme}://{host}:{port}{uri}"

    def test_www_redirects_to_the_bare_host(self):
        r = GW.get("/foo", "www.fromwww.example.com")
        self.assert_redirect(r, 308, self.location("http", "fromwww.example.com", "/foo"))
        # The request URI loses a trailing '/', as ingress-nginx's redirect server does.
        self.assert_redirect(GW.get("/", "www.fromwww.example.com"), 308,
                             self.location("http", "fromwww.example.com", ""))
        self.assert_redirect(GW.get("/a/?b=c", "www.fromwww.example.com"), 308,
                             self.location("http", "fromwww.example.com", "/a/?b=c"))
        # The Ingress's own host is served.
        r = GW.get("/foo", "fromwww.example.com")
        self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)

    def test_bare_host_redirects_to_www(self):
        self.assert_redirect(GW.get("/x", "towww.example.com"), 308,
                             self.location("http", "www.towww.example.com", "/x"))
        self.assertEqual(echo_name(GW.get("/x", "www.towww.example.com")), "e1")

    def test_https_keeps_the_scheme(self):
        r = https_request("www.tlswww.example.com", "/p?q=1")
        self.assert_redirect(r, 308, self.location("https", "tlswww.example.com", "/p?q=1"))
        r = https_request("tlswww.example.com", "/")
        self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)


class TrailingSlashTest(Case):
    def location(self, host, uri):
        return f"https://{host}:{GW.https[1]}{uri}"

    def test_preserve_trailing_slash(self):
        self.assert_redirect(GW.get("/", "slash.example.com"), 308,
                             self.location("slash.example.com", "/"))
        self.assert_redirect(GW.get("/dir/", "slash.example.com"), 308,
                             self.location("slash.example.com", "/dir/"))

    def test_ssl_redirect_drops_the_trailing_slash_by_default(self):
        for uri, expected in (("/", ""), ("/dir/", "/dir"), ("/dir/?a=1", "/dir/?a=1"),
                              ("/dir", "/dir")):
            with self.subTest(uri=uri):
                self.assert_redirect(GW.get(uri, "noslash.example.com"), 308,
                                     self.location("noslash.example.com", expected))


class HttpVersionTest(Case):
    def test_backend_sees_http_1_0(self):
        doc = seen(GW.get("/v", "http10.example.com"))
        self.assertEqual(doc["protocol"], "HTTP/1.0")
        self.assertEqual(doc["headers"].get("connection"), "close")
        self.assertEqual(seen(GW.get("/v", "plain.example.com"))["protocol"], "HTTP/1.1")

    def test_body_with_length_goes_through(self):
        r = GW.request("POST", "/p", "http10.example.com", body=b"x" * 1000)
        self.assertEqual(seen(r)["body_length"], 1000)

    def test_chunked_body_cannot_be_sent_as_http_1_0(self):
        r = GW.request("POST", "/p", "http10.example.com", body=b"abc", chunked=True)
        self.assertEqual(r.status, 411, r)
        self.assertIsNone(echo_name(r))

    def test_keep_alive_towards_the_client(self):
        with Client(GW.http) as c:
            for i in range(3):
                c.send(build_request("GET", f"/k{i}", "http10.example.com"))
                r = c.read_response()
                self.assertEqual(seen(r)["path"], f"/k{i}")
                self.assertNotIn("close", r.connection_tokens())


if __name__ == "__main__":
    unittest.main()
