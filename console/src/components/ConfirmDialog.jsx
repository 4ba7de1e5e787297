// A modal confirmation on the native <dialog>: showModal() traps focus and Escape cancels, so
// the keyboard works without extra code. Focus starts on Cancel, the harmless choice.
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/index.js';

export function ConfirmDialog({ title, confirmLabel, busy, onConfirm, onCancel, children }) {
  const ref = useRef(null);
  const cancelRef = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    if (cancelRef.current) cancelRef.current.focus();
    return () => dialog && dialog.open && dialog.close();
  }, []);
  const onDialogCancel = (e) => {
    e.preventDefault(); // Escape: let the owner unmount us
    if (!busy) onCancel();
  };
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onCancel={onDialogCancel}>
      <h2 id="dialog-title">{title}</h2>
      <div class="dialog-body">{children}</div>
      <div class="dialog-actions">
        <button type="button" class="button" ref={cancelRef} onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
        <button type="button" class="button button-danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
