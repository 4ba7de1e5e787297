// What the signed-in user may do, asked once per project and session (SelfSubjectAccessReview),
// to decide which buttons to show and which role to name in the header. The server stays the
// authority: a hidden button is a courtesy, a shown one can still be refused.
import { useEffect, useState } from 'preact/hooks';
import { CONTROLS_NS, canI, gatewayName } from './k8s.js';

let cache = new Map();

export function forgetPermissions() {
  cache = new Map();
}

function ask(key, make) {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key);
}

// Platform admins may create namespaces; nobody else may (docs/security.md).
export function platformPermissions() {
  return ask('', async () => ({
    platformAdmin: await canI({ verb: 'create', resource: 'namespaces' }),
  }));
}

export function projectPermissions(ns) {
  return ask(`ns:${ns}`, async () => {
    const ingresses = { group: 'networking.k8s.io', resource: 'ingresses', namespace: ns };
    const [createIngress, deleteIngress, updateGateway, readGateway] = await Promise.all([
      canI({ ...ingresses, verb: 'create' }),
      canI({ ...ingresses, verb: 'delete' }),
      canI({ verb: 'update', group: 'gateway.kubesphere.io', resource: 'gateways',
             namespace: CONTROLS_NS, name: gatewayName(ns) }),
      canI({ verb: 'get', group: 'gateway.kubesphere.io', resource: 'gateways',
             namespace: CONTROLS_NS, name: gatewayName(ns) }),
    ]);
    return { createIngress, deleteIngress, updateGateway, readGateway };
  });
}

// The built-in project roles, told apart by what they allow: admin manages the gateway,
// operator (project-regular) manages routes, viewer only reads.
export function projectRole(p) {
  if (!p) return '';
  if (p.updateGateway) return 'admin';
  if (p.createIngress) return 'operator';
  if (p.readGateway) return 'viewer';
  return '';
}

function usePromise(make, deps) {
  const [value, setValue] = useState(null);
  useEffect(() => {
    let live = true;
    setValue(null);
    const promise = make();
    if (promise) promise.then((v) => live && setValue(v));
    return () => {
      live = false;
    };
  }, deps);
  return value;
}

// null while asking.
export function useProjectPermissions(ns) {
  return usePromise(() => (ns ? projectPermissions(ns) : null), [ns]);
}

export function usePlatformPermissions(user) {
  return usePromise(() => (user ? platformPermissions() : null), [user]);
}
