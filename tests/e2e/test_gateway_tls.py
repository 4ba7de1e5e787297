"""Each Gateway terminates TLS on its own https listeners (issue 5 with issue 4's listeners):
the https node port on every node IP, and the EIP's https port once it is a LoadBalancer. A
project gateway presents only its project's certificates; its http listener redirects to the
https node port, which appears in Location because it is not 443."""

import json
import socket
import ssl
import unittest

from api_harness import ApiServer, ingress, wait_for
from harness import EchoBackend, dead_port, make_temp_dir, request
from test_api_gateway import backend_objects
from test_gateways import NS, gateway, node_ports
from tls_certs import Pki, client_context, handshake

GW = "gateways.gateway.kubesphere.io"


def https_get(address, host, path="/"):
    """One HTTP/1.1 request over TLS (SNI = host), verified against nothing: the certificate
    is checked separately by its DER."""
    ctx = client_context(alpn=("http/1.1",))
    with socket.create_connection(address, timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      .encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


def presents(address, host, leaf):
    try:
        return handshake(address, host).der == leaf.der
    except (OSError, ssl.SSLError):
        return False  # the listener is not there yet


class GatewayTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lb_https = dead_port()
        pki = Pki(make_temp_dir(cls.addClassCleanup, "waygate-e2e-gwtls-pki-"))
        cls.alpha_leaf = pki.leaf("alpha", ["alpha.example.com"])
        cls.beta_leaf = pki.leaf("beta", ["beta.example.com"])
        cls.echo = EchoBackend(cls.addClassCleanup, "gwtls")
        cls.api = ApiServer(cls.addClassCleanup, extra_args=[
            "--workers", "2", "--nodeport-range", "32700-32799",
            "--lb-pool", "127.0.0.130-127.0.0.131", "--lb-https-port", str(cls.lb_https)])
        cls.kubectl = cls.api.kubectl
        for ns, leaf in (("alpha", cls.alpha_leaf), ("beta", cls.beta_leaf)):
            cls.kubectl("create", "namespace", ns)
            cls.kubectl("apply", "-f", "-",
                        input=json.dumps(backend_objects(ns, "web", cls.echo.port)))
            cls.kubectl("apply", "-f", "-", input=json.dumps(leaf.secret(f"{ns}-tls", ns)))
            route = ingress(f"{ns}-route", ns, f"{ns}.example.com", service="web")
            route["spec"]["tls"] = [{"hosts": [f"{ns}.example.com"], "secretName": f"{ns}-tls"}]
            cls.kubectl("create", "-f", "-", input=json.dumps(route))
        cls.kubectl("create", "-f", "-", input=json.dumps(gateway("alpha")))
        obj = cls.api.kubectl_json("get", GW, "kubesphere-router-alpha", "-n", NS)
        cls.ports = node_ports(obj)

    def wait_for(self, what, probe, timeout=15):
        return wait_for(self, what, probe, timeout)

    def test_https_node_port_serves_the_projects_certificate_and_routes(self):
        https = ("127.0.0.1", self.ports["https"])
        self.wait_for("alpha's certificate on the https node port",
                      lambda: presents(https, "alpha.example.com", self.alpha_leaf))
        status, headers, body = https_get(https, "alpha.example.com")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-echo-name"), "gwtls")
        self.assertIn("max-age=", headers.get("strict-transport-security", ""))
        self.assertIn(b'"x-forwarded-proto":"https"', body)

    def test_project_gateway_never_presents_another_projects_certificate(self):
        https = ("127.0.0.1", self.ports["https"])
        self.wait_for("alpha's https listener up",
                      lambda: presents(https, "alpha.example.com", self.alpha_leaf))
        # beta's host through alpha's gateway: the default certificate, and no route (404).
        self.assertNotEqual(handshake(https, "beta.example.com").der, self.beta_leaf.der)
        status, _, _ = https_get(https, "beta.example.com")
        self.assertEqual(status, 404)

    def test_http_node_port_redirects_to_the_https_node_port(self):
        http = ("127.0.0.1", self.ports["http"])
        self.wait_for("alpha's http node port redirects",
                      lambda: request(http, "GET", "/a?b=1", "alpha.example.com").status == 308)
        r = request(http, "GET", "/a?b=1", "alpha.example.com")
        self.assertEqual(r.header("location"),
                         f"https://alpha.example.com:{self.ports['https']}/a?b=1")

    def test_load_balancer_eip_terminates_tls(self):
        self.kubectl("create", "-f", "-", input=json.dumps(gateway("beta", "LoadBalancer")))
        self.addCleanup(self.kubectl, "delete", GW, "kubesphere-router-beta", "-n", NS)

        def eip():
            obj = self.api.kubectl_json("get", GW, "kubesphere-router-beta", "-n", NS)
            ingress_ips = obj.get("status", {}).get("loadBalancer", {}).get("ingress", [])
            return ingress_ips[0]["ip"] if ingress_ips else None
        address = self.wait_for("beta's EIP", eip)
        https = (address, self.lb_https)
        self.wait_for("beta's certificate on its EIP https port",
                      lambda: presents(https, "beta.example.com", self.beta_leaf))
        status, headers, _ = https_get(https, "beta.example.com")
        self.assertEqual((status, headers.get("x-echo-name")), (200, "gwtls"))


if __name__ == "__main__":
    unittest.main()
