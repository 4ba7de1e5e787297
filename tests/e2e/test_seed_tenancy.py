"""The seed's flow with real users (issue 7, "done when"): the project admin sets the project
gateway, the project operator (project-regular) creates the route, a request reaches the
backend through the gateway's node port; the operator cannot edit the gateway and the viewer
cannot delete the route. Every step is real kubectl with the user's own kubeconfig."""

import json
import unittest

from api_harness import wait_for
from harness import EchoBackend, request
from test_api_gateway import backend_objects
from test_api_permissions import CREATOR, Tenants, describe
from test_gateways import NS as CONTROLS, gateway

GW = "gateways.gateway.kubesphere.io"
HOST = "seed.example.com"


class SeedTenancyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = EchoBackend(cls.addClassCleanup, "seed-echo")
        cls.t = Tenants(cls.addClassCleanup, extra_args=["--nodeport-range", "32800-32899"],
                        users=("padmin", "operator", "viewer"), namespaces=("p1",))

    def ok(self, user, *args, input=None):
        result = self.t.kubectl(user, *args, input=input)
        self.assertEqual(result.returncode, 0, f"{user}: kubectl {' '.join(args)}\n"
                         + describe(result))
        return result

    def forbidden(self, user, *args, input=None):
        result = self.t.kubectl(user, *args, input=input)
        self.assertNotEqual(result.returncode, 0, describe(result))
        self.assertIn("Error from server (Forbidden)", result.stderr, describe(result))
        return result

    def served_by(self, port):
        r = request(("127.0.0.1", port), "GET", "/", HOST)
        return r.header("x-echo-name") if r.status == 200 else None

    def test_seed_flow(self):
        # 1. The project admin sets the project gateway (NodePort).
        self.ok("padmin", "create", "-f", "-", input=json.dumps(gateway("p1")))
        gw = json.loads(self.ok("padmin", "get", GW, "kubesphere-router-p1", "-n", CONTROLS,
                                "-o", "json").stdout)
        self.assertEqual(gw["metadata"]["annotations"][CREATOR], "padmin")
        ports = {p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]}
        self.assertIn("http", ports, gw)

        # 2. The operator creates the backend and the route.
        self.ok("operator", "apply", "-f", "-",
                input=json.dumps(backend_objects("p1", "web", self.echo.port)))
        route = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": {"name": "web", "namespace": "p1"},
                 "spec": {"ingressClassName": "waygate", "rules": [{"host": HOST, "http": {
                     "paths": [{"path": "/", "pathType": "Prefix", "backend": {
                         "service": {"name": "web", "port": {"number": 80}}}}]}}]}}
        self.ok("operator", "apply", "-f", "-", input=json.dumps(route))
        created = json.loads(self.ok("viewer", "get", "ingress", "web", "-n", "p1", "-o",
                                     "json").stdout)
        self.assertEqual(created["metadata"]["annotations"][CREATOR], "operator")

        # 3. A request with the route's host on the gateway's http node port reaches it.
        wait_for(self, "the route served on the project gateway's node port",
                 lambda: self.served_by(ports["http"]) == "seed-echo", timeout=20, interval=0.2)

        # 4. The operator may look at the gateway but not change or remove it.
        self.ok("operator", "get", GW, "kubesphere-router-p1", "-n", CONTROLS)
        self.forbidden("operator", "patch", GW, "kubesphere-router-p1", "-n", CONTROLS,
                       "--type", "merge", "-p", '{"spec":{"service":{"type":"LoadBalancer"}}}')
        self.forbidden("operator", "delete", GW, "kubesphere-router-p1", "-n", CONTROLS)

        # 5. The viewer may look at the route but not delete it; it is still served.
        self.ok("viewer", "get", "ingress", "-n", "p1")
        self.forbidden("viewer", "delete", "ingress", "web", "-n", "p1")
        self.assertEqual(self.served_by(ports["http"]), "seed-echo")

        gw_after = json.loads(self.ok("padmin", "get", GW, "kubesphere-router-p1", "-n",
                                      CONTROLS, "-o", "json").stdout)
        self.assertEqual(gw_after["spec"]["service"]["type"], "NodePort")


if __name__ == "__main__":
    unittest.main()
