"""Host and path routing end to end (issue item 3), through real Services and Endpoints.

Echo backends a, b, c, d and def answer with their name (X-Echo-Name), so each expectation
names the backend that must answer, or None for the gateway's own 404.
"""

import unittest

from harness import (EchoBackend, Gateway, backend_objects, echo_name, endpoint_slice, endpoints,
                     gateway_object, ingress, ingress_class, path_entry, service,
                     simple_ingress, yaml_docs)

ECHO = {}


def setUpModule():
    for name in ("a", "b", "c", "d", "def"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)


def services(namespace="default"):
    """svc-<name> for every echo backend, in `namespace`."""
    objs = []
    for name, echo in ECHO.items():
        objs += backend_objects(f"svc-{name}", echo.port, namespace)
    return objs


class RoutingCase(unittest.TestCase):
    gw = None

    def setUp(self):
        if self.gw:
            self.gw.assert_alive()

    def assert_routed(self, host, target, expected, gw=None):
        r = (gw or self.gw).get(target, host)
        if expected is None:
            self.assertEqual(r.status, 404, f"{host}{target}: expected the gateway's 404: {r!r}")
            self.assertIsNone(echo_name(r), f"{host}{target}: 404 must come from the gateway")
            self.assertEqual(r.header("server"), "waygate")
        else:
            self.assertEqual((r.status, echo_name(r)), (200, expected),
                             f"{host}{target}: expected backend {expected}, got {r!r}")
        return r


# Every row of the Kubernetes documentation's path-matching examples
# (concepts/services-networking/ingress, "Examples"), each on its own host. The doc row
# "Prefix /aaa, request /ccc -> no match, uses default backend" is the None row here (no
# defaultBackend in this gateway); the default backend case is pinned in DefaultBackendTest.
PATH_ROWS = [
    # (description, [(pathType, path, backend)], request path, expected backend)
    ("prefix_root_matches_root", [("Prefix", "/", "a")], "/", "a"),
    ("prefix_root_matches_all", [("Prefix", "/", "a")], "/any/thing", "a"),
    ("exact_foo_matches_foo", [("Exact", "/foo", "a")], "/foo", "a"),
    ("exact_foo_not_bar", [("Exact", "/foo", "a")], "/bar", None),
    ("exact_foo_not_foo_slash", [("Exact", "/foo", "a")], "/foo/", None),
    ("exact_foo_slash_not_foo", [("Exact", "/foo/", "a")], "/foo", None),
    ("prefix_foo_matches_foo", [("Prefix", "/foo", "a")], "/foo", "a"),
    ("prefix_foo_matches_foo_slash", [("Prefix", "/foo", "a")], "/foo/", "a"),
    ("prefix_foo_slash_matches_foo", [("Prefix", "/foo/", "a")], "/foo", "a"),
    ("prefix_foo_slash_matches_foo_slash", [("Prefix", "/foo/", "a")], "/foo/", "a"),
    ("prefix_aaa_bb_not_aaa_bbb", [("Prefix", "/aaa/bb", "a")], "/aaa/bbb", None),
    ("prefix_aaa_bbb_matches_itself", [("Prefix", "/aaa/bbb", "a")], "/aaa/bbb", "a"),
    ("prefix_trailing_slash_ignored", [("Prefix", "/aaa/bbb/", "a")], "/aaa/bbb", "a"),
    ("prefix_matches_trailing_slash", [("Prefix", "/aaa/bbb", "a")], "/aaa/bbb/", "a"),
    ("prefix_matches_subpath", [("Prefix", "/aaa/bbb", "a")], "/aaa/bbb/ccc", "a"),
    ("prefix_not_string_prefix", [("Prefix", "/aaa/bbb", "a")], "/aaa/bbbxyz", None),
    ("longest_prefix_aaa", [("Prefix", "/", "a"), ("Prefix", "/aaa", "b")], "/aaa/ccc", "b"),
    ("longest_prefix_aaa_bbb",
     [("Prefix", "/", "a"), ("Prefix", "/aaa", "b"), ("Prefix", "/aaa/bbb", "c")], "/aaa/bbb",
     "c"),
    ("longest_prefix_falls_to_root",
     [("Prefix", "/", "a"), ("Prefix", "/aaa", "b"), ("Prefix", "/aaa/bbb", "c")], "/ccc", "a"),
    ("no_match_without_default", [("Prefix", "/aaa", "a")], "/ccc", None),
    ("exact_wins_tie", [("Prefix", "/foo", "a"), ("Exact", "/foo", "b")], "/foo", "b"),
    ("exact_tie_prefix_still_serves_subpath", [("Prefix", "/foo", "a"), ("Exact", "/foo", "b")],
     "/foo/x", "a"),
    ("exact_wins_tie_listed_first", [("Exact", "/foo", "b"), ("Prefix", "/foo", "a")], "/foo",
     "b"),
    ("longer_exact_beats_shorter_prefix", [("Prefix", "/a", "a"), ("Exact", "/a/b", "b")],
     "/a/b", "b"),
    ("longer_prefix_beats_shorter_exact_miss", [("Exact", "/a", "a"), ("Prefix", "/a/b", "b")],
     "/a", "a"),
    ("prefix_case_sensitive", [("Prefix", "/foo", "a")], "/FOO", None),
    ("prefix_query_ignored_for_matching", [("Exact", "/q", "a")], "/q?x=1", "a"),
    # ImplementationSpecific as ingress-nginx: a plain, case-sensitive string prefix, ranked by
    # length with the others.
    ("impl_specific_string_prefix", [("ImplementationSpecific", "/foo", "a")], "/foobar", "a"),
    ("impl_specific_matches_itself", [("ImplementationSpecific", "/foo", "a")], "/foo", "a"),
    ("impl_specific_subpath", [("ImplementationSpecific", "/foo", "a")], "/foo/x", "a"),
    ("impl_specific_case_sensitive", [("ImplementationSpecific", "/foo", "a")], "/Foo", None),
    ("impl_specific_shorter_string_no", [("ImplementationSpecific", "/foo", "a")], "/fo", None),
    ("impl_specific_longer_prefix_wins",
     [("ImplementationSpecific", "/foo", "a"), ("Prefix", "/foo/bar", "b")], "/foo/bar/x", "b"),
    ("impl_specific_beats_element_mismatch",
     [("ImplementationSpecific", "/foo", "a"), ("Prefix", "/foo/bar", "b")], "/foo/barx", "a"),
    ("impl_specific_longer_beats_prefix",
     [("Prefix", "/app", "a"), ("ImplementationSpecific", "/app/v", "b")], "/app/v2", "b"),
    ("impl_specific_empty_path_is_root", [("ImplementationSpecific", None, "a")], "/x/y", "a"),
]

