// The server's refusals, read for forms: a 422 Status lists its problems in
// details.causes[] as {field, message}; forms show each next to the field it names. Pure (no DOM,
// no i18n), so the node tests can check it.

// [{field, message}] of a failed api.js result; [] when the answer carries none.
export function causesOf(result) {
  const causes = result && result.body && result.body.details && result.body.details.causes;
  if (!Array.isArray(causes)) return [];
  return causes
    .filter((c) => c && typeof c === 'object')
    .map((c) => ({ field: String(c.field || ''), message: String(c.message || c.reason || '') }));
}

// Splits a result's causes into the ones `place(field, message)` puts on a form field (it
// returns a key, or null) and the rest. {byKey: {key: message}, other: [{field, message}]}.
export function placeCauses(result, place) {
  const byKey = {};
  const other = [];
  for (const cause of causesOf(result)) {
    const key = place(cause.field, cause.message);
    if (key === null || key === undefined) {
      other.push(cause);
    } else {
      byKey[key] = byKey[key] ? `${byKey[key]}; ${cause.message}` : cause.message;
    }
  }
  return { byKey, other };
}
