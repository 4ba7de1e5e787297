// How the console shows the server's answers that are not data: loading, refusals (403 is
// said plainly, never shown as an empty list), missing objects and network failures. The
// server's own message is shown under ours, so the reason is never lost.
import { t } from '../i18n/index.js';

export function Loading() {
  return (
    <p class="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

export function errorTitle(result) {
  if (result.status === 403) return t('error.forbidden');
  if (result.status === 404) return t('error.notFound');
  if (result.status === 0) return t('error.network');
  return t('error.generic', { status: result.status });
}

export function ErrorMessage({ result, title, onRetry }) {
  const kind = result.status === 403 ? 'forbidden' : 'error';
  return (
    <div class={`message message-${kind}`} role="alert" data-status={result.status}>
      <p class="message-title">{title || errorTitle(result)}</p>
      {result.message && <p class="message-detail">{result.message}</p>}
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({ kind = 'info', children }) {
  return (
    <div class={`message message-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
