// The project data the route form needs, loaded once per form: Services, TLS Secrets, the
// gateway's address and the supported annotation keys.
import { useEffect, useState } from 'preact/hooks';
import { loadAnnotationKeys, loadGatewayAddress, loadServices, loadTlsSecrets } from './data.js';

// The project's lists the rules step needs; reload() after a Secret is created.
export function useRouteData(ns) {
  const [services, setServices] = useState({ ok: false, items: [] });
  const [secrets, setSecrets] = useState({ ok: false, items: [] });
  const [gateway, setGateway] = useState(null);
  const [keys, setKeys] = useState([]);
  const loadSecrets = () => loadTlsSecrets(ns).then(setSecrets);
  useEffect(() => {
    loadServices(ns).then(setServices);
    loadSecrets();
    loadGatewayAddress(ns).then(setGateway);
    loadAnnotationKeys().then(setKeys);
  }, [ns]);
  return { services, secrets, gateway, keys, reloadSecrets: loadSecrets };
}

