"""Each Gateway is served on its own listeners (issue 4, items 2-3): its node ports on the node's
IPs, its EIP on the LB ports once it is a LoadBalancer; each listener serves only its gateway's
project. Gateways come, change type and go while another gateway is under load, and not one of
that load's requests fails."""

import json
import re
import subprocess
import threading
import unittest

from api_harness import ApiServer, ingress, wait_for
from harness import WAYGATE_BIN, ConnectionClosed, EchoBackend, Process, dead_port, request
from test_api_gateway import backend_objects, served_by
from test_gateways import NS, gateway, node_ports

GW = "gateways.gateway.kubesphere.io"


def refused(address):
    try:
        request(address, "GET", "/", "any.example.com", timeout=2)
    except ConnectionRefusedError:
        return True
    except (OSError, ConnectionClosed):
        return False  # still closing: accepted into a queue that is being dropped
    return False


class RequestLoop(threading.Thread):
    """One new connection per request (so the accept path of the listener is exercised, not
    only a warm keep-alive connection); counts every request that is not a 200 from `expect`."""

    def __init__(self, address, host, expect):
        super().__init__(daemon=True)
        self.address, self.host, self.expect = address, host, expect
        self.ok = 0
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                got = served_by(self.address, self.host)
            except OSError as e:
                got = repr(e)
            if got == self.expect:
                self.ok += 1
            else:
                self.failures.append(got)


class GatewayListenersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lb_http = dead_port()
        cls.blue = EchoBackend(cls.addClassCleanup, "blue")
        cls.green = EchoBackend(cls.addClassCleanup, "green")
        cls.api = ApiServer(cls.addClassCleanup, extra_args=[
            "--workers", "2", "--nodeport-range", "32400-32499",
            "--lb-pool", "127.0.0.110-127.0.0.111", "--lb-http-port", str(cls.lb_http)])
        cls.kubectl = cls.api.kubectl
        for ns, backend in (("alpha", cls.blue), ("beta", cls.green)):
            cls.kubectl("create", "namespace", ns)
            cls.kubectl("apply", "-f", "-", input=json.dumps(
                backend_objects(ns, backend.name, backend.port)))
            cls.kubectl("create", "-f", "-", input=json.dumps(
                ingress(f"{ns}-route", ns, f"{ns}.example.com", service=backend.name)))

    def wait_for(self, what, probe, timeout=15):
        return wait_for(self, what, probe, timeout)

    def create_gateway(self, project, service_type="NodePort"):
        self.kubectl("create", "-f", "-", input=json.dumps(gateway(project, service_type)))
        obj = self.api.kubectl_json("get", GW, f"kubesphere-router-{project}", "-n", NS)
        return ("127.0.0.1", node_ports(obj)["http"])

    def set_type(self, project, service_type):
        self.kubectl("patch", GW, f"kubesphere-router-{project}", "-n", NS, "--type", "merge",
                     "-p", json.dumps({"spec": {"service": {"type": service_type}}}))

    def eip(self, project):
        obj = self.api.kubectl_json("get", GW, f"kubesphere-router-{project}", "-n", NS)
        ips = [i.get("ip") for i in obj.get("status", {}).get("loadBalancer", {})
               .get("ingress", [])]
        return ips[0] if obj["spec"]["service"]["type"] == "LoadBalancer" and ips and \
            ips[0].startswith("127.0.0.11") else None

    def delete_gateway(self, project):
        self.kubectl("delete", GW, f"kubesphere-router-{project}", "-n", NS,
                     "--ignore-not-found")

    def test_a_each_gateway_serves_only_its_project(self):
        alpha = self.create_gateway("alpha")
        beta = self.create_gateway("beta")
        self.addCleanup(self.delete_gateway, "alpha")
        self.addCleanup(self.delete_gateway, "beta")
        self.wait_for("alpha's node port", lambda: served_by(alpha, "alpha.example.com") == "blue")
        self.wait_for("beta's node port", lambda: served_by(beta, "beta.example.com") == "green")
        # A project gateway never serves another project's routes.
        self.assertEqual(served_by(alpha, "beta.example.com"), 404)
        self.assertEqual(served_by(beta, "alpha.example.com"), 404)
        # The seed's way in: curl with the host resolved to the node IP, on the node port.
        out = subprocess.run(
            ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
             f"alpha.example.com:{alpha[1]}:127.0.0.1", f"http://alpha.example.com:{alpha[1]}/"],
            capture_output=True, text=True, timeout=20)
        self.assertEqual(out.stdout, "200", out.stderr)

        # Deleted: its listeners close, the other gateway's stay.
        self.delete_gateway("beta")
        self.wait_for("beta's node port closed", lambda: refused(beta))
        self.assertEqual(served_by(alpha, "alpha.example.com"), "blue")

    def test_b_listener_changes_under_load_fail_no_request(self):
        alpha = self.create_gateway("alpha")
        self.addCleanup(self.delete_gateway, "alpha")
        self.wait_for("alpha's node port", lambda: served_by(alpha, "alpha.example.com") == "blue")

        # Load on alpha's node port for the whole walk: keep-alive load with wrk, plus a loop of
        # fresh connections.
        wrk = subprocess.Popen(
            ["wrk", "-t1", "-c8", "-d12s", "-H", "Host: alpha.example.com",
             f"http://127.0.0.1:{alpha[1]}/"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        loop = RequestLoop(alpha, "alpha.example.com", "blue")
        loop.start()
        try:
            # Another gateway comes, becomes a LoadBalancer (its EIP listener opens), goes.
            beta = self.create_gateway("beta")
            self.wait_for("beta's node port", lambda: served_by(beta, "beta.example.com")
                          == "green")
            self.set_type("beta", "LoadBalancer")
            beta_eip = self.wait_for("beta's EIP", lambda: self.eip("beta"))
            self.wait_for("beta on its EIP", lambda: served_by(
                (beta_eip, self.lb_http), "beta.example.com") == "green")
            self.delete_gateway("beta")
            self.wait_for("beta's EIP closed", lambda: refused((beta_eip, self.lb_http)))
            self.wait_for("beta's node port closed", lambda: refused(beta))

            # alpha itself becomes a LoadBalancer: its node port keeps serving throughout and
            # its EIP opens; back to NodePort, the EIP closes.
            self.set_type("alpha", "LoadBalancer")
            alpha_eip = self.wait_for("alpha's EIP", lambda: self.eip("alpha"))
            self.wait_for("alpha on its EIP", lambda: served_by(
                (alpha_eip, self.lb_http), "alpha.example.com") == "blue")
            self.assertEqual(served_by((alpha_eip, self.lb_http), "beta.example.com"), 404)
            self.set_type("alpha", "NodePort")
            self.wait_for("alpha's EIP closed", lambda: refused((alpha_eip, self.lb_http)))
        finally:
            out, err = wrk.communicate(timeout=60)
            loop.stop.set()
            loop.join(timeout=10)

        self.assertEqual(loop.failures, [], "requests failed during listener changes")
        self.assertGreater(loop.ok, 50)
        self.assertEqual(wrk.returncode, 0, err)
        total = re.search(r"(\d+) requests in", out)
        self.assertIsNotNone(total, out)
        self.assertGreater(int(total.group(1)), 1000, out)
        self.assertNotIn("Socket errors", out)
        self.assertNotIn("Non-2xx", out)

    def test_c_a_second_gateway_node_listens_on_its_own_ip(self):
        # A separate `waygate gateway` node of the same cluster, on another loopback address.
        node = Process([WAYGATE_BIN, "gateway", "--kubeconfig", self.api.kubeconfig,
                        "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
                        "--workers", "1", "--node-ip", "127.0.0.2", "--node-name", "gw-two"],
                       "gw-two", self.addCleanup, expect_listeners=["http", "admin"])
        alpha = self.create_gateway("alpha")
        self.addCleanup(self.delete_gateway, "alpha")
        on_two = ("127.0.0.2", alpha[1])
        self.wait_for("alpha's node port on the second node",
                      lambda: served_by(on_two, "alpha.example.com") == "blue")
        self.assertEqual(served_by(on_two, "beta.example.com"), 404)
        self.wait_for("both nodes in the gateway status", lambda: sorted(
            i["ip"] for i in self.api.kubectl_json("get", GW, "kubesphere-router-alpha", "-n",
                                                   NS).get("status", {}).get("loadBalancer", {})
            .get("ingress", [])) == ["127.0.0.1", "127.0.0.2"])
        node.stop()
        self.wait_for("the second node's port closed with it", lambda: refused(on_two))
        self.assertEqual(served_by(alpha, "alpha.example.com"), "blue")


if __name__ == "__main__":
    unittest.main()
