// Choosing the TLS Secret of an https rule: the project's kubernetes.io/tls Secrets as a
// searchable list of radio buttons, or a new one made from an uploaded certificate and key
// (PEM files, read in the browser and sent once as the Secret's stringData).
import { useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { checkSubdomain } from './validate.js';
import { checkPem, createTlsSecret } from './data.js';
import { FieldError } from './errors.jsx';

function suggestedName(host) {
  const base = (host || 'route').replace(/^\*\./, 'wildcard.').toLowerCase().replace(/[^-a-z0-9.]/g, '-');
  return `${base}-tls`.replace(/^[^a-z0-9]+/, '').slice(0, 253);
}

function Upload({ ns, id, host, onCreated, onCancel }) {
  const [name, setName] = useState(suggestedName(host));
  const [crt, setCrt] = useState('');
  const [key, setKey] = useState('');
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const read = (setter, field) => async (e) => {
    const file = e.currentTarget.files && e.currentTarget.files[0];
    setter(file ? await file.text() : '');
    setErrors((x) => ({ ...x, [field]: undefined }));
  };
  const create = async () => {
    const found = {};
    const bad = checkSubdomain(name);
    if (bad) found.name = bad;
    for (const [k, msg] of Object.entries(checkPem(crt, key))) found[k] = { msg };
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const r = await createTlsSecret(ns, name, crt, key);
    setBusy(false);
    if (r.ok) onCreated(name);
    else setErrors({ server: t('wizard.secret.createFailed', { message: r.message }) });
  };
  return (
    <div class="secret-upload-panel" id={`${id}-upload`}>
      <div class="field">
        <label for={`${id}-new-name`}>{t('wizard.secret.newName')}</label>
        <input id={`${id}-new-name`} class="secret-new-name" value={name}
          aria-invalid={errors.name ? 'true' : undefined}
          onInput={(e) => setName(e.currentTarget.value)} />
        <FieldError id={`${id}-new-name-error`} error={errors.name} />
      </div>
      <div class="field">
        <label for={`${id}-crt`}>{t('wizard.secret.crt')}</label>
        <input id={`${id}-crt`} class="secret-crt-file" type="file" accept=".pem,.crt,.cer,text/plain"
          onChange={read(setCrt, 'crt')} />
        <FieldError id={`${id}-crt-error`} error={errors.crt} />
      </div>
      <div class="field">
        <label for={`${id}-key`}>{t('wizard.secret.key')}</label>
        <input id={`${id}-key`} class="secret-key-file" type="file" accept=".pem,.key,text/plain"
          onChange={read(setKey, 'key')} />
        <FieldError id={`${id}-key-error`} error={errors.key} />
      </div>
      <FieldError id={`${id}-upload-error`} error={errors.server} />
      <div class="input-row">
        <button type="button" class="button button-primary secret-create" disabled={busy} onClick={create}>
          {busy ? t('wizard.secret.creating') : t('wizard.secret.create')}
        </button>
        <button type="button" class="button button-quiet" onClick={onCancel}>{t('common.cancel')}</button>
      </div>
    </div>
  );
}

export function SecretChooser({ ns, id, host, value, secrets, error, onChoose, onCreated }) {
  const [search, setSearch] = useState('');
  const [uploading, setUploading] = useState(false);
  const names = secrets.items || [];
  const shown = names.filter((n) => n.toLowerCase().includes(search.trim().toLowerCase()));
  return (
    <div class="secret-chooser" id={id}>
      <fieldset class="secret-list-box" aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}>
        <legend>{t('wizard.secret.title')}</legend>
        {!secrets.ok && secrets.status !== undefined && (
          <p class="message message-error">{t('wizard.secret.loadFailed', { message: secrets.message || '' })}</p>
        )}
        {names.length > 0 && (
          <div class="field">
            <label for={`${id}-search`}>{t('wizard.secret.search')}</label>
            <input id={`${id}-search`} class="secret-search" type="search" value={search}
              onInput={(e) => setSearch(e.currentTarget.value)} />
          </div>
        )}
        {names.length === 0 && secrets.ok && <p class="muted">{t('wizard.secret.none')}</p>}
        {names.length > 0 && shown.length === 0 && <p class="muted">{t('wizard.secret.noMatch')}</p>}
        <ul class="secret-list">
          {shown.map((n) => (
            <li key={n}>
              <label class="secret-option">
                <input type="radio" name={`${id}-choice`} value={n} checked={value === n}
                  onChange={() => onChoose(n)} />
                <span>{n}</span>
              </label>
            </li>
          ))}
        </ul>
        {value && !names.includes(value) && (
          <p class="muted secret-missing">{t('wizard.secret.missing', { name: value })}</p>
        )}
        <FieldError id={`${id}-error`} error={error} />
      </fieldset>
      {uploading ? (
        <Upload ns={ns} id={id} host={host} onCancel={() => setUploading(false)} onCreated={(name) => {
          setUploading(false);
          onCreated(name);
        }} />
      ) : (
        <button type="button" class="button secret-upload" onClick={() => setUploading(true)}>
          {t('wizard.secret.upload')}
        </button>
      )}
    </div>
  );
}
