// The console's monitoring (issue 8 item 9) in a real browser against a real server: route and
// gateway charts whose figures match the API's, the range switch (seen in the request URLs),
// refresh without reload as new traffic arrives, polling paused while the page is hidden and
// stopped when it is left, the gateway's access log with its keyword filter, an outsider's 403
// said plainly, Chinese on a phone. Run by tests/e2e/test_console_monitoring.py, which passes:
//   CONSOLE_FIXTURE  JSON {url, passwords, nodePorts: {http}, project, route, host, stepSeconds}
//   SCREENSHOT_DIR   where monitoring-<page>-<lang>-<viewport>.png go
// The server samples every stepSeconds (0.5 s), so the 10m range's points close twice a second
// and the 1h range's every 3 s; the gateway flushes its counters once a second.
import assert from 'node:assert/strict';
import http from 'node:http';
import monitoringEn from '../src/i18n/monitoring.en.js';
import monitoringZh from '../src/i18n/monitoring.zh.js';
import { openBrowser } from './browser.mjs';
import { apiAs, eventually, runSteps, signIn, sleep, text } from './steps.mjs';

const fixture = JSON.parse(process.env.CONSOLE_FIXTURE || '{}');
if (!fixture.url) {
  console.error('CONSOLE_FIXTURE is not set: run tests/e2e/test_console_monitoring.py');
  process.exit(2);
}
const { url: baseURL, passwords, nodePorts, project: NS, route: ROUTE, host: HOST } = fixture;
const GATEWAY = `/apis/gateway.kubesphere.io/v1alpha1/namespaces/kubesphere-controls-system/gateways/kubesphere-router-${NS}`;
const INGRESS_METRICS = `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/${ROUTE}/metrics`;
const ROUTE_PAGE = `#/projects/${NS}/routes/${ROUTE}/monitoring`;
const GATEWAY_PAGE = `#/projects/${NS}/gateway/monitoring`;

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

// One request through the gateway's node port, as a browser would send it to HOST.
function send(target, host = HOST) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: nodePorts.http, path: target, agent: false,
      headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`no answer for ${target}`)));
    req.end();
  });
}

async function sendMany(target, n) {
  const statuses = [];
  for (let i = 0; i < n; i++) statuses.push(await send(target));
  return statuses;
}

// What the page shows, read in one go (a refresh cannot land between two reads).
function readPage(page) {
  return page.evaluate(() => {
    const dl = document.querySelector('#monitoring-summary');
    if (!dl) return null;
    const value = (k) => dl.querySelector(`[data-testid=sum-${k}]`).textContent.trim();
    const latest = {};
    for (const p of document.querySelectorAll('.chart-latest')) {
      const chart = p.closest('figure').dataset.chart;
      latest[chart] = { time: Number(p.dataset.time), values: {} };
      for (const v of p.querySelectorAll('.chart-latest-value')) {
        latest[chart].values[v.dataset.series] = v.querySelector('strong').textContent.trim();
      }
    }
    return {
      from: Number(dl.dataset.from), to: Number(dl.dataset.to),
      requests: value('requests'), status4xx: value('status4xx'), status5xx: value('status5xx'),
      successRate: value('successRate'), latest,
    };
  });
}

const fmtCount = (v) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(v);
const fmtPercent = (v) => `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(v)} %`;

// The API's figures for the points the page summed (from..to), formatted as the page does.
function expectedFrom(doc, shown) {
  const points = doc.points.filter((p) => p.time >= shown.from && p.time <= shown.to);
  assert.equal(points[0].time, shown.from, 'the API still has the first point the page summed');
  const sum = { requests: 0, status4xx: 0, status5xx: 0 };
  for (const p of points) for (const k of Object.keys(sum)) sum[k] += p[k];
  const ok = sum.requests - sum.status4xx - sum.status5xx;
  return {
    sum,
    text: {
      requests: fmtCount(sum.requests), status4xx: fmtCount(sum.status4xx),
      status5xx: fmtCount(sum.status5xx),
      successRate: sum.requests ? fmtPercent((ok / sum.requests) * 100) : '—',
    },
  };
}

