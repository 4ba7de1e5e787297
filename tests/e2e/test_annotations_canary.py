"""Canary Ingresses (issue 6), modelled on ingress-nginx's test/e2e/annotations/canary.go.

Every host has a main Ingress (Service "main", echo backend "main") and a canary Ingress for the
same host and path (Service "canary", echo backend "canary") with the canary-* keys under test.
Precedence, as ingress-nginx's balancer.lua: canary-by-header (with -value or -pattern), then
canary-by-cookie, then canary-weight out of canary-weight-total. One worker, so the per-worker
random stream is the only randomness; weight bounds are wide enough never to flake (binomial
tails below 1e-5).
"""

import unittest

from harness import (EchoBackend, Gateway, backend_objects, echo_name, simple_ingress, wait_until,
                     yaml_docs)

A = "nginx.ingress.kubernetes.io/"
ECHO = {}
GW = None

# host -> canary annotations (without the prefix); every host also gets a main Ingress.
CANARIES = {
    "header.canary.test": {"canary-by-header": "CanaryByHeader"},
    "value.canary.test": {"canary-by-header": "CanaryByHeader",
                          "canary-by-header-value": "DoCanary"},
    "pattern.canary.test": {"canary-by-header": "CanaryByHeader",
                            "canary-by-header-pattern": "^(v2|v3)$"},
    "unanchored.canary.test": {"canary-by-header": "CanaryByHeader",
                               "canary-by-header-pattern": "beta"},
    "cookie.canary.test": {"canary-by-cookie": "Canary-By-Cookie"},
    "valuecookie.canary.test": {"canary-by-header": "CanaryByHeader",
                                "canary-by-header-value": "DoCanary",
                                "canary-by-cookie": "CanaryByCookie"},
    "w0.canary.test": {"canary-weight": "0"},
    "w100.canary.test": {"canary-weight": "100"},
    "w50.canary.test": {"canary-weight": "50"},
    "wtotal.canary.test": {"canary-weight": "50", "canary-weight-total": "200"},
    "precedence.canary.test": {"canary-by-header": "CanaryByHeader",
                               "canary-by-cookie": "CanaryByCookie", "canary-weight": "100"},
}


def setUpModule():
    global GW
    for name in ("main", "canary"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)
    objs = backend_objects("main", ECHO["main"].port) + backend_objects("canary",
                                                                       ECHO["canary"].port)
    for i, (host, keys) in enumerate(sorted(CANARIES.items())):
        objs.append(simple_ingress(f"main-{i}", host, "main"))
        annotations = {A + "canary": "true"}
        annotations.update({A + k: v for k, v in keys.items()})
        objs.append(simple_ingress(f"canary-{i}", host, "canary", annotations=annotations))
    # Sticky sessions on the main Ingress: a session stays on whichever side served it.
    objs.append(simple_ingress("main-sticky", "sticky.canary.test", "main",
                               annotations={A + "affinity": "cookie"}))
    objs.append(simple_ingress("canary-sticky", "sticky.canary.test", "canary", annotations={
        A + "canary": "true", A + "canary-weight": "50"}))
    # A canary whose host and path no main Ingress serves: never served (ingress-nginx: 404).
    objs.append(simple_ingress("lonely-canary", "nomain.canary.test", "canary", annotations={
        A + "canary": "true", A + "canary-by-header": "CanaryByHeader"}))
    GW = Gateway(unittest.addModuleCleanup, {"canary.yaml": yaml_docs(*objs)})
    GW.wait_backend("header.canary.test", "/", "main")
    # The canary attaches in the same snapshot as its main route; wait for it anyway.
    wait_until(lambda: echo_name(GW.get("/", "header.canary.test",
                                        [("CanaryByHeader", "always")])) == "canary",
               what="canary attached to header.canary.test")


def served(resp):
    if resp.status != 200:
        raise AssertionError(f"expected a 200 from a backend, got {resp!r}")
    return echo_name(resp)


class CanaryCase(unittest.TestCase):
    def setUp(self):
        GW.assert_alive()

    def hit(self, host, headers=(), cookie=None):
        headers = list(headers)
        if cookie:
            headers.append(("Cookie", cookie))
        return served(GW.get("/", host, headers))

    def count(self, host, n, headers=()):
        return sum(self.hit(host, headers) == "canary" for _ in range(n))


