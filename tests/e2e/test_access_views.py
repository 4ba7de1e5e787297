"""The access table from the API server (issue 4, item 6), through real kubectl: `kubectl get
ingress -o wide` adds ACCESS and PORT/EIP after kube's own columns, and the ingresses/access
subresource (`kubectl get --raw`) gives the console the rows with ready-to-open URLs. The values
are the ones the gateway really got (its node ports, the node's IP, the EIP), and the URL the
subresource offers answers through the gateway."""

import json
import re
import subprocess
import threading
import time
import unittest

from api_harness import ApiServer, ingress, wait_for
from harness import EchoBackend, dead_port
from test_api_gateway import backend_objects
from test_gateways import NS, gateway, node_ports

GW = "gateways.gateway.kubesphere.io"
KUBE_COLUMNS = ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
ACCESS_PATH = "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses/{name}/access"
EIP = "127.0.0.120"


def parse_table(text):
    """kubectl's aligned output -> (header, [{column: cell}]). Cells may hold single spaces
    ("http: 1, https: 2"), so columns are cut at the header's word positions."""
    lines = [line for line in text.splitlines() if line.strip()]
    starts = [m.start() for m in re.finditer(r"\S+", lines[0])]
    header = lines[0].split()
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [len(line)])]
        rows.append(dict(zip(header, cells)))
    return header, rows


class AccessViewsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lb_http = dead_port()
        cls.echo = EchoBackend(cls.addClassCleanup, "web")
        cls.api = ApiServer(cls.addClassCleanup, extra_args=[
            "--nodeport-range", "32600-32699", "--lb-pool", f"{EIP}-127.0.0.121",
            "--lb-http-port", str(cls.lb_http), "--node-name", "gw-access"])
        cls.kubectl = cls.api.kubectl
        for ns in ("demo", "nogw"):
            cls.kubectl("create", "namespace", ns)
        cls.kubectl("apply", "-f", "-", input=json.dumps(backend_objects("demo", "web",
                                                                         cls.echo.port)))
        cls.kubectl("create", "-f", "-", input=json.dumps(gateway("demo")))
        cls.kubectl("create", "-f", "-",
                    input=json.dumps(ingress("demo-route", "demo", "demo.kubesphere.io")))
        cls.kubectl("create", "-f", "-",
                    input=json.dumps(ingress("lonely", "nogw", "lonely.example.com")))

    def wait_for(self, what, probe, timeout=15):
        return wait_for(self, what, probe, timeout)

    def access(self, name="demo-route", ns="demo"):
        return json.loads(self.kubectl("get", "--raw", ACCESS_PATH.format(ns=ns, name=name)).stdout)

    def wide_row(self, name="demo-route", *args):
        header, rows = parse_table(self.kubectl("get", "ingress", "-o", "wide", *args).stdout)
        return header, next(r for r in rows if r["NAME"] == name)

    def curl(self, url, ip, port):
        """The URL as a user opens it, with the host resolved to the gateway's address."""
        host = url.split("/")[2].split(":")[0]
        deadline = time.monotonic() + 15
        while True:
            out = subprocess.run(
                ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
                 f"{host}:{port}:{ip}", url], capture_output=True, text=True, timeout=20)
            if out.stdout == "200" or time.monotonic() > deadline:
                return out.stdout
            time.sleep(0.2)

    def test_a_nodeport_in_wide_columns_and_subresource(self):
        ports = node_ports(self.api.kubectl_json("get", GW, "kubesphere-router-demo", "-n", NS))
        self.assertEqual(ports, {"http": 32600, "https": 32601})
        # The node's IP reaches the Ingress's status once the status controller has run.
        self.wait_for("the node IP in the ingress status", lambda: self.wide_row(
            "demo-route", "-n", "demo")[1]["ADDRESS"] == "127.0.0.1")

        header, row = self.wide_row("demo-route", "-n", "demo")
        self.assertEqual(header, KUBE_COLUMNS + ["ACCESS", "PORT/EIP"])
        self.assertEqual(row["HOSTS"], "demo.kubesphere.io")
        self.assertEqual(row["ACCESS"], "NodePort")
        self.assertEqual(row["PORT/EIP"], f"http: {ports['http']}, https: {ports['https']}")
        # Without -o wide, kubectl prints kube's columns only.
        plain = self.kubectl("get", "ingress", "-n", "demo").stdout
        self.assertEqual(plain.splitlines()[0].split(), KUBE_COLUMNS)
        # Across namespaces: a project without a gateway reads <none>.
        header, lonely = self.wide_row("lonely", "-A")
        self.assertEqual(header, ["NAMESPACE"] + KUBE_COLUMNS + ["ACCESS", "PORT/EIP"])
        self.assertEqual((lonely["ACCESS"], lonely["PORT/EIP"]), ("<none>", "<none>"))

        access = self.access()
        self.assertEqual(access["kind"], "IngressAccess")
        self.assertEqual(access["gateway"], f"{NS}/kubesphere-router-demo")
        [r] = access["rows"]
        self.assertEqual(r["hostname"], "demo.kubesphere.io")
        self.assertEqual(r["accessMethod"], "NodePort")
        self.assertEqual(r["nodePorts"], ports)
        self.assertEqual(r["nodeIPs"], ["127.0.0.1"])
        self.assertEqual(r["urls"], [f"http://demo.kubesphere.io:{ports['http']}/"])
        # The URL it offers is real: the node port on the node IP reaches the backend.
        self.assertEqual(self.curl(r["urls"][0], r["nodeIPs"][0], ports["http"]), "200")

        lonely_rows = self.access("lonely", "nogw")["rows"]
        self.assertEqual(lonely_rows[0]["urls"], [])
        self.assertIn("no gateway serves namespace nogw", lonely_rows[0]["note"])

        # Every Ingress of a namespace in one request ("-" is no valid Ingress name).
        listed = self.access("-", "demo")
        self.assertEqual(listed["kind"], "IngressAccessList")
        self.assertEqual([(x["ingress"], x["accessMethod"]) for x in listed["rows"]],
                         [("demo-route", "NodePort")])

    def test_b_loadbalancer_switch_shows_the_eip(self):
        self.kubectl("patch", GW, "kubesphere-router-demo", "-n", NS, "--type", "merge", "-p",
                     '{"spec":{"service":{"type":"LoadBalancer"}}}')
        rows = self.wait_for("the EIP in the access rows",
                             lambda: [r for r in self.access()["rows"] if r.get("eip") == EIP])
        self.assertEqual(rows[0]["accessMethod"], "LoadBalancer")
        self.assertEqual(rows[0]["urls"], [f"http://demo.kubesphere.io:{self.lb_http}/"])
        self.assertEqual(self.curl(rows[0]["urls"][0], EIP, self.lb_http), "200")

        _, row = self.wide_row("demo-route", "-n", "demo")
        self.assertEqual(row["ACCESS"], "LoadBalancer")
        # The HTTP port is not 80 in this test, so the cell says where to connect.
        self.assertEqual(row["PORT/EIP"], f"{EIP} (http: {self.lb_http}, https: 443)")
        self.assertEqual(row["ADDRESS"], EIP)

    def test_c_errors_and_discovery(self):
        missing = self.kubectl("get", "--raw", ACCESS_PATH.format(ns="demo", name="missing"),
                               check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn('ingresses.networking.k8s.io "missing" not found', missing.stderr)
        posted = self.kubectl("create", "--raw", ACCESS_PATH.format(ns="demo", name="demo-route"),
                              "-f", "-", input="{}", check=False)
        self.assertNotEqual(posted.returncode, 0)
        self.assertIn("MethodNotAllowed", posted.stderr)

        # Discovery lists ingresses/access; kubectl keeps working and shows no extra resource.
        names = self.kubectl("api-resources", "--api-group=networking.k8s.io", "-o",
                             "name").stdout.split()
        self.assertEqual(sorted(names), ["ingressclasses.networking.k8s.io",
                                         "ingresses.networking.k8s.io"])
        self.assertIn("ing", self.kubectl("api-resources").stdout)
        group = json.loads(self.kubectl("get", "--raw", "/apis/networking.k8s.io/v1").stdout)
        sub = next(r for r in group["resources"] if r["name"] == "ingresses/access")
        self.assertEqual(sub["verbs"], ["get"])

    def test_d_watch_prints_the_wide_columns(self):
        _, now = self.wide_row("demo-route", "-n", "demo")
        cmd = ["kubectl", "--cache-dir", f"{self.api.home}/cache", "--kubeconfig",
               self.api.kubeconfig, "get", "ingress", "-n", "demo", "-o", "wide", "--watch"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={"HOME": self.api.home, "PATH": "/usr/bin:/bin"})
        self.addCleanup(proc.stderr.close)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.kill)
        timer = threading.Timer(20, proc.kill)  # a silent watch ends the reads with EOF
        timer.start()
        self.addCleanup(timer.cancel)
        header = proc.stdout.readline()
        line = proc.stdout.readline()
        self.assertEqual(header.split(), KUBE_COLUMNS + ["ACCESS", "PORT/EIP"])
        self.assertTrue(line.startswith("demo-route"), line)
        self.assertIn(f"   {now['ACCESS']}   {now['PORT/EIP']}", line.rstrip())


if __name__ == "__main__":
    unittest.main()
