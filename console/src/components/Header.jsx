// The top bar: where you are (breadcrumb), the language switch, who you are and in which role,
// and sign out. The role is derived from SelfSubjectAccessReviews (permissions.js).
import { LANGUAGES, lang, t } from '../i18n/index.js';
import { href } from '../router.js';

function crumbs(route) {
  const items = [{ label: t('nav.projects'), href: href.projects() }];
  if (route.page === 'clusterGateway') {
    items.push({ label: t('nav.clusterGateway'), href: href.clusterGateway() });
    return items;
  }
  const { ns, page, name } = route;
  if (!ns) return items;
  items.push({ label: ns, href: href.overview(ns) });
  if (['routes', 'route', 'createRoute', 'routeMonitoring'].includes(page)) {
    items.push({ label: t('nav.routes'), href: href.routes(ns) });
  }
  if (page === 'route' || page === 'routeMonitoring') items.push({ label: name, href: href.route(ns, name) });
  if (page === 'routeMonitoring') items.push({ label: t('nav.monitoring'), href: href.routeMonitoring(ns, name) });
  if (page === 'createRoute') items.push({ label: t('nav.createRoute'), href: href.createRoute(ns) });
  if (page === 'gateway' || page === 'gatewayMonitoring') items.push({ label: t('nav.gateway'), href: href.gateway(ns) });
  if (page === 'gatewayMonitoring') items.push({ label: t('nav.monitoring'), href: href.gatewayMonitoring(ns) });
  if (page === 'services') items.push({ label: t('nav.services'), href: href.services(ns) });
  if (page === 'secrets') items.push({ label: t('nav.secrets'), href: href.secrets(ns) });
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
