// The route form and the Ingress object, both ways. The object is the truth: the form shows a
// part of it (name, alias, description, rules with their TLS secrets, annotations, labels) and
// formToObject() writes that part back onto the object it came from, so every field the form
// does not show (spec.ingressClassName, a rule's unknown keys, status...) survives a round trip
// form -> object -> text -> object -> form. Pure functions: no DOM, no i18n (node tests them).

export const ALIAS = 'kubesphere.io/alias-name';
export const DESCRIPTION = 'kubesphere.io/description';
export const PATH_TYPES = ['Prefix', 'Exact', 'ImplementationSpecific'];

const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export function emptyIngress(ns) {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: '', namespace: ns },
    spec: { rules: [] },
  };
}

export function emptyPath() {
  return { path: '/', pathType: 'Prefix', service: '', port: '', orig: null };
}

export function emptyRule() {
  return { host: '', protocol: 'http', secret: '', paths: [emptyPath()], orig: null };
}

// A TLS entry's host covers `host` exactly, or as a wildcard over its first label (the same
// rule the server's access table and RouteDetail use).
export function tlsCovers(tlsHost, host) {
  if (!host || !tlsHost) return false;
  if (tlsHost === host) return true;
  return tlsHost.startsWith('*.') && !host.startsWith('*.') && host.includes('.') &&
    host.slice(host.indexOf('.')) === tlsHost.slice(1);
}

function secretFor(tls, host) {
  for (const entry of tls || []) {
    if ((entry.hosts || []).some((h) => tlsCovers(h, host))) return entry.secretName || '';
  }
  return null;
}

function pathToForm(p) {
  const service = (p.backend && p.backend.service) || {};
  const port = service.port || {};
  return {
    path: p.path === undefined ? '' : String(p.path),
    pathType: p.pathType || '',
    service: service.name || '',
    port: port.number !== undefined ? String(port.number) : port.name || '',
    orig: p,
  };
}

function ruleToForm(rule, tls) {
  const host = rule.host || '';
  const secret = secretFor(tls, host);
  const paths = ((rule.http && rule.http.paths) || []).map(pathToForm);
  return { host, protocol: secret === null ? 'http' : 'https', secret: secret || '', paths, orig: rule };
}

const rowsOf = (map, skip = []) => Object.entries(isObject(map) ? map : {})
  .filter(([k]) => !skip.includes(k))
  .map(([key, value]) => ({ key, value: value === null || value === undefined ? '' : String(value) }));

// The form's view of an object (any object: one typed or uploaded may lack every field).
export function objectToForm(obj) {
  const meta = (isObject(obj) && isObject(obj.metadata) && obj.metadata) || {};
  const spec = (isObject(obj) && isObject(obj.spec) && obj.spec) || {};
  const annotations = isObject(meta.annotations) ? meta.annotations : {};
  return {
    name: meta.name || '',
    alias: annotations[ALIAS] || '',
    description: annotations[DESCRIPTION] || '',
    rules: (Array.isArray(spec.rules) ? spec.rules : []).map((r) => ruleToForm(r || {}, spec.tls)),
    annotations: rowsOf(annotations, [ALIAS, DESCRIPTION]),
    labels: rowsOf(meta.labels),
  };
}

function portOf(value, orig) {
  const text = String(value || '').trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return { number: Number(text) };
  const origPort = orig && orig.backend && orig.backend.service && orig.backend.service.port;
  return { ...(isObject(origPort) ? origPort : {}), name: text, number: undefined };
}

function pathToObject(p) {
  const out = clone(p.orig) || {};
  if (p.path === '') delete out.path;
  else out.path = p.path;
  if (p.pathType) out.pathType = p.pathType;
  else delete out.pathType;
  if (p.service) {
    const backend = isObject(out.backend) ? out.backend : {};
    delete backend.resource; // a Service backend replaces a resource one (the API allows one)
    const service = isObject(backend.service) ? backend.service : {};
    service.name = p.service;
    const port = portOf(p.port, p.orig);
    if (port) service.port = JSON.parse(JSON.stringify(port)); // drops the undefined number
    else delete service.port;
    backend.service = service;
    out.backend = backend;
  }
  return out;
}

