// A modal form on the native <dialog> for RouteDetail's edits (information, rules, annotations,
// YAML) and its delete confirmation. showModal() traps focus and Escape cancels (unless busy).
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/index.js';

export function EditDialog({ id, title, saveLabel, busy, canSave = true, danger, wide, onSave, onCancel, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    const first = dialog && dialog.querySelector('input:not([disabled]), textarea, select, .cm-content');
    if (first) first.focus();
    return () => dialog && dialog.open && dialog.close();
  }, []);
  return (
    <dialog ref={ref} id={id} class={`dialog edit-dialog${wide ? ' dialog-wide' : ''}`}
      aria-labelledby={`${id}-title`} onCancel={(e) => {
        e.preventDefault();
        if (!busy) onCancel();
      }}>
      <form method="dialog" onSubmit={(e) => {
        e.preventDefault();
        if (!busy && canSave) onSave();
      }}>
        <h2 id={`${id}-title`}>{title}</h2>
        <div class="dialog-body">{children}</div>
        <div class="dialog-actions">
          <button type="button" class="button dialog-cancel" onClick={onCancel} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" class={`button ${danger ? 'button-danger' : 'button-primary'} dialog-save`}
            disabled={busy || !canSave}>
            {busy ? t('wizard.saving') : saveLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
