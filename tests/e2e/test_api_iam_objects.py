"""Issue 7's API objects driven by the real kubectl: Users (iam.kubesphere.io/v1alpha2) and RBAC
Roles, ClusterRoles and their bindings are discovered, applied, printed, described and deleted
as against kube-apiserver + KubeSphere; a User's password never comes back, in any field or
annotation; bad RBAC objects are refused with kube's field paths."""

import json
import textwrap
import unittest

from api_harness import ApiServer

PASSWORD = "Sw0rdfish-Horse"

USER_YAML = textwrap.dedent(f"""\
    apiVersion: iam.kubesphere.io/v1alpha2
    kind: User
    metadata:
      name: bob
    spec:
      email: bob@example.com
      password: {PASSWORD}
    """)

RBAC_YAML = textwrap.dedent("""\
    apiVersion: v1
    kind: Namespace
    metadata:
      name: demo
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: ingress-reader
      namespace: demo
    rules:
    - apiGroups: [networking.k8s.io]
      resources: [ingresses]
      verbs: [get, list, watch]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: bob-reads-ingresses
      namespace: demo
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: ingress-reader
    subjects:
    - apiGroup: rbac.authorization.k8s.io
      kind: User
      name: bob
    - apiGroup: rbac.authorization.k8s.io
      kind: Group
      name: devs
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: gateway-viewer
    rules:
    - apiGroups: [gateway.kubesphere.io]
      resources: [gateways]
      verbs: [get, list]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: bob-views-gateways
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: gateway-viewer
    subjects:
    - apiGroup: rbac.authorization.k8s.io
      kind: User
      name: bob
    """)


def assert_no_secret(test, text, what):
    test.assertNotIn(PASSWORD, text, what)
    test.assertNotIn("$2b$", text, what)
    test.assertNotIn("$2y$", text, what)
    test.assertNotIn("$2a$", text, what)
    test.assertNotIn("password:", text, what)
    test.assertNotIn('"password"', text, what)
    test.assertNotIn('\\"password\\"', text, what)


class IamObjectsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = ApiServer(cls.addClassCleanup)
        cls.kubectl = cls.api.kubectl
        cls.kubectl("apply", "-f", "-", input=RBAC_YAML)

    def test_api_resources_lists_the_new_kinds(self):
        out = self.kubectl("api-resources", "--api-group", "rbac.authorization.k8s.io").stdout
        names = {line.split()[0] for line in out.splitlines()[1:]}
        self.assertEqual(names, {"clusterrolebindings", "clusterroles", "rolebindings", "roles"})
        out = self.kubectl("api-resources", "--api-group", "iam.kubesphere.io").stdout
        lines = out.splitlines()
        self.assertEqual(len(lines), 2, out)
        self.assertEqual(lines[1].split(), ["users", "iam.kubesphere.io/v1alpha2", "false", "User"])
        # The category works as kube's do: `kubectl get iam` lists users.
        self.kubectl("apply", "-f", "-", input=USER_YAML.replace("bob", "carol"))
        self.assertIn("user.iam.kubesphere.io/carol", self.kubectl("get", "iam", "-o", "name").stdout)
        self.kubectl("delete", "user", "carol")

    def test_user_password_never_comes_back(self):
        out = self.kubectl("apply", "-f", "-", input=USER_YAML)
        self.assertIn("user.iam.kubesphere.io/bob created", out.stdout)
        assert_no_secret(self, out.stdout + out.stderr, "apply")
        got = self.kubectl("get", "user", "bob", "-o", "yaml").stdout
        assert_no_secret(self, got, "get -o yaml")
        user = self.api.kubectl_json("get", "user", "bob")
        self.assertEqual(user["spec"]["email"], "bob@example.com")
        self.assertNotIn("password", user["spec"])
        self.assertEqual(user["status"]["state"], "Active")
        annotations = user["metadata"]["annotations"]
        self.assertEqual(annotations["iam.kubesphere.io/password-encrypted"], "true")
        applied = json.loads(annotations["kubectl.kubernetes.io/last-applied-configuration"])
        self.assertEqual(applied["spec"], {"email": "bob@example.com"})
        rv = user["metadata"]["resourceVersion"]

        # kubectl apply of the same manifest: no error, and nothing written. (kubectl says
        # "configured": the live object lacks the password the manifest has, so its patch is not
        # empty; the server finds the password unchanged and keeps the object as it is.)
        again = self.kubectl("apply", "-f", "-", input=USER_YAML)
        self.assertIn("user.iam.kubesphere.io/bob", again.stdout)
        self.assertEqual(self.api.kubectl_json("get", "user", "bob")["metadata"]["resourceVersion"],
                         rv)

        # Every other way of reading it.
        for args in (["get", "users", "-o", "yaml"], ["get", "users", "-o", "json"],
                     ["get", "user", "bob", "-o", "wide"], ["describe", "user", "bob"],
                     ["get", "user", "bob", "--show-managed-fields", "-o", "json"],
                     ["get", "users", "--watch", "--request-timeout", "2s", "-o", "json"]):
            result = self.kubectl(*args, check=False)
            assert_no_secret(self, result.stdout, " ".join(args))
            self.assertIn("bob", result.stdout, " ".join(args))

        table = self.kubectl("get", "users").stdout.splitlines()
        self.assertEqual(table[0].split(), ["NAME", "EMAIL", "STATUS", "AGE"])
        bob = next(line for line in table if line.startswith("bob "))
        self.assertEqual(bob.split()[:3], ["bob", "bob@example.com", "Active"])

        # Server-side apply too.
        out = self.kubectl("apply", "--server-side", "--field-manager", "e2e", "-f", "-",
                           "-o", "yaml", input=USER_YAML.replace("bob", "dave"))
        assert_no_secret(self, out.stdout, "apply --server-side")

        # A password too short is refused naming the field, and never echoed.
        bad = self.kubectl("apply", "-f", "-", check=False,
                           input=USER_YAML.replace("bob", "eve").replace(PASSWORD, "tiny"))
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("spec.password", bad.stderr)
        self.assertNotIn("tiny", bad.stderr)

    def test_rbac_objects_apply_get_describe_delete(self):
        roles = self.kubectl("get", "roles", "-n", "demo").stdout.splitlines()
        self.assertEqual(roles[0].split(), ["NAME", "CREATED", "AT"])
        self.assertTrue(roles[1].startswith("ingress-reader "), roles)

        bindings = self.kubectl("get", "rolebindings", "-n", "demo", "-o", "wide").stdout
        lines = bindings.splitlines()
        self.assertEqual(lines[0].split(),
                         ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"])
        row = next(line for line in lines if line.startswith("bob-reads-ingresses"))
        self.assertEqual(row.split()[1], "Role/ingress-reader")
        self.assertEqual(row.split()[3:5], ["bob", "devs"])

        crb = self.kubectl("get", "clusterrolebindings", "bob-views-gateways").stdout
        self.assertIn("ClusterRole/gateway-viewer", crb)
        self.assertIn("gateway-viewer", self.kubectl("get", "clusterroles").stdout)

        described = self.kubectl("describe", "role", "ingress-reader", "-n", "demo").stdout
        self.assertIn("ingresses.networking.k8s.io", described)
        self.assertIn("[get list watch]", described)
        described = self.kubectl("describe", "rolebinding", "bob-reads-ingresses",
                                 "-n", "demo").stdout
        self.assertIn("ingress-reader", described)
        self.assertIn("bob", described)

        # Applying the same objects again changes nothing. (Subjects spell out the apiGroup the
        # server defaults: without it, kubectl's patch replaces the atomic list and says
        # "configured", against kube-apiserver too.)
        again = self.kubectl("apply", "-f", "-", input=RBAC_YAML).stdout
        self.assertIn("role.rbac.authorization.k8s.io/ingress-reader unchanged", again)
        self.assertIn("clusterrolebinding.rbac.authorization.k8s.io/bob-views-gateways unchanged",
                      again)

        # An edit of the rules goes through kubectl's strategic merge patch.
        edited = RBAC_YAML.replace("verbs: [get, list, watch]", "verbs: [get]")
        self.assertIn("role.rbac.authorization.k8s.io/ingress-reader configured",
                      self.kubectl("apply", "-f", "-", input=edited).stdout)
        role = self.api.kubectl_json("get", "role", "ingress-reader", "-n", "demo")
        self.assertEqual(role["rules"][0]["verbs"], ["get"])

        # kubectl's generators.
        self.kubectl("create", "rolebinding", "bob-operator",
                     "--clusterrole=kubesphere-project-operator", "--user=bob", "-n", "demo")
        made = self.api.kubectl_json("get", "rolebinding", "bob-operator", "-n", "demo")
        self.assertEqual(made["roleRef"], {"apiGroup": "rbac.authorization.k8s.io",
                                           "kind": "ClusterRole",
                                           "name": "kubesphere-project-operator"})
        self.assertEqual(made["subjects"], [{"apiGroup": "rbac.authorization.k8s.io",
                                             "kind": "User", "name": "bob"}])
        self.kubectl("create", "clusterrolebinding", "bob-admin", "--clusterrole=platform-admin",
                     "--user=bob", "--group=admins")
        self.kubectl("create", "clusterrole", "secret-reader", "--verb=get,list",
                     "--resource=secrets")
        self.kubectl("create", "role", "svc-editor", "--verb=*", "--resource=services",
                     "-n", "demo")

        for kind, name, ns in (("rolebinding", "bob-operator", "demo"),
                               ("clusterrolebinding", "bob-admin", None),
                               ("clusterrole", "secret-reader", None),
                               ("role", "svc-editor", "demo")):
            args = ["delete", kind, name] + (["-n", ns] if ns else [])
            self.assertIn("deleted", self.kubectl(*args).stdout)
            gone = self.kubectl("get", kind, name, *(["-n", ns] if ns else []), check=False)
            self.assertNotEqual(gone.returncode, 0)
            self.assertIn("NotFound", gone.stderr)

    def test_bad_role_is_refused_naming_the_field(self):
        bad = textwrap.dedent("""\
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: no-verbs
              namespace: demo
            rules:
            - apiGroups: [""]
              resources: [services]
            """)
        result = self.kubectl("apply", "-f", "-", input=bad, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("rules[0].verbs", result.stderr)
        self.assertIn("Required value", result.stderr)
        gone = self.kubectl("get", "role", "no-verbs", "-n", "demo", check=False)
        self.assertIn("NotFound", gone.stderr)

    def test_role_ref_cannot_change(self):
        binding = textwrap.dedent("""\
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: fixed-ref
              namespace: demo
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: kubesphere-project-viewer
            subjects:
            - kind: User
              name: bob
            """)
        self.kubectl("apply", "-f", "-", input=binding)
        changed = binding.replace("kubesphere-project-viewer", "kubesphere-project-admin")
        result = self.kubectl("apply", "-f", "-", input=changed, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("roleRef: Invalid value", result.stderr)
        self.assertIn("cannot change roleRef", result.stderr)
        still = self.api.kubectl_json("get", "rolebinding", "fixed-ref", "-n", "demo")
        self.assertEqual(still["roleRef"]["name"], "kubesphere-project-viewer")
        self.kubectl("delete", "rolebinding", "fixed-ref", "-n", "demo")


if __name__ == "__main__":
    unittest.main()
