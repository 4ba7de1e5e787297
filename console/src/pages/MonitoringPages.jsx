// Monitoring (issue 8 item 9), loaded as a chunk by Monitoring.jsx: a route's or a gateway's
// requests, 4xx/5xx, success rate, latency P50/P95/P99 (and a gateway's open connections) over
// the last 10 minutes / 1 hour / 1 day, refreshed every step of the range; and the gateway's
// recent access-log lines with a keyword filter. Data: the metrics and log subresources
// (src/monitoring/README.md has their shapes); RBAC decides, a refusal is said plainly.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, session } from '../api.js';
import { LineChart } from '../charts/LineChart.jsx';
import { metricsInterval, usePoll } from '../charts/poll.js';
import { stepLabel, totals } from '../charts/scale.js';
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { formatTime, lang, t } from '../i18n/index.js';
import { paths as k8sPaths } from '../k8s.js';
import { href } from '../router.js';

export const RANGES = ['10m', '1h', '1d'];
const LOG_POLL_MS = 2000;
const LOG_TAILS = [100, 200, 500, 1000];
const DEBOUNCE_MS = 300;

export const monitoringPaths = {
  ingress: (ns, name) => `${k8sPaths.ingress(ns, name)}/metrics`,
  gateway: (ns) => `${k8sPaths.gateway(ns)}/metrics`,
  gatewayLog: (ns) => `${k8sPaths.gateway(ns)}/log`,
};

// --- formatting ---------------------------------------------------------------------------

function numberFormat(options) {
  return new Intl.NumberFormat(lang() === 'zh' ? 'zh-CN' : 'en-US', options);
}
const count = (v) => numberFormat({ maximumFractionDigits: 0 }).format(v);
const percent = (v) => `${numberFormat({ maximumFractionDigits: 1 }).format(v)} %`;
const ms = (v) => `${numberFormat({ maximumFractionDigits: v < 10 ? 2 : 1 }).format(v)} ms`;
// Charts label time in the viewer's zone.
const zoneOffset = () => -new Date().getTimezoneOffset() * 60;

// --- the log's text answer ------------------------------------------------------------------

