"""The API server driven by Debian's python3-kubernetes client (run with /usr/bin/python3):
list, watch, create, patch, and the errors the client raises."""

import threading
import unittest

from api_harness import ApiServer, ingress
from harness import wait_until

from kubernetes import client, watch
from kubernetes.client.rest import ApiException


class PythonClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup)
        config = client.Configuration()
        config.host = cls.api.url
        config.ssl_ca_cert = cls.api.ca_file
        config.api_key = {"authorization": "Bearer " + cls.api.token}
        cls.api_client = client.ApiClient(config)
        cls.addClassCleanup(cls.api_client.close)
        cls.core = client.CoreV1Api(cls.api_client)
        cls.net = client.NetworkingV1Api(cls.api_client)
        cls.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="py")))

    def test_create_list_patch(self):
        created = self.net.create_namespaced_ingress("py", ingress("one", "py", "one.example.com"))
        self.assertEqual(created.metadata.name, "one")
        self.assertEqual(created.metadata.generation, 1)
        listed = self.net.list_namespaced_ingress("py")
        self.assertIn("one", [i.metadata.name for i in listed.items])
        self.assertTrue(listed.metadata.resource_version.isdigit())
        patched = self.net.patch_namespaced_ingress(
            "one", "py", {"metadata": {"labels": {"patched": "yes"}}})
        self.assertEqual(patched.metadata.labels, {"patched": "yes"})
        self.assertGreater(int(patched.metadata.resource_version),
                           int(created.metadata.resource_version))
        selected = self.net.list_namespaced_ingress("py", label_selector="patched=yes")
        self.assertEqual([i.metadata.name for i in selected.items], ["one"])

    def test_errors_are_status_objects(self):
        with self.assertRaises(ApiException) as missing:
            self.net.read_namespaced_ingress("absent", "py")
        self.assertEqual(missing.exception.status, 404)
        self.assertIn('"reason":"NotFound"', missing.exception.body)
        bad = ingress("bad", "py", "Bad.Example.com")
        with self.assertRaises(ApiException) as invalid:
            self.net.create_namespaced_ingress("py", bad)
        self.assertEqual(invalid.exception.status, 422)
        self.assertIn('"field":"spec.rules[0].host"', invalid.exception.body)
        self.assertEqual(self.net.list_namespaced_ingress("py", field_selector="metadata.name=bad")
                         .items, [])

    def test_update_conflict(self):
        self.net.create_namespaced_ingress("py", ingress("cas", "py", "cas.example.com"))
        first = self.net.read_namespaced_ingress("cas", "py")
        second = self.net.read_namespaced_ingress("cas", "py")
        first.spec.rules[0].host = "first.example.com"
        self.net.replace_namespaced_ingress("cas", "py", first)
        second.spec.rules[0].host = "second.example.com"
        with self.assertRaises(ApiException) as conflict:
            self.net.replace_namespaced_ingress("cas", "py", second)
        self.assertEqual(conflict.exception.status, 409)
        self.assertEqual(self.net.read_namespaced_ingress("cas", "py").spec.rules[0].host,
                         "first.example.com")

    def test_watch_from_resource_version(self):
        start = self.net.list_namespaced_ingress("py").metadata.resource_version
        events = []
        done = threading.Event()

        def run():
            w = watch.Watch()
            for event in w.stream(self.net.list_namespaced_ingress, "py",
                                  resource_version=start, timeout_seconds=20):
                events.append((event["type"], event["object"].metadata.name))
                if len(events) >= 3:
                    w.stop()
            done.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.net.create_namespaced_ingress("py", ingress("watched", "py", "w.example.com"))
        self.net.patch_namespaced_ingress("watched", "py", {"metadata": {"labels": {"a": "b"}}})
        self.net.delete_namespaced_ingress("watched", "py")
        wait_until(done.is_set, timeout=20, what="three watch events")
        self.assertEqual(events, [("ADDED", "watched"), ("MODIFIED", "watched"),
                                  ("DELETED", "watched")])

    def test_delete_collection_by_label(self):
        self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="dc")))
        for name, team in [("a", "x"), ("b", "x"), ("c", "y")]:
            self.net.create_namespaced_ingress("dc", ingress(name, "dc", f"{name}.example.com",
                                                             labels={"team": team}))
        self.net.delete_collection_namespaced_ingress("dc", label_selector="team=x")
        left = [i.metadata.name for i in self.net.list_namespaced_ingress("dc").items]
        self.assertEqual(left, ["c"])

    def test_watch_with_selector_sees_objects_leave_the_selection(self):
        start = self.net.list_namespaced_ingress("py").metadata.resource_version
        self.net.create_namespaced_ingress("py", ingress("sel", "py", "sel.example.com",
                                                         labels={"stage": "beta"}))
        self.net.patch_namespaced_ingress("sel", "py", {"metadata": {"labels": {"stage": "ga"}}})
        events = []
        w = watch.Watch()
        for event in w.stream(self.net.list_namespaced_ingress, "py", label_selector="stage=beta",
                              resource_version=start, timeout_seconds=10):
            events.append((event["type"], event["object"].metadata.name))
            if len(events) == 2:
                w.stop()
        # It entered the selection (ADDED) and left it with the relabel (DELETED), as kube's
        # watch cache reports it.
        self.assertEqual(events, [("ADDED", "sel"), ("DELETED", "sel")])

    def test_watch_with_a_malformed_resource_version_is_400(self):
        with self.assertRaises(ApiException) as bad:
            self.net.list_namespaced_ingress("py", resource_version="abc", watch=True,
                                             timeout_seconds=2, _preload_content=False)
        self.assertEqual(bad.exception.status, 400)


if __name__ == "__main__":
    unittest.main()