function ruleToObject(r) {
  const out = clone(r.orig) || {};
  if (r.host) out.host = r.host;
  else delete out.host;
  const http = isObject(out.http) ? out.http : {};
  http.paths = r.paths.map(pathToObject);
  out.http = http;
  return out;
}

// spec.tls from the rules: an entry keeps its hosts that no form rule claims, and gains the
// hosts of the https rules using its Secret; https rules whose Secret no entry names get a new
// entry per Secret. Unchanged rules give back the same entries in the same order.
export function tlsFromRules(rules, baseTls) {
  const formHosts = new Set(rules.map((r) => r.host).filter(Boolean));
  const https = rules.filter((r) => r.protocol === 'https' && r.host);
  const placed = new Set();
  const out = [];
  for (const entry of Array.isArray(baseTls) ? baseTls : []) {
    if (!isObject(entry)) continue;
    const origHosts = Array.isArray(entry.hosts) ? entry.hosts : [];
    const hosts = [];
    for (const h of origHosts) {
      if (!formHosts.has(h)) {
        hosts.push(h);
        continue;
      }
      const rule = https.find((r) => r.host === h && r.secret === (entry.secretName || ''));
      if (rule && !placed.has(h)) {
        hosts.push(h);
        placed.add(h);
      }
    }
    for (const r of https) {
      if (placed.has(r.host) || r.secret !== (entry.secretName || '')) continue;
      if (hosts.some((h) => tlsCovers(h, r.host))) placed.add(r.host); // a kept wildcard covers it
    }
    for (const r of https) {
      if (placed.has(r.host) || r.secret !== (entry.secretName || '')) continue;
      hosts.push(r.host);
      placed.add(r.host);
    }
    if (hosts.length || origHosts.length === 0) out.push({ ...clone(entry), hosts: hosts.length ? hosts : entry.hosts });
  }
  const fresh = new Map(); // secret -> the new entry
  for (const r of https) {
    if (placed.has(r.host)) continue;
    if (fresh.has(r.secret)) {
      fresh.get(r.secret).hosts.push(r.host);
    } else {
      const entry = { hosts: [r.host], secretName: r.secret };
      fresh.set(r.secret, entry);
      out.push(entry);
    }
    placed.add(r.host);
  }
  for (const e of out) if (e.hosts === undefined) delete e.hosts;
  return out;
}

function mapFromRows(rows) {
  const out = {};
  for (const { key, value } of rows) {
    if (key.trim() !== '') out[key.trim()] = value;
  }
  return out;
}

// Writes the form onto a copy of `base` (the object the form was made from).
export function formToObject(form, base) {
  const obj = clone(isObject(base) ? base : {}) || {};
  if (!obj.apiVersion) obj.apiVersion = 'networking.k8s.io/v1';
  if (!obj.kind) obj.kind = 'Ingress';
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  meta.name = form.name;
  const annotations = mapFromRows(form.annotations);
  if (form.alias) annotations[ALIAS] = form.alias;
  if (form.description) annotations[DESCRIPTION] = form.description;
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  const labels = mapFromRows(form.labels);
  if (Object.keys(labels).length) meta.labels = labels;
  else delete meta.labels;
  obj.metadata = meta;
  const spec = isObject(obj.spec) ? obj.spec : {};
  spec.rules = form.rules.map(ruleToObject);
  const tls = tlsFromRules(form.rules, spec.tls);
  if (tls.length) spec.tls = tls;
  else delete spec.tls;
  obj.spec = spec;
  return obj;
}

