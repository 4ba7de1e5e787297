"""Issue 7's permission matrix: who may do what to Ingresses, Services, Endpoints, Secrets, Roles,
RoleBindings, Gateways and Namespaces, asserted cell by cell, plus the tenancy rules (host
claims, same-namespace references, the creator annotation).

Setup (as the bootstrap admin, group system:masters): projects p1 and p2 (workspace ws1) holding
the same objects; Users applied with kubectl: `platform` (ClusterRoleBinding to platform-admin),
`padmin`, `operator`, `viewer` (RoleBindings `<user>-<role>` in p1 to the project ClusterRoles)
and `outsider` (no binding). Every user signs in (`POST /oauth/token`) and gets its own
kubeconfig (`waygate kubeconfig --user`) and kubectl cache.

The bulk of the matrix goes over HTTP with the user's bearer token (what kubectl sends, same 403
semantics, a few ms a cell); real kubectl runs one row per user, the `auth can-i` checks and the
exact wording of a few refusals."""

import http.client
import json
import os
import ssl
import subprocess
import unittest
import urllib.parse

from api_harness import KUBECTL, ApiServer, ingress
from harness import WAYGATE_BIN, make_temp_dir
from test_gateways import NS as CONTROLS, gateway

ALLOWED, FORBIDDEN = "allowed", "forbidden"
USERS = ("platform", "padmin", "operator", "viewer", "outsider")
PROJECT_ROLE = {"padmin": "admin", "operator": "operator", "viewer": "viewer"}
CLUSTER_GATEWAY = "kubesphere-router-kubesphere-system"
CREATOR = "kubesphere.io/creator"
AUTH = "nginx.ingress.kubernetes.io/"

MANAGE = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
READ = ("get", "list", "watch")

# resource -> (API group, version, kind), as the matrix sees them.
RESOURCES = {
    "ingresses": ("networking.k8s.io", "v1", "Ingress"),
    "services": ("", "v1", "Service"),
    "endpoints": ("", "v1", "Endpoints"),
    "secrets": ("", "v1", "Secret"),
    "roles": ("rbac.authorization.k8s.io", "v1", "Role"),
    "rolebindings": ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
}

# What each user may do in its own project p1 (the contract; platform may do everything
# everywhere; nobody but platform may do anything in p2).
RIGHTS_IN_P1 = {
    "padmin": {r: MANAGE for r in RESOURCES},
    "operator": {"ingresses": MANAGE, "services": MANAGE, "endpoints": MANAGE,
                 "secrets": MANAGE},
    # The viewer role has no Secrets at all: their data (and names) are never shown.
    "viewer": {"ingresses": READ, "services": READ, "endpoints": READ},
    "outsider": {},
}


def expected(user, verb, resource, namespace):
    if user == "platform":
        return ALLOWED
    if namespace != "p1":
        return FORBIDDEN
    return ALLOWED if verb in RIGHTS_IN_P1[user].get(resource, ()) else FORBIDDEN


# The matrix: (user, verb, resource, namespace, expected) for every verb on every namespaced
# resource in the own (p1) and the other (p2) project.
CELLS = [(user, verb, resource, ns, expected(user, verb, resource, ns))
         for user in USERS for ns in ("p1", "p2") for resource in RESOURCES for verb in MANAGE]

