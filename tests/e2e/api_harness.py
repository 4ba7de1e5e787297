"""Harness for the control plane: a real `waygate serve` on a temp data dir, real kubectl.

kubectl on this machine is a dispatcher that picks the client matching the server's /version;
every kubectl call gets a private HOME and --cache-dir so discovery caches never leak between
tests or runs.
"""

import json
import os
import signal
import subprocess
import time
import tempfile

from harness import WAYGATE_BIN, Process, make_temp_dir, require_binary, wait_until

KUBECTL = os.environ.get("KUBECTL", "/usr/bin/kubectl")


class ApiServer:
    """`waygate serve` with its own data dir; `kubectl()` runs real kubectl against it."""

    def __init__(self, cleanup, data_dir=None, extra_args=(), api_port=0):
        require_binary()
        self.cleanup = cleanup
        self.data_dir = data_dir or make_temp_dir(cleanup, "waygate-api-data-")
        self.home = make_temp_dir(cleanup, "waygate-kubectl-home-")
        self.extra_args = list(extra_args)
        self.api_port = api_port
        self.start()

    def start(self):
        """Starts (or restarts, on the same data dir and API port) the server. Its gateway
        node listens on free ports (`self.http`, `self.admin`)."""
        self.process = Process(
            [WAYGATE_BIN, "serve", "--data-dir", self.data_dir, "--api-listen",
             f"127.0.0.1:{self.api_port}", "--node-ip", "127.0.0.1", "--http-listen",
             "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--workers", "1"] + self.extra_args,
            "serve", self.cleanup, expect_listeners=["api", "http", "admin"], timeout=20.0)
        self.address = self.process.address("api")
        self.api_port = self.address[1]  # a restart keeps the port clients know
        self.http = self.process.address("http")
        self.admin = self.process.address("admin")
        out = subprocess.run([WAYGATE_BIN, "kubeconfig", "--data-dir", self.data_dir],
                             capture_output=True, text=True, check=True)
        self.kubeconfig_text = out.stdout
        self.kubeconfig = os.path.join(self.home, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            f.write(out.stdout)
        with open(os.path.join(self.data_dir, "admin-token")) as f:
            self.token = f.read().strip()
        self.ca_file = os.path.join(self.data_dir, "pki", "ca.crt")
        self.url = f"https://{self.address[0]}:{self.address[1]}"

    def kill9(self):
        """SIGKILL: no shutdown path runs."""
        self.process.popen.send_signal(signal.SIGKILL)
        self.process.popen.wait(timeout=10)
        self.process.crash_reported = True  # expected death, not a crash to report

    def kubectl(self, *args, input=None, check=True, env=None, timeout=60):
        """Runs kubectl; returns CompletedProcess. check=True raises with stderr on failure."""
        full_env = dict(os.environ)
        full_env.update({"HOME": self.home, "KUBECONFIG": self.kubeconfig})
        full_env.pop("KUBECTL_EXTERNAL_DIFF", None)
        if env:
            full_env.update(env)
        cmd = [KUBECTL, "--cache-dir", os.path.join(self.home, "cache")] + [str(a) for a in args]
        result = subprocess.run(cmd, input=input, capture_output=True, text=True, env=full_env,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(map(str, args))} failed ({result.returncode}):\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def kubectl_json(self, *args):
        return json.loads(self.kubectl(*args, "-o", "json").stdout)


def ingress(name, namespace, host, service="web", port=80, path="/", labels=None,
            annotations=None):
    """An Ingress as a dict (kubectl takes JSON manifests as readily as YAML)."""
    meta = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
        "spec": {"ingressClassName": "waygate", "rules": [{"host": host, "http": {"paths": [{
            "path": path, "pathType": "Prefix",
            "backend": {"service": {"name": service, "port": {"number": port}}}}]}}]}}


def wait_for(test, what, probe, timeout=15, interval=0.1):
    """Polls `probe` until it returns something truthy and returns that; fails `test` (a
    unittest.TestCase) naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    value = probe()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = probe()
    test.assertTrue(value, f"timed out waiting for {what}")
    return value
