"""The console's gateway settings, cluster gateway, Services and Secrets pages (issue 8 items 7
and 8) in Debian's Chromium, against a real `waygate serve`: the same harness as
test_console.py (whose helpers this imports), another node-port range and an address pool.

Python owns the processes and fixtures: `Tenants` (projects p1, p2; users platform, padmin,
operator, viewer, outsider), an echo backend (the browser creates the Service and Endpoints
that point at it; the browser test seeds the Ingress shop.p1.example.com -> web:80 once the
gateway is enabled, so a request through the node port reaches the echo), a certificate and key made by tls_certs.Pki
for the upload, and a file that is not PEM. `node console/tests/gateway.test.mjs` drives the
browser, checks the API after each write, makes real requests to the node ports and the EIP,
and writes screenshots to SCREENSHOT_DIR; its output becomes this test's failure message."""

import os
import unittest

from harness import EchoBackend, dead_port, make_temp_dir
from test_api_permissions import Tenants
from test_console import CONSOLE, browser_environment, require_browser, run_node
from tls_certs import Pki

TEST_SCRIPT = CONSOLE / "tests" / "gateway.test.mjs"
# Ranges no other e2e module uses: node ports and EIPs are real listeners on 127.0.0.0/8.
NODEPORT_RANGE = (31750, 31799)
LB_POOL = ("127.0.0.231", "127.0.0.232")
ROUTE_HOST = "shop.p1.example.com"


class ConsoleGatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_browser("console gateway test")
        cls.echo = EchoBackend(cls.addClassCleanup, "shop-echo")
        # The LoadBalancer listeners on the EIP: free ports, not 80/443.
        cls.lb_http, cls.lb_https = dead_port(), dead_port()
        cls.t = Tenants(cls.addClassCleanup, extra_args=[
            "--nodeport-range", "%d-%d" % NODEPORT_RANGE, "--lb-pool", "-".join(LB_POOL),
            "--lb-http-port", str(cls.lb_http), "--lb-https-port", str(cls.lb_https)])
        files = make_temp_dir(cls.addClassCleanup, "waygate-e2e-console-gw-")
        cls.leaf = Pki(os.path.join(files, "pki")).leaf("shop", [ROUTE_HOST])
        cls.not_pem = os.path.join(files, "notes.txt")
        with open(cls.not_pem, "w") as f:
            f.write("these are my notes, not a certificate\n")

    def test_gateway_services_secrets_in_browser(self):
        env = browser_environment(
            self.t, echoPort=self.echo.port, echoName=self.echo.name,
            nodePortRange=list(NODEPORT_RANGE), eip=LB_POOL[0], lbHttp=self.lb_http,
            routeHost=ROUTE_HOST, certPath=self.leaf.cert_path, keyPath=self.leaf.key_path,
            notPemPath=self.not_pem)
        run_node(self, [TEST_SCRIPT], env=env, server=self.t.api)


if __name__ == "__main__":
    unittest.main()
