"""Project gateways through real kubectl (issue 4, items 1-2): KubeSphere's placement rules, the
forced scope, and node ports allocated by the server into spec.service.ports: from
--nodeport-range, unique across gateways, kept across edits and restarts, requested ports
honoured or refused with the holder named."""

import json
import socket
import subprocess
import time
import unittest

from api_harness import ApiServer, ingress, wait_for
from harness import WAYGATE_BIN, EchoBackend, dead_port, request
from test_api_gateway import backend_objects

NS = "kubesphere-controls-system"


def gateway(project, service_type="NodePort", ports=None, scope=None, namespace=NS,
            name=None):
    service = {"type": service_type}
    if ports:
        service["ports"] = [{"name": n, "nodePort": p} for n, p in ports.items()]
    spec = {"service": service, "deployment": {"replicas": 1}}
    if scope:
        spec["controller"] = {"scope": scope}
    return {"apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
            "metadata": {"name": name or f"kubesphere-router-{project}", "namespace": namespace},
            "spec": spec}


def node_ports(obj):
    return {p["name"]: p["nodePort"] for p in obj["spec"]["service"].get("ports", [])}


class GatewayAdmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A small range, so allocation order and exhaustion are visible.
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--nodeport-range", "31000-31005"])
        cls.kubectl = cls.api.kubectl
        for project in ("alpha", "beta", "gamma", "delta"):
            cls.kubectl("create", "namespace", project)

    def create(self, obj, check=True):
        return self.kubectl("create", "-f", "-", input=json.dumps(obj), check=check)

    def get(self, project):
        return self.api.kubectl_json("get", "gateways.gateway.kubesphere.io",
                                     f"kubesphere-router-{project}", "-n", NS)

    def delete(self, project):
        self.kubectl("delete", "gateways.gateway.kubesphere.io", f"kubesphere-router-{project}",
                     "-n", NS, "--ignore-not-found")

    def test_a_node_ports_allocated_unique_and_stable(self):
        self.create(gateway("alpha"))
        alpha = self.get("alpha")
        ports = node_ports(alpha)
        self.assertEqual(ports, {"http": 31000, "https": 31001})
        # The server forces a project gateway's scope to its project (KubeSphere's rule).
        self.assertEqual(alpha["spec"]["controller"]["scope"],
                         {"enabled": True, "namespace": "alpha"})

        self.create(gateway("beta"))
        self.assertEqual(node_ports(self.get("beta")), {"http": 31002, "https": 31003})

        # An edit that omits the ports (a replace of the spec) keeps them.
        edited = gateway("alpha", service_type="LoadBalancer")
        edited["metadata"]["resourceVersion"] = alpha["metadata"]["resourceVersion"]
        self.kubectl("replace", "-f", "-", input=json.dumps(edited))
        after = self.get("alpha")
        self.assertEqual(after["spec"]["service"]["type"], "LoadBalancer")
        self.assertEqual(node_ports(after), ports)

        # So does a restart after kill -9: the allocation lives in the stored object.
        self.api.kill9()
        self.api.start()
        self.assertEqual(node_ports(self.get("alpha")), ports)
        self.assertEqual(node_ports(self.get("beta")), {"http": 31002, "https": 31003})

    def test_b_requested_ports_conflicts_and_range(self):
        taken = self.create(gateway("gamma", ports={"http": 31002}), check=False)
        self.assertNotEqual(taken.returncode, 0)
        self.assertIn("provided port is already allocated to Gateway "
                      f"{NS}/kubesphere-router-beta", taken.stderr)
        self.assertIn("spec.service.ports[0].nodePort", taken.stderr)

        outside = self.create(gateway("gamma", ports={"http": 30000}), check=False)
        self.assertNotEqual(outside.returncode, 0)
        self.assertIn("provided port is not in the valid range. The range of valid ports is "
                      "31000-31005", outside.stderr)

        self.create(gateway("gamma", ports={"https": 31005}))
        self.assertEqual(node_ports(self.get("gamma")), {"http": 31004, "https": 31005})

        # The range is now full: the next gateway gets kube's 500, nothing is stored.
        full = self.create(gateway("delta"), check=False)
        self.assertNotEqual(full.returncode, 0)
        self.assertIn("range is full", full.stderr)
        missing = self.kubectl("get", "gateways.gateway.kubesphere.io", "kubesphere-router-delta",
                               "-n", NS, check=False)
        self.assertIn("NotFound", missing.stderr)

        # Deleting a gateway frees its ports for the next one.
        self.delete("gamma")
        self.create(gateway("delta"))
        self.assertEqual(node_ports(self.get("delta")), {"http": 31004, "https": 31005})
        self.delete("delta")

    def test_c_placement_rules(self):
        wrong_ns = self.create(gateway("alpha", namespace="alpha", name="kubesphere-router-x"),
                               check=False)
        self.assertNotEqual(wrong_ns.returncode, 0)
        self.assertIn(NS, wrong_ns.stderr)

        wrong_name = self.create(gateway("x", name="router-for-alpha"), check=False)
        self.assertNotEqual(wrong_name.returncode, 0)
        self.assertIn("kubesphere-router-", wrong_name.stderr)

        other_scope = self.create(gateway("gamma", scope={"enabled": True, "namespace": "alpha"}),
                                  check=False)
        self.assertNotEqual(other_scope.returncode, 0)
        self.assertIn("spec.controller.scope", other_scope.stderr)

        bad_type = self.create(gateway("gamma", service_type="ClusterIP"), check=False)
        self.assertNotEqual(bad_type.returncode, 0)
        self.assertIn('Unsupported value: "ClusterIP"', bad_type.stderr)

    def test_d_cluster_gateway_shuts_out_new_project_gateways(self):
        self.delete("alpha")
        self.delete("beta")
        self.create(gateway("alpha"))
        # Accepted while project gateways exist (KubeSphere's rule), with a warning.
        created = self.create(gateway("kubesphere-system"))
        self.assertIn("Warning:", created.stderr)
        self.assertIn("kubesphere-router-alpha", created.stderr)
        refused = self.create(gateway("gamma"), check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("cluster gateway", refused.stderr)
        self.delete("kubesphere-system")
        self.delete("alpha")
        self.create(gateway("gamma"))
        self.delete("gamma")


class AccessTableTest(unittest.TestCase):
    """`waygate routes` and `waygate hosts` read the access table from the API."""

    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--nodeport-range", "32100-32199"])
        cls.kubectl = cls.api.kubectl
        cls.kubectl("create", "namespace", "demo")
        cls.kubectl("create", "namespace", "nogw")

    def waygate(self, *args):
        out = subprocess.run([WAYGATE_BIN, *args, "--kubeconfig", self.api.kubeconfig],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out.stdout

    def test_routes_table_json_and_hosts(self):
        self.kubectl("create", "-f", "-", input=json.dumps(gateway("demo")))
        route = ingress("demo-route", "demo", "demo.kubesphere.io")
        route["spec"]["rules"][0]["http"]["paths"].append(
            {"path": "/api", "pathType": "Prefix",
             "backend": {"service": {"name": "web", "port": {"number": 80}}}})
        route["spec"]["rules"].append(
            {"host": "secure.kubesphere.io", "http": {"paths": [
                {"path": "/", "pathType": "Prefix",
                 "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}})
        route["spec"]["tls"] = [{"hosts": ["secure.kubesphere.io"], "secretName": "tls"}]
        self.kubectl("create", "-f", "-", input=json.dumps(route))
        self.kubectl("create", "-f", "-",
                     input=json.dumps(ingress("lonely", "nogw", "lonely.example.com")))

        table = self.waygate("routes", "-n", "demo")
        lines = table.splitlines()
        self.assertEqual(lines[0].split()[:5], ["ROUTE", "HOSTNAME", "PATHS", "ACCESS", "METHOD"])
        demo = next(line for line in lines if "demo.kubesphere.io" in line)
        self.assertIn("NodePort", demo)
        self.assertIn("http: 32100, https: 32101", demo)
        self.assertIn("http://demo.kubesphere.io:32100/api", demo)
        secure = next(line for line in lines if "secure.kubesphere.io" in line)
        self.assertIn("https://secure.kubesphere.io:32101/", secure)

        rows = json.loads(self.waygate("routes", "-A", "-o", "json"))
        by_host = {r["hostname"]: r for r in rows}
        self.assertEqual(by_host["demo.kubesphere.io"]["nodePorts"], {"http": 32100, "https": 32101})
        self.assertEqual(by_host["demo.kubesphere.io"]["paths"], ["/", "/api"])
        self.assertTrue(by_host["secure.kubesphere.io"]["tls"])
        # A project without a gateway: the row says so and offers no URL.
        self.assertEqual(by_host["lonely.example.com"]["accessMethod"], "")
        self.assertEqual(by_host["lonely.example.com"]["urls"], [])
        self.assertTrue(by_host["lonely.example.com"]["note"])

        hosts = self.waygate("hosts", "-A")
        self.assertIn("lonely.example.com", hosts)


class DnsTest(unittest.TestCase):
    """`serve --dns-listen`: nip.io-style names answered by the server itself, queried with dig."""

    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--dns-listen", "127.0.0.1:0"])
        cls.dns = cls.api.process.address("dns")

    def dig(self, *args):
        out = subprocess.run(["dig", f"@{self.dns[0]}", "-p", str(self.dns[1]), "+time=2",
                              "+tries=1", *args], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return out.stdout

    def test_nip_names_udp_and_tcp(self):
        self.assertEqual(self.dig("+short", "app.10.0.0.1.nip.io").strip(), "10.0.0.1")
        self.assertEqual(self.dig("+short", "demo2.kubesphere.139.198.121.154.nip.io").strip(),
                         "139.198.121.154")
        self.assertEqual(self.dig("+short", "+tcp", "app-10-0-0-2.sslip.io").strip(), "10.0.0.2")
        full = self.dig("app.10.0.0.1.nip.io", "A")
        self.assertIn("status: NOERROR", full)
        self.assertRegex(full, r"flags: qr aa")

    def test_negative_answers(self):
        nodata = self.dig("app.10.0.0.1.nip.io", "AAAA")
        self.assertIn("status: NOERROR", nodata)
        self.assertIn("ANSWER: 0", nodata)
        self.assertIn("status: NXDOMAIN", self.dig("nothing-here.nip.io", "A"))
        self.assertIn("status: REFUSED", self.dig("example.org", "A"))


class NodeRegistrationTest(unittest.TestCase):
    """Each gateway node registers a Node with its addresses and heartbeats its Ready condition."""

    def test_serve_registers_and_heartbeats(self):
        api = ApiServer(self.addCleanup, extra_args=[
            "--node-name", "gw-e2e", "--node-ip", "127.0.0.1", "--node-external-ip", "10.9.9.9",
            "--heartbeat-interval", "1s"])

        def ready_condition():
            node = api.kubectl_json("get", "node", "gw-e2e")
            return node, next(c for c in node["status"]["conditions"] if c["type"] == "Ready")

        deadline = time.monotonic() + 10
        while True:
            result = api.kubectl("get", "node", "gw-e2e", check=False)
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        node, ready = ready_condition()
        self.assertEqual(ready["status"], "True")
        self.assertIn({"type": "InternalIP", "address": "127.0.0.1"}, node["status"]["addresses"])
        self.assertIn({"type": "ExternalIP", "address": "10.9.9.9"}, node["status"]["addresses"])
        self.assertIn("node-role.kubernetes.io/gateway", node["metadata"]["labels"])
        first = ready["lastHeartbeatTime"]
        # RFC 3339 seconds: wait for the next whole second's heartbeat.
        deadline = time.monotonic() + 10
        while ready["lastHeartbeatTime"] == first and time.monotonic() < deadline:
            time.sleep(0.3)
            _, ready = ready_condition()
        self.assertNotEqual(ready["lastHeartbeatTime"], first)
        self.assertIn("Ready", api.kubectl("get", "nodes").stdout)


class GatewayStatusTest(unittest.TestCase):
    """The seed's walk, as far as status goes: a NodePort gateway publishes the Ready nodes'
    addresses and its node ports, its project's Ingresses get the same addresses, the access
    table and DNS follow, and curl reaches the route on the node port; switched to LoadBalancer,
    the EIP from the pool replaces them and curl reaches the route on the EIP."""

    @classmethod
    def setUpClass(cls):
        cls.lb_http = dead_port()
        cls.echo = EchoBackend(cls.addClassCleanup, "demo-echo")
        cls.api = ApiServer(cls.addClassCleanup, extra_args=[
            "--dns-listen", "127.0.0.1:0", "--lb-pool", "127.0.0.100-127.0.0.101",
            "--nodeport-range", "32200-32299", "--node-name", "gw-status",
            "--lb-http-port", str(cls.lb_http)])
        cls.kubectl = cls.api.kubectl
        cls.dns = cls.api.process.address("dns")
        cls.kubectl("create", "namespace", "demo")
        cls.kubectl("create", "namespace", "other")
        cls.kubectl("apply", "-f", "-", input=json.dumps(
            backend_objects("demo", "web", cls.echo.port)))

    def wide_row(self):
        """The access table's third form: kubectl's wide columns ACCESS and PORT/EIP."""
        out = self.kubectl("get", "ingress", "demo-route", "-n", "demo", "-o", "wide").stdout
        header, row = out.splitlines()[:2]
        self.assertEqual(header.split()[-2:], ["ACCESS", "PORT/EIP"], header)
        access, port_eip = header.index("ACCESS"), header.index("PORT/EIP")
        return row[access:port_eip].strip(), row[port_eip:].strip()

    def curl(self, host, ip, port):
        """The seed's way in: the route host resolved to the gateway's address."""
        deadline = time.monotonic() + 15
        while True:
            out = subprocess.run(
                ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
                 f"{host}:{port}:{ip}", f"http://{host}:{port}/"],
                capture_output=True, text=True, timeout=20)
            if out.stdout == "200" or time.monotonic() > deadline:
                return out.stdout
            time.sleep(0.2)

    def wait_for(self, what, probe, timeout=15):
        return wait_for(self, what, probe, timeout)

    def lb_ips(self, kind, name, ns):
        obj = self.api.kubectl_json("get", kind, name, "-n", ns)
        return [i.get("ip") for i in obj.get("status", {}).get("loadBalancer", {})
                .get("ingress", [])]

    def dig(self, name):
        out = subprocess.run(["dig", f"@{self.dns[0]}", "-p", str(self.dns[1]), "+time=2",
                              "+tries=1", "+short", name], capture_output=True, text=True,
                             timeout=20)
        return out.stdout.split()

    def routes_json(self):
        out = subprocess.run([WAYGATE_BIN, "routes", "-n", "demo", "-o", "json", "--kubeconfig",
                              self.api.kubeconfig], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        return {r["hostname"]: r for r in json.loads(out.stdout)}

    def test_nodeport_then_loadbalancer(self):
        gw = "gateways.gateway.kubesphere.io"
        self.kubectl("create", "-f", "-", input=json.dumps(gateway("demo")))
        self.kubectl("create", "-f", "-",
                     input=json.dumps(ingress("demo-route", "demo", "demo.kubesphere.io")))
        self.kubectl("create", "-f", "-",
                     input=json.dumps(ingress("elsewhere", "other", "other.example.com")))

        # NodePort: the node's address in the Gateway's and the Ingress's status.
        self.wait_for("gateway status", lambda: self.lb_ips(gw, "kubesphere-router-demo", NS)
                      == ["127.0.0.1"])
        status = self.api.kubectl_json("get", gw, "kubesphere-router-demo", "-n", NS)["status"]
        ports = {p["name"]: p["nodePort"] for p in status["service"]["ports"]}
        self.assertEqual(ports, {"http": 32200, "https": 32201})
        self.wait_for("ingress status",
                      lambda: self.lb_ips("ingress", "demo-route", "demo") == ["127.0.0.1"])
        # The ADDRESS column kubectl prints comes from that status.
        self.assertIn("127.0.0.1", self.kubectl("get", "ingress", "demo-route", "-n",
                                                "demo").stdout)
        # A project without a gateway: no address.
        self.assertEqual(self.lb_ips("ingress", "elsewhere", "other"), [])

        row = self.routes_json()["demo.kubesphere.io"]
        self.assertEqual(row["nodeIPs"], ["127.0.0.1"])
        self.assertEqual(row["urls"], ["http://demo.kubesphere.io:32200/"])
        self.wait_for("the route host in DNS",
                      lambda: self.dig("demo.kubesphere.io") == ["127.0.0.1"])
        self.assertEqual(self.curl("demo.kubesphere.io", "127.0.0.1", 32200), "200")
        self.assertEqual(self.wide_row(), ("NodePort", "http: 32200, https: 32201"))

        # Switch to LoadBalancer: the first pool address replaces the node addresses.
        self.kubectl("patch", gw, "kubesphere-router-demo", "-n", NS, "--type", "merge", "-p",
                     '{"spec":{"service":{"type":"LoadBalancer"}}}')
        self.wait_for("the EIP in the gateway status",
                      lambda: self.lb_ips(gw, "kubesphere-router-demo", NS) == ["127.0.0.100"])
        self.wait_for("the EIP in the ingress status",
                      lambda: self.lb_ips("ingress", "demo-route", "demo") == ["127.0.0.100"])
        row = self.routes_json()["demo.kubesphere.io"]
        self.assertEqual(row["accessMethod"], "LoadBalancer")
        self.assertEqual(row["eip"], "127.0.0.100")
        self.wait_for("the EIP in DNS", lambda: self.dig("demo.kubesphere.io") == ["127.0.0.100"])
        self.assertEqual(self.curl("demo.kubesphere.io", "127.0.0.100", self.lb_http), "200")
        self.assertEqual(self.wide_row(), ("LoadBalancer",
                                           f"127.0.0.100 (http: {self.lb_http}, https: 443)"))
        self.assertEqual(self.curl("demo.kubesphere.io", "127.0.0.1", 32200), "200")
        hosts = subprocess.run([WAYGATE_BIN, "hosts", "-n", "demo", "--kubeconfig",
                                self.api.kubeconfig], capture_output=True, text=True, timeout=30)
        self.assertIn("127.0.0.100", hosts.stdout)
        self.assertIn("demo.kubesphere.io", hosts.stdout)

        # Deleting the gateway takes the addresses away from its Ingresses.
        self.kubectl("delete", gw, "kubesphere-router-demo", "-n", NS)
        self.wait_for("no address once the gateway is gone",
                      lambda: self.lb_ips("ingress", "demo-route", "demo") == [])

    def test_routes_before_the_gateway_and_a_node_port_held_elsewhere(self):
        """The seed's other order: the Route, its Service and Endpoints exist before the project's
        gateway. The new node port serves the route at once, and every connection to it reaches
        this server: a node port another process already listens on is refused, not shared (with
        SO_REUSEPORT the kernel would hand that process a share of the connections, which it
        answers with its own routes or 404s)."""
        gw = "gateways.gateway.kubesphere.io"
        for i in range(4):  # fresh projects; a race would show in some of them
            ns = f"early{i}"
            host = f"{ns}.example.com"
            self.kubectl("create", "namespace", ns)
            self.kubectl("create", "-f", "-", input=json.dumps(ingress("early", ns, host)))
            self.kubectl("apply", "-f", "-",
                         input=json.dumps(backend_objects(ns, "web", self.echo.port)))
            self.kubectl("create", "-f", "-", input=json.dumps(gateway(ns)))
            port = node_ports(self.api.kubectl_json("get", gw, f"kubesphere-router-{ns}",
                                                    "-n", NS))["http"]
            self.assertEqual(self.curl(host, "127.0.0.1", port), "200", ns)
            statuses = [request(("127.0.0.1", port), host=host).status for _ in range(12)]
            self.assertEqual(statuses, [200] * 12, ns)

        # Another process holds a node port (SO_REUSEPORT, as a second gateway node would).
        taken = 32290
        foreign = socket.socket()
        self.addCleanup(foreign.close)
        foreign.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        foreign.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        foreign.bind(("127.0.0.1", taken))
        foreign.listen(64)
        foreign.settimeout(5)
        self.kubectl("create", "namespace", "taken")
        self.kubectl("create", "-f", "-", input=json.dumps(gateway("taken", ports={"http": taken})))
        self.wait_for("the refusal logged", lambda: (
            f"cannot listen on 127.0.0.1:{taken}: " in self.api.process.stderr_text()))
        self.assertIn("another process", self.api.process.stderr_text())
        # Every connection goes to the foreign socket: none was taken by the server.
        for _ in range(12):
            with socket.create_connection(("127.0.0.1", taken), timeout=5):
                conn, _ = foreign.accept()
                conn.close()


if __name__ == "__main__":
    unittest.main()
