"""TLS termination (issue 5, items 1-3): certificates from Secrets chosen by SNI, the TLS policy,
HTTP to HTTPS redirects, HSTS, bad Secrets, rotation under load, malformed input on the TLS port.

Certificates are made per run with the openssl CLI (tls_certs.Pki). Served certificates are
compared byte for byte (DER) with the ones we made, so "the right certificate" never depends on
parsing. Policy refusals are checked against a control server that accepts the same client, so a
refusal is the gateway's doing and not the client's own OpenSSL defaults.
"""

import json
import os
import re
import socket
import ssl
import subprocess
import threading
import time
import unittest

from api_harness import ApiServer
from harness import (Client, ConnectionClosed, EchoBackend, Gateway, RawBackend, backend_objects,
                     build_request, echo_name, gateway_object, ingress, make_temp_dir, path_entry,
                     wait_until, yaml_docs)
import tls_certs
from tls_certs import Pki, TestServer, client_context, handshake, s_client, s_client_ok, tls_secret

PKI = None
LEAF = {}
ECHO = {}


def setUpModule():
    global PKI
    PKI = Pki(make_temp_dir(unittest.addModuleCleanup, "waygate-e2e-pki-"))
    LEAF.update({
        "exact": PKI.leaf("exact", ["exact.example.com"]),                   # ECDSA P-256
        "exact2": PKI.leaf("exact2", ["exact.example.com"]),                 # rotation target
        "wild": PKI.leaf("wild", ["*.wild.example.com"]),
        "inner": PKI.leaf("inner", ["exact.wild.example.com"]),
        "rsa": PKI.leaf("rsa", ["rsa.example.com"], kind="rsa"),              # RSA 2048
        "chain": PKI.leaf("chain", ["chain.example.com"], via_intermediate=True),
        "expired": PKI.leaf("expired", ["expired.example.com"], expired=True),
        "mismatch": PKI.leaf("mismatch", ["mismatch.example.com"]),
        "fallback": PKI.leaf("fallback", ["fallback.example.com"]),
        "site": PKI.leaf("site", ["redir.example.com", "noredir.example.com",
                                  "hsts.example.com", "raw.example.com"]),
        # Rotation in API mode: three certificates for the same host.
        "rot1": PKI.leaf("rot1", ["rot.example.com"]),
        "rot2": PKI.leaf("rot2", ["rot.example.com"]),
        "rot3": PKI.leaf("rot3", ["rot.example.com"]),
    })
    for name in ("e1", "e2"):
        ECHO[name] = EchoBackend(unittest.addModuleCleanup, name)


def our_ders():
    return {leaf.der for leaf in LEAF.values()}


def name_of(der):
    """Which of our certificates `der` is ('exact', ...), or 'unknown'."""
    for name, leaf in LEAF.items():
        if leaf.der == der:
            return name
    return "unknown"


# ---------------------------------------------------------------------------------------------
# Manifests
# ---------------------------------------------------------------------------------------------


def backends():
    return backend_objects("svc1", ECHO["e1"].port) + backend_objects("svc2", ECHO["e2"].port)


def tls_ingress(name, hosts, secret, service="svc1", tls_hosts=None, annotations=None,
                namespace="default"):
    """An Ingress routing every host in `hosts` at / to `service`; with `secret`, spec.tls binds
    `tls_hosts` (default: the same hosts) to it."""
    ing = ingress(name, namespace, [(h, [path_entry("/", service)]) for h in hosts],
                  annotations=annotations)
    if secret is not None:
        ing["spec"]["tls"] = [{"hosts": list(tls_hosts or hosts), "secretName": secret}]
    return ing


def start_gateway(cleanup, objects, args=(), extra_files=None):
    """A manifest-mode gateway with an https listener; `gw.https` is its address."""
    files = {"objects.yaml": yaml_docs(*objects)}
    files.update(extra_files or {})
    gw = Gateway(cleanup, files, args=["--https-listen", "127.0.0.1:0"] + list(args),
                 listeners=["http", "https", "admin"])
    gw.https = gw.proc.address("https")
    return gw


# ---------------------------------------------------------------------------------------------
# HTTPS clients
# ---------------------------------------------------------------------------------------------


class TlsClient(Client):
    """harness.Client over TLS: the same raw-bytes framing, after a handshake with `sni`."""

    def __init__(self, address, sni, timeout=5.0, alpn=("http/1.1",), **ctx_args):
        super().__init__(address, timeout=timeout)
        ctx = client_context(alpn=alpn, **ctx_args)
        # A server closing without close_notify after "Connection: close" is not an error here.
        ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
        self.sock = ctx.wrap_socket(self.sock, server_hostname=sni)
        self.der = self.sock.getpeercert(binary_form=True)

    def get(self, target="/", host=None, headers=(), close=False):
        extra = [("Connection", "close")] if close else []
        self.send(build_request("GET", target, host, list(headers) + extra))
        return self.read_response()


