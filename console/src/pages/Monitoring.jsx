// The monitoring pages' shell, in the first-load bundle: the heading, the title and the way
// back, while the pages themselves (charts, log view: MonitoringPages.jsx) load as a chunk with
// import(), so people who never open monitoring never download it.
//   #/projects/NS/routes/NAME/monitoring   one route (Ingress)
//   #/projects/NS/gateway/monitoring       the project's gateway, with its access log
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';
import { href } from '../router.js';

let loaded = null; // the chunk's module once fetched (kept across pages)

function useChunk() {
  const [mod, setMod] = useState(loaded);
  const [error, setError] = useState('');
  useEffect(() => {
    if (mod) return;
    import('./MonitoringPages.jsx').then(
      (m) => {
        loaded = m;
        setMod(m);
      },
      (e) => setError(String(e && e.message ? e.message : e)),
    );
  }, []);
  return [mod, error];
}

export function Monitoring({ ns, name, which }) {
  const title = which === 'gateway'
    ? t('monitoring.gatewayTitle', { ns })
    : t('monitoring.routeTitle', { name });
  useTitle(title);
  const [mod, error] = useChunk();
  let body;
  if (error) body = <ErrorMessage result={{ status: 0, message: error }} />;
  else if (!mod) body = <Loading />;
  else if (which === 'gateway') body = <mod.GatewayMonitoring ns={ns} />;
  else body = <mod.RouteMonitoring ns={ns} name={name} />;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{title}</h1>
        <div class="page-actions">
          {which === 'gateway' ? (
            <a class="button" href={href.overview(ns)} id="monitoring-back">
              {t('monitoring.backProject')}
            </a>
          ) : (
            <>
              <a class="button" href={href.route(ns, name)} id="monitoring-back">
                {t('monitoring.backRoute')}
              </a>
              <a class="button" href={href.gatewayMonitoring(ns)} id="monitoring-gateway-link">
                {t('monitoring.gatewayLink')}
              </a>
            </>
          )}
        </div>
      </div>
      {body}
    </>
  );
}
