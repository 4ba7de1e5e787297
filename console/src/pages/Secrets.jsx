// A project's Secrets: name, type, created, never their data (it is dropped as soon as the list
// arrives, so no component can show it). A TLS Secret (kubernetes.io/tls) is made from two
// uploaded files, the certificate PEM and the key PEM, read in the browser (FileReader) and
// sent base64-encoded as data["tls.crt"] and data["tls.key"]. Delete asks first.
import { useState } from 'preact/hooks';
import { del, post } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { ErrorMessage, Loading, Notice } from '../components/Messages.jsx';
import { useLoad, useTitle } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { list, meta } from '../k8s.js';
import { href } from '../router.js';
import { placeCauses } from '../resources/errors.js';
import { resourcePaths as paths, rightsOn } from '../resources/paths.js';
import { pemProblem, toBase64 } from '../resources/validate.js';

const MAX_FILE = 1024 * 1024; // a certificate chain or key is a few KB

// {name, text, base64} of a chosen file, or {error} (an i18n key).
function readFile(file) {
  return new Promise((resolve) => {
    if (file.size > MAX_FILE) {
      resolve({ name: file.name, error: 'sec.tooLarge' });
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const bytes = new Uint8Array(reader.result);
      resolve({ name: file.name, text: new TextDecoder().decode(bytes), base64: toBase64(bytes) });
    };
    reader.onerror = () => resolve({ name: file.name, error: 'sec.unreadable' });
    reader.readAsArrayBuffer(file);
  });
}

// Field names of the form for a 422 cause.
function place(field) {
  if (field === 'metadata.name') return 'name';
  if (field.startsWith('data[tls.crt]') || field === 'data.tls.crt') return 'cert';
  if (field.startsWith('data[tls.key]') || field === 'data.tls.key') return 'key';
  return null;
}

