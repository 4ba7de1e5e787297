// The gateway config keys Waygate supports, with default, description and an example, from
// GET /console/keys.json (built by the server from the same table its parser uses, so the
// console never suggests a key the gateway would ignore). Loaded once per page load.
import { get } from '../api.js';

let loading = null;

// Resolves to [{key, default, description, example}]; [] when the file cannot be read (the
// form still works, without suggestions).
export function gatewayConfigKeys() {
  if (!loading) {
    loading = get('/console/keys.json').then((r) => {
      if (!r.ok || !r.body || !Array.isArray(r.body.gatewayConfig)) {
        loading = null; // try again next time
        return [];
      }
      return r.body.gatewayConfig;
    });
  }
  return loading;
}

// The suggestions for what is typed: keys containing it (all when empty), prefix matches first.
export function suggest(keys, typed) {
  const needle = (typed || '').trim().toLowerCase();
  if (!needle) return keys;
  const starts = keys.filter((k) => k.key.startsWith(needle));
  const contains = keys.filter((k) => !k.key.startsWith(needle) && k.key.includes(needle));
  return [...starts, ...contains];
}
