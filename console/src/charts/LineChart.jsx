// A hand-written SVG line chart (no chart library: the console's bundle stays small). Time on
// x over the whole range asked for, values on y from 0, one line per series, a legend, the unit,
// the newest values in words under it, and every point in a table (inside <details>) for
// keyboard and screen-reader users. Colours and dashes come from style.css classes: the CSP
// allows no style="" attributes, so only SVG presentation attributes and classes are used.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import {
  clockLabel, decimalsFor, linePath, linear, maxOf, timeTicks, valueTicks,
} from './scale.js';

const HEIGHT = 200;
const MARGIN = { top: 10, right: 14, bottom: 26, left: 52 };

// The width of the chart's box in CSS pixels, followed as the window resizes, so text stays
// at its real size on phones instead of being scaled down with a fixed viewBox.
function useWidth(ref, fallback = 640) {
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return width;
}

function Swatch({ s }) {
  return (
    <svg class="swatch" width="22" height="10" aria-hidden="true" focusable="false">
      <line x1="1" y1="5" x2="21" y2="5" class={`chart-line ${s.cls}`} />
    </svg>
  );
}

// points: [{time, ...}] oldest first; series: [{key, label, cls}]; value(p, key) reads a
// plotted value (null: none); format(v) writes one with its unit; domain: [t0, t1] Unix s.
export function LineChart({
  id, title, unit, series, points, value, format, domain, integers = false, fixedTop,
  offsetSeconds = 0,
}) {
  const boxRef = useRef(null);
  const width = useWidth(boxRef);
  const headingId = `chart-${id}-title`;
  const rows = points.map((p) => ({ time: p.time, values: series.map((s) => value(p, s.key)) }));
  const latest = rows.length ? rows[rows.length - 1] : null;
  const latestText = latest
    ? series.map((s, i) => `${s.label} ${latest.values[i] === null ? t('common.none') : format(latest.values[i])}`).join(', ')
    : '';

  let chart = null;
  if (rows.length === 0) {
    chart = (
      <p class="chart-empty" data-testid="chart-empty">
        {t('monitoring.noPoints')}
      </p>
    );
  } else {
    const innerW = width - MARGIN.left - MARGIN.right;
    const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;
    const x = linear(domain, [MARGIN.left, MARGIN.left + innerW]);
    const plotted = rows.map((r) => Object.fromEntries(series.map((s, i) => [s.key, r.values[i]])));
    const { ticks: yTicks, top } = valueTicks(maxOf(plotted, series.map((s) => s.key)),
      { integers, fixedTop });
    const y = linear([0, top], [MARGIN.top + innerH, MARGIN.top]);
    const decimals = decimalsFor(yTicks);
    const { ticks: xTicks, step } = timeTicks(domain[0], domain[1], Math.max(2, Math.floor(innerW / 80)),
      offsetSeconds);
    chart = (
      <svg
        class="chart-svg"
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={t('monitoring.chartLabel', { title, unit, latest: latestText })}
      >
        <g class="chart-grid" aria-hidden="true">
          {yTicks.map((v) => (
            <g key={`y${v}`}>
              <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={y(v)} y2={y(v)} class="chart-gridline" />
              <text x={MARGIN.left - 6} y={y(v)} dy="0.32em" text-anchor="end" class="chart-tick">
                {v.toFixed(decimals)}
              </text>
            </g>
          ))}
          {xTicks.map((tick) => (
            <g key={`x${tick}`}>
              <line x1={x(tick)} x2={x(tick)} y1={MARGIN.top + innerH} y2={MARGIN.top + innerH + 4} class="chart-axis" />
              <text x={x(tick)} y={MARGIN.top + innerH + 16} text-anchor="middle" class="chart-tick">
                {clockLabel(tick, step, offsetSeconds)}
              </text>
            </g>
          ))}
          <line x1={MARGIN.left} x2={MARGIN.left + innerW} y1={MARGIN.top + innerH} y2={MARGIN.top + innerH} class="chart-axis" />
          <line x1={MARGIN.left} x2={MARGIN.left} y1={MARGIN.top} y2={MARGIN.top + innerH} class="chart-axis" />
        </g>
        {series.map((s, i) => {
          const { d, dots } = linePath(rows.map((r) => [x(r.time), r.values[i] === null ? null : y(r.values[i])]));
          return (
            <g key={s.key} data-series={s.key} aria-hidden="true">
              {d && <path d={d} class={`chart-line ${s.cls}`} />}
              {dots.map(([px, py]) => (
                <circle key={`${px}`} cx={px} cy={py} r="2.5" class={`chart-dot ${s.cls}`} />
              ))}
            </g>
          );
        })}
      </svg>
    );
  }

  return (
    <figure class="chart" data-chart={id} aria-labelledby={headingId}>
      <div class="chart-head">
        <h3 id={headingId}>{title}</h3>
        <span class="chart-unit" data-testid="chart-unit">{unit}</span>
      </div>
      <ul class="chart-legend">
        {series.map((s) => (
          <li key={s.key}>
            <Swatch s={s} />
            {s.label}
          </li>
        ))}
      </ul>
      <div class="chart-box" ref={boxRef}>
        {chart}
      </div>
      {latest && (
        <p class="chart-latest" data-time={latest.time}>
          {t('monitoring.latest', { time: clockLabel(latest.time, 1, offsetSeconds) })}{' '}
          {series.map((s, i) => (
            <span class="chart-latest-value" data-series={s.key} key={s.key}>
              {s.label}: <strong>{latest.values[i] === null ? t('common.none') : format(latest.values[i])}</strong>
            </span>
          ))}
        </p>
      )}
      {rows.length > 0 && (
        <details class="chart-data">
          <summary>{t('monitoring.dataTable')}</summary>
          <div class="table-wrap">
            <table class="table table-compact chart-table">
              <caption class="sr-only">{`${title} (${unit})`}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('monitoring.time')}</th>
                  {series.map((s) => <th scope="col" key={s.key}>{s.label}</th>)}
                </tr>
              </thead>
              <tbody>
                {rows.slice().reverse().map((r) => (
                  <tr key={r.time} data-time={r.time}>
                    <th scope="row">{clockLabel(r.time, 1, offsetSeconds)}</th>
                    {r.values.map((v, i) => (
                      <td key={series[i].key} data-series={series[i].key}>
                        {v === null ? t('common.none') : format(v)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  );
}