# Gateways, run in this order (a create or delete changes what the next cells see):
# (user, verb, gateway name in kubesphere-controls-system, expected). kubesphere-router-p2
# exists from the start (made by admin); the cluster gateway is made by platform midway, after
# padmin has tried to make it (so a wrongly allowed create shows as a 201, not a 409).
GATEWAY_CELLS = [
    ("operator", "create", "kubesphere-router-p1", FORBIDDEN),
    ("viewer", "create", "kubesphere-router-p1", FORBIDDEN),
    ("outsider", "create", "kubesphere-router-p1", FORBIDDEN),
    ("padmin", "create", "kubesphere-router-p2", FORBIDDEN),
    ("padmin", "create", CLUSTER_GATEWAY, FORBIDDEN),
    ("padmin", "create", "kubesphere-router-p1", ALLOWED),
    ("padmin", "get", "kubesphere-router-p1", ALLOWED),
    ("padmin", "update", "kubesphere-router-p1", ALLOWED),
    ("padmin", "patch", "kubesphere-router-p1", ALLOWED),
    ("operator", "get", "kubesphere-router-p1", ALLOWED),
    ("operator", "update", "kubesphere-router-p1", FORBIDDEN),
    ("operator", "patch", "kubesphere-router-p1", FORBIDDEN),
    ("operator", "delete", "kubesphere-router-p1", FORBIDDEN),
    ("viewer", "get", "kubesphere-router-p1", ALLOWED),
    ("viewer", "update", "kubesphere-router-p1", FORBIDDEN),
    ("viewer", "patch", "kubesphere-router-p1", FORBIDDEN),
    ("viewer", "delete", "kubesphere-router-p1", FORBIDDEN),
    ("outsider", "get", "kubesphere-router-p1", FORBIDDEN),
    ("outsider", "patch", "kubesphere-router-p1", FORBIDDEN),
    ("outsider", "delete", "kubesphere-router-p1", FORBIDDEN),
    ("padmin", "get", "kubesphere-router-p2", FORBIDDEN),
    ("padmin", "update", "kubesphere-router-p2", FORBIDDEN),
    ("padmin", "patch", "kubesphere-router-p2", FORBIDDEN),
    ("padmin", "delete", "kubesphere-router-p2", FORBIDDEN),
    ("operator", "get", "kubesphere-router-p2", FORBIDDEN),
    ("viewer", "get", "kubesphere-router-p2", FORBIDDEN),
    ("platform", "get", "kubesphere-router-p2", ALLOWED),
    ("platform", "patch", "kubesphere-router-p2", ALLOWED),
    ("platform", "get", "kubesphere-router-p1", ALLOWED),
    ("platform", "create", CLUSTER_GATEWAY, ALLOWED),
    ("padmin", "get", CLUSTER_GATEWAY, FORBIDDEN),
    ("padmin", "update", CLUSTER_GATEWAY, FORBIDDEN),
    ("padmin", "patch", CLUSTER_GATEWAY, FORBIDDEN),
    ("padmin", "delete", CLUSTER_GATEWAY, FORBIDDEN),
    ("operator", "get", CLUSTER_GATEWAY, FORBIDDEN),
    ("viewer", "get", CLUSTER_GATEWAY, FORBIDDEN),
    ("platform", "update", CLUSTER_GATEWAY, ALLOWED),
    ("padmin", "delete", "kubesphere-router-p1", ALLOWED),
    ("platform", "delete", CLUSTER_GATEWAY, ALLOWED),
    ("platform", "delete", "kubesphere-router-p2", ALLOWED),
]

# Namespaces (cluster-scoped): (user, verb, name or None for the collection, expected).
# Run last (a wrongly allowed delete of p1 would spoil every other cell).
NAMESPACE_CELLS = [
    (user, "get", "p1", FORBIDDEN if user == "outsider" else ALLOWED) for user in USERS
] + [
    (user, "get", "p2", ALLOWED if user == "platform" else FORBIDDEN) for user in USERS
] + [
    (user, "list", None, FORBIDDEN if user == "outsider" else ALLOWED) for user in USERS
] + [
    (user, "create", "made-by-" + user, ALLOWED if user == "platform" else FORBIDDEN)
    for user in USERS
] + [
    (user, "delete", "p1", FORBIDDEN) for user in USERS if user != "platform"
] + [
    ("padmin", "delete", "p2", FORBIDDEN),
    ("platform", "delete", "made-by-platform", ALLOWED),
]

# Real kubectl, one row per user: (verb, resource, namespace, name); the expectation is the
# matrix's. `{user}` in a name is replaced by the user's name.
KUBECTL_ROW = [
    ("get", "ingresses", "p1", "web"),
    ("list", "ingresses", "p1", None),
    ("list", "secrets", "p1", None),
    ("create", "services", "p1", "kc-{user}"),
    ("patch", "ingresses", "p1", "web"),
    ("delete", "endpoints", "p1", "kd-{user}"),
    ("list", "ingresses", "p2", None),
    ("get", "services", "p2", "web"),
]

