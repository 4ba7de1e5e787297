// Hash routing: the server knows no page paths (it serves the shell at / only), so every page
// lives after '#'. parse() turns a hash into {page, ns, name}; href.* builds the links.
const enc = encodeURIComponent;

export const href = {
  projects: () => '#/projects',
  overview: (ns) => `#/projects/${enc(ns)}`,
  routes: (ns) => `#/projects/${enc(ns)}/routes`,
  route: (ns, name) => `#/projects/${enc(ns)}/routes/${enc(name)}`,
  createRoute: (ns) => `#/projects/${enc(ns)}/create-route`,
  gateway: (ns) => `#/projects/${enc(ns)}/gateway`,
  routeMonitoring: (ns, name) => `#/projects/${enc(ns)}/routes/${enc(name)}/monitoring`,
  gatewayMonitoring: (ns) => `#/projects/${enc(ns)}/gateway/monitoring`,
  services: (ns) => `#/projects/${enc(ns)}/services`,
  secrets: (ns) => `#/projects/${enc(ns)}/secrets`,
  clusterGateway: () => '#/cluster/gateway',
};

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parse(hash) {
  const raw = (hash || '').replace(/^#\/?/, '').replace(/\/+$/, '');
  const parts = raw === '' ? [] : raw.split('/').map(decode);
  if (parts.some((p) => p === null || p === '')) return { page: 'notFound' };
  const [top, ns, section, name, ...rest] = parts;
  // Monitoring: a 5th segment after a route, a 4th after the gateway (nothing further).
  if (top === 'projects' && section === 'routes' && name && rest.length === 1 &&
      rest[0] === 'monitoring') {
    return { page: 'routeMonitoring', ns, name };
  }
  if (top === 'projects' && section === 'gateway' && name === 'monitoring' && rest.length === 0) {
    return { page: 'gatewayMonitoring', ns };
  }
  if (parts.length === 0 || (top === 'projects' && parts.length === 1)) return { page: 'projects' };
  if (top === 'cluster' && ns === 'gateway' && parts.length === 2) return { page: 'clusterGateway' };
  if (top !== 'projects' || rest.length > 0) return { page: 'notFound' };
  if (parts.length === 2) return { page: 'overview', ns };
  if (section === 'routes') return name ? { page: 'route', ns, name } : { page: 'routes', ns };
  if (name) return { page: 'notFound' };
  if (section === 'gateway') return { page: 'gateway', ns };
  if (section === 'create-route') return { page: 'createRoute', ns };
  if (section === 'services') return { page: 'services', ns };
  if (section === 'secrets') return { page: 'secrets', ns };
  return { page: 'notFound' };
}
