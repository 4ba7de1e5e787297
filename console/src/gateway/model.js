// The Gateway object (gateway.kubesphere.io/v1alpha1) as the settings pages read and write it,
// in pure functions (no DOM, no fetch, no i18n) so the node test checks them directly.
// A form is {type, annotations: rows, config: rows}; a row is {id, key, value}.
import { placeCauses } from '../resources/errors.js';

export const CONTROLS_NS = 'kubesphere-controls-system';
export const CLUSTER_GATEWAY = 'kubesphere-router-kubesphere-system';
export const TYPES = ['NodePort', 'LoadBalancer'];

export const gatewaysPath = () =>
  `/apis/gateway.kubesphere.io/v1alpha1/namespaces/${CONTROLS_NS}/gateways`;
export const gatewayPath = (name) => `${gatewaysPath()}/${encodeURIComponent(name)}`;
export const projectGatewayName = (ns) => `kubesphere-router-${ns}`;

// KubeSphere's LoadBalancer gateway on bare metal asks OpenELB for its EIP with these Service
// annotations (OpenELB layer2 mode, an Eip object named in the last one). Waygate keeps them as
// written and takes the address from `waygate serve --lb-pool`, so manifests move both ways.
export const EIP_ANNOTATIONS = [
  ['lb.kubesphere.io/v1alpha1', 'openelb'],
  ['protocol.openelb.kubesphere.io/v1alpha1', 'layer2'],
  ['eip.openelb.kubesphere.io/v1alpha2', 'eip-pool'],
];
const EIP_KEYS = new Set(EIP_ANNOTATIONS.map(([k]) => k));

let nextId = 1;
export const row = (key = '', value = '') => ({ id: nextId++, key, value });

const rowsOf = (map) => Object.entries(map || {}).map(([k, v]) => row(k, String(v)));

export function emptyForm() {
  return { type: 'NodePort', annotations: [], config: [] };
}

export function formOf(gw) {
  const spec = (gw && gw.spec) || {};
  const service = spec.service || {};
  const controller = spec.controller || {};
  return {
    type: TYPES.includes(service.type) ? service.type : 'NodePort',
    annotations: rowsOf(service.annotations),
    config: rowsOf(controller.config),
  };
}

// Switching the access method: LoadBalancer adds the EIP annotations it lacks (values already
// there are kept); NodePort drops them, since they only mean something to a load balancer.
export function withType(form, type) {
  let annotations = form.annotations;
  if (type === 'LoadBalancer') {
    const have = new Set(annotations.map((r) => r.key.trim()));
    annotations = [...annotations, ...EIP_ANNOTATIONS.filter(([k]) => !have.has(k)).map(([k, v]) => row(k, v))];
  } else {
    annotations = annotations.filter((r) => !EIP_KEYS.has(r.key.trim()));
  }
  return { ...form, type, annotations };
}

const blank = (r) => !r.key.trim() && !r.value.trim();

export function mapOf(rows) {
  const out = {};
  for (const r of rows) if (!blank(r)) out[r.key.trim()] = r.value;
  return out;
}

// The checks made before sending: {rowId: i18nKey}. A key is needed, once per list; a config
// value is needed (the server has no "unset", removing the row restores the default).
export function checkRows(rows, { valueRequired = false } = {}) {
  const problems = {};
  const seen = new Set();
  for (const r of rows) {
    if (blank(r)) continue;
    const key = r.key.trim();
    if (!key) problems[r.id] = 'gw.err.keyRequired';
    else if (seen.has(key)) problems[r.id] = 'gw.err.duplicate';
    else if (valueRequired && !r.value.trim()) problems[r.id] = 'gw.err.valueRequired';
    seen.add(key);
  }
  return problems;
}

// The object to POST (previous = null) or PUT (previous = the object read, whose other fields,
// node ports and resourceVersion included, are kept: the server rejects a stale write with 409).
export function toObject(name, form, previous) {
  const base = previous
    ? JSON.parse(JSON.stringify(previous))
    : {
        apiVersion: 'gateway.kubesphere.io/v1alpha1',
        kind: 'Gateway',
        metadata: { name, namespace: CONTROLS_NS },
        spec: { deployment: { replicas: 1 } },
      };
  delete base.status;
  if (base.metadata) delete base.metadata.managedFields;
  const spec = (base.spec = base.spec || {});
  const service = (spec.service = spec.service || {});
  service.type = form.type;
  const annotations = mapOf(form.annotations);
  if (Object.keys(annotations).length) service.annotations = annotations;
  else delete service.annotations;
  const controller = (spec.controller = spec.controller || {});
  const config = mapOf(form.config);
  if (Object.keys(config).length) controller.config = config;
  else delete controller.config;
  return base;
}

// Where a 422 cause belongs: 'type', or `config:<rowId>` / `annotations:<rowId>`; null for
// anything else (shown above the form). Fields look like spec.controller.config.proxy-read-timeout,
// spec.controller.config[some.key], or spec.service.annotations with the key quoted in the message.
export function placeGatewayCause(form, field, message) {
  if (field === 'spec.service.type') return 'type';
  for (const list of ['config', 'annotations']) {
    const prefix = list === 'config' ? 'spec.controller.config' : 'spec.service.annotations';
    if (!field.startsWith(prefix)) continue;
    const rest = field.slice(prefix.length);
    let key = null;
    const bracket = /^\[(.+)\]$/.exec(rest);
    if (bracket) key = bracket[1].replace(/^"(.*)"$/, '$1');
    else if (rest.startsWith('.')) key = rest.slice(1);
    const rows = form[list];
    let hit = key !== null ? rows.find((r) => r.key.trim() === key) : undefined;
    if (!hit) hit = rows.find((r) => r.key.trim() && message.includes(`"${r.key.trim()}"`));
    return hit ? `${list}:${hit.id}` : null;
  }
  return null;
}

export function gatewayErrors(result, form) {
  return placeCauses(result, (field, message) => placeGatewayCause(form, field, message));
}

// What the status says: node ports (status, else the allocation in spec), and the addresses
// in status.loadBalancer.ingress, which are the node IPs for NodePort and the EIP for
// LoadBalancer.
export function statusOf(gw) {
  const spec = (gw && gw.spec) || {};
  const service = spec.service || {};
  const status = (gw && gw.status) || {};
  const ports = {};
  const listed = (status.service && status.service.ports) || [];
  for (const p of listed.length ? listed : service.ports || []) {
    if (p.name && p.nodePort) ports[p.name] = p.nodePort;
  }
  const ingress = (status.loadBalancer && status.loadBalancer.ingress) || [];
  const addresses = ingress.map((e) => e.ip || e.hostname).filter(Boolean);
  const type = service.type || 'NodePort';
  return {
    type,
    nodePorts: ports,
    eip: type === 'LoadBalancer' ? addresses[0] || '' : '',
    nodeIPs: type === 'LoadBalancer' ? [] : addresses,
    scope: spec.controller && spec.controller.scope,
  };
}

// The addresses of Ready nodes (ExternalIP first, as the server publishes them), for a
// LoadBalancer gateway whose status names only the EIP. Needs the right to list nodes.
export function nodeAddresses(nodes) {
  const out = [];
  for (const node of nodes || []) {
    const conditions = (node.status && node.status.conditions) || [];
    if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const addrs = (node.status && node.status.addresses) || [];
    const external = addrs.filter((a) => a.type === 'ExternalIP').map((a) => a.address);
    const internal = addrs.filter((a) => a.type === 'InternalIP').map((a) => a.address);
    for (const a of external.length ? external : internal) if (a && !out.includes(a)) out.push(a);
  }
  return out;
}
