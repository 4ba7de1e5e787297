// The arithmetic of the console's line charts, kept apart from Preact so node can test it
// (console/tests/chart.unit.mjs): linear scales, "nice" value ticks, time ticks on round
// clock times, SVG path data with gaps where a value is missing, and the summaries the pages
// show beside the charts. No DOM, no i18n: callers pass formatters.

// A linear map from [d0, d1] to [r0, r1]; a zero-width domain maps to the range's middle
// instead of dividing by zero.
export function linear([d0, d1], [r0, r1]) {
  const span = d1 - d0;
  return (v) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0));
}

// The smallest of 1, 2, 5 x 10^k that is >= raw (raw > 0).
export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  }
  return 10 * power;
}

// Value ticks from 0 up to a round top that covers `max`, about `count` of them. Counts
// (integers: true) never get fractional ticks; an all-zero or empty series gets 0..1 so the
// axis still reads as an axis. Returns {ticks, top}.
export function valueTicks(max, { count = 4, integers = false, fixedTop } = {}) {
  let top = fixedTop;
  let step;
  if (top === undefined) {
    const m = Number.isFinite(max) && max > 0 ? max : 0;
    step = niceStep(m > 0 ? m / count : 1 / count);
    if (integers) step = Math.max(1, Math.round(step));
    top = m > 0 ? Math.ceil(m / step - 1e-9) * step : step * count;
    if (integers && top === 0) top = 1;
  } else {
    step = niceStep(top / (count + 1)); // 0..100 in 20s, not 0, 50, 100
  }
  const ticks = [];
  for (let v = 0; v <= top + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, top };
}

// Round clock intervals for time ticks, in seconds.
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
  21600, 43200, 86400];

// Time ticks (Unix seconds) inside [t0, t1] on round local clock times: at most `max` of
// them. `offsetSeconds` is the zone's offset east of UTC (so hourly ticks fall on the hour
// in the viewer's zone). Returns {ticks, step}.
export function timeTicks(t0, t1, max = 6, offsetSeconds = 0) {
  const span = Math.max(0, t1 - t0);
  const step = TIME_STEPS.find((s) => span / s <= max) || TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  let t = Math.ceil((t0 + offsetSeconds) / step) * step - offsetSeconds;
  for (; t <= t1 + 1e-9; t += step) ticks.push(t);
  return { ticks, step };
}

// SVG path data through the points [x, y] where y is a number; null/undefined values break
// the line (a step with no request has no success rate or latency, and drawing through it
// would invent one). Returns {d, dots}: dots are isolated points (no neighbour to join),
// drawn as markers so a single value is still visible.
export function linePath(points) {
  let d = '';
  const dots = [];
  let run = [];
  const flush = () => {
    if (run.length === 1) dots.push(run[0]);
    else if (run.length > 1) {
      d += run.map(([x, y], i) => `${i ? 'L' : 'M'}${round(x)},${round(y)}`).join('');
    }
    run = [];
  };
  for (const [x, y] of points) {
    if (y === null || y === undefined || !Number.isFinite(y)) flush();
    else run.push([x, y]);
  }
  flush();
  return { d, dots };
}

function round(v) {
  return Math.round(v * 10) / 10;
}

// The largest value of the given keys over the points (nulls ignored), 0 when none.
export function maxOf(points, keys) {
  let m = 0;
  for (const p of points) {
    for (const k of keys) {
      if (typeof p[k] === 'number' && p[k] > m) m = p[k];
    }
  }
  return m;
}

// Sums over a range's points, as the page's summary says them: counts added up, and the
// success rate of all of them together (answered neither 4xx nor 5xx / requests, as the
// server computes it per point); null when there was no request.
export function totals(points) {
  const sum = { requests: 0, status4xx: 0, status5xx: 0 };
  for (const p of points) {
    sum.requests += p.requests || 0;
    sum.status4xx += p.status4xx || 0;
    sum.status5xx += p.status5xx || 0;
  }
  const ok = sum.requests - sum.status4xx - sum.status5xx;
  return { ...sum, successRate: sum.requests > 0 ? ok / sum.requests : null };
}

// "10 s", "1 min", "24 min", "1 h": a step length for unit labels ("requests per 10 s").
export function stepLabel(seconds) {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${Number(seconds.toPrecision(3))} s`;
}

// A clock label for a time tick: HH:MM, with seconds when ticks are closer than a minute.
// `offsetSeconds` as for timeTicks.
export function clockLabel(t, step, offsetSeconds = 0) {
  const d = new Date((t + offsetSeconds) * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return step < 60 ? `${hm}:${pad(d.getUTCSeconds())}` : hm;
}

// How many decimals a value axis needs so its ticks read apart (0.5, 1, 1.5 -> 1).
export function decimalsFor(ticks) {
  let most = 0;
  for (const v of ticks) {
    const text = String(v);
    const dot = text.indexOf('.');
    if (dot >= 0) most = Math.max(most, Math.min(3, text.length - dot - 1));
  }
  return most;
}
