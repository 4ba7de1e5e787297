"""The API's HTTP edges, checked on the wire: authentication, body limits, media types,
undecodable bodies, discovery negotiation."""

import json
import ssl
import unittest
import urllib.error
import urllib.request

from api_harness import ApiServer


class ApiHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup)
        cls.ctx = ssl.create_default_context(cafile=cls.api.ca_file)

    def request(self, method, path, body=None, headers=None, token=True):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + self.api.token
        req = urllib.request.Request(self.api.url + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def test_no_token_is_401_but_health_is_public(self):
        status, _, body = self.request("GET", "/api/v1/namespaces", token=False)
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["reason"], "Unauthorized")
        status, _, _ = self.request("GET", "/api/v1/namespaces", token=False,
                                    headers={"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        self.assertEqual(self.request("GET", "/healthz", token=False)[:1], (200,))
        self.assertEqual(self.request("GET", "/readyz", token=False)[0], 200)

    def test_body_over_3_mib_is_413_and_nothing_is_stored(self):
        big = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "big"}, "data": {"x": "a" * (3 * 1024 * 1024)}})
        status, _, body = self.request("POST", "/api/v1/namespaces/default/configmaps",
                                       big.encode(), {"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertIn("Request entity too large: limit is 3145728", json.loads(body)["message"])
        self.assertEqual(self.request("GET", "/api/v1/namespaces/default/configmaps/big")[0], 404)

    def test_undecodable_body_is_400_with_line_and_column(self):
        status, _, body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b'{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": x}\n}',
            {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        message = json.loads(body)["message"]
        self.assertRegex(message, r"line 4")
        yaml_status, _, yaml_body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
            {"Content-Type": "application/yaml"})
        self.assertEqual(yaml_status, 400)
        self.assertRegex(json.loads(yaml_body)["message"], r"line \d+")

    def test_unknown_media_type_is_415(self):
        status, _, body = self.request("POST", "/api/v1/namespaces/default/configmaps", b"x",
                                       {"Content-Type": "text/csv"})
        self.assertEqual(status, 415)
        self.assertEqual(json.loads(body)["reason"], "UnsupportedMediaType")
        status, _, _ = self.request("PATCH", "/api/v1/namespaces/default", b"{}",
                                    {"Content-Type": "application/json"})
        self.assertEqual(status, 415)

    def test_yaml_body_is_accepted(self):
        status, _, body = self.request(
            "POST", "/api/v1/namespaces/default/configmaps",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n",
            {"Content-Type": "application/yaml"})
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["data"], {"k": "v"})

    def test_aggregated_discovery_when_asked(self):
        accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                  "application/json")
        status, headers, body = self.request("GET", "/apis", headers={"Accept": accept})
        self.assertEqual(status, 200)
        self.assertIn("as=APIGroupDiscoveryList", headers["Content-Type"])
        doc = json.loads(body)
        groups = {g["metadata"]["name"]: g for g in doc["items"]}
        self.assertIn("networking.k8s.io", groups)
        ingresses = [r for r in groups["networking.k8s.io"]["versions"][0]["resources"]
                     if r["resource"] == "ingresses"][0]
        self.assertEqual(ingresses["scope"], "Namespaced")
        self.assertEqual(ingresses["subresources"][0]["subresource"], "status")
        status, headers, body = self.request("GET", "/apis")
        self.assertEqual(json.loads(body)["kind"], "APIGroupList")

    def test_status_subresource_changes_only_status(self):
        ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "st", "namespace": "default"},
               "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
               "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}}}
        status, _, body = self.request("POST", "/apis/networking.k8s.io/v1/namespaces/default/"
                                       "ingresses", json.dumps(ing).encode(),
                                       {"Content-Type": "application/json"})
        self.assertEqual(status, 201, body)
        created = json.loads(body)
        self.assertNotIn("status", created)  # status is not set through the main resource
        patch = {"status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.9"}]}},
                 "spec": {"defaultBackend": {"service": {"name": "other",
                                                         "port": {"number": 81}}}}}
        status, _, body = self.request(
            "PATCH", "/apis/networking.k8s.io/v1/namespaces/default/ingresses/st/status",
            json.dumps(patch).encode(), {"Content-Type": "application/merge-patch+json"})
        self.assertEqual(status, 200, body)
        after = json.loads(body)
        self.assertEqual(after["status"]["loadBalancer"]["ingress"], [{"ip": "10.0.0.9"}])
        self.assertEqual(after["spec"]["defaultBackend"]["service"]["name"], "web")
        self.assertEqual(after["metadata"]["generation"], 1)


if __name__ == "__main__":
    unittest.main()