# `kubectl auth can-i VERB RESOURCE -n NS` per user: (verb, resource as kubectl takes it,
# namespace, expected answer per user in USERS order).
G = "gateways.gateway.kubesphere.io/"
CAN_I = [
    ("create", "ingresses", "p1", ("yes", "yes", "yes", "no", "no")),
    ("list", "endpoints", "p1", ("yes", "yes", "yes", "yes", "no")),
    ("get", "secrets", "p1", ("yes", "yes", "yes", "no", "no")),
    ("delete", "services", "p1", ("yes", "yes", "yes", "no", "no")),
    ("create", "rolebindings", "p1", ("yes", "yes", "no", "no", "no")),
    ("get", "ingresses", "p2", ("yes", "no", "no", "no", "no")),
    ("delete", "secrets", "p2", ("yes", "no", "no", "no", "no")),
    ("get", G + "kubesphere-router-p1", CONTROLS, ("yes", "yes", "yes", "yes", "no")),
    ("update", G + "kubesphere-router-p1", CONTROLS, ("yes", "yes", "no", "no", "no")),
    ("get", G + "kubesphere-router-p2", CONTROLS, ("yes", "no", "no", "no", "no")),
    ("patch", G + CLUSTER_GATEWAY, CONTROLS, ("yes", "no", "no", "no", "no")),
    ("get", "namespaces/p1", None, ("yes", "yes", "yes", "yes", "no")),
    ("delete", "namespaces/p1", None, ("yes", "no", "no", "no", "no")),
]


def user_manifest(name):
    return {"apiVersion": "iam.kubesphere.io/v1alpha2", "kind": "User",
            "metadata": {"name": name},
            "spec": {"email": f"{name}@example.com", "password": password_of(name)}}


def password_of(user):
    return f"{user}-Pa55word"


def namespace_manifest(name):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubesphere.io/workspace": "ws1"}}}


def member_binding(user, role, namespace="p1"):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": f"{user}-{role}", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": f"kubesphere-project-{role}"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                          "name": user}]}


def platform_binding(user):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": f"{user}-platform-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "platform-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                          "name": user}]}


def collection_path(resource, namespace):
    group, version, _ = RESOURCES[resource]
    prefix = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    return f"{prefix}/namespaces/{namespace}/{resource}"


def manifest(resource, namespace, name, labels=None):
    """A valid object of `resource` named `name` (hosts are unique per object, so no cell
    trips over a host claim)."""
    group, version, kind = RESOURCES[resource]
    if resource == "ingresses":
        obj = ingress(name, namespace, f"{name}.{namespace}.perm.example.com")
    else:
        obj = {"apiVersion": f"{group}/{version}" if group else version, "kind": kind,
               "metadata": {"name": name, "namespace": namespace}}
    if resource == "services":
        obj["spec"] = {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}
    elif resource == "endpoints":
        obj["subsets"] = [{"addresses": [{"ip": "127.0.0.1"}],
                           "ports": [{"name": "http", "port": 8080}]}]
    elif resource == "secrets":
        obj["type"] = "Opaque"
        obj["data"] = {"key": "dmFsdWU="}
    elif resource == "roles":
        obj["rules"] = [{"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"],
                         "verbs": ["get"]}]
    elif resource == "rolebindings":
        obj["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                          "name": "kubesphere-project-viewer"}
        obj["subjects"] = [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                            "name": "newbie"}]
    if labels:
        obj["metadata"]["labels"] = dict(labels)
    return obj


def group_prefix(group):
    return "" if not group else "." + group


def forbidden_message(user, verb, group, resource, namespace, name=""):
    """kube-apiserver's wording of an RBAC refusal."""
    subject = resource + group_prefix(group)
    if name:
        subject += f' "{name}"'
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    return (f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
            f'in API group "{group}"{where}')


