// One project's gateway as the overview and the routes list describe it: its access method,
// addresses and node ports, or "no gateway" (404) with a link to set one for those who may, or
// a refusal (403).
import { t } from '../i18n/index.js';
import { gatewaySummary } from '../k8s.js';
import { href } from '../router.js';
import { ErrorMessage } from './Messages.jsx';

export function GatewayState({ ns, result, canUpdate }) {
  if (!result) return null;
  if (result.status === 404) {
    return (
      <div class="gateway-state gateway-none" data-gateway="none">
        <p>{t('overview.noGateway')}</p>
        {canUpdate && (
          <a class="button" href={href.gateway(ns)} id="gateway-setup">
            {t('overview.setGateway')}
          </a>
        )}
      </div>
    );
  }
  if (!result.ok) return <ErrorMessage result={result} />;
  const gw = gatewaySummary(result.body);
  const ports = Object.entries(gw.nodePorts).map(([name, port]) => `${name}: ${port}`).join(', ');
  return (
    <div class="gateway-state" data-gateway={gw.type}>
      <dl class="facts">
        <div>
          <dt>{t('overview.type')}</dt>
          <dd data-testid="gateway-type">{gw.type}</dd>
        </div>
        <div>
          <dt>{t('overview.address')}</dt>
          <dd data-testid="gateway-address">
            {gw.addresses.join(', ') || t('overview.pending')}
          </dd>
        </div>
        {gw.type === 'NodePort' && (
          <div>
            <dt>{t('overview.nodePorts')}</dt>
            <dd data-testid="gateway-ports">{ports || t('overview.pending')}</dd>
          </div>
        )}
      </dl>
      {canUpdate && (
        <a class="button" href={href.gateway(ns)} id="gateway-settings">
          {t('overview.gatewaySettings')}
        </a>
      )}
    </div>
  );
}