// The page's summary and the requests chart's latest values equal the API's for the same points.
async function assertMatchesApi(s, path, range) {
  return eventually(async () => {
    const shown = await readPage(s.page);
    assert.ok(shown && shown.to > 0, 'the page shows points');
    const doc = await (await apiAs(s, `${path}?range=${range}`)).json();
    const want = expectedFrom(doc, shown);
    assert.deepEqual(
      { requests: shown.requests, status4xx: shown.status4xx, status5xx: shown.status5xx, successRate: shown.successRate },
      want.text);
    const last = doc.points.find((p) => p.time === shown.latest.requests.time);
    assert.ok(last, 'the latest point is in the API');
    assert.deepEqual(shown.latest.requests.values, {
      requests: fmtCount(last.requests), status4xx: fmtCount(last.status4xx), status5xx: fmtCount(last.status5xx),
    });
    return want.sum;
  }, 15000, 200);
}

// Requests the page makes, by kind, so the test sees the query strings and the polling.
function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('/metrics') || u.pathname.endsWith('/log')) seen.push(u);
  });
  return seen;
}

async function setHidden(page, hidden) {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

const b = await openBrowser({ baseURL });
let viewer;
let seen;

// --- strings -------------------------------------------------------------------------------

step('i18n: the monitoring tables have the same keys and {params} in English and Chinese', async () => {
  assert.deepEqual(Object.keys(monitoringZh).sort(), Object.keys(monitoringEn).sort());
  const params = (x) => (x.match(/\{\w+\}/g) || []).sort();
  for (const key of Object.keys(monitoringEn)) assert.deepEqual(params(monitoringZh[key]), params(monitoringEn[key]), key);
});

// --- traffic, then the route page ------------------------------------------------------------

step('traffic through the node port: 200s, 404s and 503s from the echo backend', async () => {
  assert.deepEqual(await sendMany('/?status=200', 12), Array(12).fill(200));
  assert.deepEqual(await sendMany('/?status=404', 5), Array(5).fill(404));
  assert.deepEqual(await sendMany('/?status=503', 3), Array(3).fill(503));
});

step('viewer: the overview links to the gateway monitoring', async () => {
  viewer = await b.session('viewer');
  seen = recordRequests(viewer.page);
  await signIn(viewer, 'viewer', passwords.viewer);
  await viewer.go(`#/projects/${NS}`);
  await eventually(async () =>
    assert.equal(await viewer.page.locator('#gateway-monitoring').getAttribute('href'), GATEWAY_PAGE));
});

step('the route detail and the gateway settings link to their monitoring; the breadcrumb follows', async () => {
  const { page } = viewer;
  const crumbs = async () => (await page.locator('nav.crumbs a').allTextContents()).map((x) => x.trim());
  await viewer.go(`#/projects/${NS}/routes/${ROUTE}`);
  await eventually(async () => assert.equal(await page.locator('#route-monitoring').getAttribute('href'), ROUTE_PAGE));
  await page.click('#route-monitoring');
  await eventually(async () => assert.deepEqual(await crumbs(), ['Projects', NS, 'Routes', ROUTE, 'Monitoring']));
  await viewer.go(`#/projects/${NS}/gateway`);
  await eventually(async () =>
    assert.equal(await page.locator('#gateway-monitoring-link').getAttribute('href'), GATEWAY_PAGE));
  await page.click('#gateway-monitoring-link');
  await eventually(async () => assert.deepEqual(await crumbs(), ['Projects', NS, 'Gateway', 'Monitoring']));
});

step('route monitoring: charts with units and legends; the totals and latest values are the API\'s', async () => {
  const { page } = viewer;
  await viewer.go(ROUTE_PAGE);
  await eventually(async () => assert.equal(await text(page.locator('main h1')), `Monitoring of route ${ROUTE}`));
  // The 1h range (3 s points) keeps every request sent so far in view.
  await page.click('#monitoring-range button[data-range="1h"]');
  const sum = await eventually(async () => {
    const got = await assertMatchesApi(viewer, INGRESS_METRICS, '1h');
    assert.deepEqual([got.status4xx, got.status5xx], [5, 3], 'the 404s and 503s are all in');
    return got;
  }, 20000, 300);
  assert.ok(sum.requests >= 20, `${sum.requests} requests`);
  assert.deepEqual(await page.locator('figure.chart').evaluateAll((f) => f.map((x) => x.dataset.chart)),
    ['requests', 'success', 'latency'], 'a route has no connections of its own');
  const requests = page.locator('figure[data-chart=requests]');
  assert.equal(await text(requests.locator('[data-testid=chart-unit]')), 'requests per 3 s');
  assert.deepEqual((await requests.locator('.chart-legend li').allTextContents()).map((x) => x.trim()),
    ['Requests', '4xx', '5xx']);
  assert.equal(await text(page.locator('figure[data-chart=latency] [data-testid=chart-unit]')), 'milliseconds');
  assert.equal(await text(page.locator('figure[data-chart=success] [data-testid=chart-unit]')),
    '% of requests answered neither 4xx nor 5xx');
  // Axes: time labels (HH:MM) and value labels; a drawn line; the accessible summary.
  const svg = requests.locator('svg.chart-svg');
  assert.match(await svg.getAttribute('aria-label'), /^Requests and errors chart \(requests per 3 s\)\. Latest: Requests \d+, 4xx \d+, 5xx \d+\.$/);
  const ticks = await svg.locator('text.chart-tick').allTextContents();
  assert.ok(ticks.some((x) => /^\d\d:\d\d(:\d\d)?$/.test(x)), ticks.join(' '));
  assert.ok(ticks.includes('0'), ticks.join(' '));
  assert.ok(await requests.locator('path.chart-line').count() + await requests.locator('circle.chart-dot').count() >= 1);
  assert.equal(await page.locator('figure[data-chart=success] svg text.chart-tick:text-is("100")').count(), 1);
  // The data table (for keyboard and screen readers) has every point, newest first.
  const doc = await (await apiAs(viewer, `${INGRESS_METRICS}?range=1h`)).json();
  const rows = await requests.locator('table.chart-table tbody tr').count();
  assert.ok(Math.abs(rows - doc.points.length) <= 1, `${rows} rows, ${doc.points.length} points`);
});

step('range switch: each range is asked for by its query, the choice shown as pressed', async () => {
  const { page } = viewer;
  for (const range of ['10m', '1d', '1h']) {
    const before = seen.length;
    await page.click(`#monitoring-range button[data-range="${range}"]`);
    await eventually(async () => {
      const asked = seen.slice(before).filter((u) => u.pathname === INGRESS_METRICS);
      assert.ok(asked.length >= 1, 'a request after the click');
      assert.ok(asked.every((u) => u.searchParams.get('range') === range), asked.map(String).join(' '));
    });
    assert.equal(await page.locator(`#monitoring-range button[data-range="${range}"]`).getAttribute('aria-pressed'), 'true');
    if (range === '1d') {
      // A day's point closes every 144 steps (72 s here): none yet, or some; either is shown.
      const doc = await (await apiAs(viewer, `${INGRESS_METRICS}?range=1d`)).json();
      if (doc.points.length === 0) {
        await eventually(async () => assert.equal(await page.locator('#monitoring-empty').count(), 1));
        assert.equal(await page.locator('[data-testid=chart-empty]').count(), 3);
        assert.match(await text(page.locator('#monitoring-empty')), /No data yet: a point is added every 72 s/);
      } else {
        await eventually(async () => assert.equal(await page.locator('figure[data-chart=requests] .chart-latest').count(), 1));
      }
    }
  }
  // The keyboard works the switch too.
  await page.focus('#monitoring-range button[data-range="10m"]');
  await page.keyboard.press('Enter');
  await eventually(async () =>
    assert.equal(await page.locator('#monitoring-range button[data-range="10m"]').getAttribute('aria-pressed'), 'true'));
  await page.click('#monitoring-range button[data-range="1h"]');
});

step('refresh: new traffic shows up without a reload', async () => {
  const { page } = viewer;
  await page.evaluate(() => { window.monitoringMarker = 'same page'; });
  const before = await assertMatchesApi(viewer, INGRESS_METRICS, '1h');
  assert.deepEqual(await sendMany('/?status=503', 4), Array(4).fill(503));
  await eventually(async () => {
    const now = await readPage(page);
    assert.equal(now.status5xx, fmtCount(before.status5xx + 4));
  }, 20000, 200);
  await assertMatchesApi(viewer, INGRESS_METRICS, '1h');
  assert.equal(await page.evaluate(() => window.monitoringMarker), 'same page', 'no reload');
  await viewer.shot('monitoring-route', 'en', ['laptop']); // two bursts of traffic by now
});

step('polling pauses while the page is hidden and stops when it is left', async () => {
  const { page } = viewer;
  await page.click('#monitoring-range button[data-range="10m"]'); // polls every second
  await sleep(2500);
  const count = () => seen.filter((u) => u.pathname === INGRESS_METRICS).length;
  let n = count();
  await sleep(2500);
  assert.ok(count() - n >= 2, `polling while shown: ${count() - n} requests in 2.5 s`);
  await setHidden(page, true);
  await sleep(1200); // one in flight may still finish
  n = count();
  await sleep(3000);
  assert.equal(count() - n, 0, 'no request while hidden');
  await setHidden(page, false);
  await eventually(async () => assert.ok(count() > n, 'polling again once shown'), 3000);
  await viewer.go(`#/projects/${NS}`);
  await sleep(1200);
  n = count();
  await sleep(3000);
  assert.equal(count() - n, 0, 'no request after leaving the page');
});

// --- the gateway page --------------------------------------------------------------------------

step('gateway monitoring: the gateway\'s figures, active connections, and its access log', async () => {
  const { page } = viewer;
  await page.click('#gateway-monitoring');
  await eventually(async () => assert.equal(await text(page.locator('main h1')), `Gateway monitoring of project ${NS}`));
  await page.click('#monitoring-range button[data-range="1h"]');
  const sum = await assertMatchesApi(viewer, `${GATEWAY}/metrics`, '1h');
  assert.ok(sum.status5xx >= 7 && sum.status4xx >= 5, JSON.stringify(sum));
  assert.deepEqual(await page.locator('figure.chart').evaluateAll((f) => f.map((x) => x.dataset.chart)),
    ['requests', 'success', 'latency', 'connections']);
  assert.equal(await text(page.locator('figure[data-chart=connections] [data-testid=chart-unit]')), 'open connections');
  assert.match(await text(page.locator('figure[data-chart=connections] .chart-latest')), /Active connections: \d+/);

  // The log: every kept line as the API gives them (follow off, so nothing moves meanwhile).
  await eventually(async () => assert.ok(await page.locator('#gateway-log .log-line').count() >= 24));
  await page.uncheck('#log-follow');
  await page.click('#log-refresh');
  await viewer.settle();
  const api = await (await apiAs(viewer, `${GATEWAY}/log?tailLines=200`)).text();
  const apiLines = api.split('\n').filter(Boolean);
  await eventually(async () => {
    const lines = await page.locator('#gateway-log .log-line').allTextContents();
    assert.deepEqual(lines, apiLines);
  });
  assert.ok(apiLines.some((l) => l.includes(`[${NS}/${ROUTE}]`) && l.includes('"GET /?status=503 HTTP/1.1" 503 ')));
  await viewer.shot('monitoring-gateway', 'en', ['laptop']);
});

step('gateway log: the keyword filter narrows the lines (debounced, sent as q)', async () => {
  const { page } = viewer;
  const before = seen.length;
  await page.fill('#log-filter', 'STATUS=503'); // typed at once: one request after the pause
  await eventually(async () => {
    const lines = await page.locator('#gateway-log .log-line').allTextContents();
    assert.equal(lines.length, 7, lines.join('\n'));
    for (const l of lines) assert.match(l, /"GET \/\?status=503 HTTP\/1\.1" 503 /);
  });
  const asked = seen.slice(before).filter((u) => u.pathname.endsWith('/log'));
  assert.ok(asked.some((u) => u.searchParams.get('q') === 'STATUS=503'), asked.map(String).join(' '));
  assert.ok(asked.every((u) => !u.searchParams.get('q') || u.searchParams.get('q') === 'STATUS=503'),
    'no request for a half-typed keyword');
  assert.equal(await page.locator('#gateway-log mark').count(), 7, 'the keyword is marked');
  assert.match(await text(page.locator('#log-count')), /^7 lines contain "STATUS=503"/);
  await page.fill('#log-filter', 'no-such-thing-in-any-line');
  await eventually(async () =>
    assert.equal(await text(page.locator('#log-empty')), 'No line contains "no-such-thing-in-any-line".'));
  // Follow brings new lines in by itself.
  await page.fill('#log-filter', 'followed-request');
  await page.check('#log-follow');
  assert.equal(await send('/followed-request?status=200'), 200);
  await eventually(async () => assert.equal(await page.locator('#gateway-log .log-line').count(), 1), 8000);
  await page.fill('#log-filter', '');
});

step('Chinese on a phone: the gateway page fits the screen', async () => {
  const { page } = viewer;
  await page.selectOption('#lang-select', 'zh');
  await eventually(async () => assert.equal(await text(page.locator('main h1')), `项目 ${NS} 的网关监控`));
  await page.setViewportSize({ width: 390, height: 844 });
  await eventually(async () => assert.equal(await text(page.locator('figure[data-chart=requests] h3')), '请求与错误'));
  await sleep(300); // the charts follow their new width
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const chartWidth = await page.locator('figure[data-chart=requests] svg.chart-svg').getAttribute('width');
  assert.ok(Number(chartWidth) <= 390, `chart ${chartWidth}px wide`);
  assert.equal(await text(page.locator('#gateway-log-title')), '访问日志');
  await viewer.shot('monitoring-gateway', 'zh', ['phone']);
  await page.selectOption('#lang-select', 'en');
  await viewer.close();
});

// --- refusals --------------------------------------------------------------------------------

step('outsider: the monitoring pages say plainly that permission is missing (403)', async () => {
  const s = await b.session('outsider');
  try {
    await signIn(s, 'outsider', passwords.outsider);
    await s.go(ROUTE_PAGE);
    const message = s.page.locator('.message-forbidden[data-status="403"]');
    await eventually(async () => assert.equal(await message.count(), 1));
    assert.match(await text(message), new RegExp(`You do not have permission to see route ${ROUTE}'s monitoring.*` +
      'cannot get resource "ingresses/metrics"'));
    assert.equal(await s.page.locator('figure.chart').count(), 0);
    await s.go(GATEWAY_PAGE);
    await eventually(async () => assert.equal(await s.page.locator('.message-forbidden[data-status="403"]').count(), 2));
    assert.match(await text(s.page.locator('.gateway-log .message-forbidden')),
      /You do not have permission to see the gateway's access log.*cannot get resource "gateways\/log"/);
    assert.equal(await s.page.locator('#gateway-log').count(), 0);
    await s.shot('monitoring-forbidden', 'en', ['laptop']);
  } finally {
    await s.close();
  }
});

process.exit(await runSteps(steps, b));
