// An input's error under it: a client check ({msg, params}: an i18n key) or the server's own
// words (a string from a 422 cause).
import { t } from '../i18n/index.js';

export function errorText(e) {
  if (!e) return '';
  return typeof e === 'string' ? e : t(e.msg, e.params);
}

export function FieldError({ id, error }) {
  if (!error) return null;
  return (
    <p class="field-error" id={id} role="alert">
      {errorText(error)}
    </p>
  );
}
