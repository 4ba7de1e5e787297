// A project's gateway (KubeSphere's "Internet Access"): kubesphere-router-<project> in
// kubesphere-controls-system. The project admin enables it as NodePort or LoadBalancer, sets
// its config keys, edits and disables it; operators and viewers read it. Who may edit comes
// from SelfSubjectAccessReview (permissions.js); the server still decides each write.
import { GatewayPanel } from '../gateway/GatewayPanel.jsx';
import { projectGatewayName } from '../gateway/model.js';
import { useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';
import { useProjectPermissions } from '../permissions.js';
import { href } from '../router.js';

export function GatewaySettings({ ns }) {
  useTitle(`${t('gw.title')} · ${ns}`);
  const perms = useProjectPermissions(ns);
  const name = projectGatewayName(ns);
  return (
    <>
      <h1 tabIndex={-1}>{t('gw.title')}</h1>
      <p class="muted gw-name">
        {t('gw.objectName', { name })}
      </p>
      <GatewayPanel
        name={name}
        canEdit={Boolean(perms && perms.updateGateway)}
        scopeText={t('gw.scopeProject', { ns })}
        noGatewayText={t('gw.none', { ns })}
        forbiddenTitle={t('error.forbidden')}
      />
      <p>
        <a class="button" href={href.gatewayMonitoring(ns)} id="gateway-monitoring-link">{t('monitoring.overviewLink')}</a>
      </p>
      <p>
        <a href={href.overview(ns)} id="gw-back">{t('stub.back')}</a>
      </p>
    </>
  );
}
