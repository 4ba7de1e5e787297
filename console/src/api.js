// The console's only way to the server: same-origin fetch with the signed-in user's token.
// Every call resolves (never throws) to a value {ok, status, body, message}: status 0 means the
// network failed; message is the server's own words (a kube Status message, an OAuth
// error_description) so pages can show exactly why something was refused.
// A 401 on a call that carried a token means the token is gone (expired, revoked, user
// deleted): the session is cleared and the app is told, so it shows the sign-in form.

const TOKEN_KEY = 'waygate.token';
const USER_KEY = 'waygate.user';

let unauthorized = () => {};

// The app's reaction to a dead token (back to sign-in); set once by the app.
export function onUnauthorized(handler) {
  unauthorized = handler;
}

// sessionStorage: per tab and gone when it closes, as the plan asks; nothing in localStorage.
export function session() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  return token && user ? { token, user } : null;
}

function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

function messageOf(status, body, text) {
  if (body && typeof body === 'object') {
    if (typeof body.message === 'string' && body.message) return body.message; // kube Status
    if (body.error_description) return body.error_description; // OAuth
    if (body.error) return body.error;
  }
  if (text) return text.trim().slice(0, 500);
  return status ? `HTTP ${status}` : '';
}

async function send(method, path, { query, json, form, auth = true } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, v);
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const headers = { Accept: 'application/json' };
  const current = session();
  if (auth && current) headers.Authorization = `Bearer ${current.token}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    return { ok: false, status: 0, body: null, message: String(e && e.message ? e.message : e) };
  }
  const text = await response.text().catch(() => '');
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  const result = {
    ok: response.ok,
    status: response.status,
    body: parsed,
    message: response.ok ? '' : messageOf(response.status, parsed, text),
  };
  if (response.status === 401 && auth && current) {
    clearSession();
    unauthorized(result);
  }
  return result;
}

export const get = (path, query) => send('GET', path, { query });
export const post = (path, json) => send('POST', path, { json });
export const put = (path, json) => send('PUT', path, { json });
export const del = (path) => send('DELETE', path);

// POST /oauth/token (password grant). On success the token and user name are kept for this tab.
export async function signIn(username, password) {
  const result = await send('POST', '/oauth/token', {
    form: { grant_type: 'password', username, password },
    auth: false,
  });
  if (result.ok && result.body && result.body.access_token) {
    sessionStorage.setItem(TOKEN_KEY, result.body.access_token);
    sessionStorage.setItem(USER_KEY, username);
  } else if (result.ok) {
    return { ...result, ok: false, message: 'the server sent no access_token' };
  }
  return result;
}

// POST /oauth/revoke, then forget the token whatever the answer: a sign-out that fails on the
// network still ends the session in this tab (the token then expires on its own).
export async function signOut() {
  const current = session();
  let result = { ok: true, status: 200, body: null, message: '' };
  if (current) {
    result = await send('POST', '/oauth/revoke', { form: { token: current.token }, auth: false });
  }
  clearSession();
  return result;
}
