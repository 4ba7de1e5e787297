// Key/value rows (the gateway's Service annotations, its config): add, edit, remove. Config
// keys get suggestions from /console/keys.json and a line saying what the key does and its
// default; a key Waygate does not know is said to be ignored. Problems (the form's checks, or
// the server's 422 causes) are shown under their row.
import { t } from '../i18n/index.js';
import { KeyCombobox } from './KeyCombobox.jsx';
import { row } from './model.js';

function ConfigHint({ keys, rowKey, id }) {
  const key = rowKey.trim();
  if (!key) return null;
  const known = (keys || []).find((k) => k.key === key);
  if (!known) {
    if (!keys || keys.length === 0) return null;
    return (
      <p class="row-hint row-unknown" id={id}>
        {t('gw.unknownKey')}
      </p>
    );
  }
  return (
    <p class="row-hint" id={id}>
      {known.description}{' '}
      <span class="muted">
        {t('gw.default', { value: known.default === '' ? t('gw.emptyDefault') : known.default })}
      </span>
    </p>
  );
}

export function RowsEditor({ list, legend, addLabel, rows, onChange, problems, keys }) {
  const update = (id, change) => onChange(rows.map((r) => (r.id === id ? { ...r, ...change } : r)));
  const remove = (id) => onChange(rows.filter((r) => r.id !== id));
  const config = list === 'config';
  return (
    <fieldset class="rows-editor" id={`gw-${list}`}>
      <legend>{legend}</legend>
      {rows.length === 0 && <p class="muted rows-empty">{t('gw.noRows')}</p>}
      {rows.map((r, i) => {
        const keyId = `gw-${list}-key-${r.id}`;
        const hintId = `gw-${list}-hint-${r.id}`;
        const errorId = `gw-${list}-error-${r.id}`;
        const problem = problems && problems[r.id];
        const keyLabel = t('gw.rowKey', { n: i + 1 });
        return (
          <div class={`kv-edit-row ${list}-row`} data-row={r.id} data-key={r.key.trim()} key={r.id}>
            <div class="kv-edit-inputs">
              {config ? (
                <KeyCombobox
                  id={keyId}
                  value={r.key}
                  keys={keys}
                  label={keyLabel}
                  invalid={Boolean(problem)}
                  describedBy={`${hintId} ${errorId}`}
                  onInput={(key) => update(r.id, { key })}
                  // A picked key starts from its default, so the row is valid and shows the unit.
                  onPick={(k) => update(r.id, { key: k.key, value: r.value || k.default })}
                />
              ) : (
                <input
                  id={keyId}
                  class="row-key"
                  aria-label={keyLabel}
                  aria-invalid={problem ? 'true' : undefined}
                  aria-describedby={errorId}
                  spellcheck={false}
                  value={r.key}
                  onInput={(e) => update(r.id, { key: e.currentTarget.value })}
                />
              )}
              <input
                class="row-value"
                aria-label={t('gw.rowValue', { n: i + 1 })}
                aria-invalid={problem ? 'true' : undefined}
                aria-describedby={errorId}
                spellcheck={false}
                value={r.value}
                onInput={(e) => update(r.id, { value: e.currentTarget.value })}
              />
              <button
                type="button"
                class="button button-quiet row-remove"
                aria-label={t('gw.removeRow', { n: i + 1 })}
                onClick={() => remove(r.id)}
              >
                ×
              </button>
            </div>
            {config && <ConfigHint keys={keys} rowKey={r.key} id={hintId} />}
            <p class="row-error" id={errorId} role={problem ? 'alert' : undefined}>
              {problem || ''}
            </p>
          </div>
        );
      })}
      <button type="button" class="button" id={`gw-add-${list}`} onClick={() => onChange([...rows, row()])}>
        {addLabel}
      </button>
    </fieldset>
  );
}