// GET of a text/plain subresource with the session's token. api.js keeps only JSON bodies, so
// this one reads text itself; a 401 is handed back to api.js (the same GET through get()),
// which ends the session as for every other call.
async function getText(path, query) {
  const current = session();
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== '' && v !== undefined) params.set(k, v);
  const url = `${path}?${params}`;
  let response;
  try {
    response = await fetch(url, {
      headers: { Accept: 'text/plain, application/json', ...(current ? { Authorization: `Bearer ${current.token}` } : {}) },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (e) {
    return { ok: false, status: 0, text: '', message: String(e && e.message ? e.message : e) };
  }
  if (response.status === 401) return get(path, query);
  const text = await response.text().catch(() => '');
  if (response.ok) return { ok: true, status: response.status, text, message: '' };
  let message = text.trim().slice(0, 500);
  try {
    message = JSON.parse(text).message || message; // a kube Status
  } catch {
    // not JSON: the text itself
  }
  return { ok: false, status: response.status, text: '', message };
}

// --- pieces ---------------------------------------------------------------------------------

function RangeSwitch({ range, onRange }) {
  return (
    <div class="range-switch" role="group" aria-label={t('monitoring.range')} id="monitoring-range">
      {RANGES.map((r) => (
        <button
          type="button"
          key={r}
          data-range={r}
          class={`button ${r === range ? 'button-primary' : ''}`}
          aria-pressed={r === range ? 'true' : 'false'}
          onClick={() => onRange(r)}
        >
          {t(`monitoring.range.${r}`)}
        </button>
      ))}
    </div>
  );
}

function Summary({ points, range }) {
  const sum = totals(points);
  const items = [
    ['requests', t('monitoring.requests'), count(sum.requests)],
    ['status4xx', t('monitoring.status4xx'), count(sum.status4xx)],
    ['status5xx', t('monitoring.status5xx'), count(sum.status5xx)],
    ['successRate', t('monitoring.successRate'),
      sum.successRate === null ? t('common.none') : percent(sum.successRate * 100)],
  ];
  return (
    <section aria-labelledby="monitoring-summary-title" class="monitoring-summary">
      <h2 id="monitoring-summary-title">{t('monitoring.summaryTitle', { range: t(`monitoring.range.${range}`) })}</h2>
      <dl
        class="facts summary-facts"
        id="monitoring-summary"
        data-from={points.length ? points[0].time : ''}
        data-to={points.length ? points[points.length - 1].time : ''}
      >
        {items.map(([key, label, value]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd data-testid={`sum-${key}`}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function forbiddenTitle(result, what) {
  if (result.status === 403) return t('monitoring.forbidden', { what });
  return undefined;
}

// The charts of one metrics subresource (an Ingress's or a gateway's).
function MetricsView({ path, what, connections, onMissing }) {
  const [range, setRange] = useState('10m');
  const state = usePoll(() => get(path, { range }), [path, range], metricsInterval);
  const result = state.value;

  let content;
  if (!result) content = <Loading />;
  else if (!result.ok && result.status === 404 && onMissing) content = onMissing(result);
  else if (!result.ok) {
    content = <ErrorMessage result={result} title={forbiddenTitle(result, what)} />;
  } else {
    const body = result.body || {};
    const points = Array.isArray(body.points) ? body.points : [];
    const step = Number(body.stepSeconds) || 10;
    const last = points.length ? points[points.length - 1].time : Date.now() / 1000;
    // The whole range, ending at the newest point: a young series sits at the right.
    const domain = [last - 60 * step, last];
    const perStep = stepLabel(step);
    const offset = zoneOffset();
    const common = { points, domain, offsetSeconds: offset };
    const seconds = (p, k) => (p[k] === null || p[k] === undefined ? null : p[k] * 1000);
    content = (
      <>
        <p class="muted monitoring-status" data-testid="monitoring-updated">
          {t('monitoring.updated', { time: formatTime(new Date(state.at).toISOString()), step: perStep })}
        </p>
        <Summary points={points} range={range} />
        {points.length === 0 && (
          <p class="empty" id="monitoring-empty">{t('monitoring.emptyRange', { step: perStep })}</p>
        )}
        <div class="charts">
          <LineChart
            id="requests"
            title={t('monitoring.chart.requests')}
            unit={t('monitoring.unit.perStep', { step: perStep })}
            series={[
              { key: 'requests', label: t('monitoring.requests'), cls: 's-blue' },
              { key: 'status4xx', label: t('monitoring.status4xx'), cls: 's-amber dash' },
              { key: 'status5xx', label: t('monitoring.status5xx'), cls: 's-red dot' },
            ]}
            value={(p, k) => p[k]}
            format={count}
            integers
            {...common}
          />
          <LineChart
            id="success"
            title={t('monitoring.chart.success')}
            unit={t('monitoring.unit.percent')}
            series={[{ key: 'successRate', label: t('monitoring.successRate'), cls: 's-green' }]}
            value={(p, k) => (p[k] === null || p[k] === undefined ? null : p[k] * 100)}
            format={percent}
            fixedTop={100}
            {...common}
          />
          <LineChart
            id="latency"
            title={t('monitoring.chart.latency')}
            unit={t('monitoring.unit.ms')}
            series={[
              { key: 'p50', label: 'P50', cls: 's-blue' },
              { key: 'p95', label: 'P95', cls: 's-purple dash' },
              { key: 'p99', label: 'P99', cls: 's-red dot' },
            ]}
            value={seconds}
            format={ms}
            {...common}
          />
          {connections && (
            <LineChart
              id="connections"
              title={t('monitoring.chart.connections')}
              unit={t('monitoring.unit.count')}
              series={[{ key: 'activeConnections', label: t('monitoring.connections'), cls: 's-teal' }]}
              value={(p, k) => (typeof p[k] === 'number' ? p[k] : null)}
              format={count}
              integers
              {...common}
            />
          )}
        </div>
      </>
    );
  }
  return (
    <section class="monitoring" aria-labelledby="monitoring-charts-title">
      <div class="monitoring-head">
        <h2 id="monitoring-charts-title">{t('monitoring.chartsTitle')}</h2>
        <RangeSwitch range={range} onRange={setRange} />
      </div>
      {content}
    </section>
  );
}

// Wraps the keyword's occurrences (ASCII case-insensitive, as the server matches) in <mark>.
function Highlighted({ line, keyword }) {
  if (!keyword) return line;
  const parts = [];
  const lower = line.toLowerCase();
  const needle = keyword.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    if (i > at) parts.push(line.slice(at, i));
    parts.push(<mark key={i}>{line.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  parts.push(line.slice(at));
  return parts;
}

// The gateway's recent access-log lines: newest N, a keyword (sent as the server's q, after
// the typing pauses), follow (reload every 2 s, scrolled to the newest) or refresh by hand.
function GatewayLog({ ns }) {
  const [input, setInput] = useState('');
  const [keyword, setKeyword] = useState('');
  const [tail, setTail] = useState(200);
  const [follow, setFollow] = useState(true);
  const [tick, setTick] = useState(0);
  const preRef = useRef(null);

  useEffect(() => {
    const id = setTimeout(() => setKeyword(input.trim()), DEBOUNCE_MS);
    return () => clearTimeout(id);
  }, [input]);

  const state = usePoll(
    () => getText(monitoringPaths.gatewayLog(ns), { tailLines: tail, q: keyword }),
    [ns, keyword, tail, follow, tick],
    (r) => (follow && r && (r.ok || r.status === 0) ? LOG_POLL_MS : 0),
  );
  const result = state.value;
  const lines = result && result.ok ? result.text.split('\n').filter((l) => l !== '') : [];

  useEffect(() => {
    const pre = preRef.current;
    if (follow && pre) pre.scrollTop = pre.scrollHeight; // the newest line in view
  }, [result, follow]);

  // No gateway: the charts above say so already, and there is no log to show.
  if (result && result.status === 404) return null;
  let content;
  if (!result) content = <Loading />;
  else if (!result.ok) {
    content = <ErrorMessage result={result} title={forbiddenTitle(result, t('monitoring.whatLog'))} />;
  } else if (lines.length === 0) {
    content = (
      <p class="empty" id="log-empty">
        {keyword ? t('monitoring.log.noMatch', { q: keyword }) : t('monitoring.log.empty')}
      </p>
    );
  } else {
    content = (
      <>
        <p class="muted" id="log-count" role="status">
          {keyword
            ? t('monitoring.log.countMatching', { n: lines.length, q: keyword })
            : t('monitoring.log.count', { n: lines.length })}
        </p>
        <pre class="log-lines" id="gateway-log" ref={preRef} tabIndex={0} aria-label={t('monitoring.log.title')}>
          {lines.map((line, i) => (
            <div class="log-line" key={`${i}:${line}`}>
              <Highlighted line={line} keyword={keyword} />
            </div>
          ))}
        </pre>
      </>
    );
  }

  return (
    <section class="gateway-log" aria-labelledby="gateway-log-title">
      <h2 id="gateway-log-title">{t('monitoring.log.title')}</h2>
      <p class="hint">{t('monitoring.log.hint')}</p>
      <div class="toolbar log-toolbar">
        <div class="field log-filter">
          <label for="log-filter">{t('monitoring.log.filter')}</label>
          <input
            id="log-filter"
            type="search"
            value={input}
            placeholder={t('monitoring.log.filterHint')}
            onInput={(e) => setInput(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="log-tail">{t('monitoring.log.tail')}</label>
          <select id="log-tail" value={String(tail)} onChange={(e) => setTail(Number(e.currentTarget.value))}>
            {LOG_TAILS.map((n) => (
              <option value={String(n)} key={n}>{t('monitoring.log.tailN', { n })}</option>
            ))}
          </select>
        </div>
        <div class="field log-actions">
          <label class="check">
            <input
              id="log-follow"
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow(e.currentTarget.checked)}
            />
            {t('monitoring.log.follow')}
          </label>
          <button type="button" class="button" id="log-refresh" onClick={() => setTick((n) => n + 1)}>
            {t('monitoring.log.refresh')}
          </button>
        </div>
      </div>
      {content}
    </section>
  );
}

// --- the pages ------------------------------------------------------------------------------

export function RouteMonitoring({ ns, name }) {
  return (
    <MetricsView
      path={monitoringPaths.ingress(ns, name)}
      what={t('monitoring.whatRoute', { name })}
      connections={false}
      onMissing={(result) => (
        <ErrorMessage result={result} title={t('monitoring.routeMissing', { name })} />
      )}
    />
  );
}

export function GatewayMonitoring({ ns }) {
  return (
    <>
      <MetricsView
        path={monitoringPaths.gateway(ns)}
        what={t('monitoring.whatGateway', { ns })}
        connections
        onMissing={() => (
          <div class="message message-info" id="monitoring-no-gateway" role="status">
            <p>{t('monitoring.noGateway')}</p>
            <a class="button" href={href.gateway(ns)}>{t('monitoring.setGateway')}</a>
          </div>
        )}
      />
      <GatewayLog ns={ns} />
    </>
  );
}
