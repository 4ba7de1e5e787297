// A project at a glance: its alias and workspace, how many routes and services it has, and its
// gateway. Each part loads on its own, so one refusal (e.g. a viewer's 403 somewhere) does not
// blank the page.
import { GatewayState } from '../components/GatewayState.jsx';
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { useLoad, useTitle } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { get } from '../api.js';
import { WORKSPACE, alias, description, label, list, meta, paths } from '../k8s.js';
import { useProjectPermissions } from '../permissions.js';
import { href } from '../router.js';

function Count({ result, testid }) {
  if (!result) return <span class="count">…</span>;
  if (!result.ok) {
    return (
      <span class="count count-error" data-testid={testid} title={result.message}>
        {result.status === 403 ? t('common.noPermission') : t('common.none')}
      </span>
    );
  }
  return (
    <span class="count" data-testid={testid}>
      {result.items.length}
    </span>
  );
}

export function Overview({ ns }) {
  useTitle(t('overview.title', { name: ns }));
  const perms = useProjectPermissions(ns);
  const [project] = useLoad(() => get(paths.namespace(ns)), [ns]);
  const [routes] = useLoad(() => list(paths.ingresses(ns)), [ns]);
  const [services] = useLoad(() => list(paths.services(ns)), [ns]);
  const [gateway] = useLoad(() => get(paths.gateway(ns)), [ns]);
  const p = project.value;

  if (p && !p.ok) {
    return (
      <>
        <h1 tabIndex={-1}>{t('overview.title', { name: ns })}</h1>
        <ErrorMessage result={p} />
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>
        {t('overview.title', { name: ns })}
        {p && alias(p.body) && <span class="alias"> {alias(p.body)}</span>}
      </h1>
      {!p && <Loading />}
      {p && (
        <p class="muted">
          {label(p.body, WORKSPACE) && t('overview.workspace', { name: label(p.body, WORKSPACE) })}
          {description(p.body) && ` · ${description(p.body)}`}
          {` · ${t('common.created')} ${formatTime(meta(p.body).creationTimestamp)}`}
        </p>
      )}
      <div class="cards">
        <section class="card" aria-labelledby="card-routes">
          <h2 id="card-routes">{t('overview.routes')}</h2>
          <Count result={routes.value} testid="count-routes" />
          <a class="button" href={href.routes(ns)}>
            {t('overview.viewRoutes')}
          </a>
        </section>
        <section class="card" aria-labelledby="card-services">
          <h2 id="card-services">{t('overview.services')}</h2>
          <Count result={services.value} testid="count-services" />
          <p class="card-links">
            <a class="button" href={href.services(ns)} id="overview-services">
              {t('res.viewServices')}
            </a>{' '}
            <a href={href.secrets(ns)} id="overview-secrets">
              {t('res.viewSecrets')}
            </a>
          </p>
        </section>
        <section class="card card-wide" aria-labelledby="card-gateway">
          <h2 id="card-gateway">{t('overview.gateway')}</h2>
          {gateway.value ? (
            <GatewayState ns={ns} result={gateway.value} canUpdate={perms && perms.updateGateway} />
          ) : (
            <Loading />
          )}
          {gateway.value && gateway.value.ok && (
            <a class="button" href={href.gatewayMonitoring(ns)} id="gateway-monitoring">
              {t('monitoring.overviewLink')}
            </a>
          )}
        </section>
      </div>
    </>
  );
}
