// Edit mode: the whole Ingress as YAML or JSON in CodeMirror, with the format switch, file
// upload and download. The owner keeps `edit` = {format, text, error} (error: the parse error
// or null) and gets every change through setEdit; `T` is editor/text.js, loaded by the owner
// with loadEditorText() before edit mode opens (so switching is instant and never half-done).
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';

export const loadEditorText = () => import('./text.js');

export function parseErrorText(error) {
  if (!error) return '';
  const message = error.code ? t(`editor.err.${error.code}`) : error.message;
  return t('editor.errorAt', { line: error.line, column: error.column, message });
}

function CodeEditor({ text, format, error, label, onText }) {
  const parent = useRef(null);
  const handle = useRef(null);
  const [state, setState] = useState('loading'); // loading | ready | failed
  const onTextRef = useRef(onText);
  onTextRef.current = onText;

  useEffect(() => {
    let live = true;
    import('./codemirror.js').then(
      (cm) => {
        if (!live || !parent.current) return;
        handle.current = cm.createEditor(parent.current, {
          doc: text, format, label, onChange: (v) => onTextRef.current(v),
        });
        setState('ready');
      },
      () => live && setState('failed'),
    );
    return () => {
      live = false;
      if (handle.current) handle.current.destroy();
      handle.current = null;
    };
  }, []);
  useEffect(() => handle.current && handle.current.setDoc(text), [text, state]);
  useEffect(() => handle.current && handle.current.setFormat(format), [format, state]);
  useEffect(() => {
    if (handle.current) handle.current.setError(error ? { ...error, text: parseErrorText(error) } : null);
  }, [error, state]);

  return (
    <div class="code-editor" data-state={state} data-format={format}>
      {state === 'loading' && <p class="loading" role="status">{t('editor.loading')}</p>}
      {state === 'failed' && (
        // Without the chunk (network), a plain textarea still edits the text.
        <textarea class="code-fallback" aria-label={label} value={text} rows={24}
          onInput={(e) => onText(e.currentTarget.value)} />
      )}
      <div ref={parent} class="code-mount" />
    </div>
  );
}

function download(name, edit, T) {
  // A text that does not parse is saved as typed; otherwise re-dumped, so the file is clean.
  const parsed = T.parse(edit.text, edit.format);
  const body = parsed.ok ? T.dump(parsed.value, edit.format) : edit.text;
  const type = edit.format === 'json' ? 'application/json' : 'application/yaml';
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name || 'ingress'}.${edit.format === 'json' ? 'json' : 'yaml'}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function EditorPane({ edit, setEdit, T, name, idPrefix = 'editor' }) {
  const [note, setNote] = useState('');
  const onText = (text) => {
    const r = T.parse(text, edit.format);
    setEdit({ ...edit, text, error: r.ok ? null : r });
  };
  const switchFormat = (format) => {
    if (format === edit.format) return;
    const r = T.parse(edit.text, edit.format);
    if (!r.ok) {
      setEdit({ ...edit, error: r });
      setNote(t('editor.fixFirst'));
      return;
    }
    setNote('');
    setEdit({ format, text: T.dump(r.value, format), error: null });
  };
  const upload = async (e) => {
    const input = e.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    const text = await file.text();
    input.value = ''; // the same file can be chosen again
    const format = T.formatOf(file.name, text);
    const r = T.parse(text, format);
    setNote(t('editor.uploaded', { file: file.name }));
    setEdit({ format, text, error: r.ok ? null : r });
  };
  return (
    <div class="editor-pane">
      <div class="editor-toolbar">
        <div class="segmented" role="radiogroup" aria-label={t('editor.format')}>
          {['yaml', 'json'].map((f) => (
            <label class="segment" key={f}>
              <input type="radio" name={`${idPrefix}-format`} value={f} id={`${idPrefix}-format-${f}`}
                checked={edit.format === f} onChange={() => switchFormat(f)} />
              <span>{f.toUpperCase()}</span>
            </label>
          ))}
        </div>
        <label class="button file-button">
          {t('editor.upload')}
          <input type="file" id={`${idPrefix}-upload`} class="sr-only-file"
            accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain" onChange={upload} />
        </label>
        <button type="button" class="button" id={`${idPrefix}-download`} onClick={() => download(name, edit, T)}>
          {t('editor.download')}
        </button>
        <span class="muted editor-note" role="status">{note}</span>
      </div>
      <CodeEditor text={edit.text} format={edit.format} error={edit.error} label={t('editor.label')} onText={onText} />
      {edit.error && (
        <p class="field-error editor-error" id={`${idPrefix}-error`} role="alert" data-line={edit.error.line}>
          {parseErrorText(edit.error)}
        </p>
      )}
    </div>
  );
}
