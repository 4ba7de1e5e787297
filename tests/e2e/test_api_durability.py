"""Durability and history: kill -9 loses no acknowledged write; compacted history answers
410 Expired to a watch that is too old, as kube-apiserver over etcd does."""

import json
import ssl
import threading
import time
import unittest
import urllib.error
import urllib.request

from api_harness import ApiServer, ingress
from harness import wait_until


def raw_get(api, path, timeout=10):
    ctx = ssl.create_default_context(cafile=api.ca_file)
    req = urllib.request.Request(api.url + path,
                                 headers={"Authorization": "Bearer " + api.token})
    return urllib.request.urlopen(req, context=ctx, timeout=timeout)


class KillNineTest(unittest.TestCase):
    def test_acknowledged_writes_survive_kill_9(self):
        api = ApiServer(self.addCleanup)
        api.kubectl("create", "namespace", "durable")
        acknowledged = []
        stop = threading.Event()
        errors = []

        def writer(worker):
            i = 0
            while not stop.is_set():
                name = f"w{worker}-{i}"
                out = api.kubectl("create", "-f", "-", check=False, input=json.dumps(
                    ingress(name, "durable", f"{name}.example.com")))
                if out.returncode == 0:
                    acknowledged.append(name)  # kubectl printed success: the API said 201
                elif api.process.alive():
                    errors.append(out.stderr)
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acknowledged) >= 15, timeout=60, what="15 acknowledged creates")
        api.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        before_restart = list(acknowledged)

        api.start()  # same data dir: reopens the store
        names = set(api.kubectl("get", "ingress", "-n", "durable", "-o",
                                "jsonpath={.items[*].metadata.name}").stdout.split())
        missing = [n for n in before_restart if n not in names]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged creates lost after kill -9")
        # The store keeps counting from where it was: new writes get higher resourceVersions.
        latest = max(int(i["metadata"]["resourceVersion"]) for i in
                     api.kubectl_json("get", "ingress", "-n", "durable")["items"])
        fresh = api.kubectl_json("create", "configmap", "after", "-n", "durable",
                                 "--from-literal=a=b")
        self.assertGreater(int(fresh["metadata"]["resourceVersion"]), latest)


class CompactionTest(unittest.TestCase):
    def test_watch_from_a_compacted_revision_gets_410_expired(self):
        api = ApiServer(self.addCleanup, extra_args=["--compaction-interval", "200ms"])
        old = json.load(raw_get(api, "/api/v1/namespaces"))["metadata"]["resourceVersion"]
        for i in range(3):
            api.kubectl("create", "namespace", f"churn{i}")

        def expired():
            with raw_get(api, f"/api/v1/namespaces?watch=1&resourceVersion={old}") as resp:
                line = resp.readline()
            event = json.loads(line)
            return event if event["type"] == "ERROR" else None

        event = wait_until(expired, timeout=10, what="a 410 ERROR event after compaction")
        self.assertEqual(event["object"]["code"], 410)
        self.assertEqual(event["object"]["reason"], "Expired")
        self.assertIn(f"too old resource version: {old}", event["object"]["message"])
        # A watch from the current revision still works.
        now = json.load(raw_get(api, "/api/v1/namespaces"))["metadata"]["resourceVersion"]
        with raw_get(api, f"/api/v1/namespaces?watch=1&resourceVersion={now}"
                          "&timeoutSeconds=1") as resp:
            self.assertEqual(resp.status, 200)


if __name__ == "__main__":
    unittest.main()
