// Refreshing data: usePoll loads now, then again `interval(result)` ms after each answer (0:
// stop), one request at a time (a slow server is never asked twice at once). It pauses while
// the page is hidden (another tab, a minimised window) and resumes with a fresh load when it
// shows again; leaving the page (unmount) or changing deps stops the old loop for good.
import { useEffect, useState } from 'preact/hooks';

export function usePoll(load, deps, interval) {
  const [state, setState] = useState({ loading: true, value: null, at: 0 });
  useEffect(() => {
    let live = true;
    let timer = null;
    let inFlight = false;
    setState({ loading: true, value: null, at: 0 }); // a new query: no stale figures

    const run = async () => {
      timer = null;
      if (document.hidden) return; // visibilitychange brings it back
      inFlight = true;
      const value = await load();
      inFlight = false;
      if (!live) return;
      setState({ loading: false, value, at: Date.now() });
      const ms = interval(value);
      if (ms > 0 && !document.hidden) timer = setTimeout(run, ms);
    };
    const onVisibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        timer = null;
      } else if (!timer && !inFlight) {
        run();
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    run();
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, deps);
  return state;
}

// The wait between two loads of a metrics range: one step of the range (a new point closes
// every step), within 1 s .. 5 min; a network failure is retried after 5 s; a refusal or a
// missing object is not asked again until the user changes something.
export function metricsInterval(result) {
  if (!result) return 0;
  if (result.ok) {
    const step = Number(result.body && result.body.stepSeconds) || 10;
    return Math.min(300000, Math.max(1000, step * 1000));
  }
  return result.status === 0 ? 5000 : 0;
}
