// Core v1 paths of the Services and Secrets pages, and the rights that decide their buttons.
import { canI } from '../k8s.js';

const enc = encodeURIComponent;
const core = (ns, kind) => `/api/v1/namespaces/${enc(ns)}/${kind}`;

export const resourcePaths = {
  services: (ns) => core(ns, 'services'),
  service: (ns, name) => `${core(ns, 'services')}/${enc(name)}`,
  endpointsList: (ns) => core(ns, 'endpoints'),
  endpoints: (ns, name) => `${core(ns, 'endpoints')}/${enc(name)}`,
  secrets: (ns) => core(ns, 'secrets'),
  secret: (ns, name) => `${core(ns, 'secrets')}/${enc(name)}`,
};

// {create, delete} for a core resource in the project (false on any error: buttons follow).
export async function rightsOn(ns, resource) {
  const [create, remove] = await Promise.all([
    canI({ verb: 'create', resource, namespace: ns }),
    canI({ verb: 'delete', resource, namespace: ns }),
  ]);
  return { create, delete: remove };
}