def https_get(address, host, target="/", sni="same", headers=()):
    """One GET on a fresh TLS connection; returns (Response, served certificate DER)."""
    with TlsClient(address, host if sni == "same" else sni) as c:
        return c.get(target, host, headers, close=True), c.der


def curl(*args, timeout=20):
    r = subprocess.run(["curl", "-sS", "--max-time", "10"] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def cert_from_s_client(output):
    pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", output, re.S)
    return [ssl.PEM_cert_to_DER_cert(p) for p in pems]


# ---------------------------------------------------------------------------------------------
# SNI selection
# ---------------------------------------------------------------------------------------------


class SniTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = start_gateway(cls.addClassCleanup, backends() + [
            LEAF["exact"].secret("exact-tls"), LEAF["wild"].secret("wild-tls"),
            LEAF["inner"].secret("inner-tls"), LEAF["rsa"].secret("rsa-tls"),
            LEAF["chain"].secret("chain-tls"),
            tls_ingress("exact", ["exact.example.com"], "exact-tls"),
            tls_ingress("wild", ["*.wild.example.com"], "wild-tls"),
            tls_ingress("inner", ["exact.wild.example.com"], "inner-tls", service="svc2"),
            tls_ingress("rsa", ["rsa.example.com"], "rsa-tls", service="svc2"),
            tls_ingress("chain", ["chain.example.com"], "chain-tls"),
        ])
        wait_until(lambda: handshake(cls.gw.https, "exact.example.com").der ==
                   LEAF["exact"].der, what="exact.example.com served with its certificate")
        cls.default_der = handshake(cls.gw.https, None).der

    def setUp(self):
        self.gw.assert_alive()

    def served(self, sni):
        return name_of(handshake(self.gw.https, sni).der)

    def test_exact_host(self):
        self.assertEqual(self.served("exact.example.com"), "exact")
        r, der = https_get(self.gw.https, "exact.example.com", "/hello?x=1")
        self.assertEqual((r.status, echo_name(r), der), (200, "e1", LEAF["exact"].der))
        self.assertEqual(r.json()["path"], "/hello?x=1")

    def test_curl_verifies_against_our_ca(self):
        port = self.gw.https[1]
        rc, out, err = curl("--cacert", PKI.ca_cert, "--resolve",
                            f"exact.example.com:{port}:127.0.0.1", "-o", "/dev/null", "-w",
                            "%{http_code} %{ssl_verify_result}",
                            f"https://exact.example.com:{port}/")
        self.assertEqual((rc, out), (0, "200 0"), err)

    def test_wildcard_matches_one_label(self):
        self.assertEqual(self.served("a.wild.example.com"), "wild")
        self.assertEqual(self.served("zz-9.wild.example.com"), "wild")
        r, der = https_get(self.gw.https, "a.wild.example.com")
        self.assertEqual((r.status, echo_name(r), der), (200, "e1", LEAF["wild"].der))

    def test_exact_beats_wildcard(self):
        self.assertEqual(self.served("exact.wild.example.com"), "inner")
        r, _ = https_get(self.gw.https, "exact.wild.example.com")
        self.assertEqual(echo_name(r), "e2")

    def test_wildcard_does_not_cover_two_labels_or_the_apex(self):
        for sni in ("x.y.wild.example.com", "wild.example.com"):
            der = handshake(self.gw.https, sni).der
            self.assertEqual(der, self.default_der, f"{sni} got {name_of(der)}")

    def test_unknown_sni_gets_default(self):
        der = handshake(self.gw.https, "nobody.example.org").der
        self.assertEqual(der, self.default_der)

    def test_default_is_self_signed_and_not_ours(self):
        self.assertNotIn(self.default_der, our_ders())
        info = tls_certs.cert_info(self.default_der)
        self.assertEqual(info["subject"], info["issuer"], info)

    def test_no_sni_gets_default_and_routing_follows_host(self):
        with TlsClient(self.gw.https, None) as c:
            self.assertEqual(c.der, self.default_der)
            r = c.get("/", "exact.example.com")
            self.assertEqual((r.status, echo_name(r)), (200, "e1"))

    def test_sni_is_case_insensitive(self):
        # s_client sends the name exactly as given (Python's ssl would lower-case it).
        rc, out = s_client(self.gw.https, sni="EXACT.Example.COM")
        self.assertTrue(s_client_ok(out), out[-1500:])
        self.assertEqual(name_of(cert_from_s_client(out)[0]), "exact")

    def test_rsa_and_ecdsa_certificates(self):
        h = handshake(self.gw.https, "rsa.example.com", max_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(name_of(h.der), "rsa")
        self.assertIn("RSA", h.cipher)
        h = handshake(self.gw.https, "exact.example.com", max_version=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(name_of(h.der), "exact")
        self.assertIn("ECDSA", h.cipher)

    def test_chain_is_sent(self):
        rc, out = s_client(self.gw.https, "-showcerts", sni="chain.example.com")
        ders = cert_from_s_client(out)
        self.assertEqual(len(ders), 2, out[-2000:])
        self.assertEqual(ders[0], LEAF["chain"].der)
        self.assertEqual(ders[1], tls_certs.pem_to_der(PKI.int_pem))
        port = self.gw.https[1]
        rc, code, err = curl("--cacert", PKI.ca_cert, "--resolve",
                             f"chain.example.com:{port}:127.0.0.1", "-o", "/dev/null", "-w",
                             "%{http_code}", f"https://chain.example.com:{port}/")
        self.assertEqual((rc, code), (0, "200"), err)

    def test_routing_follows_host_header_not_sni(self):
        r, der = https_get(self.gw.https, "rsa.example.com", sni="exact.example.com")
        self.assertEqual(der, LEAF["exact"].der)
        self.assertEqual((r.status, echo_name(r)), (200, "e2"))

    def test_upstream_sees_https(self):
        r, _ = https_get(self.gw.https, "exact.example.com")
        headers = r.json()["headers"]
        self.assertEqual(headers.get("x-forwarded-proto"), "https", headers)

    def test_alpn_http11(self):
        h = handshake(self.gw.https, "exact.example.com", alpn=["http/1.1"])
        self.assertEqual(h.alpn, "http/1.1")
        with TlsClient(self.gw.https, "exact.example.com", alpn=None) as c:
            r = c.get("/", "exact.example.com")  # no ALPN at all: HTTP/1.1
            self.assertEqual(r.status, 200)

    def test_alpn_h2(self):
        h = handshake(self.gw.https, "exact.example.com", alpn=["h2", "http/1.1"])
        if h.alpn != "h2":
            self.skipTest(f"the gateway selected ALPN {h.alpn!r}, not h2: HTTP/2 downstream is "
                          "not built yet (issue 5 item 4)")
        port = self.gw.https[1]
        rc, out, err = curl("--http2", "--cacert", PKI.ca_cert, "--resolve",
                            f"exact.example.com:{port}:127.0.0.1", "-o", "/dev/null", "-w",
                            "%{http_code} %{http_version}", f"https://exact.example.com:{port}/")
        self.assertEqual((rc, out), (0, "200 2"), err)


# ---------------------------------------------------------------------------------------------
# TLS policy
# ---------------------------------------------------------------------------------------------


class PolicyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = start_gateway(cls.addClassCleanup, backends() + [
            LEAF["exact"].secret("ecdsa-tls"), LEAF["rsa"].secret("rsa-tls"),
            tls_ingress("ecdsa", ["exact.example.com"], "ecdsa-tls"),
            tls_ingress("rsa", ["rsa.example.com"], "rsa-tls")])
        wait_until(lambda: name_of(handshake(cls.gw.https, "rsa.example.com").der) == "rsa",
                   what="rsa.example.com served with its certificate")
        # Same RSA certificate, any version from TLS 1.0, any cipher at security level 0.
        cls.control = TestServer(cls.addClassCleanup, LEAF["rsa"].cert_path,
                                 LEAF["rsa"].key_path)

    def setUp(self):
        self.gw.assert_alive()

    def refused(self, *args, sni="rsa.example.com"):
        """Asserts the control server completes this client's handshake and the gateway does
        not."""
        _, out = s_client(self.control.address, *args, sni=sni)
        self.assertTrue(s_client_ok(out), f"control server refused {args}: {out[-800:]}")
        rc, out = s_client(self.gw.https, *args, sni=sni)
        self.assertFalse(s_client_ok(out), f"gateway accepted {args}: {out[-1500:]}")
        self.assertNotEqual(rc, 0)

    def accepted(self, *args, sni):
        rc, out = s_client(self.gw.https, *args, sni=sni)
        self.assertTrue(s_client_ok(out), f"gateway refused {args}: {out[-1500:]}")
        return out

    def test_tls10_refused(self):
        self.refused("-tls1", "-cipher", "DEFAULT@SECLEVEL=0")

    def test_tls11_refused(self):
        self.refused("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")

    def test_weak_tls12_ciphers_refused(self):
        for cipher in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256",
                       "ECDHE-RSA-AES128-SHA256"):
            with self.subTest(cipher=cipher):
                self.refused("-tls1_2", "-cipher", cipher)

    def test_tls13_accepted(self):
        for sni, name in (("rsa.example.com", "rsa"), ("exact.example.com", "exact")):
            h = handshake(self.gw.https, sni, min_version=ssl.TLSVersion.TLSv1_3)
            self.assertEqual((h.version, name_of(h.der)), ("TLSv1.3", name))
        out = self.accepted("-tls1_3", sni="exact.example.com")
        self.assertIn("TLSv1.3", out)

    def test_modern_tls12_ciphers_accepted(self):
        for sni, cipher in (("exact.example.com", "ECDHE-ECDSA-AES128-GCM-SHA256"),
                            ("exact.example.com", "ECDHE-ECDSA-CHACHA20-POLY1305"),
                            ("rsa.example.com", "ECDHE-RSA-AES128-GCM-SHA256"),
                            ("rsa.example.com", "ECDHE-RSA-AES256-GCM-SHA384")):
            with self.subTest(cipher=cipher):
                out = self.accepted("-tls1_2", "-cipher", cipher, sni=sni)
                self.assertRegex(out, rf"Cipher is {re.escape(cipher)}\b")

    def test_session_resumption(self):
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            with self.subTest(version=version.name):
                ctx = client_context(min_version=version, max_version=version)
                ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
                session = None
                reused = []
                for _ in range(2):
                    with socket.create_connection(self.gw.https, timeout=5) as raw:
                        with ctx.wrap_socket(raw, server_hostname="exact.example.com",
                                             session=session) as s:
                            s.sendall(build_request("GET", "/", "exact.example.com",
                                                    [("Connection", "close")]))
                            data = b""
                            while chunk := s.recv(65536):  # TLS 1.3 tickets come after
                                data += chunk
                            self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
                            reused.append(s.session_reused)
                            session = s.session
                self.assertEqual(reused, [False, True])


# ---------------------------------------------------------------------------------------------
# Redirects and HSTS
# ---------------------------------------------------------------------------------------------

HSTS_DEFAULT = "max-age=31536000; includeSubDomains"
SSL_REDIRECT = "nginx.ingress.kubernetes.io/ssl-redirect"
FORCE_SSL_REDIRECT = "nginx.ingress.kubernetes.io/force-ssl-redirect"


def redirect_objects():
    return backends() + [
        LEAF["site"].secret("site-tls"),
        tls_ingress("redir", ["redir.example.com"], "site-tls"),
        tls_ingress("noredir", ["noredir.example.com"], "site-tls",
                    annotations={SSL_REDIRECT: "false"}),
        tls_ingress("force", ["force.example.com"], None,
                    annotations={FORCE_SSL_REDIRECT: "true"}),
        tls_ingress("plain", ["plain.example.com"], None)]


class RedirectTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = start_gateway(cls.addClassCleanup, redirect_objects())
        cls.port = cls.gw.https[1]
        wait_until(lambda: cls.gw.get("/", "redir.example.com").status == 308,
                   what="redir.example.com redirected")

    def setUp(self):
        self.gw.assert_alive()

    def location(self, host, target):
        return f"https://{host}:{self.port}{target}"

    def test_tls_host_redirected_308_with_path_query_and_port(self):
        for method in ("GET", "POST", "HEAD"):
            with self.subTest(method=method):
                r = self.gw.request(method, "/a/b?x=1&y=%2F", "redir.example.com",
                                    body=b"data" if method == "POST" else None)
                self.assertEqual(r.status, 308, r)
                self.assertEqual(r.header("location"), self.location("redir.example.com",
                                                                      "/a/b?x=1&y=%2F"))
                self.assertIsNone(echo_name(r), "a redirect must not reach the backend")
                self.assertIsNone(r.header("strict-transport-security"))

    def test_host_header_port_not_copied_into_location(self):
        r = self.gw.get("/p", "redir.example.com:8080")
        self.assertEqual(r.status, 308, r)
        self.assertEqual(r.header("location"), self.location("redir.example.com", "/p"))

    def test_location_works_with_curl(self):
        rc, out, err = curl("-L", "--cacert", PKI.ca_cert, "--resolve",
                            f"redir.example.com:{self.gw.http[1]}:127.0.0.1", "--resolve",
                            f"redir.example.com:{self.port}:127.0.0.1", "-o", "/dev/null", "-w",
                            "%{http_code} %{num_redirects} %{url_effective}",
                            f"http://redir.example.com:{self.gw.http[1]}/go?q=1")
        self.assertEqual((rc, out), (0, f"200 1 https://redir.example.com:{self.port}/go?q=1"),
                         err)

    def test_ssl_redirect_false_annotation(self):
        r = self.gw.get("/x", "noredir.example.com")
        self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertIsNone(r.header("strict-transport-security"), "HSTS on plain HTTP")
        r, _ = https_get(self.gw.https, "noredir.example.com")
        self.assertEqual(r.status, 200)

    def test_force_ssl_redirect_without_tls(self):
        r = self.gw.get("/f?z=9", "force.example.com")
        self.assertEqual(r.status, 308, r)
        self.assertEqual(r.header("location"), self.location("force.example.com", "/f?z=9"))

    def test_host_without_tls_not_redirected(self):
        r = self.gw.get("/", "plain.example.com")
        self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertIsNone(r.header("strict-transport-security"))

    def test_acme_challenge_never_redirected(self):
        for host in ("redir.example.com", "force.example.com"):
            with self.subTest(host=host):
                r = self.gw.get("/.well-known/acme-challenge/tok-123", host)
                self.assertEqual((r.status, echo_name(r)), (200, "e1"), r)
                self.assertEqual(r.json()["path"], "/.well-known/acme-challenge/tok-123")
        # Only that prefix: its neighbour is redirected.
        self.assertEqual(self.gw.get("/.well-known/other", "redir.example.com").status, 308)

    def test_hsts_on_https_only(self):
        r, _ = https_get(self.gw.https, "redir.example.com")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header_all("strict-transport-security"), [HSTS_DEFAULT])
        r, _ = https_get(self.gw.https, "noredir.example.com")
        self.assertEqual(r.header_all("strict-transport-security"), [HSTS_DEFAULT])
        r = self.gw.get("/", "noredir.example.com")
        self.assertIsNone(r.header("strict-transport-security"))

    def test_https_request_not_redirected(self):
        r, _ = https_get(self.gw.https, "redir.example.com", "/a?b=c")
        self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertEqual(r.json()["path"], "/a?b=c")


class RedirectConfigTest(unittest.TestCase):
    """Gateway config keys (spec.controller.config), applied live."""

    @classmethod
    def setUpClass(cls):
        cls.gw = start_gateway(cls.addClassCleanup, redirect_objects() + [
            LEAF["exact"].secret("ecdsa-tls"),
            tls_ingress("ecdsa", ["exact.example.com"], "ecdsa-tls")])
        cls.port = cls.gw.https[1]
        wait_until(lambda: cls.gw.get("/", "redir.example.com").status == 308,
                   what="redir.example.com redirected")

    def setUp(self):
        self.gw.assert_alive()

    def configure(self, config):
        self.gw.write_manifest("gw.yaml", yaml_docs(gateway_object(config)))

        def restore():
            self.gw.remove_manifest("gw.yaml")
            wait_until(lambda: self.gw.get("/", "redir.example.com").status == 308 and
                       https_get(self.gw.https, "redir.example.com")[0].header(
                           "strict-transport-security") == HSTS_DEFAULT,
                       what="defaults restored")
        self.addCleanup(restore)

    def hsts(self):
        return https_get(self.gw.https, "redir.example.com")[0].header_all(
            "strict-transport-security")

    def test_http_redirect_code_301(self):
        self.configure({"http-redirect-code": "301"})
        r = wait_until(lambda: (lambda r: r if r.status == 301 else None)(
            self.gw.get("/x?y=1", "redir.example.com")), what="301 applied")
        self.assertEqual(r.header("location"), f"https://redir.example.com:{self.port}/x?y=1")

    def test_ssl_redirect_false_gateway_wide(self):
        self.configure({"ssl-redirect": "false"})
        r = wait_until(lambda: (lambda r: r if r.status == 200 else None)(
            self.gw.get("/", "redir.example.com")), what="ssl-redirect false applied")
        self.assertEqual(echo_name(r), "e1")
        # force-ssl-redirect still wins for its Ingress.
        self.assertEqual(self.gw.get("/", "force.example.com").status, 308)

    def test_hsts_settings(self):
        self.configure({"hsts-max-age": "100", "hsts-include-subdomains": "false",
                        "hsts-preload": "true"})
        wait_until(lambda: self.hsts() == ["max-age=100; preload"],
                   what=f"HSTS 'max-age=100; preload' (last: {self.hsts()})")

    def test_hsts_off(self):
        self.configure({"hsts": "false"})
        wait_until(lambda: self.hsts() == [], what="no HSTS header")
        self.assertEqual(self.gw.get("/", "redir.example.com").status, 308)

    def test_ssl_protocols_tls13_only(self):
        self.configure({"ssl-protocols": "TLSv1.3"})

        def tls12_refused():
            rc, out = s_client(self.gw.https, "-tls1_2", sni="exact.example.com")
            return not s_client_ok(out)
        wait_until(tls12_refused, what="TLS 1.2 refused after ssl-protocols: TLSv1.3")
        h = handshake(self.gw.https, "exact.example.com")
        self.assertEqual(h.version, "TLSv1.3")

    def test_ssl_ciphers(self):
        self.configure({"ssl-ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384"})

        def aes128_refused():
            _, out = s_client(self.gw.https, "-tls1_2", "-cipher",
                              "ECDHE-ECDSA-AES128-GCM-SHA256", sni="exact.example.com")
            return not s_client_ok(out)
        wait_until(aes128_refused, what="AES128-GCM refused after ssl-ciphers")
        _, out = s_client(self.gw.https, "-tls1_2", sni="exact.example.com")
        self.assertRegex(out, r"Cipher is ECDHE-ECDSA-AES256-GCM-SHA384\b")


# ---------------------------------------------------------------------------------------------
# Bad Secrets and the default certificate
# ---------------------------------------------------------------------------------------------


def bad_secret_objects():
    other_key = LEAF["exact"].key_pem
    return backends() + [
        LEAF["exact"].secret("good-tls"),
        LEAF["mismatch"].secret("mismatch-tls", key=other_key),
        LEAF["mismatch"].secret("malformed-tls", crt="-----BEGIN CERTIFICATE-----\nnot base64"
                                "!!\n-----END CERTIFICATE-----\n"),
        tls_secret("nokey-tls", "default", LEAF["mismatch"].chain_pem, None),
        LEAF["expired"].secret("expired-tls"),
        tls_ingress("good", ["exact.example.com"], "good-tls"),
        tls_ingress("mismatch", ["mismatch.example.com"], "mismatch-tls"),
        tls_ingress("malformed", ["malformed.example.com"], "malformed-tls"),
        tls_ingress("nokey", ["nokey.example.com"], "nokey-tls"),
        tls_ingress("expired", ["expired.example.com"], "expired-tls"),
        tls_ingress("missing", ["missing.example.com"], "no-such-secret"),
    ]


BAD_HOSTS = ("mismatch.example.com", "malformed.example.com", "nokey.example.com",
             "expired.example.com", "missing.example.com")


class BadSecretTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = start_gateway(cls.addClassCleanup, bad_secret_objects())
        wait_until(lambda: name_of(handshake(cls.gw.https, "exact.example.com").der) == "exact",
                   what="the good Secret served")
        cls.default_der = handshake(cls.gw.https, None).der

    def setUp(self):
        self.gw.assert_alive()

    def test_bad_secrets_serve_default_certificate_and_traffic(self):
        for host in BAD_HOSTS:
            with self.subTest(host=host):
                r, der = https_get(self.gw.https, host)
                self.assertEqual(der, self.default_der, f"{host} got {name_of(der)}")
                self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertEqual(name_of(handshake(self.gw.https, "exact.example.com").der), "exact")
        self.gw.assert_alive()

    def test_secret_added_later_is_picked_up(self):
        self.gw.write_manifest("fix.yaml", yaml_docs(
            LEAF["fallback"].secret("late-tls"),
            tls_ingress("late", ["fallback.example.com"], "late-tls")))
        self.addCleanup(self.gw.remove_manifest, "fix.yaml")
        wait_until(lambda: name_of(handshake(self.gw.https, "fallback.example.com").der)
                   == "fallback", what="a Secret added later served")


class DefaultCertificateFlagTest(unittest.TestCase):
    def test_default_ssl_certificate_flag(self):
        gw = start_gateway(self.addCleanup, bad_secret_objects() + [
            LEAF["fallback"].secret("fallback", namespace="kube-system")],
            args=["--default-ssl-certificate", "kube-system/fallback"])
        wait_until(lambda: name_of(handshake(gw.https, None).der) == "fallback",
                   what="no-SNI handshake served the --default-ssl-certificate")
        for sni in ("nobody.example.org", "mismatch.example.com", "missing.example.com"):
            with self.subTest(sni=sni):
                self.assertEqual(name_of(handshake(gw.https, sni).der), "fallback")
        self.assertEqual(name_of(handshake(gw.https, "exact.example.com").der), "exact")


class ManifestRotationTest(unittest.TestCase):
    def test_rotation_new_handshakes_new_cert_old_connection_kept(self):
        gw = start_gateway(self.addCleanup, backends() + [
            tls_ingress("exact", ["exact.example.com"], "exact-tls")],
            extra_files={"secret.yaml": yaml_docs(LEAF["exact"].secret("exact-tls"))})
        wait_until(lambda: name_of(handshake(gw.https, "exact.example.com").der) == "exact",
                   what="first certificate")
        with TlsClient(gw.https, "exact.example.com") as old:
            self.assertEqual(old.get("/", "exact.example.com").status, 200)
            gw.write_manifest("secret.yaml", yaml_docs(LEAF["exact2"].secret("exact-tls")))
            start = time.monotonic()
            wait_until(lambda: name_of(handshake(gw.https, "exact.example.com").der) ==
                       "exact2", timeout=5, what="rotated certificate on new handshakes")
            took = time.monotonic() - start
            r = old.get("/again", "exact.example.com")
            self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertLess(took, 2.0, "rotation should reach new handshakes within ~1 s")


# ---------------------------------------------------------------------------------------------
# Malformed input on the TLS port
# ---------------------------------------------------------------------------------------------


def peer_closes(sock, timeout=5.0):
    """Reads until EOF/RST; returns every byte the peer sent first (alerts, a 400)."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        except socket.timeout:
            break
        if not chunk:
            return data
        data += chunk
    raise AssertionError(f"the gateway kept the connection open; it sent {data[:200]!r}")


class MalformedTlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.raw = RawBackend(cls.addClassCleanup)
        cls.gw = start_gateway(cls.addClassCleanup, backends() + backend_objects(
            "rawsvc", cls.raw.port) + [
            LEAF["site"].secret("site-tls"),
            tls_ingress("raw", ["raw.example.com"], "site-tls", service="rawsvc"),
            LEAF["exact"].secret("exact-tls"),
            tls_ingress("exact", ["exact.example.com"], "exact-tls")])
        wait_until(lambda: https_get(cls.gw.https, "exact.example.com")[0].status == 200,
                   what="https serving")

    def setUp(self):
        self.gw.assert_alive()

    def assert_still_serving(self):
        self.gw.assert_alive()
        r, der = https_get(self.gw.https, "exact.example.com")
        self.assertEqual((r.status, der), (200, LEAF["exact"].der))

    def assert_refusal(self, data):
        """Closed silently, a TLS alert (record type 21), or a plain 400 as nginx sends to plain
        HTTP on its TLS port: nothing else."""
        ok = data == b"" or data[:1] == b"\x15" or data.startswith(b"HTTP/1.1 400 ")
        self.assertTrue(ok, f"the gateway answered {data[:300]!r}")

    def test_garbage_instead_of_client_hello(self):
        for junk in (b"\x00" * 64, os.urandom(4096), b"\x16\x03\x01\xff\xff" + os.urandom(300),
                     b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", b"\x80\x2e\x01\x00\x02"):
            with self.subTest(junk=junk[:8]):
                with socket.create_connection(self.gw.https, timeout=5) as s:
                    try:
                        s.sendall(junk)
                        s.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass  # closed while we were still sending: fine
                    data = peer_closes(s)
                self.assert_refusal(data)
        self.assert_still_serving()

    def test_plain_http_to_https_port_never_proxied(self):
        before = self.raw.snapshot()
        with Client(self.gw.https) as c:
            c.send(build_request("GET", "/", "raw.example.com"))
            data = peer_closes(c.sock)
        self.assert_refusal(data)
        self.assertNotIn(b"raw-ok", data)
        self.assertEqual(self.raw.snapshot(), before, "something reached the backend")
        self.assert_still_serving()

    def test_truncated_client_hellos_do_not_block_others(self):
        hello = _client_hello_prefix()
        stalled = []
        try:
            for _ in range(50):
                s = socket.create_connection(self.gw.https, timeout=5)
                s.sendall(hello[:len(hello) // 2])
                stalled.append(s)
            start = time.monotonic()
            self.assert_still_serving()
            self.assertLess(time.monotonic() - start, 2.0)
        finally:
            for s in stalled:
                s.close()
        self.assert_still_serving()

    def test_malformed_http_inside_tls(self):
        # Valid TLS, a request the HTTP/1.1 codec must reject: same 400 as in plain HTTP
        # (test_smuggling), and nothing reaches the backend.
        before = self.raw.snapshot()
        with TlsClient(self.gw.https, "raw.example.com") as c:
            c.send(b"GET / HTTP/1.1\r\nHost: raw.example.com\r\nX-A: b\x00c\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 400)
            self.assertTrue(c.is_closed(), "the connection must close after a 400")
        self.assertEqual(self.raw.snapshot(), before, "something reached the backend")
        self.assert_still_serving()


def _client_hello_prefix():
    """The first bytes a real client sends (a whole ClientHello record), captured from Python's
    own ssl over a socketpair."""
    a, b = socket.socketpair()
    try:
        ctx = client_context()
        ctx_sock = ctx.wrap_socket(a, server_hostname="exact.example.com",
                                   do_handshake_on_connect=False)
        ctx_sock.setblocking(False)
        try:
            ctx_sock.do_handshake()
        except ssl.SSLWantReadError:
            pass
        b.settimeout(2)
        hello = b.recv(65536)
        ctx_sock.close()
        return hello
    finally:
        a.close()
        b.close()


# ---------------------------------------------------------------------------------------------
# API mode: Warning Events and rotation under load
# ---------------------------------------------------------------------------------------------

NS = "tlsns"


def api_ingress(name, host, secret, service="e1"):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"ingressClassName": "waygate",
                     "tls": [{"hosts": [host], "secretName": secret}],
                     "rules": [{"host": host, "http": {"paths": [{
                         "path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}]}}


def api_backend(name, port):
    return [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS},
             "spec": {"ports": [{"name": "http", "port": 80, "targetPort": port}]}},
            {"apiVersion": "v1", "kind": "Endpoints",
             "metadata": {"name": name, "namespace": NS},
             "subsets": [{"addresses": [{"ip": "127.0.0.1"}],
                          "ports": [{"name": "http", "port": port}]}]}]


def as_list(*items):
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(items)})


class NewConnectionLoop(threading.Thread):
    """A new TLS connection per request (SNI and Host `host`); records which certificate each
    handshake saw and every failure."""

    def __init__(self, address, host):
        super().__init__(daemon=True)
        self.address, self.host = address, host
        self.seen = []        # (monotonic time, certificate name)
        self.failures = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                r, der = https_get(self.address, self.host)
                if r.status != 200 or echo_name(r) != "e1":
                    self.failures.append(f"{r.status} {echo_name(r)}")
                self.seen.append((time.monotonic(), name_of(der)))
            except (OSError, ConnectionClosed, AssertionError) as e:
                self.failures.append(repr(e))

    def first_seen(self, name, after):
        for t, n in self.seen:
            if t >= after and n == name:
                return t
        return None


class ApiModeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup, extra_args=["--https-listen", "127.0.0.1:0",
                                                        "--nodeport-range", "31200-31299"])
        cls.api.process.wait_listeners(["https"], 10)
        cls.https = cls.api.process.address("https")
        cls.kubectl = cls.api.kubectl
        cls.kubectl("create", "namespace", NS)
        cls.kubectl("apply", "-f", "-", input=as_list(*api_backend("e1", ECHO["e1"].port)))

    def apply(self, *objs):
        self.kubectl("apply", "-f", "-", input=as_list(*objs))

    def events_for(self, ingress_name):
        items = self.api.kubectl_json("get", "events", "-n", NS)["items"]
        return [e for e in items if e.get("involvedObject", {}).get("kind") == "Ingress" and
                e["involvedObject"].get("name") == ingress_name and e.get("type") == "Warning"]

    def wait_warnings(self, expected, timeout=20):
        """expected: {ingress: (secret, problem regex)}. Waits until every Ingress has a Warning
        Event naming its Secret and matching the problem; fails listing the ones that do not."""
        def missing():
            out = {}
            for ing, (secret, problem_re) in expected.items():
                msgs = [e.get("message", "") for e in self.events_for(ing)]
                if not any(secret in m and re.search(problem_re, m, re.I) for m in msgs):
                    out[ing] = msgs
            return out
        deadline = time.monotonic() + timeout
        left = missing()
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = missing()
        self.assertEqual(left, {}, "Ingresses without the expected Warning Event (their "
                         f"Warning messages shown); expected {expected}")

    def test_warning_events_for_bad_secrets(self):
        self.apply(LEAF["mismatch"].secret("ev-mismatch", NS, key=LEAF["exact"].key_pem),
                   LEAF["expired"].secret("ev-expired", NS),
                   tls_secret("ev-malformed", NS, "not a certificate", LEAF["exact"].key_pem),
                   api_ingress("ev-mismatch", "ev-mismatch.example.com", "ev-mismatch"),
                   api_ingress("ev-expired", "ev-expired.example.com", "ev-expired"),
                   api_ingress("ev-malformed", "ev-malformed.example.com", "ev-malformed"),
                   api_ingress("ev-missing", "ev-missing.example.com", "ev-no-such-secret"))
        self.wait_warnings({
            "ev-mismatch": ("ev-mismatch", r"key|match"),
            "ev-expired": ("ev-expired", r"expir"),
            "ev-malformed": ("ev-malformed", r"malformed|pem|pars|invalid|decode"),
            "ev-missing": ("ev-no-such-secret", r"not found|missing|does not exist")})
        default_der = handshake(self.https, None).der
        for host in ("ev-mismatch", "ev-expired", "ev-malformed", "ev-missing"):
            with self.subTest(host=host):
                r, der = wait_until(lambda h=host: (lambda x: x if x[0].status == 200 else None)(
                    https_get(self.https, f"{h}.example.com")), timeout=10,
                    what=f"{host} served over https")
                self.assertEqual(der, default_der)
                self.assertEqual(echo_name(r), "e1")
        self.api.process.assert_alive()

    def test_rotation_under_load(self):
        host = "rot.example.com"
        self.apply(LEAF["rot1"].secret("rot-tls", NS), api_ingress("rot", host, "rot-tls"))
        wait_until(lambda: https_get(self.https, host)[1] == LEAF["rot1"].der, timeout=15,
                   what="rot.example.com served with the first certificate")
        old = TlsClient(self.https, host)
        self.addCleanup(old.close)
        self.assertEqual(old.get("/", host).status, 200)

        wrk = subprocess.Popen(["wrk", "-t1", "-c8", "-d8s", "-H", f"Host: {host}",
                                f"https://127.0.0.1:{self.https[1]}/"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        loop = NewConnectionLoop(self.https, host)
        loop.start()
        latencies = []
        try:
            for new in ("rot2", "rot3"):
                time.sleep(1.5)  # load on the current certificate before each switch
                self.apply(LEAF[new].secret("rot-tls", NS))
                applied = time.monotonic()
                wait_until(lambda n=new, t=applied: loop.first_seen(n, t), timeout=5,
                           what=f"new handshakes seeing {new} (failures so far: "
                                f"{loop.failures[:5]})")
                latencies.append(loop.first_seen(new, applied) - applied)
        finally:
            out, err = wrk.communicate(timeout=60)
            loop.stop.set()
            loop.join(timeout=10)

        self.assertEqual(loop.failures, [], "new connections failed during rotation")
        names = [n for _, n in loop.seen]
        self.assertTrue(set(names) <= {"rot1", "rot2", "rot3"}, set(names))
        # One worker: once a newer certificate is seen, an older one never comes back.
        order = {"rot1": 0, "rot2": 1, "rot3": 2}
        ranks = [order[n] for n in names]
        self.assertEqual(ranks, sorted(ranks), "an old certificate came back after rotation")
        self.assertEqual(wrk.returncode, 0, err)
        total = re.search(r"(\d+) requests in", out)
        self.assertIsNotNone(total, out)
        self.assertGreater(int(total.group(1)), 500, out)
        self.assertNotIn("Socket errors", out)
        self.assertNotIn("Non-2xx", out)
        # The connection made before both rotations keeps its session and keeps serving.
        self.assertEqual(old.der, LEAF["rot1"].der)
        r = old.get("/after", host)
        self.assertEqual((r.status, echo_name(r)), (200, "e1"))
        self.assertTrue(all(t < 2.0 for t in latencies), f"rotation latencies {latencies}")
        self.api.process.assert_alive()


if __name__ == "__main__":
    unittest.main()