function FileField({ id, label, hint, accept, file, error, onFile }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="file" accept={accept} aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${id}-hint`}
        onChange={async (e) => {
          const chosen = e.currentTarget.files && e.currentTarget.files[0];
          onFile(chosen ? await readFile(chosen) : null);
        }} />
      <span class="hint" id={`${id}-hint`}>{file && !file.error ? t('sec.chosen', { name: file.name }) : hint}</span>
      {error && <p class="row-error" role="alert" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

function TlsForm({ ns, onDone, onCancel }) {
  const [name, setName] = useState('');
  const [cert, setCert] = useState(null);
  const [key, setKey] = useState(null);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);

  const problemOf = (file, kind) => {
    if (!file) return t('sec.fileRequired');
    if (file.error) return t(file.error);
    const p = pemProblem(file.text, kind);
    return p ? t(p) : '';
  };

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    const found = {};
    if (!name.trim()) found.name = t('res.nameRequired');
    const certProblem = problemOf(cert, 'cert');
    const keyProblem = problemOf(key, 'key');
    if (certProblem) found.cert = certProblem;
    if (keyProblem) found.key = keyProblem;
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const r = await post(paths.secrets(ns), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: name.trim(), namespace: ns },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': cert.base64, 'tls.key': key.base64 },
    });
    setBusy(false);
    if (r.ok) {
      onDone(name.trim());
      return;
    }
    const placed = r.status === 422 ? placeCauses(r, place) : { byKey: {}, other: [] };
    setErrors(placed.byKey);
    setFailure({ result: r, other: placed.other });
  };

  return (
    <form class="card res-form" id="secret-form" onSubmit={submit} noValidate aria-labelledby="secret-form-title">
      <h2 id="secret-form-title">{t('sec.createTitle')}</h2>
      <p class="hint">{t('sec.createHint')}</p>
      {failure && (failure.other.length || failure.result.status !== 422) ? (
        <ErrorMessage result={failure.result} title={failure.result.status === 422 ? t('res.invalid') : undefined} />
      ) : null}
      <div class="field">
        <label for="secret-name">{t('common.name')}</label>
        <input id="secret-name" value={name} spellcheck={false} aria-invalid={errors.name ? 'true' : undefined}
          onInput={(e) => setName(e.currentTarget.value)} />
        {errors.name && <p class="row-error" role="alert" id="secret-name-error">{errors.name}</p>}
      </div>
      <FileField id="secret-cert" label={t('sec.cert')} hint={t('sec.certHint')} accept=".pem,.crt,.cer"
        file={cert} error={errors.cert} onFile={setCert} />
      <FileField id="secret-key" label={t('sec.key')} hint={t('sec.keyHint')} accept=".pem,.key"
        file={key} error={errors.key} onFile={setKey} />
      <div class="form-actions">
        <button type="submit" class="button button-primary" id="secret-submit" disabled={busy}>
          {busy ? t('res.creating') : t('res.create')}
        </button>
        <button type="button" class="button" onClick={onCancel} disabled={busy}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

// The list without any Secret's data: only what the page shows is kept.
const withoutData = (r) => ({
  ...r,
  items: r.items.map((s) => ({ metadata: meta(s), type: s.type || 'Opaque' })),
  body: null,
});

export function Secrets({ ns }) {
  useTitle(`${t('sec.title')} · ${ns}`);
  const [rights] = useLoad(() => rightsOn(ns, 'secrets'), [ns]);
  const [state, reload] = useLoad(() => list(paths.secrets(ns)).then(withoutData), [ns]);
  const [creating, setCreating] = useState(false);
  const [victim, setVictim] = useState('');
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState(null);

  const may = rights.value || {};
  const result = state.value;
  const items = result && result.ok
    ? [...result.items].sort((a, b) => meta(a).name.localeCompare(meta(b).name)) : [];

  const remove = async () => {
    setDeleting(true);
    const r = await del(paths.secret(ns, victim));
    setDeleting(false);
    setNotice(r.ok || r.status === 404
      ? { kind: 'success', text: t('res.deleted', { name: victim }) }
      : { kind: 'error', text: t('res.deleteFailed', { name: victim, message: r.message }) });
    setVictim('');
    reload();
  };

  let body;
  if (!result) body = <Loading />;
  else if (result.status === 403) body = <ErrorMessage result={result} title={t('sec.forbidden')} />;
  else if (!result.ok) body = <ErrorMessage result={result} onRetry={reload} />;
  else if (items.length === 0) body = <p class="empty" id="secrets-empty">{t('sec.empty')}</p>;
  else {
    body = (
      <div class="table-wrap">
        <table class="table stack-on-phone" id="secrets-table">
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('sec.col.type')}</th>
              <th scope="col">{t('common.created')}</th>
              {may.delete && <th scope="col"><span class="sr-only">{t('res.actions')}</span></th>}
            </tr>
          </thead>
          <tbody>
            {items.map((s) => {
              const name = meta(s).name;
              return (
                <tr key={name} data-secret={name}>
                  <td data-label={t('common.name')} class="strong">{name}</td>
                  <td data-label={t('sec.col.type')} class="secret-type">{s.type}</td>
                  <td data-label={t('common.created')}>{formatTime(meta(s).creationTimestamp)}</td>
                  {may.delete && (
                    <td class="col-actions">
                      <button type="button" class="button button-quiet secret-delete"
                        aria-label={t('res.deleteNamed', { name })} onClick={() => setVictim(name)}>
                        {t('res.delete')}
                      </button>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{t('sec.title')}</h1>
        <div class="page-actions">
          {may.create && !creating && (
            <button type="button" class="button button-primary" id="secrets-create"
              onClick={() => { setCreating(true); setNotice(null); }}>
              {t('sec.create')}
            </button>
          )}
        </div>
      </div>
      <p class="muted">{t('sec.intro')}</p>
      {notice && <Notice kind={notice.kind}><p id="secrets-notice">{notice.text}</p></Notice>}
      {creating && (
        <TlsForm ns={ns} onCancel={() => setCreating(false)} onDone={(name) => {
          setCreating(false);
          setNotice({ kind: 'success', text: t('res.created', { name }) });
          reload();
        }} />
      )}
      {body}
      <p><a href={href.overview(ns)}>{t('stub.back')}</a></p>
      {victim && (
        <ConfirmDialog title={t('sec.deleteTitle')} confirmLabel={deleting ? t('routes.deleting') : t('res.delete')}
          busy={deleting} onConfirm={remove} onCancel={() => setVictim('')}>
          <p>{t('sec.deleteText', { name: victim })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
