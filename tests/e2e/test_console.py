"""The web console (issue 8, first slices) in a real browser: Debian's Chromium driven by
playwright-core from console/tests/, against a real `waygate serve` with the console built in.

Python owns the processes and the fixtures (one harness for the project): `Tenants` from
test_api_permissions (projects p1 and p2, users platform, padmin, operator, viewer, outsider), an
echo backend behind Service p1/web, a NodePort gateway for p1, four Ingresses in p1 (one https,
with a TLS Secret; labels, alias and description annotations; created a second apart so sorting
by time is observable) and an Event. JavaScript owns the browser: `node
console/tests/console.test.mjs` gets the server URL, the passwords and what was seeded in its
environment, asserts page by page, writes screenshots to SCREENSHOT_DIR and exits non-zero on any
failure; its output becomes this test's failure message.

Needs node, console/node_modules (`make setup`) and /usr/lib/chromium/chromium; without them the
test is skipped, except in CI (CI=true), where it fails."""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import unittest

from harness import REPO, WAYGATE_BIN, EchoBackend, make_temp_dir, wait_until
from test_api_gateway import backend_objects
from test_api_permissions import USERS, Tenants, password_of
from test_gateways import NS as CONTROLS, gateway
from tls_certs import Pki

CONSOLE = REPO / "console"
TEST_SCRIPT = CONSOLE / "tests" / "console.test.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium")
NODE = shutil.which("node")
GATEWAYS = f"/apis/gateway.kubesphere.io/v1alpha1/namespaces/{CONTROLS}/gateways"
INGRESSES = "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses"
ALIAS = "kubesphere.io/alias-name"
DESCRIPTION = "kubesphere.io/description"
# A range no other e2e module uses: node ports are real listeners on 127.0.0.1.
NODEPORT_RANGE = "31800-31899"