// What the editor shows of an object read from the server: managedFields are the server's
// bookkeeping (kubectl hides them too) and would only make the text long.
export function forEditing(obj) {
  const out = clone(obj);
  if (isObject(out) && isObject(out.metadata)) delete out.metadata.managedFields;
  return out;
}

// Where a server cause (details.causes[].field) belongs in the wizard: its step (0 basic,
// 1 rules, 2 annotations, 3 labels) and the error key of the input, given the form it was
// made from. Unknown fields map to the step's general error or, failing that, to null.
export function causeTarget(field, form) {
  const f = String(field || '');
  if (f === 'metadata.name' || f.startsWith('metadata.generateName')) return { step: 0, key: 'name' };
  const ann = /^metadata\.annotations(?:\[(.*)\])?/.exec(f);
  if (ann) {
    const key = ann[1];
    if (key === ALIAS) return { step: 0, key: 'alias' };
    if (key === DESCRIPTION) return { step: 0, key: 'description' };
    const i = key === undefined ? -1 : form.annotations.findIndex((r) => r.key.trim() === key);
    return { step: 2, key: i >= 0 ? `annotation.${i}.value` : 'annotations' };
  }
  const lab = /^metadata\.labels(?:\[(.*)\])?/.exec(f);
  if (lab) {
    const i = lab[1] === undefined ? -1 : form.labels.findIndex((r) => r.key.trim() === lab[1]);
    return { step: 3, key: i >= 0 ? `label.${i}.value` : 'labels' };
  }
  const rule = /^spec\.rules\[(\d+)\](?:\.(host)|\.http\.paths\[(\d+)\](?:\.(\w+))?)?/.exec(f);
  if (rule) {
    const r = Number(rule[1]);
    if (rule[2]) return { step: 1, key: `rule.${r}.host` };
    if (rule[3] !== undefined) {
      const p = Number(rule[3]);
      const part = rule[4] === 'path' || rule[4] === 'pathType' ? rule[4] : 'backend';
      return { step: 1, key: `rule.${r}.path.${p}.${part}` };
    }
    return { step: 1, key: `rule.${r}.host` };
  }
  const tls = /^spec\.tls\[(\d+)\]/.exec(f);
  if (tls) return { step: 1, key: 'rules' };
  if (f.startsWith('spec')) return { step: 1, key: 'rules' };
  return null;
}

// The labels cause names no key ("metadata.labels"), but its message quotes the bad value:
// find the row whose key or value that is, so the error lands on the right input.
export function labelRowFor(message, form) {
  const m = /Invalid value: "((?:[^"\\]|\\.)*)"/.exec(message || '');
  if (!m) return null;
  const bad = m[1];
  const byKey = form.labels.findIndex((r) => r.key.trim() === bad);
  if (byKey >= 0) return `label.${byKey}.key`;
  const byValue = form.labels.findIndex((r) => r.value === bad);
  return byValue >= 0 ? `label.${byValue}.value` : null;
}

// The server's 422 as wizard errors: {step, errors: {key: message}} with `step` the first step
// holding an error (where the wizard goes). `upTo` keeps only causes of steps <= upTo (the
// dry run at "Next" must not complain about steps the user has not reached).
export function serverErrors(status, form, upTo = 3) {
  const causes = (status && status.details && Array.isArray(status.details.causes)) ?
    status.details.causes : [];
  const errors = {};
  let step = null;
  let rest = [];
  for (const c of causes) {
    let target = causeTarget(c.field, form);
    if (target && target.key === 'labels') {
      const row = labelRowFor(c.message, form);
      if (row) target = { step: 3, key: row };
    }
    if (!target) {
      rest.push(c.field ? `${c.field}: ${c.message}` : c.message);
      continue;
    }
    if (target.step > upTo) continue;
    const text = c.message || '';
    errors[target.key] = errors[target.key] ? `${errors[target.key]}; ${text}` : text;
    if (step === null || target.step < step) step = target.step;
  }
  return { step, errors, rest };
}
