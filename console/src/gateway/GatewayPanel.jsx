// One Gateway object's page body, shared by a project's gateway settings and the cluster
// gateway: its status (access method, address or EIP, node ports, node IPs) and settings
// (config keys, Service annotations), and for those who may change it: enable (create), edit
// (PUT with the resourceVersion read), disable (delete, after a confirm). Everyone else sees it
// read-only. The server stays the authority: a 403 or 409 is said plainly, a 422 is shown on
// the row or field its Status cause names.
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, get, post, put } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { Annotations } from '../components/KeyValues.jsx';
import { ErrorMessage, Loading, Notice } from '../components/Messages.jsx';
import { useLoad } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { CREATOR, list, meta } from '../k8s.js';
import { gatewayConfigKeys } from './keys.js';
import {
  TYPES, checkRows, emptyForm, formOf, gatewayErrors, gatewayPath, gatewaysPath, nodeAddresses,
  statusOf, toObject, withType,
} from './model.js';
import { RowsEditor } from './RowsEditor.jsx';

const POLL_MS = 1000;
const POLL_AFTER_SAVE_MS = 15000; // the controller publishes ports and addresses within ~1 s
const MAX_PENDING_POLLS = 30;

const translate = (problems) =>
  Object.fromEntries(Object.entries(problems).map(([id, key]) => [id, t(key)]));

function Fact({ label, testid, children }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testid}>{children}</dd>
    </div>
  );
}

function StatusFacts({ gw, nodes }) {
  const s = statusOf(gw);
  const lb = s.type === 'LoadBalancer';
  let nodeIPs = s.nodeIPs.join(', ');
  if (lb) {
    if (nodes && nodes.ok) nodeIPs = nodeAddresses(nodes.items).join(', ');
    else if (nodes) nodeIPs = t('gw.nodeIpsHidden');
  }
  const pending = t('overview.pending');
  return (
    <dl class="facts gw-facts" id="gw-status">
      <Fact label={t('overview.type')} testid="gw-type">{s.type}</Fact>
      <Fact label={lb ? t('gw.eip') : t('overview.address')} testid="gw-address">
        {(lb ? s.eip : nodeIPs) || pending}
      </Fact>
      <Fact label={t('gw.httpPort')} testid="gw-http-port">{s.nodePorts.http || pending}</Fact>
      <Fact label={t('gw.httpsPort')} testid="gw-https-port">{s.nodePorts.https || pending}</Fact>
      <Fact label={t('gw.nodeIps')} testid="gw-node-ips">{nodeIPs || pending}</Fact>
    </dl>
  );
}