def missing_tools():
    missing = []
    if not NODE:
        missing.append("node is not installed")
    if not (CONSOLE / "node_modules" / "playwright-core").is_dir():
        missing.append("console/node_modules is missing (run make setup)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    return missing


def require_browser(what):
    """Skips the calling test class when the browser tools are missing; under CI=true that is a
    failure instead, so CI cannot pass without having run the browser."""
    missing = missing_tools()
    if missing:
        reason = f"{what} needs: " + "; ".join(missing)
        if os.environ.get("CI") == "true":
            raise AssertionError(reason)
        raise unittest.SkipTest(reason)


def browser_environment(tenants, **fixture):
    """The environment of a console/tests/*.mjs script: CONSOLE_FIXTURE (the server URL, each
    user's password, the admin token, plus `fixture`), SCREENSHOT_DIR (default build/screenshots)
    and CHROMIUM."""
    screenshots = os.environ.get("SCREENSHOT_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(WAYGATE_BIN)), "screenshots")
    data = {"url": tenants.api.url, "passwords": {u: password_of(u) for u in USERS},
            "adminToken": tenants.api.token, **fixture}
    return dict(os.environ, CONSOLE_FIXTURE=json.dumps(data), SCREENSHOT_DIR=screenshots,
                CHROMIUM=CHROMIUM)


def run_node(test, args, env=None, timeout=240, server=None):
    """Runs `node ARGS` in console/ and fails `test` with the script's output (and the tail of
    `server`'s log, when given) if it exits non-zero; returns the output."""
    started = time.monotonic()
    run = subprocess.run([NODE, *map(str, args)], cwd=str(CONSOLE), env=env,
                         capture_output=True, text=True, timeout=timeout)
    output = run.stdout + run.stderr
    if run.returncode != 0:
        log = f"\n--- waygate serve's log (tail) ---\n{server.process.stderr_text()[-4000:]}" \
            if server is not None else ""
        test.fail(f"node {' '.join(map(str, args))} failed (exit {run.returncode}, "
                  f"{time.monotonic() - started:.1f}s):\n{output[-12000:]}{log}")
    if os.environ.get("CONSOLE_TEST_VERBOSE"):
        print(output)
    return output


def route(name, host, labels, annotations=None, paths=(("/", "Prefix"),), tls_secret=None):
    spec = {"ingressClassName": "waygate", "rules": [{"host": host, "http": {"paths": [
        {"path": p, "pathType": t,
         "backend": {"service": {"name": "web", "port": {"number": 80}}}} for p, t in paths]}}]}
    if tls_secret:
        spec["tls"] = [{"hosts": [host], "secretName": tls_secret}]
    meta = {"name": name, "namespace": "p1", "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
            "spec": spec}


def event(involved, reason, message):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{involved}.seeded", "namespace": "p1"},
            "involvedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                               "namespace": "p1", "name": involved},
            "reason": reason, "message": message, "type": "Normal", "count": 1,
            "firstTimestamp": now, "lastTimestamp": now,
            "source": {"component": "console-e2e"}}


def answer(host, port, tls, target):
    """The status a client gets for http(s)://HOST:PORT/TARGET with HOST resolved to the node
    (127.0.0.1), as the browser's host-resolver rule does it; None while nothing answers."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return None
    try:
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock, server_hostname=host)
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                     .encode())
        line = sock.makefile("rb").readline().split()
        return int(line[1]) if len(line) > 1 else None
    except (OSError, ValueError):
        return None
    finally:
        sock.close()


def status_ip(obj):
    entries = obj.get("status", {}).get("loadBalancer", {}).get("ingress") or [{}]
    return entries[0].get("ip")


class ConsoleBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_browser("console browser test")
        cls.echo = EchoBackend(cls.addClassCleanup, "web")
        cls.t = Tenants(cls.addClassCleanup, extra_args=["--nodeport-range", NODEPORT_RANGE])
        cls.seed()

    @classmethod
    def seed(cls):
        t, api = cls.t, cls.t.api
        api.kubectl("apply", "-f", "-", input=json.dumps(backend_objects("p1", "web",
                                                                         cls.echo.port)))
        pki = Pki(make_temp_dir(cls.addClassCleanup, "waygate-e2e-console-pki-"))
        leaf = pki.leaf("secure", ["secure.p1.example.com"])
        api.kubectl("apply", "-f", "-", input=json.dumps(leaf.secret("secure-tls", "p1")))
        gw = t.admin_create(GATEWAYS, gateway("p1"))
        cls.node_ports = {p["name"]: p["nodePort"] for p in gw["spec"]["service"]["ports"]}

        path = INGRESSES.format(ns="p1")
        # Created a second apart (creationTimestamp has second resolution): old and older
        # first (the batch delete's victims), then web, then secure.
        t.admin_create(path, route("old", "old.p1.example.com", {"app": "legacy"}))
        t.admin_create(path, route("older", "older.p1.example.com", {"app": "legacy"}))
        time.sleep(1.1)
        t.admin_create(path, route("web", "web.p1.example.com", {"app": "shop", "tier": "front"},
                                   {ALIAS: "网店前台", DESCRIPTION: "The shop's storefront"}))
        time.sleep(1.1)
        t.admin_create(path, route("secure", "secure.p1.example.com", {"app": "api"},
                                   {ALIAS: "安全接口", DESCRIPTION: "HTTPS API"},
                                   paths=(("/api", "Prefix"), ("/exact", "Exact")),
                                   tls_secret="secure-tls"))
        t.admin_create("/api/v1/namespaces/p1/events",
                       event("web", "Seeded", "seeded by the console e2e test"))

        # The gateway serves p1's routes on its node ports: wait until both answer, so the
        # browser's "Open" links have something to reach.
        for host, port, tls, target in (("web.p1.example.com", cls.node_ports["http"], False, "/"),
                                        ("secure.p1.example.com", cls.node_ports["https"], True,
                                         "/api")):
            wait_until(lambda: answer(host, port, tls, target) == 200, timeout=20,
                       what=f"{host}{target} through the gateway's node port {port}")
        # ... and the ingress status carries the node address (the list's gateway address).
        wait_until(lambda: all(status_ip(t.admin_get(f"{path}/{n}")) == "127.0.0.1"
                               for n in ("web", "secure")),
                   timeout=20, what="the node address in the ingress status")

    def test_console_in_browser(self):
        # The binary must carry the real console, not the "not built" placeholder.
        conn = http.client.HTTPSConnection(*self.t.api.address, context=self.t.ctx, timeout=10)
        try:
            conn.request("GET", "/", headers={"Accept": "text/html"})
            page = conn.getresponse().read().decode()
        finally:
            conn.close()
        self.assertIn("/console/main-", page,
                      "the binary embeds the placeholder page: build with node and "
                      "console/node_modules (make setup)")

        env = browser_environment(self.t, nodePorts=self.node_ports, echoName=self.echo.name)
        run_node(self, [TEST_SCRIPT], env=env)


if __name__ == "__main__":
    unittest.main()
