// Unit tests of the monitoring charts' arithmetic (src/charts/scale.js) and of the monitoring
// routes (src/router.js): plain functions, no browser. `node --test console/tests/chart.unit.mjs`
// (node >= 18); tests/e2e/test_console_monitoring.py runs it too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clockLabel, decimalsFor, linePath, linear, maxOf, niceStep, stepLabel, timeTicks, totals,
  valueTicks,
} from '../src/charts/scale.js';
import { href, parse } from '../src/router.js';

test('linear maps a domain onto a range, and a zero-width domain to its middle', () => {
  const y = linear([0, 100], [190, 10]); // SVG y grows downwards
  assert.equal(y(0), 190);
  assert.equal(y(100), 10);
  assert.equal(y(50), 100);
  assert.equal(linear([5, 5], [0, 200])(5), 100);
});

test('niceStep rounds up to 1, 2 or 5 times a power of ten', () => {
  assert.deepEqual([0.3, 1, 1.2, 2.5, 3, 7, 12, 0.04].map(niceStep), [0.5, 1, 2, 5, 5, 10, 20, 0.05]);
  assert.equal(niceStep(0), 1);
  assert.equal(niceStep(NaN), 1);
});

test('valueTicks: a round top covering the maximum, integer steps for counts', () => {
  assert.deepEqual(valueTicks(40), { ticks: [0, 10, 20, 30, 40], top: 40 });
  assert.deepEqual(valueTicks(41), { ticks: [0, 20, 40, 60], top: 60 });
  assert.deepEqual(valueTicks(3, { integers: true }), { ticks: [0, 1, 2, 3], top: 3 });
  // Fractions of a count are never ticks, even for tiny maxima.
  assert.deepEqual(valueTicks(1, { integers: true }), { ticks: [0, 1], top: 1 });
  // Nothing yet: still an axis (0..1), not a zero-height one.
  assert.deepEqual(valueTicks(0, { integers: true }).ticks, [0, 1, 2, 3, 4]);
  assert.equal(valueTicks(0).top > 0, true);
  // Latency in ms: fractional ticks read apart.
  const ms = valueTicks(2.7);
  assert.deepEqual(ms.ticks, [0, 1, 2, 3]);
  assert.deepEqual(valueTicks(0.9).ticks, [0, 0.5, 1]);
  assert.equal(decimalsFor(valueTicks(0.9).ticks), 1);
  // Percent: a fixed 0..100.
  assert.deepEqual(valueTicks(37, { fixedTop: 100 }), { ticks: [0, 20, 40, 60, 80, 100], top: 100 });
});

test('timeTicks: round clock times inside the range, at most max of them', () => {
  // 10 minutes of 10 s points ending at 12:00:05 UTC.
  const end = Date.UTC(2026, 0, 1, 12, 0, 5) / 1000;
  const { ticks, step } = timeTicks(end - 600, end, 6);
  assert.equal(step, 120);
  assert.ok(ticks.length <= 6 && ticks.length >= 4, ticks);
  for (const t of ticks) {
    assert.equal(t % 120, 0);
    assert.ok(t >= end - 600 && t <= end);
  }
  assert.deepEqual(ticks.map((t) => clockLabel(t, step)), ['11:52', '11:54', '11:56', '11:58', '12:00']);
  // A day: ticks every few hours, on the hour in the viewer's zone (+08:00 here).
  const day = timeTicks(end - 86400, end, 6, 8 * 3600);
  assert.equal(day.step, 21600);
  for (const t of day.ticks) assert.equal((t + 8 * 3600) % 21600, 0);
  assert.equal(clockLabel(day.ticks[0], day.step, 8 * 3600).endsWith(':00'), true);
  // Seconds appear only when ticks are closer than a minute.
  assert.equal(clockLabel(end, 10), '12:00:05');
  assert.equal(clockLabel(end, 60), '12:00');
});

test('linePath breaks the line at missing values and keeps lone points as dots', () => {
  const { d, dots } = linePath([[0, 10], [10, 20], [20, null], [30, 5], [40, undefined], [50, 7], [60, 8]]);
  assert.equal(d, 'M0,10L10,20M50,7L60,8');
  assert.deepEqual(dots, [[30, 5]]);
  assert.deepEqual(linePath([]), { d: '', dots: [] });
  assert.deepEqual(linePath([[1, null]]), { d: '', dots: [] });
});

test('totals add the counts up and give the success rate of all requests', () => {
  const points = [
    { requests: 40, status4xx: 6, status5xx: 4 },
    { requests: 0, status4xx: 0, status5xx: 0, successRate: null },
    { requests: 10, status4xx: 0, status5xx: 0 },
  ];
  assert.deepEqual(totals(points), { requests: 50, status4xx: 6, status5xx: 4, successRate: 0.8 });
  assert.equal(totals([]).successRate, null);
  assert.equal(maxOf(points, ['requests', 'status4xx']), 40);
  assert.equal(maxOf([{ p99: null }], ['p99']), 0);
});

test('stepLabel names a step for the unit labels', () => {
  assert.deepEqual([10, 60, 1440, 3600, 0.5, 3].map(stepLabel), ['10 s', '1 min', '24 min', '1 h', '0.5 s', '3 s']);
});

test('router: the monitoring pages, without breaking the route detail or the 404 rules', () => {
  assert.deepEqual(parse('#/projects/p1/routes/web/monitoring'), { page: 'routeMonitoring', ns: 'p1', name: 'web' });
  assert.deepEqual(parse('#/projects/p1/gateway/monitoring'), { page: 'gatewayMonitoring', ns: 'p1' });
  assert.deepEqual(parse(href.routeMonitoring('p 1', 'a/b')), { page: 'routeMonitoring', ns: 'p 1', name: 'a/b' });
  assert.deepEqual(parse(href.gatewayMonitoring('p1')), { page: 'gatewayMonitoring', ns: 'p1' });
  assert.deepEqual(parse('#/projects/p1/routes/web'), { page: 'route', ns: 'p1', name: 'web' });
  assert.deepEqual(parse('#/projects/p1/routes/monitoring'), { page: 'route', ns: 'p1', name: 'monitoring' });
  for (const bad of ['#/projects/p1/routes/web/other', '#/projects/p1/routes/web/monitoring/x',
    '#/projects/p1/gateway/monitoring/x', '#/projects/p1/gateway/other', '#/things/p1/gateway/monitoring',
    '#/projects/p1/services/web/monitoring']) {
    assert.equal(parse(bad).page, 'notFound', bad);
  }
});