# Hostname examples of the Kubernetes documentation plus exact-over-wildcard and Host forms.
# The rule without host only has the path /only-catch-all, so "/" rows never reach it.
HOST_ROWS = [
    # (description, Host header, target, expected backend)
    ("wildcard_one_label", "bar.wild.test", "/", "a"),
    ("wildcard_not_two_labels", "baz.bar.wild.test", "/", None),
    ("wildcard_not_bare_domain", "wild.test", "/", None),
    ("exact_beats_wildcard", "exact.mix.test", "/", "b"),
    ("wildcard_when_exact_misses", "other.mix.test", "/", "a"),
    ("host_case_insensitive_exact", "EXACT.Mix.Test", "/", "b"),
    ("host_case_insensitive_wildcard", "Other.MIX.test", "/", "a"),
    ("port_ignored_exact", "exact.mix.test:8080", "/", "b"),
    ("port_ignored_wildcard", "other.mix.test:31080", "/", "a"),
    ("port_ignored_plain", "plain.test:80", "/", "c"),
    ("unknown_host_404", "nobody.test", "/", None),
    ("rule_without_host_matches_any_host", "random.example", "/only-catch-all", "d"),
    ("rule_without_host_with_port", "random.example:1234", "/only-catch-all/x", "d"),
    ("rule_without_host_ip_host", "127.0.0.1", "/only-catch-all", "d"),
    ("rule_without_host_wildcard_miss", "baz.bar.wild.test", "/only-catch-all", "d"),
]


def path_row_host(i):
    return f"p{i}.paths.test"


