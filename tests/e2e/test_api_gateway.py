"""Gateway nodes follow the API: changes made with kubectl are served live, by the node inside
`waygate serve` and by a separate `waygate gateway --kubeconfig` node, which also survives the
API server restarting (resume the watch) without serving a half-applied change."""

import json
import ssl
import unittest
import urllib.error
import urllib.request

from api_harness import ApiServer, ingress
from harness import WAYGATE_BIN, EchoBackend, Process, request, wait_until


def backend_objects(ns, name, echo_port):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
           "spec": {"ports": [{"name": "http", "port": 80, "targetPort": echo_port}]}}
    eps = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns},
           "subsets": [{"addresses": [{"ip": "127.0.0.1"}],
                        "ports": [{"name": "http", "port": echo_port}]}]}
    return {"apiVersion": "v1", "kind": "List", "items": [svc, eps]}


def served_by(address, host, path="/"):
    r = request(address, "GET", path, host)
    return r.header("x-echo-name") if r.status == 200 else r.status


class ApiGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.blue = EchoBackend(cls.addClassCleanup, "blue")
        cls.green = EchoBackend(cls.addClassCleanup, "green")
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--nodeport-range", "31100-31199"])
        cls.kubectl = cls.api.kubectl
        cls.kubectl("create", "namespace", "live")
        cls.kubectl("apply", "-f", "-", input=json.dumps(backend_objects("live", "blue",
                                                                          cls.blue.port)))
        cls.kubectl("apply", "-f", "-", input=json.dumps(backend_objects("live", "green",
                                                                          cls.green.port)))

    def test_in_process_gateway_serves_kubectl_changes(self):
        gw = self.api.http
        self.kubectl("create", "-f", "-", input=json.dumps(
            ingress("shop", "live", "shop.example.com", service="blue")))
        wait_until(lambda: served_by(gw, "shop.example.com") == "blue", timeout=10,
                   what="the new Ingress served")
        # Switch the backend with a patch: served by green from then on.
        self.kubectl("patch", "ingress", "shop", "-n", "live", "--type", "json", "-p",
                     '[{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name",'
                     '"value":"green"}]')
        wait_until(lambda: served_by(gw, "shop.example.com") == "green", timeout=10,
                   what="the patched backend served")
        self.kubectl("delete", "ingress", "shop", "-n", "live")
        wait_until(lambda: served_by(gw, "shop.example.com") == 404, timeout=10,
                   what="the deleted Ingress gone")
        metrics = request(self.api.admin, "GET", "/metrics", "admin").body.decode()
        self.assertIn("waygate_config_reloads_total", metrics)
        self.assertEqual(request(self.api.admin, "GET", "/readyz", "admin").status, 200)

    def test_gateway_node_with_kubeconfig_follows_and_resumes(self):
        node = Process([WAYGATE_BIN, "gateway", "--kubeconfig", self.api.kubeconfig,
                        "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                        "--workers", "1"], "gateway-node", self.addCleanup,
                       expect_listeners=["http", "admin"])
        gw = node.address("http")
        wait_until(lambda: request(node.address("admin"), "GET", "/readyz", "a").status == 200,
                   timeout=10, what="gateway node ready")
        self.kubectl("create", "-f", "-", input=json.dumps(
            ingress("remote", "live", "remote.example.com", service="blue")))
        wait_until(lambda: served_by(gw, "remote.example.com") == "blue", timeout=10,
                   what="remote node serving the Ingress")

        # The API server goes away: the node keeps serving what it has...
        self.api.process.stop()
        self.assertEqual(served_by(gw, "remote.example.com"), "blue")
        # ...and when it is back (same data, same port) the node resumes its watches and
        # serves changes made after the restart.
        self.api.start()
        self.kubectl("create", "-f", "-", input=json.dumps(
            ingress("after", "live", "after.example.com", service="green")))
        wait_until(lambda: served_by(gw, "after.example.com") == "green", timeout=30,
                   what="change after the API restart served by the remote node")
        self.assertEqual(served_by(gw, "remote.example.com"), "blue")
        node.assert_alive()


class GatewayConfigAdmissionTest(unittest.TestCase):
    """spec.controller.config is checked at admission with the parser the gateways use: a bad
    value is a 422 naming spec.controller.config[<key>] on every write path (create, patch,
    server-side apply), a good one is stored, an unknown key passes with a Warning."""

    PROJECT = "cfgcheck"
    NAME = f"kubesphere-router-{PROJECT}"
    NS = "kubesphere-controls-system"
    PATH = f"/apis/gateway.kubesphere.io/v1alpha1/namespaces/{NS}/gateways"

    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--nodeport-range", "31100-31199"])
        cls.kubectl = cls.api.kubectl
        cls.kubectl("create", "namespace", cls.PROJECT)
        cls.ctx = ssl.create_default_context(cafile=cls.api.ca_file)

    def gateway(self, config):
        return {"apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
                "metadata": {"name": self.NAME, "namespace": self.NS},
                "spec": {"service": {"type": "NodePort"}, "deployment": {"replicas": 1},
                         "controller": {"config": config}}}

    def post(self, obj):
        req = urllib.request.Request(
            self.api.url + self.PATH, data=json.dumps(obj).encode(), method="POST",
            headers={"Authorization": "Bearer " + self.api.token,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as resp:
                return resp.status, resp.headers.get_all("Warning") or [], json.load(resp)
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get_all("Warning") or [], json.load(e)

    def delete_gateway(self):
        self.kubectl("delete", "gateways.gateway.kubesphere.io", self.NAME, "-n", self.NS,
                     "--ignore-not-found")

    def test_bad_value_is_422_with_the_map_key_field(self):
        self.addCleanup(self.delete_gateway)
        code, _, status = self.post(self.gateway({"proxy-read-timeout": "banana",
                                                  "proxy-body-size": "8m"}))
        self.assertEqual(code, 422, status)
        self.assertEqual(status["reason"], "Invalid")
        causes = status["details"]["causes"]
        self.assertEqual([c["field"] for c in causes],
                         ["spec.controller.config[proxy-read-timeout]"])
        self.assertEqual(causes[0]["reason"], "FieldValueInvalid")
        self.assertIn('invalid duration "banana"', causes[0]["message"])
        # Nothing stored, no node port taken.
        missing = self.kubectl("get", "gateways.gateway.kubesphere.io", self.NAME, "-n", self.NS,
                               check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("NotFound", missing.stderr)
        # kubectl shows the field and the parser's reason.
        refused = self.kubectl("create", "-f", "-", check=False,
                               input=json.dumps(self.gateway({"keep-alive": "forever"})))
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn(f'The Gateway "{self.NAME}" is invalid', refused.stderr)
        self.assertIn('spec.controller.config[keep-alive]: Invalid value: "forever"',
                      refused.stderr)

    def test_good_value_201_unknown_key_warns_and_edits_are_checked(self):
        self.addCleanup(self.delete_gateway)
        code, warnings, created = self.post(self.gateway({"proxy-read-timeout": "120",
                                                          "proxy-read-timeuot": "5"}))
        self.assertEqual(code, 201, created)
        self.assertEqual(created["spec"]["controller"]["config"]["proxy-read-timeout"], "120")
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn("spec.controller.config[proxy-read-timeuot]: unknown key", warnings[0])
        self.assertIn('did you mean \\"proxy-read-timeout\\"', warnings[0])

        gw = ("gateways.gateway.kubesphere.io", self.NAME, "-n", self.NS)
        # A merge patch with a bad value is refused; the stored value stays.
        patched = self.kubectl("patch", *gw, "--type", "merge", "-p",
                               '{"spec":{"controller":{"config":{"hsts-max-age":"a year"}}}}',
                               check=False)
        self.assertNotEqual(patched.returncode, 0)
        self.assertIn('spec.controller.config[hsts-max-age]: Invalid value: "a year"',
                      patched.stderr)
        # Server-side apply goes through the same admission.
        applied = self.kubectl("apply", "--server-side", "--field-manager", "e2e", "-f", "-",
                               check=False, input=json.dumps(self.gateway(
                                   {"http-redirect-code": "303"})))
        self.assertNotEqual(applied.returncode, 0)
        self.assertIn("spec.controller.config[http-redirect-code]", applied.stderr)
        self.assertIn("must be one of 301, 302, 307 or 308", applied.stderr)
        stored = self.api.kubectl_json("get", *gw)["spec"]["controller"]["config"]
        self.assertEqual(stored, {"proxy-read-timeout": "120", "proxy-read-timeuot": "5"})
        # A good patch lands; kubectl prints the unknown key's Warning again.
        ok = self.kubectl("patch", *gw, "--type", "merge", "-p",
                          '{"spec":{"controller":{"config":{"proxy-read-timeout":"30s"}}}}')
        self.assertIn("Warning: spec.controller.config[proxy-read-timeuot]: unknown key",
                      ok.stderr)
        stored = self.api.kubectl_json("get", *gw)["spec"]["controller"]["config"]
        self.assertEqual(stored["proxy-read-timeout"], "30s")


if __name__ == "__main__":
    unittest.main()
