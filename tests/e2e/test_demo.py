"""`waygate serve --demo` (issue 4, item 8): the seed's walk-through set up by the server itself.

One scenario: the objects it creates, read back with real kubectl; the access table and the
lines it prints; the printed curl line answered by an in-process echo backend through the
gateway's node port; the route through the node's --http-listen; a restart on the same data
dir that keeps the user's edits, duplicates nothing and points the Endpoints at the new echo
ports."""

import json
import re
import shlex
import subprocess
import unittest

from api_harness import ApiServer
from harness import wait_until

GW_NS = "kubesphere-controls-system"
GATEWAYS = "gateways.gateway.kubesphere.io"
ECHO_NAMES = {"demo-echo-1", "demo-echo-2"}
NODE_PORTS = {"http": 32300, "https": 32301}  # the first two of the test's --nodeport-range


def printed(api):
    """The demo's stdout once it printed its lines (it waits for the gateway status first)."""
    return wait_until(lambda: "curl --resolve" in api.process.stdout_text()
                      and api.process.stdout_text(), timeout=20,
                      what="the demo's printed lines")


def echo_ports(text):
    """The echo backends' ports from the demo's header line."""
    header = re.search(r"Service demo-echo ->((?: \S+)+)", text)
    assert header, text
    return sorted(int(a.rsplit(":", 1)[1]) for a in header.group(1).split())


def line_starting(text, prefix):
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, f"want one line starting {prefix!r} in:\n{text}"
    return lines[0]


def run(line, *extra):
    """Runs a printed command line as a user would paste it."""
    return subprocess.run(shlex.split(line) + list(extra), capture_output=True, text=True,
                          timeout=20)


class DemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup, extra_args=[
            "--demo", "--dns-listen", "127.0.0.1:0", "--nodeport-range", "32300-32399"])
        cls.out = printed(cls.api)

    def get(self, *args):
        return self.api.kubectl_json("get", *args)

    def endpoint_ports(self):
        ep = self.get("endpoints", "demo-echo", "-n", "demo")
        return sorted(p["port"] for s in ep["subsets"] for p in s["ports"])

    def via_http_listen(self, host="demo.kubesphere.io"):
        """The names of the echo backends answering through the node's --http-listen."""
        names = set()
        for _ in range(6):
            out = subprocess.run(
                ["curl", "-s", "--max-time", "5", "-H", f"Host: {host}",
                 f"http://{self.api.http[0]}:{self.api.http[1]}/"],
                capture_output=True, text=True, timeout=20)
            names.add(json.loads(out.stdout)["name"] if out.stdout.startswith("{") else
                      f"not the echo: {out.stdout[:200]!r}")
        return names

    def test_a_objects_exist(self):
        ns = self.get("namespace", "demo")
        self.assertEqual(ns["metadata"]["labels"]["kubesphere.io/workspace"], "demo-workspace")

        svc = self.get("service", "demo-echo", "-n", "demo")
        self.assertEqual(svc["spec"]["ports"][0]["port"], 80)
        self.assertEqual(svc["spec"]["ports"][0]["targetPort"], "http")
        # Endpoints list both in-process echo backends on loopback.
        ep = self.get("endpoints", "demo-echo", "-n", "demo")
        self.assertEqual({a["ip"] for s in ep["subsets"] for a in s["addresses"]}, {"127.0.0.1"})
        self.assertEqual(self.endpoint_ports(), echo_ports(self.out))
        self.assertEqual(len(set(echo_ports(self.out))), 2)

        gw = self.get(GATEWAYS, "kubesphere-router-demo", "-n", GW_NS)
        self.assertEqual(gw["spec"]["service"]["type"], "NodePort")
        self.assertEqual({p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]},
                         NODE_PORTS)
        self.assertEqual({p["name"]: p["nodePort"] for p in gw["status"]["service"]["ports"]},
                         NODE_PORTS)
        self.assertEqual(gw["status"]["loadBalancer"]["ingress"], [{"ip": "127.0.0.1"}])

        ing = self.get("ingress", "demo-route", "-n", "demo")
        annotations = ing["metadata"]["annotations"]
        self.assertIn("kubesphere.io/alias-name", annotations)
        self.assertIn("kubesphere.io/description", annotations)
        self.assertEqual(ing["spec"]["ingressClassName"], "waygate")
        rules = ing["spec"]["rules"]
        self.assertEqual([r["host"] for r in rules],
                         ["demo.kubesphere.io", "demo.127.0.0.1.nip.io"])
        for rule in rules:
            path = rule["http"]["paths"][0]
            self.assertEqual((path["path"], path["pathType"]), ("/", "Prefix"))
            self.assertEqual(path["backend"]["service"],
                             {"name": "demo-echo", "port": {"number": 80}})

    def test_b_printed_table_and_lines(self):
        lines = self.out.splitlines()
        header = next(line for line in lines if line.startswith("ROUTE"))
        self.assertEqual(header.split()[:7],
                         ["ROUTE", "HOSTNAME", "PATHS", "ACCESS", "METHOD", "PORT/EIP", "NODE"])
        row = line_starting(self.out, "demo-route   demo.kubesphere.io")
        self.assertEqual(row.split(), ["demo-route", "demo.kubesphere.io", "/", "NodePort",
                                       "http:", "32300,", "https:", "32301", "127.0.0.1",
                                       "http://demo.kubesphere.io:32300/"])
        nip = line_starting(self.out, "demo-route   demo.127.0.0.1.nip.io")
        self.assertIn("http://demo.127.0.0.1.nip.io:32300/", nip)

        self.assertEqual(line_starting(self.out, "127.0.0.1\t"), "127.0.0.1\tdemo.kubesphere.io")
        self.assertEqual(line_starting(self.out, "curl --resolve"),
                         "curl --resolve demo.kubesphere.io:32300:127.0.0.1 "
                         "http://demo.kubesphere.io:32300/")
        self.assertEqual(line_starting(self.out, "curl http://demo.127.0.0.1.nip.io"),
                         "curl http://demo.127.0.0.1.nip.io:32300/")
        dns_host, dns_port = self.api.process.address("dns")
        dig = line_starting(self.out, "dig ")
        self.assertEqual(dig, f"dig @{dns_host} -p {dns_port} demo.127.0.0.1.nip.io")
        answer = run(dig, "+short", "+time=2", "+tries=1")
        self.assertEqual(answer.stdout.split(), ["127.0.0.1"], answer.stderr)

        # The API lines, pasted into a shell: a kubeconfig, then `waygate routes` through it.
        api_lines = self.out.split("# the API, with kubectl")[1].splitlines()[1:]
        kubeconfig = next(line for line in api_lines if " kubeconfig --data-dir " in line)
        export = next(line for line in api_lines if line.startswith("export KUBECONFIG="))
        routes = next(line for line in api_lines if line.endswith(" routes -n demo"))
        shell = subprocess.run(["bash", "-c", f"{kubeconfig} && {export} && {routes}"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(shell.returncode, 0, shell.stderr)
        self.assertIn("http://demo.kubesphere.io:32300/", shell.stdout)

    def test_c_printed_curl_reaches_echo_through_node_port(self):
        line = line_starting(self.out, "curl --resolve")

        def answered():
            out = run(line, "-s", "--max-time", "3")
            return out.stdout.startswith("{") and json.loads(out.stdout)

        body = wait_until(answered, timeout=10, what=f"an echo answer to {line}")
        self.assertIn(body["name"], ECHO_NAMES)
        self.assertEqual(body["host"], "demo.kubesphere.io:32300")

    def test_c_route_served_through_http_listen(self):
        # Both endpoints take turns (round robin over the two echo backends).
        self.assertEqual(wait_until(lambda: self.via_http_listen() == ECHO_NAMES and ECHO_NAMES,
                                    what="both echo backends through --http-listen"),
                         ECHO_NAMES)
        self.assertEqual(self.via_http_listen("demo.127.0.0.1.nip.io"), ECHO_NAMES)

    def test_d_restart_keeps_edits_and_moves_endpoints(self):
        before_ports = self.endpoint_ports()
        self.api.kubectl("annotate", "ingress", "demo-route", "-n", "demo", "--overwrite",
                         "kubesphere.io/alias-name=edited by the user")
        self.api.process.stop()
        self.assertEqual(self.api.process.popen.returncode, 0, self.api.process.stderr_text())

        self.api.start()  # same data dir and API port
        out = printed(self.api)
        self.assertNotIn("error", self.api.process.stderr_text().lower())
        self.assertEqual(self.endpoint_ports(), echo_ports(out))
        self.assertNotEqual(self.endpoint_ports(), before_ports)
        ing = self.get("ingress", "demo-route", "-n", "demo")
        self.assertEqual(ing["metadata"]["annotations"]["kubesphere.io/alias-name"],
                         "edited by the user")
        # Nothing duplicated; the gateway keeps its node ports.
        self.assertEqual([i["metadata"]["name"] for i in
                          self.get("ingress", "-n", "demo")["items"]], ["demo-route"])
        self.assertEqual([g["metadata"]["name"] for g in self.get(GATEWAYS, "-n", GW_NS)["items"]],
                         ["kubesphere-router-demo"])
        gw = self.get(GATEWAYS, "kubesphere-router-demo", "-n", GW_NS)
        self.assertEqual({p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]},
                         NODE_PORTS)
        self.assertIn("curl --resolve demo.kubesphere.io:32300:127.0.0.1 "
                      "http://demo.kubesphere.io:32300/", out)
        # The route reaches this run's echo backends.
        self.api.http = self.api.process.address("http")
        self.assertEqual(wait_until(lambda: self.via_http_listen() == ECHO_NAMES and ECHO_NAMES,
                                    what="the new echo backends through --http-listen"),
                         ECHO_NAMES)


class DemoUnderClusterGatewayTest(unittest.TestCase):
    """A cluster whose cluster gateway serves every project: the server refuses a project
    gateway beside it (KubeSphere's rule), so the demo creates none and prints the cluster
    gateway's ports."""

    def test_demo_uses_the_cluster_gateway(self):
        api = ApiServer(self.addCleanup, extra_args=["--nodeport-range", "32500-32599"])
        api.kubectl("create", "-f", "-", input=json.dumps({
            "apiVersion": "gateway.kubesphere.io/v1alpha1", "kind": "Gateway",
            "metadata": {"name": "kubesphere-router-kubesphere-system", "namespace": GW_NS},
            "spec": {"service": {"type": "NodePort"}}}))
        api.process.stop()
        api.extra_args.append("--demo")
        api.start()
        out = printed(api)
        self.assertEqual([g["metadata"]["name"] for g in
                          api.kubectl_json("get", GATEWAYS, "-n", GW_NS)["items"]],
                         ["kubesphere-router-kubesphere-system"])
        line = line_starting(out, "curl --resolve")
        self.assertEqual(line, "curl --resolve demo.kubesphere.io:32500:127.0.0.1 "
                               "http://demo.kubesphere.io:32500/")
        body = wait_until(lambda: json.loads(run(line, "-s", "--max-time", "3").stdout or "0"),
                          timeout=10, what=f"an echo answer to {line}")
        self.assertIn(body["name"], ECHO_NAMES)


if __name__ == "__main__":
    unittest.main()