class PathTableTest(RoutingCase):
    """Each row on its own host; no rule without host and no defaultBackend in this gateway,
    so a miss can only be the gateway's 404."""

    @classmethod
    def setUpClass(cls):
        objs = services()
        for i, (_, paths, _, _) in enumerate(PATH_ROWS):
            objs.append(ingress(f"p{i}", rules=[(path_row_host(i), [
                path_entry(path, f"svc-{svc}", 80, ptype) for ptype, path, svc in paths])]))
        cls.gw = Gateway(cls.addClassCleanup, {"paths.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend(path_row_host(0), "/", "a")


def _make_routed_test(host, target, expected):
    def test(self):
        self.assert_routed(host, target, expected)
    return test


for _i, (_desc, _paths, _target, _expected) in enumerate(PATH_ROWS):
    setattr(PathTableTest, f"test_path_{_i:02d}_{_desc}",
            _make_routed_test(path_row_host(_i), _target, _expected))


class HostTableTest(RoutingCase):
    @classmethod
    def setUpClass(cls):
        objs = services() + [ingress("hosts", rules=[
            ("*.wild.test", [path_entry("/", "svc-a")]),
            ("*.mix.test", [path_entry("/", "svc-a")]),
            ("exact.mix.test", [path_entry("/", "svc-b")]),
            ("plain.test", [path_entry("/", "svc-c")]),
            (None, [path_entry("/only-catch-all", "svc-d")]),
        ])]
        cls.gw = Gateway(cls.addClassCleanup, {"hosts.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("plain.test", "/", "c")


for _desc, _host, _target, _expected in HOST_ROWS:
    setattr(HostTableTest, f"test_host_{_desc}", _make_routed_test(_host, _target, _expected))


class MergeAndNormaliseTest(RoutingCase):
    @classmethod
    def setUpClass(cls):
        objs = services() + services("other") + [
            simple_ingress("m1", "merge.test", "svc-a", "/one"),
            simple_ingress("m2", "merge.test", "svc-b", "/two"),
            simple_ingress("m3", "merge.test", "svc-c", "/three", namespace="other"),
            ingress("norm", rules=[("norm.test", [
                path_entry("/secret", "svc-a", 80, "Exact"),
                path_entry("/", "svc-b", 80, "Prefix"),
            ])]),
        ]
        cls.gw = Gateway(cls.addClassCleanup, {"m.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("merge.test", "/three", "c")

    def test_rules_of_several_ingresses_for_one_host_are_merged(self):
        self.assert_routed("merge.test", "/one", "a")
        self.assert_routed("merge.test", "/two/x", "b")
        self.assert_routed("merge.test", "/three", "c")  # another namespace, same host
        self.assert_routed("merge.test", "/four", None)

    def check_normalised(self, target, backend, upstream_path):
        r = self.assert_routed("norm.test", target, backend)
        self.assertEqual(r.json()["path"], upstream_path, f"{target} forwarded as")

    def test_dot_segments_resolved_before_matching(self):
        self.check_normalised("/public/../secret", "a", "/secret")

    def test_dot_segments_forwarded_normalised(self):
        self.check_normalised("/a/./b/../c", "b", "/a/c")

    def test_repeated_slashes_collapsed(self):
        self.check_normalised("//secret", "a", "/secret")
        self.check_normalised("/a//b///c", "b", "/a/b/c")

    def test_query_kept_after_normalisation(self):
        self.check_normalised("/x/../y?q=1&r=/../z", "b", "/y?q=1&r=/../z")

    def test_never_above_root(self):
        self.check_normalised("/../../secret", "a", "/secret")
        self.check_normalised("/..", "b", "/")

    def test_encoded_dot_segments_resolved(self):
        self.check_normalised("/x/%2e%2e/secret", "a", "/secret")
        self.check_normalised("/x/%2E%2E/%2e/secret", "a", "/secret")

    def test_other_percent_encoding_kept(self):
        self.check_normalised("/a%20b/%41", "b", "/a%20b/%41")


class DefaultBackendTest(RoutingCase):
    @classmethod
    def setUpClass(cls):
        objs = services() + [
            ingress("fallback", default_backend=("svc-def", 80)),
            ingress("withdef", rules=[("dd.test", [path_entry("/aaa", "svc-a")])],
                    default_backend=("svc-b", 80)),
        ]
        cls.gw = Gateway(cls.addClassCleanup, {"d.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("dd.test", "/aaa", "a")

    def test_ingress_without_rules_serves_every_unmatched_host(self):
        self.assert_routed("unknown.test", "/whatever", "def")
        self.assert_routed("other.test:8080", "/", "def")

    def test_default_backend_of_the_ingress_owning_the_host(self):
        # Kubernetes docs: Prefix /aaa, request /ccc -> no rule matches, default backend.
        self.assert_routed("dd.test", "/aaa/x", "a")
        self.assert_routed("dd.test", "/ccc", "b")


class IngressClassTest(RoutingCase):
    INGRESSES = [
        # (name, class_name, legacy annotation, served by the default --ingress-class waygate)
        ("named-ours", "waygate", None, True),
        ("named-custom-ours", "custom", None, True),
        ("named-foreign", "nginx", None, False),
        ("named-missing-class", "ghost", None, False),
        ("legacy-ours", None, "waygate", True),
        ("legacy-foreign", None, "nginx", False),
        ("no-class", None, None, True),
    ]

    @classmethod
    def manifests(cls):
        objs = services() + [
            ingress_class("waygate"),
            ingress_class("custom"),
            ingress_class("mine"),
            ingress_class("nginx", controller="k8s.io/ingress-nginx"),
        ]
        for name, class_name, legacy, _ in cls.INGRESSES + [("legacy-mine", None, "mine", False)]:
            ann = {"kubernetes.io/ingress.class": legacy} if legacy else None
            ing = simple_ingress(name, f"{name}.class.test", "svc-a", annotations=ann)
            if class_name:
                ing["spec"]["ingressClassName"] = class_name
            objs.append(ing)
        return {"c.yaml": yaml_docs(*objs)}

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(cls.addClassCleanup, cls.manifests())
        cls.gw.wait_backend("no-class.class.test", "/", "a")

    def test_custom_ingress_class_flag(self):
        gw = Gateway(self.addCleanup, self.manifests(), args=["--ingress-class", "mine"])
        gw.wait_backend("legacy-mine.class.test", "/", "a")
        self.assert_routed("legacy-ours.class.test", "/", None, gw)  # annotation names waygate
        self.assert_routed("named-ours.class.test", "/", "a", gw)  # class with our controller
        self.assert_routed("named-foreign.class.test", "/", None, gw)
        self.assert_routed("no-class.class.test", "/", "a", gw)

    def test_foreign_default_class_claims_ingresses_without_class(self):
        # With another controller's IngressClass marked default, an Ingress without class
        # belongs to that class (what the admission plugin would have written), so not to us.
        objs = services() + [ingress_class("nginx", "k8s.io/ingress-nginx", default=True),
                             simple_ingress("plain", "plain.class.test", "svc-a"),
                             simple_ingress("ours", "ours.class.test", "svc-b")]
        objs[-1]["spec"]["ingressClassName"] = "waygate"
        objs.append(ingress_class("waygate"))
        gw = Gateway(self.addCleanup, {"c.yaml": yaml_docs(*objs)})
        gw.wait_backend("ours.class.test", "/", "b")
        self.assert_routed("plain.class.test", "/", None, gw)

    def test_our_default_class_serves_ingresses_without_class(self):
        objs = services() + [ingress_class("waygate", default=True),
                             ingress_class("nginx", "k8s.io/ingress-nginx"),
                             simple_ingress("plain", "plain.class.test", "svc-a")]
        gw = Gateway(self.addCleanup, {"c.yaml": yaml_docs(*objs)})
        gw.wait_backend("plain.class.test", "/", "a")


for _name, _cls, _legacy, _served in IngressClassTest.INGRESSES:
    setattr(IngressClassTest, f"test_class_{_name.replace('-', '_')}",
            (lambda n, s: lambda self: self.assert_routed(f"{n}.class.test", "/",
                                                          "a" if s else None))(_name, _served))


class GatewayScopeTest(RoutingCase):
    @staticmethod
    def manifests():
        objs = services("proj1") + services("proj2") + [
            simple_ingress("web", "p1.scope.test", "svc-a", namespace="proj1"),
            simple_ingress("web", "p2.scope.test", "svc-b", namespace="proj2"),
            gateway_object({"proxy-body-size": "1m"}),
            gateway_object({"proxy-body-size": "10"}, name="kubesphere-router-proj1"),
        ]
        return {"scope.yaml": yaml_docs(*objs)}

    def test_project_gateway_serves_only_its_namespace(self):
        gw = Gateway(self.addCleanup, self.manifests(),
                     args=["--gateway", "kubesphere-controls-system/kubesphere-router-proj1"])
        gw.wait_backend("p1.scope.test", "/", "a")
        self.assert_routed("p2.scope.test", "/", None, gw)
        # Its own Gateway's config applies, not the cluster gateway's.
        r = gw.request("POST", "/", "p1.scope.test", body=b"x" * 11)
        self.assertEqual(r.status, 413)
        r = gw.request("POST", "/", "p1.scope.test", body=b"x" * 10)
        self.assertEqual((r.status, echo_name(r)), (200, "a"))

    def test_cluster_gateway_serves_every_namespace(self):
        gw = Gateway(self.addCleanup, self.manifests())
        gw.wait_backend("p1.scope.test", "/", "a")
        self.assert_routed("p2.scope.test", "/", "b", gw)
        r = gw.request("POST", "/", "p1.scope.test", body=b"x" * 11)
        self.assertEqual((r.status, echo_name(r)), (200, "a"))

    def test_explicit_cluster_gateway_flag(self):
        gw = Gateway(self.addCleanup, self.manifests(), args=[
            "--gateway", "kubesphere-controls-system/kubesphere-router-kubesphere-system"])
        gw.wait_backend("p1.scope.test", "/", "a")
        self.assert_routed("p2.scope.test", "/", "b", gw)


class ServicePortTest(RoutingCase):
    @classmethod
    def setUpClass(cls):
        a, b, c = ECHO["a"].port, ECHO["b"].port, ECHO["c"].port
        objs = [
            # Two named ports: the Ingress's port (number or name) selects the Service port,
            # whose name selects the Endpoints port.
            service("multi", ports=[("a-port", 80), ("b-port", 81)]),
            endpoints("multi", subsets=[(["127.0.0.1"], [("a-port", a), ("b-port", b)])]),
            # One unnamed port.
            service("single", ports=[(None, 8080)]),
            endpoints("single", subsets=[(["127.0.0.1"], [(None, c)])]),
            # EndpointSlice instead of Endpoints.
            service("sliced", ports=[("x", 80), ("y", 81)]),
            endpoint_slice("sliced-abcde", "sliced", ports=[("x", a), ("y", b)]),
            # No ready endpoints.
            service("notready-slice"),
            endpoint_slice("notready-slice-1", "notready-slice", ports=[("http", a)], ready=False),
            service("notready-ep"),
            endpoints("notready-ep", subsets=[(["127.0.0.1"], [("http", a)], True)]),
            service("empty-ep"),
            endpoints("empty-ep"),
            ingress("ports", rules=[("ports.test", [
                path_entry("/num80", "multi", 80),
                path_entry("/num81", "multi", 81),
                path_entry("/name-a", "multi", "a-port"),
                path_entry("/name-b", "multi", "b-port"),
                path_entry("/unnamed", "single", 8080),
                path_entry("/slice-x", "sliced", "x"),
                path_entry("/slice-y", "sliced", 81),
                path_entry("/notready-slice", "notready-slice", 80),
                path_entry("/notready-ep", "notready-ep", 80),
                path_entry("/empty-ep", "empty-ep", 80),
                path_entry("/no-such-service", "ghost", 80),
                path_entry("/no-such-port", "multi", 9999),
            ])]),
        ]
        cls.gw = Gateway(cls.addClassCleanup, {"ports.yaml": yaml_docs(*objs)})
        cls.gw.wait_backend("ports.test", "/num80", "a")

    def test_port_number(self):
        self.assert_routed("ports.test", "/num80", "a")
        self.assert_routed("ports.test", "/num81", "b")

    def test_port_name(self):
        self.assert_routed("ports.test", "/name-a", "a")
        self.assert_routed("ports.test", "/name-b", "b")

    def test_unnamed_port(self):
        self.assert_routed("ports.test", "/unnamed", "c")

    def test_endpoint_slice_by_name_and_number(self):
        self.assert_routed("ports.test", "/slice-x", "a")
        self.assert_routed("ports.test", "/slice-y", "b")

    def check_503(self, target):
        r = self.gw.get(target, "ports.test")
        self.assertEqual(r.status, 503, f"{target}: {r!r}")
        self.assertIsNone(echo_name(r))
        self.assertEqual(r.header("server"), "waygate")

    def test_no_ready_endpoints_503(self):
        self.check_503("/notready-slice")
        self.check_503("/notready-ep")
        self.check_503("/empty-ep")

    def test_missing_service_or_port_503(self):
        self.check_503("/no-such-service")
        self.check_503("/no-such-port")


if __name__ == "__main__":
    unittest.main()
