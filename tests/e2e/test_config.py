"""Manifest directory as config source, admin endpoints and access logs (issue item 2).

Live reload is observed from outside only: a change is "applied" when traffic shows it, polled
with a bounded deadline (never a fixed sleep).
"""

import json
import os
import re
import unittest

from harness import (Client, EchoBackend, Gateway, backend_objects, build_request, echo_name,
                     gateway_object, ingress, make_temp_dir, metric_sum, parse_metrics,
                     path_entry, simple_ingress, to_yaml, wait_until, yaml_docs)

ECHO = {}


def setUpModule():
    for name in ("e1", "e2"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)


def backends_yaml():
    return yaml_docs(*(backend_objects("svc1", ECHO["e1"].port) +
                       backend_objects("svc2", ECHO["e2"].port)))


def stderr_line_with(gw, *needles):
    """The first stderr line holding every needle, or None."""
    for line in gw.stderr().splitlines():
        if all(n in line for n in needles):
            return line
    return None


class LiveReloadTest(unittest.TestCase):
    def setUp(self):
        self.gw.assert_alive()

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(cls.addClassCleanup, {"backends.yaml": backends_yaml()})

    def write(self, name, text, in_place=False):
        (self.gw.write_manifest_in_place if in_place else self.gw.write_manifest)(name, text)
        self.addCleanup(lambda: os.path.exists(os.path.join(self.gw.dir, name)) and
                        self.gw.remove_manifest(name))

    def test_add_change_remove_file(self):
        self.assertEqual(self.gw.get("/", "acr.test").status, 404)
        self.write("acr.yaml", yaml_docs(simple_ingress("acr", "acr.test", "svc1")))
        self.gw.wait_backend("acr.test", "/", "e1")
        self.gw.write_manifest("acr.yaml", yaml_docs(simple_ingress("acr", "acr.test", "svc2")))
        self.gw.wait_backend("acr.test", "/", "e2")
        self.gw.remove_manifest("acr.yaml")
        self.gw.wait_status("acr.test", "/", 404)

    def test_reloads_without_traffic_in_between(self):
        # Regression: a worker that served nothing on its current snapshot freed the old table
        # while its balancer still compared against it (segfault on the second reload).
        gw = Gateway(self.addCleanup, {"backends.yaml": backends_yaml()}, workers=2)
        for i in range(6):
            gw.write_manifest("quiet.yaml", yaml_docs(
                simple_ingress("quiet", "quiet.test", "svc1" if i % 2 else "svc2")))
            gw.wait_metrics(lambda m, n=i: metric_sum(m, "waygate_config_reloads_total") >= n + 2,
                            what=f"reload {i + 1} applied")
            gw.assert_alive()
        gw.wait_backend("quiet.test", "/", "e1")
        gw.assert_alive()

    def test_in_place_write_is_picked_up(self):
        self.write("inplace.yaml", yaml_docs(simple_ingress("inplace", "inplace.test", "svc1")),
                   in_place=True)
        self.gw.wait_backend("inplace.test", "/", "e1")
        self.gw.write_manifest_in_place(
            "inplace.yaml", yaml_docs(simple_ingress("inplace", "inplace.test", "svc2")))
        self.gw.wait_backend("inplace.test", "/", "e2")

    def test_multi_document_yaml(self):
        objs = backend_objects("multi-svc", ECHO["e2"].port) + [
            simple_ingress("multi", "multi.test", "multi-svc")]
        self.write("multi.yaml", yaml_docs(*objs))
        self.gw.wait_backend("multi.test", "/", "e2")

    def test_kind_list(self):
        items = backend_objects("list-svc", ECHO["e1"].port) + [
            simple_ingress("list", "list.test", "list-svc")]
        self.write("list.yaml", to_yaml({"apiVersion": "v1", "kind": "List", "items": items}))
        self.gw.wait_backend("list.test", "/", "e1")

    def test_json_file(self):
        self.write("ing.json", json.dumps(simple_ingress("json", "json.test", "svc2"), indent=2))
        self.gw.wait_backend("json.test", "/", "e2")

    def test_json_list_file(self):
        items = [simple_ingress("jl", "jsonlist.test", "svc1")]
        self.write("list.json", json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
        self.gw.wait_backend("jsonlist.test", "/", "e1")

    def test_yml_extension(self):
        self.write("ing.yml", yaml_docs(simple_ingress("yml", "yml.test", "svc1")))
        self.gw.wait_backend("yml.test", "/", "e1")

    def test_other_extensions_ignored(self):
        self.write("notes.txt", yaml_docs(simple_ingress("txt", "txt.test", "svc1")))
        self.write("marker.yaml", yaml_docs(simple_ingress("marker", "marker.test", "svc1")))
        self.gw.wait_backend("marker.test", "/", "e1")
        self.assertEqual(self.gw.get("/", "txt.test").status, 404)

    def test_endpoints_change_applied(self):
        self.write("ep.yaml", yaml_docs(*backend_objects("ep-svc", ECHO["e1"].port),
                                        simple_ingress("ep", "ep.test", "ep-svc")))
        self.gw.wait_backend("ep.test", "/", "e1")
        self.gw.write_manifest("ep.yaml", yaml_docs(*backend_objects("ep-svc", ECHO["e2"].port),
                                                    simple_ingress("ep", "ep.test", "ep-svc")))
        self.gw.wait_backend("ep.test", "/", "e2")

    def test_gateway_config_change_applied(self):
        self.write("gw.yaml", yaml_docs(gateway_object({"proxy-body-size": "10"})))
        self.write("gwcfg.yaml", yaml_docs(simple_ingress("gwcfg", "gwcfg.test", "svc1")))
        self.gw.wait_backend("gwcfg.test", "/", "e1")
        wait_until(lambda: self.gw.request("POST", "/", "gwcfg.test", body=b"x" * 11).status
                   == 413, what="proxy-body-size 10 applied")
        self.gw.write_manifest("gw.yaml", yaml_docs(gateway_object({"proxy-body-size": "1m"})))
        wait_until(lambda: self.gw.request("POST", "/", "gwcfg.test", body=b"x" * 11).status
                   == 200, what="proxy-body-size 1m applied")


class InvalidManifestTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway(self.addCleanup, {
            "backends.yaml": backends_yaml(),
            "good.yaml": yaml_docs(simple_ingress("good", "good.test", "svc1"))})
        self.gw.wait_backend("good.test", "/", "e1")

    def wait_logged(self, *needles):
        return wait_until(lambda: stderr_line_with(self.gw, *needles), what=f"a stderr line "
                          f"with {needles}; stderr was:\n{self.gw.stderr()[-3000:]}")

    def test_invalid_field_logged_with_file_object_and_path(self):
        bad = simple_ingress("bad", "bad.test", "svc1")
        bad["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "Bogus"
        fine = simple_ingress("fine", "fine.test", "svc2")
        self.gw.write_manifest("broken.yaml", yaml_docs(bad, fine))
        self.wait_logged("broken.yaml", "Ingress default/bad",
                         "spec.rules[0].http.paths[0].pathType")
        # The valid object beside it and every other file keep serving.
        self.gw.wait_backend("fine.test", "/", "e2")
        self.assertEqual(echo_name(self.gw.get("/", "good.test")), "e1")
        self.assertEqual(self.gw.get("/", "bad.test").status, 404)

    def test_invalid_host_logged(self):
        bad = simple_ingress("badhost", "Bad_Host!.test", "svc1")
        self.gw.write_manifest("host.yaml", yaml_docs(bad))
        self.wait_logged("host.yaml", "Ingress default/badhost", "spec.rules[0].host")
        self.assertEqual(echo_name(self.gw.get("/", "good.test")), "e1")

    def test_invalid_annotation_logged_and_ingress_skipped(self):
        ann = {"nginx.ingress.kubernetes.io/proxy-body-size": "lots"}
        self.gw.write_manifest("ann.yaml", yaml_docs(
            simple_ingress("badann", "badann.test", "svc1", annotations=ann),
            simple_ingress("okann", "okann.test", "svc2")))
        self.gw.wait_backend("okann.test", "/", "e2")
        self.wait_logged("ann.yaml", "Ingress default/badann",
                         "metadata.annotations[nginx.ingress.kubernetes.io/proxy-body-size]")
        self.assertEqual(self.gw.get("/", "badann.test").status, 404,
                         "an Ingress with an invalid annotation must not be half-applied")

    def test_unparseable_file_logged_rest_serves(self):
        self.gw.write_manifest("syntax.yaml", "kind: [unclosed\n  : :\n")
        self.wait_logged("syntax.yaml")
        self.assertEqual(echo_name(self.gw.get("/", "good.test")), "e1")
        self.gw.write_manifest("later.yaml", yaml_docs(simple_ingress("later", "later.test",
                                                                      "svc2")))
        self.gw.wait_backend("later.test", "/", "e2")

    def test_invalid_file_at_startup_does_not_block_readiness(self):
        bad = simple_ingress("bad", "bad.test", "svc1")
        bad["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "Bogus"
        gw = Gateway(self.addCleanup, {
            "backends.yaml": backends_yaml(),
            "a-broken.yaml": yaml_docs(bad),
            "good.yaml": yaml_docs(simple_ingress("good", "good.test", "svc1"))})
        self.assertEqual(echo_name(gw.get("/", "good.test")), "e1")
        self.assertTrue(stderr_line_with(gw, "a-broken.yaml", "Ingress default/bad",
                                         "spec.rules[0].http.paths[0].pathType"), gw.stderr())


class AdminTest(unittest.TestCase):
    def setUp(self):
        self.gw.assert_alive()

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(cls.addClassCleanup, {
            "backends.yaml": backends_yaml(),
            "web.yaml": yaml_docs(ingress("web", rules=[("metrics.test", [
                path_entry("/m", "svc1", 80, "Prefix")])]))})
        cls.gw.wait_backend("metrics.test", "/m", "e1")

    def test_healthz_and_readyz(self):
        self.assertEqual(self.gw.admin_get("/healthz").status, 200)
        self.assertEqual(self.gw.admin_get("/readyz").status, 200)

    def test_metrics_is_prometheus_text(self):
        r = self.gw.admin_get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue((r.header("content-type") or "").startswith("text/plain"), repr(r))
        parse_metrics(r.body.decode())  # every line well-formed
        text = r.body.decode()
        for name in ("nginx_ingress_controller_requests",
                     "waygate_upstream_connections_opened_total",
                     "waygate_upstream_requests_total"):
            self.assertRegex(text, rf"(?m)^# TYPE {name} counter$")

    def test_request_counter_labels(self):
        labels = dict(ingress="web", namespace="default", service="svc1", host="metrics.test",
                      path="/m")
        # The class warm-up (one GET /m) must be published before the baseline is taken.
        before = self.gw.wait_metrics(lambda m: metric_sum(
            m, "nginx_ingress_controller_requests", **labels) >= 1, what="warm-up counted")
        for i in range(3):
            self.assertEqual(self.gw.get(f"/m/x{i}", "metrics.test").status, 200)
        self.assertEqual(self.gw.request("POST", "/m", "metrics.test", body=b"x").status, 200)
        self.assertEqual(self.gw.get("/m?status=404", "metrics.test").status, 404)

        def delta(after, **extra):
            return (metric_sum(after, "nginx_ingress_controller_requests", **labels, **extra) -
                    metric_sum(before, "nginx_ingress_controller_requests", **labels, **extra))
        after = self.gw.wait_metrics(lambda m: delta(m) >= 5, what="5 requests counted")
        self.assertEqual(delta(after, method="GET", status="200"), 3)
        self.assertEqual(delta(after, method="POST", status="200"), 1)
        self.assertEqual(delta(after, method="GET", status="404"), 1)
        sample = next(l for n, l, _ in after if n == "nginx_ingress_controller_requests" and
                      l.get("ingress") == "web")
        for key in ("ingress", "namespace", "service", "status", "method", "host", "path"):
            self.assertIn(key, sample)

    def test_unknown_admin_path_404(self):
        self.assertEqual(self.gw.admin_get("/nope").status, 404)


COMBINED = re.compile(r'^(\S+) - (\S+) \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
                      r'"([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$')


class AccessLogTest(unittest.TestCase):
    def start(self, log_args):
        return Gateway(self.addCleanup, {
            "backends.yaml": backends_yaml(),
            "web.yaml": yaml_docs(simple_ingress("web", "log.test", "svc1"))}, args=log_args)

    def traffic(self, gw):
        """Two requests the log must show: returns their responses."""
        with Client(gw.http) as c:
            c.send(build_request("GET", "/logged?x=1", "log.test",
                                 [("User-Agent", "e2e-agent/1.0"),
                                  ("Referer", "http://ref.example/")]))
            first = c.read_response()
            c.send(build_request("GET", "/missing", "nobody.test", [("Connection", "close")]))
            second = c.read_response()
        self.assertEqual((first.status, second.status), (200, 404))
        return first, second

    def wait_lines(self, read, n):
        return wait_until(lambda: (lambda ls: ls if len(ls) >= n else None)(
            [l for l in read().splitlines() if "/logged" in l or "/missing" in l]),
            what=f"{n} access log lines")

    def check_combined(self, lines, first):
        m = COMBINED.match(lines[0])
        self.assertIsNotNone(m, f"not nginx combined: {lines[0]!r}")
        addr, user, _, req, status, size, referer, agent = m.groups()
        self.assertEqual((addr, user, req, status), ("127.0.0.1", "-", "GET /logged?x=1 HTTP/1.1",
                                                     "200"))
        self.assertEqual(int(size), len(first.body))
        self.assertEqual((referer, agent), ("http://ref.example/", "e2e-agent/1.0"))
        m = COMBINED.match(lines[1])
        self.assertIsNotNone(m, f"not nginx combined: {lines[1]!r}")
        self.assertEqual((m.group(4), m.group(5), m.group(7), m.group(8)),
                         ("GET /missing HTTP/1.1", "404", "-", "-"))

    def test_combined_to_file(self):
        path = os.path.join(self.tmpdir(), "access.log")
        gw = self.start(["--access-log", path, "--access-log-format", "combined"])
        first, _ = self.traffic(gw)
        self.check_combined(self.wait_lines(lambda: open(path).read() if os.path.exists(path)
                                            else "", 2), first)

    def test_combined_is_default_format(self):
        path = os.path.join(self.tmpdir(), "access.log")
        gw = self.start(["--access-log", path])
        first, _ = self.traffic(gw)
        self.check_combined(self.wait_lines(lambda: open(path).read() if os.path.exists(path)
                                            else "", 2), first)

    def test_combined_to_stdout(self):
        gw = self.start(["--access-log", "-", "--access-log-format", "combined"])
        first, _ = self.traffic(gw)
        self.check_combined(self.wait_lines(gw.proc.stdout_text, 2), first)

    def test_json_lines(self):
        path = os.path.join(self.tmpdir(), "access.json")
        gw = self.start(["--access-log", path, "--access-log-format", "json"])
        first, _ = self.traffic(gw)
        lines = self.wait_lines(lambda: open(path).read() if os.path.exists(path) else "", 2)
        records = [json.loads(l) for l in lines]  # every line one JSON object
        for rec in records:
            self.assertIsInstance(rec, dict)
        # Key names are the implementation's; the facts must be there as values.
        values = [[str(v) for v in flatten(rec)] for rec in records]
        text = " ".join(values[0])
        for fact in ("GET", "/logged?x=1", "log.test", "127.0.0.1", "e2e-agent/1.0"):
            self.assertIn(fact, text, records[0])
        self.assertIn("200", values[0], "status 200 as its own value")
        self.assertIn("404", values[1], "status 404 as its own value")

    def test_no_access_log_by_default(self):
        gw = self.start([])
        self.traffic(gw)
        gw.get("/sync", "log.test")
        self.assertNotIn("/logged", gw.proc.stdout_text())
        self.assertNotIn("/logged", gw.stderr())

    def tmpdir(self):
        return make_temp_dir(self.addCleanup, "waygate-e2e-log-")


def flatten(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from flatten(v)
    elif isinstance(value, list):
        for v in value:
            yield from flatten(v)
    else:
        yield value


if __name__ == "__main__":
    unittest.main()