class HeaderTest(CanaryCase):
    def test_always_never_other(self):
        h = "header.canary.test"
        self.assertEqual(self.hit(h, [("CanaryByHeader", "always")]), "canary")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "never")]), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "badheadervalue")]), "main")
        self.assertEqual(self.hit(h), "main")

    def test_header_name_is_case_insensitive(self):
        self.assertEqual(self.hit("header.canary.test", [("canarybyheader", "always")]), "canary")

    def test_header_value(self):
        h = "value.canary.test"
        self.assertEqual(self.hit(h, [("CanaryByHeader", "DoCanary")]), "canary")
        # With a value, "always" is just another value: it falls through (to the main route).
        self.assertEqual(self.hit(h, [("CanaryByHeader", "always")]), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "never")]), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "docanary")]), "main")

    def test_header_pattern(self):
        h = "pattern.canary.test"
        self.assertEqual(self.hit(h, [("CanaryByHeader", "v2")]), "canary")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "v3")]), "canary")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "v4")]), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "always")]), "main")

    def test_header_pattern_is_unanchored_like_ngx_re_match(self):
        h = "unanchored.canary.test"
        self.assertEqual(self.hit(h, [("CanaryByHeader", "x-beta-1")]), "canary")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "stable")]), "main")


class CookieTest(CanaryCase):
    def test_always_never_other(self):
        h = "cookie.canary.test"
        self.assertEqual(self.hit(h, cookie="Canary-By-Cookie=always"), "canary")
        self.assertEqual(self.hit(h, cookie="a=1; Canary-By-Cookie=always; b=2"), "canary")
        self.assertEqual(self.hit(h, cookie="Canary-By-Cookie=never"), "main")
        self.assertEqual(self.hit(h, cookie="Canary-By-Cookie=badcookievalue"), "main")
        self.assertEqual(self.hit(h, cookie="Other=always"), "main")

    def test_header_value_mismatch_falls_through_to_cookie(self):
        self.assertEqual(self.hit("valuecookie.canary.test", [("CanaryByHeader", "other")],
                                  cookie="CanaryByCookie=always"), "canary")


class WeightTest(CanaryCase):
    def test_weight_0_never(self):
        self.assertEqual(self.count("w0.canary.test", 40), 0)

    def test_weight_100_always(self):
        self.assertEqual(self.count("w100.canary.test", 40), 40)

    def test_weight_50_splits_about_evenly(self):
        n = self.count("w50.canary.test", 100)
        self.assertGreaterEqual(n, 30, n)
        self.assertLessEqual(n, 70, n)

    def test_weight_total(self):
        # 50 out of 200 is a quarter (it would be half were the total 100).
        n = self.count("wtotal.canary.test", 200)
        self.assertGreaterEqual(n, 25, n)
        self.assertLessEqual(n, 80, n)


class PrecedenceTest(CanaryCase):
    """canary-weight 100 here: whatever the header and cookie leave undecided is canary."""

    def test_header_beats_cookie_beats_weight(self):
        h = "precedence.canary.test"
        self.assertEqual(self.hit(h, [("CanaryByHeader", "never")],
                                  cookie="CanaryByCookie=always"), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "always")],
                                  cookie="CanaryByCookie=never"), "canary")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "other")],
                                  cookie="CanaryByCookie=never"), "main")
        self.assertEqual(self.hit(h, [("CanaryByHeader", "other")],
                                  cookie="CanaryByCookie=other"), "canary")
        self.assertEqual(self.hit(h), "canary")


class StickyCanaryTest(CanaryCase):
    """ingress-nginx checks affinity before any canary rule: a request whose sticky cookie names
    an endpoint of the main or of the canary backend stays on that side, whatever the weight."""

    def test_session_stays_on_its_side(self):
        sides = {}
        for _ in range(60):
            if len(sides) == 2:
                break
            r = GW.get("/", "sticky.canary.test")
            cookie = r.header("set-cookie")
            self.assertIsNotNone(cookie, r)
            sides.setdefault(served(r), cookie.split(";")[0])
        self.assertEqual(set(sides), {"main", "canary"}, "weight 50 reaches both sides")
        for side, cookie in sides.items():
            for _ in range(15):
                r = GW.get("/", "sticky.canary.test", [("Cookie", cookie)])
                self.assertEqual(served(r), side)
                self.assertIsNone(r.header("set-cookie"))


class NoMainTest(CanaryCase):
    def test_canary_without_main_ingress_is_404(self):
        r = GW.get("/", "nomain.canary.test", [("CanaryByHeader", "always")])
        self.assertEqual(r.status, 404, r)
        self.assertIsNone(echo_name(r))


if __name__ == "__main__":
    unittest.main()
