"""The console's create-route wizard and edit mode (issue 8 items 4 and 5) in a real browser:
Debian's Chromium driven by playwright-core (`console/tests/wizard.test.mjs`) against a real
`waygate serve`.

Python owns the processes and the fixtures, with test_console's helpers: `Tenants` (projects p1
and p2, users platform, padmin, operator, viewer, outsider), an echo backend behind Service
p1/web, a NodePort gateway for p1 set by the project admin (padmin), two TLS Secrets in p1 to
choose from, and a certificate + key as PEM files for the wizard's upload. JavaScript owns the
browser: the operator creates a route through the four steps (bad input on each), opens it
through the gateway's node ports, edits it as JSON, meets a conflict, and deletes it; the
round trip form <-> YAML <-> JSON keeps a field the form does not show; the viewer sees no
create or edit buttons. Screenshots go to SCREENSHOT_DIR as wizard-*-en-<viewport>.png.

Needs node, console/node_modules (`make setup`) and /usr/lib/chromium/chromium; without them the
test is skipped, except in CI (CI=true), where it fails."""

import json
import unittest

from harness import EchoBackend, make_temp_dir, wait_until
from test_api_gateway import backend_objects
from test_api_permissions import Tenants
from test_console import (CONSOLE, GATEWAYS, answer, browser_environment, require_browser,
                          run_node)
from test_gateways import gateway
from tls_certs import Pki

TEST_SCRIPT = CONSOLE / "tests" / "wizard.test.mjs"
# A range no other e2e module uses: node ports are real listeners on 127.0.0.1.
NODEPORT_RANGE = "31700-31749"


class ConsoleWizardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_browser("console wizard test")
        cls.echo = EchoBackend(cls.addClassCleanup, "web")
        cls.t = Tenants(cls.addClassCleanup, extra_args=["--nodeport-range", NODEPORT_RANGE])
        cls.seed()

    @classmethod
    def seed(cls):
        t, api = cls.t, cls.t.api
        api.kubectl("apply", "-f", "-", input=json.dumps(backend_objects("p1", "web",
                                                                         cls.echo.port)))
        pki = Pki(make_temp_dir(cls.addClassCleanup, "waygate-e2e-wizard-pki-"))
        shop = pki.leaf("shop", ["web.p1.127.0.0.1.nip.io"])
        other = pki.leaf("other", ["other.p1.example.com"])
        api.kubectl("apply", "-f", "-", input=json.dumps(shop.secret("shop-tls", "p1")))
        api.kubectl("apply", "-f", "-", input=json.dumps(other.secret("other-tls", "p1")))
        cls.upload = pki.leaf("upload", ["upload.p1.example.com"])
        # The seed's order: the project admin sets the NodePort gateway first.
        status, body = t.call("padmin", "POST", GATEWAYS, gateway("p1"))
        if status != 201:
            raise AssertionError(f"padmin creates the gateway: {status} {body[:300]!r}")
        gw = json.loads(body)
        cls.node_ports = {p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]}
        # The gateway listens before the browser tries its links (404: no route yet).
        wait_until(lambda: answer("nothing.example.com", cls.node_ports["http"], False, "/") is not None,
                   timeout=20, what="the gateway's http node port")

    def test_wizard_in_browser(self):
        env = browser_environment(self.t, nodePorts=self.node_ports, echoName=self.echo.name,
                                  uploadCert=self.upload.cert_path,
                                  uploadKey=self.upload.key_path)
        run_node(self, [TEST_SCRIPT], env=env, timeout=280)
        # What the browser created and deleted is true in the API too.
        status, _ = self.t.call("admin", "GET",
                                "/apis/networking.k8s.io/v1/namespaces/p1/ingresses/shop")
        self.assertEqual(status, 404, "the deleted route is gone")
        kept = self.t.admin_get("/apis/networking.k8s.io/v1/namespaces/p1/ingresses/roundtrip")
        self.assertEqual(kept["spec"].get("ingressClassName"), "waygate",
                         "the field the form does not show survived the round trip")
        secret = self.t.admin_get("/api/v1/namespaces/p1/secrets/upload.p1.example.com-tls")
        self.assertEqual(secret["type"], "kubernetes.io/tls")


if __name__ == "__main__":
    unittest.main()