function ConfigView({ gw, keys }) {
  const config = Object.entries((gw.spec && gw.spec.controller && gw.spec.controller.config) || {});
  if (config.length === 0) {
    return <p class="muted" id="gw-config-view-empty">{t('gw.allDefaults')}</p>;
  }
  return (
    <div class="table-wrap">
      <table class="table table-compact stack-on-phone" id="gw-config-view">
        <thead>
          <tr>
            <th scope="col">{t('gw.col.key')}</th>
            <th scope="col">{t('gw.col.value')}</th>
            <th scope="col">{t('gw.col.default')}</th>
            <th scope="col">{t('gw.col.description')}</th>
          </tr>
        </thead>
        <tbody>
          {config.map(([k, v]) => {
            const known = (keys || []).find((x) => x.key === k);
            return (
              <tr key={k} data-key={k}>
                <td data-label={t('gw.col.key')}><code>{k}</code></td>
                <td data-label={t('gw.col.value')} class="gw-config-value">{String(v)}</td>
                <td data-label={t('gw.col.default')}>{known ? known.default || t('gw.emptyDefault') : t('common.none')}</td>
                <td data-label={t('gw.col.description')}>{known ? known.description : t('gw.unknownKey')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Failure({ failure, onReload }) {
  if (!failure) return null;
  const { result, other } = failure;
  if (result.status === 409) {
    return <ErrorMessage result={result} title={t('gw.conflict')} onRetry={onReload} />;
  }
  if (result.status === 422) {
    return (
      <div class="message message-error" role="alert" id="gw-invalid" data-status="422">
        <p class="message-title">{t('gw.invalid')}</p>
        {other.length === 0 && <p class="message-detail">{t('gw.invalidShown')}</p>}
        {other.map((c, i) => (
          <p class="message-detail" key={i}>
            {c.field ? `${c.field}: ${c.message}` : c.message}
          </p>
        ))}
        {other.length === 0 && !result.body && <p class="message-detail">{result.message}</p>}
      </div>
    );
  }
  return <ErrorMessage result={result} />;
}

function GatewayForm({ form, setForm, problems, keys, creating, saving, onSubmit, onCancel }) {
  return (
    <form class="gw-form" id="gw-form" onSubmit={onSubmit} noValidate>
      <fieldset class="gw-types">
        <legend>{t('overview.type')}</legend>
        {TYPES.map((type) => (
          <label class="gw-type" key={type}>
            <input
              type="radio"
              name="gw-type"
              id={`gw-type-${type}`}
              value={type}
              checked={form.type === type}
              onChange={() => setForm(withType(form, type))}
            />
            <span class="gw-type-name">{type}</span>
            <span class="hint">{t(`gw.type.${type}`)}</span>
          </label>
        ))}
        {problems.type && <p class="row-error" role="alert" id="gw-type-error">{problems.type}</p>}
      </fieldset>
      <RowsEditor
        list="config"
        legend={t('gw.config')}
        addLabel={t('gw.addConfig')}
        rows={form.config}
        keys={keys}
        problems={problems.config}
        onChange={(config) => setForm({ ...form, config })}
      />
      <RowsEditor
        list="annotations"
        legend={t('gw.annotations')}
        addLabel={t('gw.addAnnotation')}
        rows={form.annotations}
        problems={problems.annotations}
        onChange={(annotations) => setForm({ ...form, annotations })}
      />
      {form.type === 'LoadBalancer' && <p class="hint" id="gw-eip-hint">{t('gw.eipHint')}</p>}
      <div class="form-actions">
        <button type="submit" class="button button-primary" id="gw-save" disabled={saving}>
          {saving ? t('gw.saving') : creating ? t('gw.enable') : t('gw.save')}
        </button>
        {onCancel && (
          <button type="button" class="button" id="gw-cancel" onClick={onCancel} disabled={saving}>
            {t('common.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

const NO_PROBLEMS = { type: '', config: {}, annotations: {} };

export function GatewayPanel({ name, canEdit, scopeText, noGatewayText, forbiddenTitle }) {
  const [state, reload] = useLoad(() => get(gatewayPath(name)), [name]);
  const [keysState] = useLoad(() => gatewayConfigKeys(), []);
  const [mode, setMode] = useState('view');
  const [form, setForm] = useState(emptyForm);
  const [problems, setProblems] = useState(NO_PROBLEMS);
  const [failure, setFailure] = useState(null);
  const [saving, setSaving] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState('');
  const [pollUntil, setPollUntil] = useState(0);
  const pendingPolls = useRef(0);

  const result = state.value;
  const exists = Boolean(result && result.ok);
  const gw = exists ? result.body : null;
  const type = gw ? statusOf(gw).type : '';
  const [nodes] = useLoad(
    () => (type === 'LoadBalancer' ? list('/api/v1/nodes') : Promise.resolve(null)), [type]);
  const keys = keysState.value || [];

  // Ports and addresses are written by the controller after the API accepted the write: look
  // again for a while after a save, and while the status is still empty.
  useEffect(() => {
    if (!exists || state.loading) return undefined;
    const s = statusOf(gw);
    const pending = !s.nodePorts.http || (s.type === 'LoadBalancer' ? !s.eip : s.nodeIPs.length === 0);
    if (pending) pendingPolls.current += 1;
    if (!(Date.now() < pollUntil || (pending && pendingPolls.current <= MAX_PENDING_POLLS))) {
      return undefined;
    }
    const timer = setTimeout(reload, POLL_MS);
    return () => clearTimeout(timer);
  }, [result, state.loading, pollUntil]);

  const startEdit = () => {
    setForm(formOf(gw));
    setProblems(NO_PROBLEMS);
    setFailure(null);
    setNotice('');
    setMode('edit');
  };

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    setNotice('');
    const local = {
      type: '',
      config: translate(checkRows(form.config, { valueRequired: true })),
      annotations: translate(checkRows(form.annotations)),
    };
    setProblems(local);
    if (Object.keys(local.config).length || Object.keys(local.annotations).length) return;
    setSaving(true);
    const r = exists
      ? await put(gatewayPath(name), toObject(name, form, gw))
      : await post(gatewaysPath(), toObject(name, form, null));
    setSaving(false);
    if (r.ok) {
      setMode('view');
      setNotice(exists ? 'gw.saved' : 'gw.enabled');
      pendingPolls.current = 0;
      setPollUntil(Date.now() + POLL_AFTER_SAVE_MS);
      reload();
      return;
    }
    const placed = r.status === 422 ? gatewayErrors(r, form) : { byKey: {}, other: [] };
    const next = { type: '', config: {}, annotations: {} };
    for (const [where, message] of Object.entries(placed.byKey)) {
      if (where === 'type') next.type = message;
      else {
        const [listName, id] = where.split(':');
        next[listName][id] = message;
      }
    }
    setProblems(next);
    setFailure({ result: r, other: placed.other });
  };

  const disable = async () => {
    setDeleting(true);
    const r = await del(gatewayPath(name));
    setDeleting(false);
    setConfirming(false);
    if (r.ok || r.status === 404) {
      setNotice('gw.disabled');
      setMode('view');
      setForm(emptyForm());
      reload();
    } else {
      setFailure({ result: r, other: [] });
    }
  };

  if (!result) return <Loading />;
  if (result.status === 403) return <ErrorMessage result={result} title={forbiddenTitle} />;
  if (!result.ok && result.status !== 404) return <ErrorMessage result={result} onRetry={reload} />;

  const noticeBox = notice && (
    <Notice kind="success">
      <p id="gw-notice">{t(notice)}</p>
    </Notice>
  );

  if (!exists) {
    return (
      <>
        {noticeBox}
        <div class="message message-warning" id="gw-none" role="status">
          <p>{noGatewayText}</p>
        </div>
        {canEdit && (
          <section aria-labelledby="gw-enable-title">
            <h2 id="gw-enable-title">{t('gw.enableTitle')}</h2>
            <Failure failure={failure} onReload={reload} />
            <GatewayForm form={form} setForm={setForm} problems={problems} keys={keys} creating
              saving={saving} onSubmit={submit} />
          </section>
        )}
      </>
    );
  }

  const m = meta(gw);
  const creator = (m.annotations || {})[CREATOR];
  return (
    <>
      {noticeBox}
      <section class="card gw-card" aria-labelledby="gw-status-title">
        <div class="page-head">
          <h2 id="gw-status-title">{t('gw.status')}</h2>
          {canEdit && mode === 'view' && (
            <div class="page-actions">
              <button type="button" class="button button-primary" id="gateway-edit" onClick={startEdit}>
                {t('gw.edit')}
              </button>
              <button type="button" class="button button-danger" id="gateway-disable"
                onClick={() => { setFailure(null); setConfirming(true); }}>
                {t('gw.disable')}
              </button>
            </div>
          )}
        </div>
        <StatusFacts gw={gw} nodes={nodes.value} />
        <p class="muted gw-meta">
          {scopeText}
          {` · ${t('common.created')} ${formatTime(m.creationTimestamp)}`}
          {creator && ` · ${t('detail.creator')} ${creator}`}
        </p>
      </section>
      {mode === 'edit' ? (
        <section aria-labelledby="gw-edit-title">
          <h2 id="gw-edit-title">{t('gw.editTitle')}</h2>
          <Failure failure={failure} onReload={() => { reload(); setMode('view'); setFailure(null); }} />
          <GatewayForm form={form} setForm={setForm} problems={problems} keys={keys}
            saving={saving} onSubmit={submit}
            onCancel={() => { setMode('view'); setFailure(null); }} />
        </section>
      ) : (
        <>
          <Failure failure={failure} onReload={reload} />
          <h2>{t('gw.config')}</h2>
          <ConfigView gw={gw} keys={keys} />
          <h2>{t('gw.annotations')}</h2>
          <div id="gw-annotations-view">
            <Annotations annotations={gw.spec && gw.spec.service && gw.spec.service.annotations} />
          </div>
        </>
      )}
      {confirming && (
        <ConfirmDialog
          title={t('gw.disableTitle')}
          confirmLabel={deleting ? t('gw.disabling') : t('gw.disableConfirm')}
          busy={deleting}
          onConfirm={disable}
          onCancel={() => setConfirming(false)}
        >
          <p>{t('gw.disableText', { name })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
