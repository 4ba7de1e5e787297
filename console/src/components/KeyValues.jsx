// Labels as chips and annotations as a definition list (values can be long: they wrap).
import { t } from '../i18n/index.js';

export function Labels({ labels }) {
  const entries = Object.entries(labels || {});
  if (entries.length === 0) return <p class="muted">{t('detail.none')}</p>;
  return (
    <ul class="chips">
      {entries.map(([k, v]) => (
        <li class="chip" key={k}>
          <span class="chip-key">{k}</span>
          <span class="chip-value">{v}</span>
        </li>
      ))}
    </ul>
  );
}

export function Annotations({ annotations }) {
  const entries = Object.entries(annotations || {}).filter(
    ([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration');
  if (entries.length === 0) return <p class="muted">{t('detail.none')}</p>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div class="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
