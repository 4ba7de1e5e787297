// The app: the session (sign-in form until there is a token), the hash route, the language,
// and the page for the route. A 401 anywhere clears the session and returns here with a
// notice; sign-out revokes the token first.
import { useEffect, useRef, useState } from 'preact/hooks';
import { onUnauthorized, session, signOut } from './api.js';
import { Header } from './components/Header.jsx';
import { lang, setLang, t } from './i18n/index.js';
import { ClusterGateway } from './pages/ClusterGateway.jsx';
import { ComingSoon, NotFound } from './pages/ComingSoon.jsx';
import { Monitoring } from './pages/Monitoring.jsx';
import { GatewaySettings } from './pages/GatewaySettings.jsx';
import { Overview } from './pages/Overview.jsx';
import { Projects } from './pages/Projects.jsx';
import { RouteDetail } from './pages/RouteDetail.jsx';
import { RouteWizard } from './pages/RouteWizard.jsx';
import { Routes } from './pages/Routes.jsx';
import { Secrets } from './pages/Secrets.jsx';
import { Services } from './pages/Services.jsx';
import { SignIn } from './pages/SignIn.jsx';
import {
  forgetPermissions,
  projectRole,
  usePlatformPermissions,
  useProjectPermissions,
} from './permissions.js';
import { parse } from './router.js';

function Page({ route }) {
  switch (route.page) {
    case 'projects':
      return <Projects />;
    case 'overview':
      return <Overview ns={route.ns} />;
    case 'routes':
      return <Routes ns={route.ns} />;
    case 'route':
      return <RouteDetail ns={route.ns} name={route.name} />;
    case 'gateway':
      return <GatewaySettings ns={route.ns} />;
    case 'clusterGateway':
      return <ClusterGateway />;
    case 'services':
      return <Services ns={route.ns} />;
    case 'secrets':
      return <Secrets ns={route.ns} />;
    case 'createRoute':
      return <RouteWizard ns={route.ns} />;
    case 'routeMonitoring':
      return <Monitoring ns={route.ns} name={route.name} which="route" />;
    case 'gatewayMonitoring':
      return <Monitoring ns={route.ns} which="gateway" />;
    default:
      return <NotFound />;
  }
}

function SignedIn({ user, route, onLang, onSignOut }) {
  const platform = usePlatformPermissions(user);
  const project = useProjectPermissions(route.ns);
  const role = platform && platform.platformAdmin ? 'platform' : projectRole(project);
  const mainRef = useRef(null);
  const first = useRef(true);
  // Keyboard and screen-reader users land on the new page's heading after a navigation.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = mainRef.current && mainRef.current.querySelector('h1');
    if (h1) h1.focus({ preventScroll: true });
  }, [route.page, route.ns, route.name]);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => {
        e.preventDefault(); // '#main' would be taken for a route
        const h1 = mainRef.current && mainRef.current.querySelector('h1');
        if (h1) h1.focus();
      }}>
        {t('nav.skip')}
      </a>
      <Header route={route} user={user} role={role} onLang={onLang} onSignOut={onSignOut} />
      <main id="main" ref={mainRef} class="page" data-page={route.page}>
        <Page route={route} key={`${route.page}/${route.ns || ''}/${route.name || ''}`} />
      </main>
    </>
  );
}

export function App() {
  const [, setLanguage] = useState(lang());
  const [current, setCurrent] = useState(session());
  const [route, setRoute] = useState(parse(location.hash));
  const [notice, setNotice] = useState('');

  useEffect(() => {
    const follow = () => setRoute(parse(location.hash));
    addEventListener('hashchange', follow);
    onUnauthorized(() => {
      forgetPermissions();
      setCurrent(null);
      setNotice('expired');
    });
    return () => removeEventListener('hashchange', follow);
  }, []);

  const changeLang = (next) => {
    setLang(next);
    setLanguage(next); // re-render: every string is looked up at render time
  };

  if (!current) {
    return (
      <SignIn
        notice={notice && t(notice === 'expired' ? 'signin.expired' : 'signin.signedOut')}
        onLang={changeLang}
        onSignedIn={() => {
          forgetPermissions();
          setNotice('');
          setCurrent(session());
        }}
      />
    );
  }
  return (
    <SignedIn
      user={current.user}
      route={route}
      onLang={changeLang}
      onSignOut={async () => {
        await signOut();
        forgetPermissions();
        setCurrent(null);
        setNotice('signedOut');
      }}
    />
  );
}
