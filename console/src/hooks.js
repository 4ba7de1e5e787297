// Loading API data into a page: useLoad runs an async loader (which resolves to the api.js
// value {ok, status, ...}) when its deps change and on reload(); the previous value stays
// shown while a reload runs, so lists do not flash empty.
import { useEffect, useState } from 'preact/hooks';
import { t } from './i18n/index.js';

export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, value: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ loading: true, value: s.value }));
    load().then((value) => {
      if (live) setState({ loading: false, value });
    });
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return [state, () => setTick((n) => n + 1)];
}

// The page's <title>, so tabs and screen readers name the page.
export function useTitle(text) {
  useEffect(() => {
    document.title = text ? `${text} · ${t('app.name')}` : t('app.console');
  }, [text]);
}