class Tenants:
    """A server with projects p1, p2 and the five users, each with a token (POST /oauth/token),
    a kubeconfig (`waygate kubeconfig --user`) and a kubectl HOME + cache of its own."""

    def __init__(self, cleanup, extra_args=(), users=USERS, namespaces=("p1", "p2")):
        self.api = ApiServer(cleanup, extra_args=extra_args)
        self.ctx = ssl.create_default_context(cafile=self.api.ca_file)
        self.cleanup = cleanup
        self.conns = {}
        cleanup(self.close_connections)
        objects = [namespace_manifest(ns) for ns in namespaces]
        objects += [user_manifest(u) for u in users]
        for user in users:
            if user == "platform":
                objects.append(platform_binding(user))
            elif user in PROJECT_ROLE:
                objects.append(member_binding(user, PROJECT_ROLE[user]))
        self.api.kubectl("apply", "-f", "-", input=json.dumps(
            {"apiVersion": "v1", "kind": "List", "items": objects}))
        self.tokens = {"admin": self.api.token}
        self.homes = {}
        for user in users:
            self.tokens[user] = self.login(user)
            self.homes[user] = self.make_home(user)

    # --- identities ---

    def login(self, user):
        status, body = self.call(None, "POST", "/oauth/token", urllib.parse.urlencode(
            {"grant_type": "password", "username": user, "password": password_of(user)}),
            content_type="application/x-www-form-urlencoded")
        if status != 200:
            raise AssertionError(f"login as {user}: {status} {body[:300]!r}")
        return json.loads(body)["access_token"]

    def make_home(self, user):
        home = make_temp_dir(self.cleanup, f"waygate-kubectl-{user}-")
        out = subprocess.run([WAYGATE_BIN, "kubeconfig", "--data-dir", self.api.data_dir,
                              "--user", user], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"waygate kubeconfig --user {user}: {out.stderr}")
        with open(os.path.join(home, "kubeconfig"), "w") as f:
            f.write(out.stdout)
        return home

    # --- clients ---

    def call(self, user, method, path, body=None, content_type="application/json",
             head_only=False):
        """One HTTPS request as `user` (None: no Authorization); returns (status, body bytes).
        Each user keeps one keep-alive connection, as kubectl does. head_only: the status line
        is enough (a watch would stream), on a connection of its own that is closed after."""
        headers = {"Accept": "application/json"}
        if user is not None:
            headers["Authorization"] = "Bearer " + self.tokens[user]
        if body is not None:
            if not isinstance(body, (str, bytes)):
                body = json.dumps(body)
            headers["Content-Type"] = content_type
        if head_only:
            conn = self.connect()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, b"" if resp.status == 200 else resp.read()
            finally:
                conn.close()
        conn = self.conns.get(user)
        if conn is None:
            conn = self.conns[user] = self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except Exception:
            conn.close()
            del self.conns[user]
            raise
        if resp.getheader("Connection", "").lower() == "close":
            conn.close()
            del self.conns[user]
        return resp.status, data

    def connect(self):
        host, port = self.api.address
        return http.client.HTTPSConnection(host, port, context=self.ctx, timeout=30)

    def close_connections(self):
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()

    def admin_create(self, path, obj):
        status, body = self.call("admin", "POST", path, obj)
        if status != 201:
            raise AssertionError(f"admin POST {path}: {status} {body[:400]!r}")
        return json.loads(body)

    def admin_get(self, path):
        status, body = self.call("admin", "GET", path)
        if status != 200:
            raise AssertionError(f"admin GET {path}: {status} {body[:400]!r}")
        return json.loads(body)

    def update(self, user, path):
        """PUT as `user` of the object at `path` (read by admin) with label updated-by=user.
        The controllers write status meanwhile (Gateways, Ingresses), so a 409 is retried on a
        fresh read, as kubectl edit/replace users do."""
        for _ in range(10):
            current = self.admin_get(path)
            current["metadata"].setdefault("labels", {})["updated-by"] = user
            status, body = self.call(user, "PUT", path, current)
            if status != 409:
                break
        return status, body

    def kubectl(self, user, *args, input=None):
        home = self.homes[user]
        env = dict(os.environ, HOME=home, KUBECONFIG=os.path.join(home, "kubeconfig"))
        env.pop("KUBECTL_EXTERNAL_DIFF", None)
        return subprocess.run(
            [KUBECTL, "--kubeconfig", os.path.join(home, "kubeconfig"), "--cache-dir",
             os.path.join(home, "cache")] + [str(a) for a in args],
            input=input, capture_output=True, text=True, env=env, timeout=60)


def describe(result):
    return (f"exit {result.returncode}\nstdout: {result.stdout[-800:]}\n"
            f"stderr: {result.stderr[-800:]}")


class PermissionMatrixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = Tenants(cls.addClassCleanup, extra_args=["--nodeport-range", "32900-32999"])
        t = cls.t
        for ns in ("p1", "p2"):
            for resource in RESOURCES:
                path = collection_path(resource, ns)
                t.admin_create(path, manifest(resource, ns, "web"))
                # Victims: one per user for `delete`, one per user for `deletecollection`
                # (selected by its label, so an allowed deletecollection takes only it).
                for user in USERS:
                    t.admin_create(path, manifest(resource, ns, f"d-{user}"))
                    t.admin_create(path, manifest(resource, ns, f"dc-{user}",
                                                  {"victim": f"dc-{user}"}))
        for user in USERS:  # kubectl's row deletes these
            t.admin_create(collection_path("endpoints", "p1"),
                           manifest("endpoints", "p1", f"kd-{user}"))
        t.admin_create(f"/apis/gateway.kubesphere.io/v1alpha1/namespaces/{CONTROLS}/gateways",
                       gateway("p2"))

    # --- one cell over HTTP ---

    def run_cell(self, user, verb, resource, ns):
        t = self.t
        path = collection_path(resource, ns)
        if verb == "get":
            return t.call(user, "GET", f"{path}/web")
        if verb == "list":
            return t.call(user, "GET", path)
        if verb == "watch":
            return t.call(user, "GET", f"{path}?watch=1&timeoutSeconds=2", head_only=True)
        if verb == "create":
            return t.call(user, "POST", path, manifest(resource, ns, f"c-{user}"))
        if verb == "update":
            return t.update(user, f"{path}/web")
        if verb == "patch":
            return t.call(user, "PATCH", f"{path}/web",
                          {"metadata": {"labels": {"patched-by": user}}},
                          content_type="application/merge-patch+json")
        if verb == "delete":
            return t.call(user, "DELETE", f"{path}/d-{user}")
        if verb == "deletecollection":
            return t.call(user, "DELETE", f"{path}?labelSelector=victim%3Ddc-{user}")
        raise ValueError(verb)

    def assert_cell(self, status, body, want, user, verb, what):
        text = body[:600].decode("utf-8", "replace")
        if want == ALLOWED:
            self.assertIn(status, (200, 201, 202), f"expected allowed, got {status}: {text}")
            return
        self.assertEqual(status, 403, f"expected 403, got {status}: {text}")
        doc = json.loads(body)
        self.assertEqual((doc.get("kind"), doc.get("status"), doc.get("reason"), doc.get("code")),
                         ("Status", "Failure", "Forbidden", 403), text)
        self.assertIn(f'User "{user}" cannot {verb} resource "{what}"', doc.get("message", ""))

    # --- the matrix ---

    def assert_effect(self, user, verb, resource, ns, want):
        """A refused write changed nothing; an allowed one did what it said."""
        path = collection_path(resource, ns)
        target = {"create": f"c-{user}", "delete": f"d-{user}",
                  "deletecollection": f"dc-{user}"}.get(verb, "web")
        status, body = self.t.call("admin", "GET", f"{path}/{target}")
        if verb in ("create", "delete", "deletecollection"):
            exists = verb == "create" if want == ALLOWED else verb != "create"
            self.assertEqual(status, 200 if exists else 404,
                             f"{ns}/{target} after {verb}: {body[:300]!r}")
        elif verb in ("update", "patch"):
            self.assertEqual(status, 200, body[:300])
            label = "updated-by" if verb == "update" else "patched-by"
            labels = json.loads(body)["metadata"].get("labels", {})
            self.assertEqual(labels.get(label) == user, want == ALLOWED, labels)

    def test_matrix_over_http(self):
        for user, verb, resource, ns, want in CELLS:
            with self.subTest(user=user, verb=verb, resource=resource, namespace=ns, want=want):
                status, body = self.run_cell(user, verb, resource, ns)
                self.assert_cell(status, body, want, user, verb, resource)
                self.assert_effect(user, verb, resource, ns, want)

    def test_gateway_cells_in_order(self):
        t = self.t
        coll = f"/apis/gateway.kubesphere.io/v1alpha1/namespaces/{CONTROLS}/gateways"
        for user, verb, name, want in GATEWAY_CELLS:
            with self.subTest(user=user, verb=verb, gateway=name, want=want):
                project = name[len("kubesphere-router-"):]
                if verb == "create":
                    status, body = t.call(user, "POST", coll, gateway(project))
                elif verb == "get":
                    status, body = t.call(user, "GET", f"{coll}/{name}")
                elif verb == "update":
                    status, body = t.update(user, f"{coll}/{name}")
                elif verb == "patch":
                    status, body = t.call(user, "PATCH", f"{coll}/{name}",
                                          {"metadata": {"labels": {"patched-by": user}}},
                                          content_type="application/merge-patch+json")
                elif verb == "delete":
                    status, body = t.call(user, "DELETE", f"{coll}/{name}")
                self.assert_cell(status, body, want, user, verb, "gateways")

    def test_zz_namespace_cells(self):
        """Last in the class: a wrongly allowed delete of p1 would spoil the other cells."""
        t = self.t
        for user, verb, name, want in NAMESPACE_CELLS:
            with self.subTest(user=user, verb=verb, namespace=name, want=want):
                if verb == "get":
                    status, body = t.call(user, "GET", f"/api/v1/namespaces/{name}")
                elif verb == "list":
                    status, body = t.call(user, "GET", "/api/v1/namespaces")
                elif verb == "create":
                    status, body = t.call(user, "POST", "/api/v1/namespaces",
                                          {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": name}})
                elif verb == "delete":
                    status, body = t.call(user, "DELETE", f"/api/v1/namespaces/{name}")
                self.assert_cell(status, body, want, user, verb, "namespaces")
                if verb == "list" and want == ALLOWED:
                    names = {i["metadata"]["name"] for i in json.loads(body)["items"]}
                    if user == "platform":
                        self.assertLessEqual({"p1", "p2", "default"}, names)
                    else:  # a member sees its projects only, filtered rather than refused
                        self.assertEqual(names, {"p1"})

    # --- real kubectl ---

    def kubectl_args(self, user, verb, resource, ns, name):
        kind = resource + group_prefix(RESOURCES[resource][0])
        name = name.format(user=user) if name else name
        if verb in ("get", "list"):
            return ["get", kind] + ([name] if name else []) + ["-n", ns], None
        if verb == "create":
            return ["create", "-f", "-"], json.dumps(manifest(resource, ns, name))
        if verb == "patch":
            return ["patch", kind, name, "-n", ns, "--type", "merge", "-p",
                    json.dumps({"metadata": {"labels": {"kubectl-patched-by": user}}})], None
        if verb == "delete":
            return ["delete", kind, name, "-n", ns], None
        raise ValueError(verb)

    def test_kubectl_row_per_user(self):
        for user in USERS:
            for verb, resource, ns, name in KUBECTL_ROW:
                want = expected(user, verb, resource, ns)
                with self.subTest(user=user, verb=verb, resource=resource, namespace=ns,
                                  want=want):
                    args, stdin = self.kubectl_args(user, verb, resource, ns, name)
                    result = self.t.kubectl(user, *args, input=stdin)
                    if want == ALLOWED:
                        self.assertEqual(result.returncode, 0, describe(result))
                    else:
                        self.assertNotEqual(result.returncode, 0, describe(result))
                        self.assertIn("Error from server (Forbidden)", result.stderr,
                                      describe(result))

    def test_kubectl_outsider_sees_nothing(self):
        for args in (["get", "ns"], ["get", "ingress", "-n", "p1"], ["get", "ns", "p1"],
                     ["get", "secrets", "-n", "p2"]):
            with self.subTest(args=args):
                result = self.t.kubectl("outsider", *args)
                self.assertNotEqual(result.returncode, 0, describe(result))
                self.assertIn("Error from server (Forbidden)", result.stderr, describe(result))
                self.assertNotIn("No resources found", result.stdout + result.stderr)

    def test_kubectl_member_namespace_list_is_filtered(self):
        for user in ("padmin", "operator", "viewer"):
            with self.subTest(user=user):
                result = self.t.kubectl(user, "get", "ns", "-o", "name")
                self.assertEqual(result.returncode, 0, describe(result))
                self.assertEqual(result.stdout.split(), ["namespace/p1"])
                result = self.t.kubectl(user, "get", "ns", "p1", "-o", "name")
                self.assertEqual(result.returncode, 0, describe(result))

    def test_can_i(self):
        for verb, resource, ns, answers in CAN_I:
            for user, want in zip(USERS, answers):
                with self.subTest(user=user, verb=verb, resource=resource, namespace=ns,
                                  want=want):
                    args = ["auth", "can-i", verb, resource] + (["-n", ns] if ns else [])
                    result = self.t.kubectl(user, *args)
                    self.assertEqual(result.stdout.strip(), want, describe(result))
                    self.assertEqual(result.returncode, 0 if want == "yes" else 1,
                                     describe(result))

    def test_access_reviews_over_http(self):
        """The same questions as test_can_i, as JSON SelfSubjectAccessReviews."""
        for verb, resource, ns, answers in CAN_I:
            kind, _, name = resource.partition("/")
            plural, _, group = kind.partition(".")
            group = group or RESOURCES.get(plural, ("",))[0]  # as kubectl's RESTMapper finds it
            attributes = {"verb": verb, "resource": plural, "group": group, "name": name,
                          "namespace": ns or ""}
            for user, want in zip(USERS, answers):
                with self.subTest(user=user, verb=verb, resource=resource, namespace=ns,
                                  want=want):
                    status, body = self.t.call(
                        user, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                        {"apiVersion": "authorization.k8s.io/v1",
                         "kind": "SelfSubjectAccessReview",
                         "spec": {"resourceAttributes": attributes}})
                    self.assertEqual(status, 201, body)
                    self.assertEqual(json.loads(body)["status"]["allowed"], want == "yes", body)

    def test_can_i_list_for_operator(self):
        result = self.t.kubectl("operator", "auth", "can-i", "--list", "-n", "p1")
        self.assertEqual(result.returncode, 0, describe(result))
        resources = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
        self.assertIn("ingresses.networking.k8s.io", resources, result.stdout)
        self.assertIn("secrets", resources, result.stdout)
        # The outsider's list grants nothing in p1.
        result = self.t.kubectl("outsider", "auth", "can-i", "--list", "-n", "p1")
        self.assertNotIn("ingresses.networking.k8s.io", result.stdout)

    # --- kube's wording ---

    def test_forbidden_status_over_http(self):
        t = self.t
        status, body = t.call("viewer", "POST", collection_path("ingresses", "p1"),
                              manifest("ingresses", "p1", "nope"))
        self.assertEqual(status, 403, body)
        doc = json.loads(body)
        self.assertEqual(doc, {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": forbidden_message("viewer", "create", "networking.k8s.io", "ingresses",
                                         "p1"),
            "reason": "Forbidden",
            "details": {"group": "networking.k8s.io", "kind": "ingresses"}, "code": 403})
        status, body = t.call("padmin", "GET", collection_path("secrets", "p2") + "/web")
        doc = json.loads(body)
        self.assertEqual(doc["message"], forbidden_message("padmin", "get", "", "secrets", "p2",
                                                           "web"))
        self.assertEqual(doc["details"], {"name": "web", "kind": "secrets"})

    def test_forbidden_wording_in_kubectl(self):
        cases = [
            ("viewer", ["create", "-f", "-"], json.dumps(manifest("ingresses", "p1", "nope")),
             forbidden_message("viewer", "create", "networking.k8s.io", "ingresses", "p1")),
            ("viewer", ["get", "secret", "web", "-n", "p1"], None,
             forbidden_message("viewer", "get", "", "secrets", "p1", "web")),
            ("padmin", ["get", "ingress", "web", "-n", "p2"], None,
             forbidden_message("padmin", "get", "networking.k8s.io", "ingresses", "p2", "web")),
            ("outsider", ["get", "ns"], None,
             forbidden_message("outsider", "list", "", "namespaces", "")),
            ("outsider", ["get", "ingress", "-n", "p1"], None,
             forbidden_message("outsider", "list", "networking.k8s.io", "ingresses", "p1")),
            # kubectl delete sends the DELETE at once (patch would GET first).
            ("operator", ["delete", "gateways.gateway.kubesphere.io", "kubesphere-router-p2",
                          "-n", CONTROLS], None,
             forbidden_message("operator", "delete", "gateway.kubesphere.io", "gateways",
                               CONTROLS, "kubesphere-router-p2")),
        ]
        for user, args, stdin, message in cases:
            with self.subTest(user=user, args=args):
                result = self.t.kubectl(user, *args, input=stdin)
                self.assertNotEqual(result.returncode, 0, describe(result))
                self.assertIn("Error from server (Forbidden)", result.stderr)
                self.assertIn(message, result.stderr)

    # --- tenancy rules ---

    def test_creator_is_the_authenticated_user(self):
        t = self.t
        obj = manifest("ingresses", "p1", "made-by-operator")
        obj["metadata"]["annotations"] = {CREATOR: "mallory"}
        result = t.kubectl("operator", "create", "-f", "-", input=json.dumps(obj))
        self.assertEqual(result.returncode, 0, describe(result))
        path = collection_path("ingresses", "p1") + "/made-by-operator"
        self.assertEqual(t.admin_get(path)["metadata"]["annotations"][CREATOR], "operator")

        secret = manifest("secrets", "p1", "operator-secret")
        secret["metadata"]["annotations"] = {CREATOR: "admin"}
        status, body = t.call("operator", "POST", collection_path("secrets", "p1"), secret)
        self.assertEqual(status, 201, body)
        self.assertEqual(json.loads(body)["metadata"]["annotations"][CREATOR], "operator")

        # Rewriting it later does not make someone else the creator either.
        status, body = t.call("operator", "PATCH", path,
                              {"metadata": {"annotations": {CREATOR: "mallory"}}},
                              content_type="application/merge-patch+json")
        self.assertEqual(status, 200, body)
        self.assertEqual(t.admin_get(path)["metadata"]["annotations"][CREATOR], "operator")

    def test_host_claims_across_projects(self):
        t = self.t
        host = "claimed.example.com"
        status, body = t.call("operator", "POST", collection_path("ingresses", "p1"),
                              ingress("shop-front", "p1", host))
        self.assertEqual(status, 201, body)

        # Another project, even through the bootstrap admin: 422 naming the owner project only.
        status, body = t.call("admin", "POST", collection_path("ingresses", "p2"),
                              ingress("copycat", "p2", host))
        self.assertEqual(status, 422, body)
        doc = json.loads(body)
        self.assertEqual((doc["kind"], doc["reason"], doc["code"]), ("Status", "Invalid", 422))
        self.assertRegex(doc["message"], r'\bp1\b')
        self.assertIn(host, doc["message"])
        self.assertNotIn("shop-front", body.decode())
        status, _ = t.call("admin", "GET", collection_path("ingresses", "p2") + "/copycat")
        self.assertEqual(status, 404)

        # The same through an update of an Ingress p2 already has.
        status, body = t.call("admin", "POST", collection_path("ingresses", "p2"),
                              ingress("elsewhere", "p2", "elsewhere.example.com"))
        self.assertEqual(status, 201, body)
        status, body = t.call("admin", "PATCH", collection_path("ingresses", "p2") + "/elsewhere",
                              [{"op": "replace", "path": "/spec/rules/0/host", "value": host}],
                              content_type="application/json-patch+json")
        self.assertEqual(status, 422, body)
        self.assertNotIn("shop-front", body.decode())

        # The same host again inside p1: the project owns it.
        status, body = t.call("operator", "POST", collection_path("ingresses", "p1"),
                              ingress("shop-back", "p1", host, path="/back"))
        self.assertEqual(status, 201, body)

        # kubectl shows the refusal as kube's Invalid error.
        result = t.kubectl("platform", "create", "-f", "-",
                           input=json.dumps(ingress("copycat2", "p2", host)))
        self.assertNotEqual(result.returncode, 0, describe(result))
        self.assertIn("Invalid", result.stderr)
        self.assertNotIn("shop-front", result.stderr)

    def test_cross_namespace_secret_reference_refused(self):
        t = self.t
        refused = ingress("cross-ref", "p1", "cross-ref.example.com", annotations={
            AUTH + "auth-type": "basic", AUTH + "auth-secret": "p2/secret"})
        status, body = t.call("operator", "POST", collection_path("ingresses", "p1"), refused)
        self.assertEqual(status, 422, body)
        self.assertIn("another namespace", json.loads(body)["message"])
        # The own namespace spelled out is fine.
        own = ingress("own-ref", "p1", "own-ref.example.com", annotations={
            AUTH + "auth-type": "basic", AUTH + "auth-secret": "p1/web"})
        status, body = t.call("operator", "POST", collection_path("ingresses", "p1"), own)
        self.assertEqual(status, 201, body)

    def test_cells_counted(self):
        """The matrix is what the issue asks for: 5 users x 2 projects x 6 resources x 8 verbs."""
        self.assertEqual(len(CELLS), 480)
        self.assertEqual(len({c[:4] for c in CELLS}), len(CELLS))


if __name__ == "__main__":
    unittest.main()
