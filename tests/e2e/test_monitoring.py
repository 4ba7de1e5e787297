"""The console's monitoring (issue 8, item 9) from the server side: real traffic through a
project's NodePort gateway, then the metrics subresources of the Ingress and of the Gateway
(counts, 4xx/5xx, success rate, P50/P95/P99, active connections) and the Gateway's log
subresource (tail, keyword), read as a project viewer and refused to an outsider.

The server samples every 500 ms (`--monitoring-step`, hidden) instead of 10 s, so the 10m range
covers 30 s; the gateway's workers still flush their counters once a second, so the test polls
until the figures arrive. Counts are taken over the points after a baseline point, which stay
put: closed points never change."""

import concurrent.futures
import json
import time
import unittest
import urllib.parse
import urllib.request

from api_harness import ingress, wait_for
from harness import EchoBackend, Client, build_request, metric_sum, parse_metrics, request
from test_api_gateway import backend_objects
from test_api_permissions import Tenants
from test_gateways import NS, gateway

PROJECT = "p1"
GATEWAY = "kubesphere-router-p1"
HOST = "shop.monitoring.example.com"
STEP_S = 0.5
INGRESS_METRICS = f"/apis/networking.k8s.io/v1/namespaces/{PROJECT}/ingresses/shop/metrics"
GATEWAY_BASE = f"/apis/gateway.kubesphere.io/v1alpha1/namespaces/{NS}/gateways/{GATEWAY}"

# Phase A (fast): what the backend answers, per status.
FAST = {200: 20, 404: 6, 503: 4}
# Phase B (slow): delay_ms=300, so every one of them lands in the (0.25, 0.5] bucket.
SLOW = 10
UNROUTED = 5  # requests for a host no Ingress serves: the gateway's own 404


def totals(points, after=None):
    """Sums of the counts over the points closed after time `after` (None: every point)."""
    return {k: sum(p[k] for p in points if after is None or p["time"] > after)
            for k in ("requests", "status4xx", "status5xx")}


class MonitoringTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = EchoBackend(cls.addClassCleanup, "web")
        cls.t = Tenants(cls.addClassCleanup, users=("viewer", "outsider"), namespaces=(PROJECT,),
                        extra_args=["--monitoring-step", f"{int(STEP_S * 1000)}ms",
                                    "--nodeport-range", "31650-31699",
                                    "--node-name", "gw-monitoring"])
        cls.api = cls.t.api
        cls.api.kubectl("apply", "-f", "-", input=json.dumps(
            backend_objects(PROJECT, "web", cls.echo.port)))
        cls.api.kubectl("create", "-f", "-", input=json.dumps(gateway(PROJECT)))
        cls.api.kubectl("create", "-f", "-", input=json.dumps(ingress("shop", PROJECT, HOST)))
        gw = cls.api.kubectl_json("get", "gateways.gateway.kubesphere.io", GATEWAY, "-n", NS)
        port = next(p["nodePort"] for p in gw["spec"]["service"]["ports"] if p["name"] == "http")
        cls.gateway_address = ("127.0.0.1", port)

    # --- helpers ---

    def get(self, path, user="viewer"):
        status, body = self.t.call(user, "GET", path)
        return status, body

    def get_json(self, path, user="viewer"):
        status, body = self.get(path, user)
        self.assertEqual(status, 200, body[:500])
        return json.loads(body)

    def send(self, target, host=HOST):
        return request(self.gateway_address, "GET", target, host).status

    def wait_for(self, what, probe, timeout=20):
        return wait_for(self, what, probe, timeout)

    def ingress_points(self, range_="10m"):
        return self.get_json(f"{INGRESS_METRICS}?range={range_}")["points"]

    def gateway_points(self, range_="10m"):
        return self.get_json(f"{GATEWAY_BASE}/metrics?range={range_}")["points"]

    # --- the test, in order: traffic, then what the subresources say about it ---

    def test_traffic_shows_in_metrics_and_log(self):
        # The route answers through the gateway's node port (its listener may take a moment).
        self.wait_for("the route through the gateway", lambda: self.send("/warmup") == 200)
        # The warm-up requests (and earlier tests') are in the figures too: count from the point
        # after them, once the worker's flush (1 s) and a sample (0.5 s) have taken them in.
        self.wait_for("the warm-up request in the ring",
                      lambda: totals(self.ingress_points())["requests"] >= 1)
        time.sleep(1.0 + 2 * STEP_S)
        t0 = self.ingress_points()[-1]["time"]

        # Phase A: fast answers of each status, and requests for a host nobody routes.
        for status, n in FAST.items():
            for _ in range(n):
                self.assertEqual(self.send(f"/?status={status}"), status)
        for _ in range(UNROUTED):
            self.assertEqual(self.send("/", host="nobody.example.com"), 404)
        fast_total = sum(FAST.values())
        self.wait_for("phase A in the ingress series", lambda: totals(
            self.ingress_points(), t0)["requests"] >= fast_total)

        # Phase B: slow ones, in parallel, after phase A is in the ring (so no point mixes them).
        with concurrent.futures.ThreadPoolExecutor(SLOW) as pool:
            statuses = list(pool.map(lambda _: self.send("/?delay_ms=300"), range(SLOW)))
        self.assertEqual(statuses, [200] * SLOW)
        want = {"requests": fast_total + SLOW, "status4xx": FAST[404], "status5xx": FAST[503]}
        try:
            self.wait_for("every request in the ingress series",
                          lambda: totals(self.ingress_points(), t0) == want)
        except AssertionError:
            raise AssertionError(f"want {want}, have {totals(self.ingress_points(), t0)}; "
                                 f"points {self.ingress_points()}")

        doc = self.get_json(f"{INGRESS_METRICS}?range=10m")
        self.assertEqual((doc["kind"], doc["range"]), ("IngressMetrics", "10m"))
        self.assertAlmostEqual(doc["stepSeconds"], STEP_S)
        points = doc["points"]
        self.assertLessEqual(len(points), 60)
        times = [p["time"] for p in points]
        self.assertEqual(times, sorted(times))
        slow_points = fast_points = 0
        for p in points:
            self.assertIsNone(p["activeConnections"])
            if p["time"] <= t0:
                continue  # a route has no connections of its own
            if p["requests"] == 0:
                self.assertEqual([p["successRate"], p["p50"], p["p95"], p["p99"]], [None] * 4)
                continue
            ok = p["requests"] - p["status4xx"] - p["status5xx"]
            self.assertAlmostEqual(p["successRate"], ok / p["requests"], places=5)
            self.assertLessEqual(p["p50"], p["p95"])
            self.assertLessEqual(p["p95"], p["p99"])
            if p["status4xx"] == 0 and p["status5xx"] == 0 and p["p50"] > 0.25:
                # Only phase B's requests: all inside (0.25, 0.5].
                slow_points += 1
                self.assertLessEqual(p["p99"], 0.5)
            else:
                fast_points += 1
                self.assertLess(p["p99"], 0.25, p)
        self.assertGreaterEqual(slow_points, 1)
        self.assertGreaterEqual(fast_points, 1)
        # Phase A alone: 30 requests, 20 answered 2xx.
        phase_a = [p for p in points if p["time"] > t0 and (p["status4xx"] or p["status5xx"])]
        a = totals(phase_a)
        self.assertEqual((a["status4xx"], a["status5xx"]), (FAST[404], FAST[503]))

        # The gateway's series has the unrouted requests too, and the same statuses.
        gw_want = {"requests": fast_total + SLOW + UNROUTED,
                   "status4xx": FAST[404] + UNROUTED, "status5xx": FAST[503]}
        self.wait_for("every request in the gateway series",
                      lambda: totals(self.gateway_points(), t0) == gw_want)
        gw_doc = self.get_json(f"{GATEWAY_BASE}/metrics")
        self.assertEqual((gw_doc["kind"], gw_doc["range"]), ("GatewayMetrics", "10m"))
        for p in gw_doc["points"]:
            self.assertIsInstance(p["activeConnections"], int)

        # Coarser ranges: the same requests in fewer, longer points once those close (a point
        # may also hold warm-up requests, all answered 200).
        hour = self.get_json(f"{INGRESS_METRICS}?range=1h")
        self.assertAlmostEqual(hour["stepSeconds"], STEP_S * 6)

        def hour_caught_up():
            h = totals(self.ingress_points("1h"))
            return (h["status4xx"], h["status5xx"]) == (FAST[404], FAST[503]) and \
                h["requests"] >= want["requests"]
        self.wait_for("the 1h range catching up", hour_caught_up, timeout=15)
        day = self.get_json(f"{INGRESS_METRICS}?range=1d")
        self.assertAlmostEqual(day["stepSeconds"], STEP_S * 144)

        # /metrics has the same figures (new series; the old ones unchanged).
        with urllib.request.urlopen(
                f"http://{self.api.admin[0]}:{self.api.admin[1]}/metrics", timeout=10) as r:
            samples = parse_metrics(r.read().decode())
        count = metric_sum(samples, "waygate_ingress_request_duration_seconds_count",
                           ingress="shop", namespace=PROJECT)
        self.assertGreaterEqual(count, want["requests"])
        self.assertEqual(count, metric_sum(samples, "nginx_ingress_controller_requests",
                                           ingress="shop", namespace=PROJECT))
        self.assertEqual(metric_sum(samples, "waygate_ingress_request_duration_seconds_bucket",
                                    ingress="shop", namespace=PROJECT, le="0.5") -
                         metric_sum(samples, "waygate_ingress_request_duration_seconds_bucket",
                                    ingress="shop", namespace=PROJECT, le="0.25"), SLOW)

        # The log: the newest lines, oldest first; a keyword filters (case-insensitive).
        status, body = self.get(f"{GATEWAY_BASE}/log?tailLines=3")
        self.assertEqual(status, 200, body)
        lines = body.decode().splitlines()
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertIn("/?delay_ms=300", line)
            self.assertIn(f"[{PROJECT}-web-80] [{PROJECT}/shop]", line)
        status, body = self.get(f"{GATEWAY_BASE}/log?q=" + urllib.parse.quote("STATUS=503"))
        lines = body.decode().splitlines()
        self.assertEqual(len(lines), FAST[503], lines)
        for line in lines:
            self.assertIn('"GET /?status=503 HTTP/1.1" 503 ', line)
        status, body = self.get(f"{GATEWAY_BASE}/log?q=" + urllib.parse.quote('" 404 '))
        self.assertEqual(len(body.decode().splitlines()), FAST[404] + UNROUTED)
        status, body = self.get(f"{GATEWAY_BASE}/log?tailLines=0")
        self.assertEqual((status, body), (200, b""))

    def test_active_connections(self):
        self.wait_for("the route through the gateway", lambda: self.send("/warmup") == 200)
        clients = [Client(self.gateway_address) for _ in range(3)]
        try:
            for c in clients:  # one exchange each, then they stay open (keep-alive)
                c.send(build_request("GET", "/", HOST))
                self.assertEqual(c.read_response().status, 200)
            self.wait_for("three open connections", lambda: (
                self.gateway_points() or [{}])[-1].get("activeConnections") == 3)
        finally:
            for c in clients:
                c.close()
        self.wait_for("no open connection", lambda: (
            self.gateway_points() or [{}])[-1].get("activeConnections") == 0)

    def test_permissions_and_bad_requests(self):
        paths = [INGRESS_METRICS, f"{GATEWAY_BASE}/metrics", f"{GATEWAY_BASE}/log"]
        for path in paths:
            self.assertEqual(self.get(path, "viewer")[0], 200, path)
            status, body = self.get(path, "outsider")
            self.assertEqual(status, 403, path)
            self.assertIn(b'cannot get resource', body)
        # A missing object is 404, an unknown range 400, a write 405.
        status, _ = self.get(f"/apis/networking.k8s.io/v1/namespaces/{PROJECT}/ingresses/nope/"
                             "metrics")
        self.assertEqual(status, 404)
        status, body = self.get(f"{INGRESS_METRICS}?range=5m")
        self.assertEqual(status, 400)
        self.assertIn(b"range", body)
        status, _ = self.get(f"{GATEWAY_BASE}/log?tailLines=-1")
        self.assertEqual(status, 400)
        status, _ = self.t.call("viewer", "POST", INGRESS_METRICS, body={})
        self.assertIn(status, (403, 405))
        # No such subresource on other kinds.
        status, _ = self.get(f"/api/v1/namespaces/{PROJECT}/services/web/metrics", "admin")
        self.assertEqual(status, 404)
        status, _ = self.get(
            f"/apis/networking.k8s.io/v1/namespaces/{PROJECT}/ingresses/shop/log", "admin")
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
