// The wizard's client-side checks, the same rules the API applies (k8s.io/apimachinery's
// validation: DNS-1123 subdomains, qualified names, label values), so most mistakes are told
// at "Next" with the reason next to the input. The server stays the judge: its 422 is mapped
// onto the same inputs (model.serverErrors). Errors are values: {key: {msg, params}}, with
// `msg` an i18n key, so these stay pure and testable in node.

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const err = (msg, params) => ({ msg, params });

// A DNS-1123 subdomain (metadata.name, host names), with the specific reason.
export function checkSubdomain(value) {
  if (value === '') return err('wizard.err.required');
  if (value.length > 253) return err('wizard.err.tooLong', { max: 253 });
  if (/[A-Z]/.test(value)) return err('wizard.err.lowercase');
  if (/[^-a-z0-9.]/.test(value)) return err('wizard.err.dnsChars');
  if (!DNS_SUBDOMAIN.test(value)) return err('wizard.err.dnsEnds');
  return null;
}

export function checkHost(value) {
  if (value === '') return null; // a rule without host matches every host
  if (/^\d+(\.\d+){3}$/.test(value)) return err('wizard.err.hostIp');
  const rest = value.startsWith('*.') ? value.slice(2) : value;
  if (rest.includes('*')) return err('wizard.err.hostWildcard');
  return checkSubdomain(rest);
}

// A qualified name: [prefix/]name, prefix a DNS subdomain, name up to 63 characters.
export function checkQualifiedName(value) {
  if (value === '') return err('wizard.err.required');
  const parts = value.split('/');
  if (parts.length > 2) return err('wizard.err.keySlashes');
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (parts[0] === '') return err('wizard.err.keyPrefixEmpty');
    const prefix = checkSubdomain(parts[0]);
    if (prefix) return err('wizard.err.keyPrefix', { prefix: parts[0] });
  }
  if (name === '') return err('wizard.err.keyNameEmpty');
  if (name.length > 63) return err('wizard.err.tooLong', { max: 63 });
  if (!NAME_PART.test(name)) return err('wizard.err.keyName');
  return null;
}

export function checkLabelValue(value) {
  if (value === '') return null;
  if (value.length > 63) return err('wizard.err.tooLong', { max: 63 });
  if (!NAME_PART.test(value)) return err('wizard.err.labelValue');
  return null;
}

export function checkBasic(form) {
  const errors = {};
  const name = checkSubdomain(form.name);
  if (name) errors.name = name;
  return errors;
}

export function checkRules(form) {
  const errors = {};
  if (form.rules.length === 0) errors.rules = err('wizard.err.noRules');
  const seen = new Map(); // "host path" -> where first
  form.rules.forEach((rule, i) => {
    const host = checkHost(rule.host);
    if (host) errors[`rule.${i}.host`] = host;
    if (rule.protocol === 'https') {
      if (!rule.host) errors[`rule.${i}.host`] = err('wizard.err.httpsHost');
      if (!rule.secret) errors[`rule.${i}.secret`] = err('wizard.err.httpsSecret');
    }
    if (rule.paths.length === 0) errors[`rule.${i}.paths`] = err('wizard.err.noPaths');
    rule.paths.forEach((p, j) => {
      const at = `rule.${i}.path.${j}`;
      if (!p.path.startsWith('/')) errors[`${at}.path`] = err('wizard.err.pathAbsolute');
      if (!p.pathType) errors[`${at}.pathType`] = err('wizard.err.required');
      if (!p.service) errors[`${at}.backend`] = err('wizard.err.service');
      else if (String(p.port).trim() === '') errors[`${at}.backend`] = err('wizard.err.port');
      const key = `${rule.host || '*'} ${p.path}`;
      if (seen.has(key) && !errors[`${at}.path`]) {
        errors[`${at}.path`] = err('wizard.err.duplicatePath', {
          host: rule.host || '*', path: p.path, where: seen.get(key),
        });
      } else if (!seen.has(key)) {
        seen.set(key, `${i + 1}.${j + 1}`);
      }
    });
  });
  return errors;
}

function checkRows(rows, kind, checkValue) {
  const errors = {};
  const seen = new Set();
  rows.forEach((row, i) => {
    const key = row.key.trim();
    if (key === '' && row.value === '') return; // an empty row is ignored
    const bad = checkQualifiedName(key);
    if (bad) errors[`${kind}.${i}.key`] = bad;
    else if (seen.has(key)) errors[`${kind}.${i}.key`] = err('wizard.err.duplicateKey', { key });
    seen.add(key);
    const value = checkValue(row.value);
    if (value) errors[`${kind}.${i}.value`] = value;
  });
  return errors;
}

export const checkAnnotations = (form) => checkRows(form.annotations, 'annotation', () => null);
export const checkLabels = (form) => checkRows(form.labels, 'label', checkLabelValue);

export const STEP_CHECKS = [checkBasic, checkRules, checkAnnotations, checkLabels];

// Every step's errors, and the first step that has any (null: none).
export function checkAll(form) {
  let first = null;
  const errors = {};
  STEP_CHECKS.forEach((check, step) => {
    const found = check(form);
    if (Object.keys(found).length && first === null) first = step;
    Object.assign(errors, found);
  });
  return { step: first, errors };
}
