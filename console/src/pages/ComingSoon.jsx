// Placeholders for pages of later slices (gateway settings: issue 8 item 8; the create wizard:
// item 4), so the links that lead there already work and say what to do meanwhile.
import { useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';

export function ComingSoon({ ns, which }) {
  const title = t(`stub.${which}.title`);
  useTitle(`${title} · ${ns}`);
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      <div class="message message-info" id="coming-soon" role="status">
        <p>{t(`stub.${which}.text`, { ns })}</p>
      </div>
      <p>
        <a href={href.overview(ns)}>{t('stub.back')}</a>
      </p>
    </>
  );
}

export function NotFound() {
  useTitle(t('notFound.title'));
  return (
    <>
      <h1 tabIndex={-1}>{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <p>
        <a href={href.projects()}>{t('notFound.link')}</a>
      </p>
    </>
  );
}
