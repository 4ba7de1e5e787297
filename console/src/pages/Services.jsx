// A project's Services (what routes point at): name, ports, the addresses of their Endpoints,
// created. A Service is created here the way Waygate's backends work (DESIGN: "a Service's
// backends are its Endpoints"): without a selector, plus an Endpoints object of the same name
// listing the backend addresses typed as IP:port rows. Delete removes both, after a confirm.
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
import { isPort, parseBackend } from '../resources/validate.js';

const PORT_NAME = 'http';
let nextRow = 1;
const backendRow = (text = '') => ({ id: nextRow++, text });

function portsText(svc) {
  return ((svc.spec && svc.spec.ports) || []).map((p) => {
    const target = p.targetPort !== undefined && p.targetPort !== p.port ? `→${p.targetPort}` : '';
    return `${p.name ? `${p.name} ` : ''}${p.port}${target}/${p.protocol || 'TCP'}`;
  }).join(', ');
}

// "ip:port" for every ready address × port of the Service's Endpoints.
function endpointAddresses(eps) {
  const out = [];
  for (const subset of (eps && eps.subsets) || []) {
    const ports = subset.ports && subset.ports.length ? subset.ports : [{}];
    for (const a of subset.addresses || []) {
      const host = a.ip && a.ip.includes(':') ? `[${a.ip}]` : a.ip;
      for (const p of ports) out.push(p.port ? `${host}:${p.port}` : host);
    }
  }
  return out;
}

// The two objects to create; `where` maps Endpoints cause fields back to the form's rows.
function objectsOf(ns, name, port, backends) {
  const byPort = new Map();
  const where = {};
  for (const b of backends) {
    if (!byPort.has(b.port)) byPort.set(b.port, []);
    byPort.get(b.port).push(b);
  }
  const subsets = [...byPort.entries()].map(([p, group], i) => {
    group.forEach((b, j) => {
      where[`subsets[${i}].addresses[${j}].ip`] = `backend:${b.id}`;
    });
    return { addresses: group.map((b) => ({ ip: b.ip })), ports: [{ name: PORT_NAME, port: p, protocol: 'TCP' }] };
  });
  const servicePort = { name: PORT_NAME, port: Number(port), protocol: 'TCP' };
  if (byPort.size === 1) servicePort.targetPort = [...byPort.keys()][0];
  const metadata = { name, namespace: ns };
  return {
    service: { apiVersion: 'v1', kind: 'Service', metadata, spec: { ports: [servicePort] } },
    endpoints: { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets },
    where,
  };
}

function place(where) {
  return (field) => {
    if (field === 'metadata.name') return 'name';
    if (/^spec\.ports\[\d+\]\.port$/.test(field)) return 'port';
    return where[field] || null;
  };
}

function ServiceForm({ ns, onDone, onCancel }) {
  const [name, setName] = useState('');
  const [port, setPort] = useState('80');
  const [rows, setRows] = useState(() => [backendRow()]);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    const found = {};
    if (!name.trim()) found.name = t('res.nameRequired');
    if (!isPort(port.trim())) found.port = t('res.backend.badPort');
    const backends = [];
    for (const r of rows) {
      const parsed = parseBackend(r.text);
      if (parsed.error) found[`backend:${r.id}`] = t(parsed.error);
      else backends.push({ ...parsed, id: r.id });
    }
    if (rows.length === 0) found.backends = t('svc.needBackend');
    setErrors(found);
    if (Object.keys(found).length) return;

    setBusy(true);
    const made = objectsOf(ns, name.trim(), port.trim(), backends);
    const svc = await post(paths.services(ns), made.service);
    let refused = svc.ok ? null : svc;
    if (svc.ok) {
      const eps = await post(paths.endpointsList(ns), made.endpoints);
      if (!eps.ok) {
        refused = eps;
        await del(paths.service(ns, name.trim())); // no half-made backend left behind
      }
    }
    setBusy(false);
    if (!refused) {
      onDone(name.trim());
      return;
    }
    const placed = refused.status === 422 ? placeCauses(refused, place(made.where)) : { byKey: {}, other: [] };
    setErrors(placed.byKey);
    setFailure({ result: refused, other: placed.other });
  };

  const fieldError = (key) =>
    errors[key] ? <p class="row-error" role="alert" id={`svc-error-${key.replace(':', '-')}`}>{errors[key]}</p> : null;

  return (
    <form class="card res-form" id="svc-form" onSubmit={submit} noValidate aria-labelledby="svc-form-title">
      <h2 id="svc-form-title">{t('svc.createTitle')}</h2>
      <p class="hint">{t('svc.createHint')}</p>
      {failure && (failure.other.length || failure.result.status !== 422) ? (
        <ErrorMessage result={failure.result} title={failure.result.status === 422 ? t('res.invalid') : undefined} />
      ) : null}
      <div class="field">
        <label for="svc-name">{t('common.name')}</label>
        <input id="svc-name" value={name} spellcheck={false} aria-invalid={errors.name ? 'true' : undefined}
          onInput={(e) => setName(e.currentTarget.value)} />
        {fieldError('name')}
      </div>
      <div class="field">
        <label for="svc-port">{t('svc.port')}</label>
        <input id="svc-port" inputMode="numeric" value={port} aria-invalid={errors.port ? 'true' : undefined}
          onInput={(e) => setPort(e.currentTarget.value)} />
        {fieldError('port')}
      </div>
      <fieldset class="rows-editor" id="svc-backends">
        <legend>{t('svc.backends')}</legend>
        <p class="hint">{t('svc.backendsHint')}</p>
        {rows.map((r, i) => (
          <div class="kv-edit-row backend-row" data-row={r.id} key={r.id}>
            <div class="kv-edit-inputs">
              <input class="backend-address" value={r.text} spellcheck={false} placeholder="10.0.0.5:8080"
                aria-label={t('svc.backend', { n: i + 1 })}
                aria-invalid={errors[`backend:${r.id}`] ? 'true' : undefined}
                onInput={(e) => setRows(rows.map((x) => (x.id === r.id ? { ...x, text: e.currentTarget.value } : x)))} />
              <button type="button" class="button button-quiet row-remove" aria-label={t('gw.removeRow', { n: i + 1 })}
                onClick={() => setRows(rows.filter((x) => x.id !== r.id))}>×</button>
            </div>
            {fieldError(`backend:${r.id}`)}
          </div>
        ))}
        {fieldError('backends')}
        <button type="button" class="button" id="svc-add-backend" onClick={() => setRows([...rows, backendRow()])}>
          {t('svc.addBackend')}
        </button>
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="button button-primary" id="svc-submit" disabled={busy}>
          {busy ? t('res.creating') : t('res.create')}
        </button>
        <button type="button" class="button" onClick={onCancel} disabled={busy}>{t('common.cancel')}</button>
      </div>
    </form>
  );
}

