// Sign in: user + password -> POST /oauth/token (password grant). A wrong password and an
// unknown user get the same answer from the server (400 invalid_grant), and so the same
// message here; 429 (the login brake) is said as such.
import { useEffect, useRef, useState } from 'preact/hooks';
import { signIn } from '../api.js';
import { LanguageSwitch } from '../components/Header.jsx';
import { Notice } from '../components/Messages.jsx';
import { useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';

function failure(result) {
  if (result.status === 400 || result.status === 401) return t('signin.badCredentials');
  if (result.status === 429) return t('signin.tooMany');
  return t('signin.failed', { message: result.message || result.status });
}

export function SignIn({ notice, onSignedIn, onLang }) {
  useTitle(t('signin.title'));
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const userRef = useRef(null);
  useEffect(() => userRef.current && userRef.current.focus(), []);

  const submit = async (e) => {
    e.preventDefault();
    if (!user || !password) {
      setError(t('signin.required'));
      return;
    }
    setBusy(true);
    setError('');
    const result = await signIn(user.trim(), password);
    setBusy(false);
    if (result.ok) {
      onSignedIn(user.trim());
    } else {
      setPassword('');
      setError(failure(result));
    }
  };

  return (
    <main id="main" class="signin-page">
      <div class="signin-lang">
        <LanguageSwitch onLang={onLang} />
      </div>
      <form class="signin-card" onSubmit={submit} noValidate aria-describedby="signin-intro">
        <p class="brand brand-large">{t('app.name')}</p>
        <h1>{t('signin.title')}</h1>
        <p id="signin-intro" class="muted">
          {t('signin.intro')}
        </p>
        {notice && !error && <Notice>{notice}</Notice>}
        {error && (
          <div class="message message-error" role="alert" id="signin-error">
            {error}
          </div>
        )}
        <div class="field">
          <label for="signin-user">{t('signin.user')}</label>
          <input
            id="signin-user"
            name="username"
            autocomplete="username"
            ref={userRef}
            value={user}
            onInput={(e) => setUser(e.currentTarget.value)}
            required
          />
        </div>
        <div class="field">
          <label for="signin-password">{t('signin.password')}</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </div>
        <button type="submit" class="button button-primary button-wide" disabled={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
    </main>
  );
}
