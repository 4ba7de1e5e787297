// The Kubernetes API paths the console reads, and small readers of the objects it gets back.
// Only the public API (what kubectl uses), so the server's RBAC decides everything shown.
import { get, post } from './api.js';

export const CONTROLS_NS = 'kubesphere-controls-system';
export const ALIAS = 'kubesphere.io/alias-name';
export const DESCRIPTION = 'kubesphere.io/description';
export const WORKSPACE = 'kubesphere.io/workspace';
export const CREATOR = 'kubesphere.io/creator';

const enc = encodeURIComponent;

export const paths = {
  namespaces: () => '/api/v1/namespaces',
  namespace: (ns) => `/api/v1/namespaces/${enc(ns)}`,
  ingresses: (ns) => `/apis/networking.k8s.io/v1/namespaces/${enc(ns)}/ingresses`,
  ingress: (ns, name) => `/apis/networking.k8s.io/v1/namespaces/${enc(ns)}/ingresses/${enc(name)}`,
  access: (ns, name) =>
    `/apis/networking.k8s.io/v1/namespaces/${enc(ns)}/ingresses/${enc(name)}/access`,
  services: (ns) => `/api/v1/namespaces/${enc(ns)}/services`,
  events: (ns) => `/api/v1/namespaces/${enc(ns)}/events`,
  gateway: (ns) =>
    `/apis/gateway.kubesphere.io/v1alpha1/namespaces/${CONTROLS_NS}/gateways/${gatewayName(ns)}`,
  ssar: () => '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
};

// A project's gateway is kubesphere-router-<project> in kubesphere-controls-system.
export function gatewayName(ns) {
  return `kubesphere-router-${ns}`;
}

export const meta = (obj) => (obj && obj.metadata) || {};
export const annotation = (obj, key) => (meta(obj).annotations || {})[key] || '';
export const label = (obj, key) => (meta(obj).labels || {})[key] || '';
export const alias = (obj) => annotation(obj, ALIAS);
export const description = (obj) => annotation(obj, DESCRIPTION);

// The addresses in status.loadBalancer.ingress (IPs, or hostnames for some load balancers).
export function statusAddresses(obj) {
  const entries = (obj && obj.status && obj.status.loadBalancer && obj.status.loadBalancer.ingress) || [];
  return entries.map((e) => e.ip || e.hostname).filter(Boolean);
}

// What the console shows of a project's gateway: type, addresses, node ports.
export function gatewaySummary(gw) {
  const spec = (gw && gw.spec) || {};
  const service = spec.service || {};
  const statusPorts = (gw && gw.status && gw.status.service && gw.status.service.ports) || [];
  const ports = {};
  for (const p of statusPorts.length ? statusPorts : service.ports || []) {
    if (p.name && p.nodePort) ports[p.name] = p.nodePort;
  }
  return { type: service.type || 'NodePort', addresses: statusAddresses(gw), nodePorts: ports };
}

// list(): {ok, status, message, items}; items sorted as the server returned them.
export async function list(path, query) {
  const r = await get(path, query);
  return { ...r, items: r.ok && r.body && Array.isArray(r.body.items) ? r.body.items : [] };
}

// SelfSubjectAccessReview: may the signed-in user do `verb` on `resource`? false on any error,
// since buttons only follow permissions: the server still refuses what is not allowed.
export async function canI({ verb, resource, group = '', namespace, name }) {
  const attributes = { verb, resource, group };
  if (namespace) attributes.namespace = namespace;
  if (name) attributes.name = name;
  const r = await post(paths.ssar(), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: attributes },
  });
  return Boolean(r.ok && r.body && r.body.status && r.body.status.allowed);
}
