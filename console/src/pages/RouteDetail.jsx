// One route: its rules as cards (host, http or https from spec.tls, the certificate Secret, each
// path with its type, Service, port and an "Open" link through the gateway), the access table
// (ingresses/NAME/access: the same rows `kubectl get ingress -o wide` and `waygate routes`
// show), labels, annotations and events. Operators and admins change it from here
// (wizard/RouteEdits.jsx: edit information, rules, annotations, YAML; delete).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { Annotations, Labels } from '../components/KeyValues.jsx';
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { useLoad, useTitle } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { CREATOR, alias, annotation, description, list, meta, paths } from '../k8s.js';
import { useProjectPermissions } from '../permissions.js';
import { href } from '../router.js';
import { RouteActions } from '../wizard/RouteEdits.jsx';

// spec.tls names the host exactly, or with a wildcard covering its first label (as the
// server's access table decides it).
function tlsSecretFor(tls, host) {
  for (const entry of tls || []) {
    for (const h of entry.hosts || []) {
      const wildcard = h.startsWith('*.') && !host.startsWith('*.') && host.includes('.') &&
        host.slice(host.indexOf('.')) === h.slice(1);
      if (host && (h === host || wildcard)) return { secret: entry.secretName || '' };
    }
  }
  return null;
}

function backendText(backend) {
  if (!backend) return { service: '', port: '' };
  if (backend.service) {
    const port = backend.service.port || {};
    return { service: backend.service.name, port: port.number || port.name || '' };
  }
  if (backend.resource) return { service: `${backend.resource.kind}/${backend.resource.name}`, port: '' };
  return { service: '', port: '' };
}

// The access row serves URLs in the order of its paths; the rule card's path finds its own.
function urlFor(rows, host, path) {
  const row = rows.find((r) => r.hostname === (host || '*'));
  if (!row || !row.urls) return '';
  const i = (row.paths || []).indexOf(path || '/');
  return i >= 0 && row.urls[i] ? row.urls[i] : '';
}

