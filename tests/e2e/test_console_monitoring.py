"""The console's monitoring pages (issue 8 item 9) in Debian's Chromium, against a real `waygate
serve` whose NodePort gateway carries real traffic: `console/tests/monitoring.test.mjs` sends
requests through the node port (200s, 404s and 503s from the echo backend), then checks as a
project viewer that the route and gateway charts show the API's figures, that the range switch
asks for `range=10m|1h|1d`, that new traffic appears without a reload, that polling stops while
the page is hidden or left, that the gateway's access log and its keyword filter work, and that
an outsider is told plainly it may not look (403). Screenshots `monitoring-*.png` go to
SCREENSHOT_DIR. Also runs the chart arithmetic's unit tests (`console/tests/chart.unit.mjs`).

The server samples every 500 ms (`--monitoring-step`, hidden), so points arrive quickly. The
tools it needs and the way it starts the browser are test_console's; without them it skips,
except in CI (CI=true), where it fails."""

import json
import unittest

from harness import EchoBackend, wait_until
from test_api_gateway import backend_objects
from test_api_permissions import Tenants
from test_console import (CONSOLE, GATEWAYS, INGRESSES, answer, browser_environment,
                          require_browser, route, run_node)
from test_gateways import gateway

PROJECT = "p1"
ROUTE = "shop"
HOST = "shop.p1.example.com"
STEP_S = 0.5
USERS = ("viewer", "outsider")
# A range no other e2e module uses: node ports are real listeners on 127.0.0.1.
NODEPORT_RANGE = "31600-31649"
BROWSER_TEST = CONSOLE / "tests" / "monitoring.test.mjs"
UNIT_TEST = CONSOLE / "tests" / "chart.unit.mjs"


class ConsoleMonitoringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_browser("console monitoring test")
        cls.echo = EchoBackend(cls.addClassCleanup, "web")
        cls.t = Tenants(cls.addClassCleanup, users=USERS, namespaces=(PROJECT,),
                        extra_args=["--monitoring-step", f"{int(STEP_S * 1000)}ms",
                                    "--nodeport-range", NODEPORT_RANGE,
                                    "--node-name", "gw-console-monitoring"])
        t = cls.t
        t.api.kubectl("apply", "-f", "-", input=json.dumps(backend_objects(PROJECT, "web",
                                                                           cls.echo.port)))
        gw = t.admin_create(GATEWAYS, gateway(PROJECT))
        cls.node_ports = {p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]}
        t.admin_create(INGRESSES.format(ns=PROJECT), route(ROUTE, HOST, {"app": "shop"}))
        wait_until(lambda: answer(HOST, cls.node_ports["http"], False, "/") == 200, timeout=20,
                   what=f"{HOST} through the gateway's node port")

    def test_chart_arithmetic(self):
        output = run_node(self, ["--test", UNIT_TEST], timeout=120)
        self.assertIn("# fail 0", output)

    def test_monitoring_in_browser(self):
        env = browser_environment(self.t, nodePorts=self.node_ports, project=PROJECT,
                                  route=ROUTE, host=HOST, stepSeconds=STEP_S)
        output = run_node(self, [BROWSER_TEST], env=env)
        self.assertRegex(output, r"\n\d+ passed, 0 failed")


if __name__ == "__main__":
    unittest.main()