export function Services({ ns }) {
  useTitle(`${t('svc.title')} · ${ns}`);
  const [rights] = useLoad(() => rightsOn(ns, 'services'), [ns]);
  const [state, reload] = useLoad(
    () => Promise.all([list(paths.services(ns)), list(paths.endpointsList(ns))])
      .then(([services, endpoints]) => ({ ...services, endpoints })), [ns]);
  const [creating, setCreating] = useState(false);
  const [victim, setVictim] = useState('');
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState(null); // {kind, text}

  const may = rights.value || {};
  const result = state.value;
  const epsByName = new Map(((result && result.endpoints.items) || []).map((e) => [meta(e).name, e]));
  const items = result && result.ok
    ? [...result.items].sort((a, b) => meta(a).name.localeCompare(meta(b).name)) : [];

  const remove = async () => {
    setDeleting(true);
    const r = await del(paths.service(ns, victim));
    const eps = r.ok || r.status === 404 ? await del(paths.endpoints(ns, victim)) : null;
    setDeleting(false);
    setVictim('');
    if (!r.ok && r.status !== 404) {
      setNotice({ kind: 'error', text: t('res.deleteFailed', { name: victim, message: r.message }) });
    } else if (eps && !eps.ok && eps.status !== 404) {
      setNotice({ kind: 'error', text: t('res.deleteFailed', { name: victim, message: eps.message }) });
    } else {
      setNotice({ kind: 'success', text: t('res.deleted', { name: victim }) });
    }
    reload();
  };

  let body;
  if (!result) body = <Loading />;
  else if (!result.ok) body = <ErrorMessage result={result} onRetry={reload} />;
  else if (items.length === 0) body = <p class="empty" id="services-empty">{t('svc.empty')}</p>;
  else {
    body = (
      <div class="table-wrap">
        <table class="table stack-on-phone" id="services-table">
          <thead>
            <tr>
              <th scope="col">{t('common.name')}</th>
              <th scope="col">{t('svc.col.ports')}</th>
              <th scope="col">{t('svc.col.endpoints')}</th>
              <th scope="col">{t('common.created')}</th>
              {may.delete && <th scope="col"><span class="sr-only">{t('res.actions')}</span></th>}
            </tr>
          </thead>
          <tbody>
            {items.map((svc) => {
              const name = meta(svc).name;
              const addresses = endpointAddresses(epsByName.get(name));
              return (
                <tr key={name} data-service={name}>
                  <td data-label={t('common.name')} class="strong">{name}</td>
                  <td data-label={t('svc.col.ports')} class="svc-ports">{portsText(svc) || t('common.none')}</td>
                  <td data-label={t('svc.col.endpoints')} class="svc-endpoints">
                    {addresses.join(', ') || t('svc.noEndpoints')}
                  </td>
                  <td data-label={t('common.created')}>{formatTime(meta(svc).creationTimestamp)}</td>
                  {may.delete && (
                    <td class="col-actions">
                      <button type="button" class="button button-quiet svc-delete"
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
        <h1 tabIndex={-1}>{t('svc.title')}</h1>
        <div class="page-actions">
          {may.create && !creating && (
            <button type="button" class="button button-primary" id="services-create"
              onClick={() => { setCreating(true); setNotice(null); }}>
              {t('svc.create')}
            </button>
          )}
        </div>
      </div>
      <p class="muted">{t('svc.intro')}</p>
      {notice && <Notice kind={notice.kind}><p id="services-notice">{notice.text}</p></Notice>}
      {creating && (
        <ServiceForm ns={ns} onCancel={() => setCreating(false)} onDone={(name) => {
          setCreating(false);
          setNotice({ kind: 'success', text: t('res.created', { name }) });
          reload();
        }} />
      )}
      {body}
      <p><a href={href.overview(ns)}>{t('stub.back')}</a></p>
      {victim && (
        <ConfirmDialog title={t('svc.deleteTitle')} confirmLabel={deleting ? t('routes.deleting') : t('res.delete')}
          busy={deleting} onConfirm={remove} onCancel={() => setVictim('')}>
          <p>{t('svc.deleteText', { name: victim })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
