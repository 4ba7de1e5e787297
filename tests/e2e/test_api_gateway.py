"""Gateway nodes follow the API: changes made with kubectl are served live, by the node inside
`waygate serve` and by a separate `waygate gateway --kubeconfig` node, which also survives the
API server restarting (resume the watch) without serving a half-applied change."""

import json
import unittest

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
        cls.api = ApiServer(cls.addClassCleanup)
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


if __name__ == "__main__":
    unittest.main()
