// The top bar: where you are (breadcrumb), the language switch, who you are and in which role,
// and sign out. The role is derived from SelfSubjectAccessReviews (permissions.js).
import { LANGUAGES, lang, t } from '../i18n/index.js';
import { href } from '../router.js';

function crumbs(route) {
  const items = [{ label: t('nav.projects'), href: href.projects() }];
  const { ns } = route;
  if (!ns) return items;
  items.push({ label: ns, href: href.overview(ns) });
  if (route.page === 'routes' || route.page === 'route' || route.page === 'createRoute') {
    items.push({ label: t('nav.routes'), href: href.routes(ns) });
  }
  if (route.page === 'route') items.push({ label: route.name, href: href.route(ns, route.name) });
  if (route.page === 'createRoute') items.push({ label: t('nav.createRoute'), href: href.createRoute(ns) });
  if (route.page === 'gateway') items.push({ label: t('nav.gateway'), href: href.gateway(ns) });
  return items;
}

export function LanguageSwitch({ onLang }) {
  return (
    <label class="lang-switch">
      <span class="lang-label">{t('header.language')}</span>
      <select
        id="lang-select"
        value={lang()}
        onChange={(e) => onLang(e.currentTarget.value)}
      >
        {LANGUAGES.map((l) => (
          <option value={l} key={l}>
            {t(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function Header({ route, user, role, onLang, onSignOut }) {
  const items = crumbs(route);
  return (
    <header class="topbar">
      <div class="topbar-row">
        <a class="brand" href={href.projects()}>
          {t('app.name')}
        </a>
        <div class="topbar-tools">
          <LanguageSwitch onLang={onLang} />
          <span class="whoami">
            <span class="sr-only">{t('header.user')} </span>
            <span class="whoami-user" data-testid="current-user">{user}</span>
            {role && (
              <span class="role-badge" data-testid="current-role">
                {t(`role.${role}`)}
              </span>
            )}
          </span>
          <button type="button" class="button button-quiet" onClick={onSignOut}>
            {t('header.signOut')}
          </button>
        </div>
      </div>
      <nav class="crumbs" aria-label={t('nav.main')}>
        <ol>
          {items.map((item, i) => (
            <li key={item.href}>
              <a href={item.href} aria-current={i === items.length - 1 ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ol>
      </nav>
    </header>
  );
}