function RuleCard({ index, rule, tls, rows }) {
  const host = rule.host || '';
  const cert = tlsSecretFor(tls, host);
  const protocol = cert ? 'https' : 'http';
  const rulePaths = (rule.http && rule.http.paths) || [];
  return (
    <section class="card rule-card" data-host={host || '*'} aria-label={t('detail.rule', { n: index + 1 })}>
      <dl class="facts">
        <div>
          <dt>{t('detail.host')}</dt>
          <dd class="rule-host">{host || t('detail.anyHost')}</dd>
        </div>
        <div>
          <dt>{t('detail.protocol')}</dt>
          <dd>
            <span class={`badge badge-${protocol}`} data-testid="rule-protocol">
              {protocol.toUpperCase()}
            </span>
          </dd>
        </div>
        {cert && (
          <div>
            <dt>{t('detail.certificate')}</dt>
            <dd class="rule-secret">{cert.secret || t('common.none')}</dd>
          </div>
        )}
      </dl>
      <div class="table-wrap">
        <table class="table table-compact stack-on-phone">
          <thead>
            <tr>
              <th scope="col">{t('detail.path')}</th>
              <th scope="col">{t('detail.pathType')}</th>
              <th scope="col">{t('detail.service')}</th>
              <th scope="col">{t('detail.port')}</th>
              <th scope="col">{t('detail.open')}</th>
            </tr>
          </thead>
          <tbody>
            {rulePaths.map((p, i) => {
              const b = backendText(p.backend);
              const url = urlFor(rows, host, p.path);
              return (
                <tr key={i} data-path={p.path || '/'}>
                  <td data-label={t('detail.path')} class="path-path">
                    <code>{p.path || '/'}</code>
                  </td>
                  <td data-label={t('detail.pathType')} class="path-type">
                    {p.pathType || t('common.none')}
                  </td>
                  <td data-label={t('detail.service')} class="path-service">
                    {b.service || t('common.none')}
                  </td>
                  <td data-label={t('detail.port')} class="path-port">
                    {b.port || t('common.none')}
                  </td>
                  <td data-label={t('detail.open')}>
                    {url ? (
                      <a
                        class="open-link"
                        href={url}
                        target="_blank"
                        rel="noopener noreferrer"
                        aria-label={t('detail.openLabel', { url })}
                      >
                        {t('detail.open')}
                      </a>
                    ) : (
                      <span class="muted">{t('detail.notReachable')}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

// "IP host" for each named host and each address it is reached on (the EIP of a LoadBalancer
// gateway, else the node IPs), for people testing without DNS.
export function hostsLines(rows) {
  const lines = [];
  for (const r of rows) {
    if (!r.hostname || r.hostname === '*' || r.hostname.startsWith('*.')) continue;
    const ips = r.eip ? [r.eip] : r.nodeIPs || [];
    for (const ip of ips) {
      const line = `${ip} ${r.hostname}`;
      if (!lines.includes(line)) lines.push(line);
    }
  }
  return lines;
}

function AccessTable({ result }) {
  const [copy, setCopy] = useState(null); // 'ok' | 'failed'
  if (!result) return <Loading />;
  if (!result.ok) return <ErrorMessage result={result} />;
  const rows = result.body.rows || [];
  const lines = hostsLines(rows);
  const copyLines = async () => {
    try {
      await navigator.clipboard.writeText(lines.join('\n') + '\n');
      setCopy('ok');
    } catch {
      setCopy('failed');
    }
  };
  const notes = [...new Set(rows.map((r) => r.note).filter(Boolean))];
  return (
    <>
      {notes.map((n) => (
        <p class="message message-warning" key={n}>
          {n}
        </p>
      ))}
      <div class="table-wrap">
        <table class="table stack-on-phone" id="access-table">
          <thead>
            <tr>
              <th scope="col">{t('detail.accessHostname')}</th>
              <th scope="col">{t('detail.accessPaths')}</th>
              <th scope="col">{t('detail.accessMethod')}</th>
              <th scope="col">{t('detail.accessPortEip')}</th>
              <th scope="col">{t('detail.accessNodeIp')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.hostname} data-host={r.hostname}>
                <td data-label={t('detail.accessHostname')}>{r.hostname}</td>
                <td data-label={t('detail.accessPaths')}>{(r.paths || []).join(', ')}</td>
                <td data-label={t('detail.accessMethod')} class="access-method">
                  {r.accessMethod || t('common.none')}
                </td>
                <td data-label={t('detail.accessPortEip')} class="access-port">
                  {r.portOrEIP || t('common.none')}
                </td>
                <td data-label={t('detail.accessNodeIp')} class="access-nodeip">
                  {(r.nodeIPs || []).join(', ') || t('common.none')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="copy-row">
        <button type="button" class="button" id="copy-hosts" onClick={copyLines} disabled={lines.length === 0}>
          {t('detail.copyHosts')}
        </button>
        <span role="status" class="copy-status">
          {copy === 'ok' && t('detail.copied', { n: lines.length })}
          {copy === 'failed' && t('detail.copyFailed')}
        </span>
      </div>
      <details class="hosts-lines" open={copy === 'failed'}>
        <summary>{t('detail.hostsLines')}</summary>
        {lines.length ? (
          <pre id="hosts-lines" tabIndex={0}>{lines.join('\n')}</pre>
        ) : (
          <p class="muted">{t('detail.noHostsLines')}</p>
        )}
      </details>
    </>
  );
}

function Events({ result }) {
  if (!result) return <Loading />;
  if (!result.ok) return <ErrorMessage result={result} />;
  const events = [...result.items].sort((a, b) =>
    Date.parse(b.lastTimestamp || b.eventTime || 0) - Date.parse(a.lastTimestamp || a.eventTime || 0));
  if (events.length === 0) return <p class="muted" id="events-empty">{t('detail.noEvents')}</p>;
  return (
    <div class="table-wrap">
      <table class="table stack-on-phone" id="events-table">
        <thead>
          <tr>
            <th scope="col">{t('detail.eventType')}</th>
            <th scope="col">{t('detail.eventReason')}</th>
            <th scope="col">{t('detail.eventMessage')}</th>
            <th scope="col">{t('detail.eventCount')}</th>
            <th scope="col">{t('detail.eventLast')}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={meta(e).name}>
              <td data-label={t('detail.eventType')}>
                <span class={`badge badge-${(e.type || '').toLowerCase()}`}>{e.type}</span>
              </td>
              <td data-label={t('detail.eventReason')}>{e.reason}</td>
              <td data-label={t('detail.eventMessage')} class="event-message">{e.message}</td>
              <td data-label={t('detail.eventCount')}>{e.count || 1}</td>
              <td data-label={t('detail.eventLast')}>
                {formatTime(e.lastTimestamp || e.eventTime || meta(e).creationTimestamp)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RouteDetail({ ns, name }) {
  useTitle(`${name} · ${t('routes.title')}`);
  const perms = useProjectPermissions(ns);
  const [ingress, reload] = useLoad(() => get(paths.ingress(ns, name)), [ns, name]);
  const [access, reloadAccess] = useLoad(() => get(paths.access(ns, name)), [ns, name]);
  const [events] = useLoad(() => list(paths.events(ns), {
    fieldSelector: `involvedObject.kind=Ingress,involvedObject.name=${name}`,
  }), [ns, name]);

  const head = (
    <p>
      <a href={href.routes(ns)} class="back-link">
        ← {t('detail.back')}
      </a>
    </p>
  );
  const result = ingress.value;
  if (!result) return <>{head}<h1 tabIndex={-1}>{name}</h1><Loading /></>;
  if (!result.ok) {
    return (
      <>
        {head}
        <h1 tabIndex={-1}>{name}</h1>
        <ErrorMessage result={result} onRetry={reload} />
      </>
    );
  }
  const ing = result.body;
  const spec = ing.spec || {};
  const rules = spec.rules || [];
  const rows = (access.value && access.value.ok && access.value.body.rows) || [];
  const fallback = backendText(spec.defaultBackend);
  return (
    <>
      {head}
      <div class="page-head">
        <h1 tabIndex={-1}>
          {name}
          {alias(ing) && <span class="alias" id="route-alias"> {alias(ing)}</span>}
        </h1>
        <RouteActions ns={ns} ing={ing} perms={perms} reload={() => {
          reload();
          reloadAccess();
        }} />
      </div>
      {description(ing) && <p class="lead" id="route-description">{description(ing)}</p>}
      <p>
        <a class="button" href={href.routeMonitoring(ns, name)} id="route-monitoring">{t('monitoring.overviewLink')}</a>
      </p>
      <p class="muted">
        {t('common.created')} {formatTime(meta(ing).creationTimestamp)}
        {annotation(ing, CREATOR) && ` · ${t('detail.creator')} ${annotation(ing, CREATOR)}`}
      </p>

      <h2>{t('detail.rules')}</h2>
      {rules.length === 0 && !spec.defaultBackend && <p class="muted">{t('detail.noRules')}</p>}
      <div class="rule-cards">
        {rules.map((rule, i) => (
          <RuleCard key={i} index={i} rule={rule} tls={spec.tls} rows={rows} />
        ))}
      </div>
      {spec.defaultBackend && (
        <p>
          {t('detail.defaultBackend')}: {fallback.service}
          {fallback.port !== '' && `:${fallback.port}`}
        </p>
      )}

      <h2>{t('detail.access')}</h2>
      <AccessTable result={access.value} />

      <h2>{t('detail.metadata')}</h2>
      <div class="cards">
        <section class="card card-wide" aria-labelledby="labels-title" id="route-labels">
          <h3 id="labels-title">{t('detail.labels')}</h3>
          <Labels labels={meta(ing).labels} />
        </section>
        <section class="card card-wide" aria-labelledby="annotations-title" id="route-annotations">
          <h3 id="annotations-title">{t('detail.annotations')}</h3>
          <Annotations annotations={meta(ing).annotations} />
        </section>
      </div>

      <h2>{t('detail.events')}</h2>
      <Events result={events.value} />
    </>
  );
}
