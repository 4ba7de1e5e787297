// The cluster gateway (kubesphere-router-kubesphere-system), which serves every project: the
// platform admin's page, reached from the projects list. Its rights live in
// kubesphere-controls-system only (docs/security.md), so anyone else gets the server's 403,
// explained here rather than shown as "no gateway".
import { GatewayPanel } from '../gateway/GatewayPanel.jsx';
import { CLUSTER_GATEWAY, CONTROLS_NS } from '../gateway/model.js';
import { useLoad, useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';
import { canI } from '../k8s.js';
import { href } from '../router.js';

export function ClusterGateway() {
  useTitle(t('cgw.title'));
  const [may] = useLoad(() => canI({
    verb: 'update', group: 'gateway.kubesphere.io', resource: 'gateways',
    namespace: CONTROLS_NS, name: CLUSTER_GATEWAY,
  }), []);
  return (
    <>
      <h1 tabIndex={-1}>{t('cgw.title')}</h1>
      <p class="muted gw-name">{t('gw.objectName', { name: CLUSTER_GATEWAY })}</p>
      <p class="lead">{t('cgw.intro')}</p>
      <GatewayPanel
        name={CLUSTER_GATEWAY}
        canEdit={may.value === true}
        scopeText={t('gw.scopeCluster')}
        noGatewayText={t('cgw.none')}
        forbiddenTitle={t('cgw.forbidden')}
      />
      <p>
        <a href={href.projects()}>{t('cgw.back')}</a>
      </p>
    </>
  );
}
