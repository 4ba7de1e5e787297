// What the route form reads and writes besides the Ingress: the project's Services (backends),
// its TLS Secrets (https rules), the gateway's address (nip.io host names) and the annotation
// keys the server supports (/console/keys.json). All through api.js, so errors are values.
import { get, post } from '../api.js';
import { gatewaySummary, list, paths } from '../k8s.js';

const enc = encodeURIComponent;
export const TLS_TYPE = 'kubernetes.io/tls';
const secretsPath = (ns) => `/api/v1/namespaces/${enc(ns)}/secrets`;

export const loadServices = (ns) => list(paths.services(ns));

// The project's TLS Secrets, names only (the list carries the keys: they are not kept). The
// field selector spares sending other Secrets; the type check stays in case it is ignored.
export async function loadTlsSecrets(ns) {
  const r = await list(secretsPath(ns), { fieldSelector: `type=${TLS_TYPE}` });
  const names = r.items.filter((s) => s.type === TLS_TYPE).map((s) => s.metadata.name).sort();
  return { ...r, items: names };
}

// PEM blocks as the Secret's tls.crt / tls.key expect them; the server checks them again when
// the gateway loads the Secret (a bad pair is an Event and the default certificate).
export function checkPem(crt, key) {
  const errors = {};
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(crt || '')) {
    errors.crt = 'wizard.secret.badCrt';
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----/.test(key || '')) {
    errors.key = 'wizard.secret.badKey';
  }
  return errors;
}

export function createTlsSecret(ns, name, crt, key) {
  return post(secretsPath(ns), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns },
    type: TLS_TYPE,
    stringData: { 'tls.crt': crt, 'tls.key': key },
  });
}

// The address nip.io names resolve to: the gateway's status address (its EIP, or the node
// address of a NodePort gateway), else 127.0.0.1 for a NodePort gateway (the node this console
// runs on), else none. {ok, ip, type, status}.
export async function loadGatewayAddress(ns) {
  const r = await get(paths.gateway(ns));
  if (!r.ok) return { ok: false, status: r.status, ip: '', type: '' };
  const gw = gatewaySummary(r.body);
  const ip = gw.addresses.find((a) => /^\d+(\.\d+){3}$/.test(a)) ||
    (gw.type === 'NodePort' ? '127.0.0.1' : '');
  return { ok: true, status: r.status, ip, type: gw.type };
}

export function nipHost(service, ns, ip) {
  return `${service}.${ns}.${ip}.nip.io`;
}

let keys = null;
// /console/keys.json once per page load: [{key, default, description}].
export function loadAnnotationKeys() {
  if (!keys) {
    keys = get('/console/keys.json').then((r) => {
      if (!r.ok) keys = null; // try again next time
      return r.ok && r.body && Array.isArray(r.body.annotations) ? r.body.annotations : [];
    });
  }
  return keys;
}
