// Checks the forms make before sending (the server checks again and stays the authority).
// Pure functions returning an i18n key for the problem, or '' when the input is fine.

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(text) {
  return IPV4.test(text);
}

// The WHATWG URL parser knows IPv6 exactly; a bracketed host that parses is an address.
export function isIPv6(text) {
  if (!text.includes(':') || /[\[\]/]/.test(text)) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function isPort(text) {
  if (!/^\d{1,5}$/.test(String(text))) return false;
  const n = Number(text);
  return n >= 1 && n <= 65535;
}

// "10.0.0.5:8080" or "[fd00::5]:8080" -> {ip, port}; {error: i18nKey} when it is neither.
export function parseBackend(text) {
  const s = (text || '').trim();
  if (!s) return { error: 'res.backend.required' };
  let ip;
  let port;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    [, ip, port] = v6;
    if (!isIPv6(ip)) return { error: 'res.backend.badIp' };
  } else {
    const at = s.lastIndexOf(':');
    if (at < 0) return { error: 'res.backend.noPort' };
    ip = s.slice(0, at);
    port = s.slice(at + 1);
    if (!isIPv4(ip)) return { error: ip.includes(':') ? 'res.backend.bracketV6' : 'res.backend.badIp' };
  }
  if (!isPort(port)) return { error: 'res.backend.badPort' };
  return { ip, port: Number(port) };
}

// What a PEM upload must look like before it is sent as tls.crt / tls.key.
export function pemProblem(text, kind) {
  if (!text || !text.trim()) return 'res.pem.empty';
  if (kind === 'cert') {
    return /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text) ? '' : 'res.pem.notCert';
  }
  return /-----BEGIN ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----[\s\S]+?-----END ((RSA|EC|ENCRYPTED) )?PRIVATE KEY-----/.test(text)
    ? ''
    : 'res.pem.notKey';
}

// Bytes -> base64 (a Secret's data), in chunks so a large file does not overflow the stack.
export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
