// The editor's text, both ways: an object as YAML or JSON, and text back to an object with the
// line (1-based) and column of the first error. Loaded lazily with the editor (js-yaml is only
// needed in edit mode). Errors are values: {ok: true, value} or {ok: false, line, column,
// message} (the parser's own words) or {..., code} (ours: the page translates it).
import yaml from 'js-yaml';

export function dump(obj, format) {
  if (format === 'json') return JSON.stringify(obj, null, 2) + '\n';
  // noRefs: no &anchors for repeated values; lineWidth -1: long annotation values stay on
  // one line; strings that YAML 1.1 readers (kubectl) would take as booleans get quoted.
  return yaml.dump(obj, { noRefs: true, lineWidth: -1 });
}

function lineColumn(text, offset) {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

// The offset and reason of the first JSON syntax error: JSON.parse says what is wrong, but not
// portably where (V8's messages name no position for many errors), so a small scanner finds it.
export function jsonError(text) {
  let i = 0;
  const fail = (message, at = i) => {
    throw { at, message };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${JSON.stringify(text[i])}`);
  };
  const string = () => {
    i++; // the opening quote
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e) && e !== undefined) {
          i += 2;
        } else {
          fail('bad escape');
        }
        continue;
      }
      if (c < ' ') fail('control character in a string (a line break needs \\n)');
      i++;
    }
    fail('unterminated string');
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${JSON.stringify(text[i])}`);
    i += m[0].length;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === undefined) fail('unexpected end of input');
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma' : 'expected a "key"');
        string();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(text[i] === undefined ? 'unexpected end of input' : 'expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ']') fail('trailing comma');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(text[i] === undefined ? 'unexpected end of input' : 'expected "," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the end');
    return null;
  } catch (e) {
    if (e && typeof e.at === 'number') return e;
    throw e;
  }
}

export function parse(text, format) {
  if (text.trim() === '') return { ok: false, line: 1, column: 1, code: 'empty', message: '' };
  if (format === 'json') {
    try {
      return checked(JSON.parse(text));
    } catch (e) {
      const where = jsonError(text) || { at: 0, message: String(e.message || e) };
      return { ok: false, ...lineColumn(text, where.at), message: where.message };
    }
  }
  try {
    const docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
    if (docs.length > 1) return { ok: false, line: 1, column: 1, code: 'documents', message: '' };
    return checked(docs[0]);
  } catch (e) {
    const mark = e && e.mark;
    return {
      ok: false,
      line: mark ? mark.line + 1 : 1,
      column: mark ? mark.column + 1 : 1,
      message: (e && e.reason) || String(e),
    };
  }
}

function checked(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, line: 1, column: 1, code: 'notObject', message: '' };
  }
  return { ok: true, value };
}

// An uploaded file's format: by its name, else by its first character.
export function formatOf(name, text) {
  if (/\.json$/i.test(name || '')) return 'json';
  if (/\.ya?ml$/i.test(name || '')) return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}
