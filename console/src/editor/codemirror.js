// CodeMirror 6, loaded only when edit mode opens (a lazy chunk: the first load stays small).
// Chosen over a hand-made textarea overlay because it gives, without code of ours to keep in
// step: highlighting that follows the parser, line numbers, undo history, keyboard and screen
// reader support, and error markers on the line. Its styles are <style> elements it inserts at
// run time; the page's CSP admits them through the nonce the server puts in
// <meta name="csp-nonce"> (EditorView.cspNonce), so no 'unsafe-inline' is needed.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';

const languageOf = (format) => (format === 'json' ? json() : yaml());

function nonce() {
  const meta = document.querySelector('meta[name="csp-nonce"]');
  return (meta && meta.getAttribute('content')) || '';
}

// Mounts an editor in `parent`. onChange(text) is called on every edit. Returns the handle the
// Preact component drives.
export function createEditor(parent, { doc, format, label, onChange, readOnly = false }) {
  const language = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        EditorView.cspNonce.of(nonce()),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        language.of(languageOf(format)),
        lintGutter(),
        EditorState.readOnly.of(readOnly),
        // Tab indents (YAML needs it); Escape then Tab leaves the editor (CodeMirror's rule).
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        // Typing over a selection that spans lines would let Chromium merge the line elements
        // itself, copying the highlight colours into style attributes, which the CSP refuses
        // (a console error; CodeMirror then redraws the text right). Replacing the selection
        // as an editor transaction leaves the browser nothing to merge.
        EditorView.domEventHandlers({
          beforeinput(e, v) {
            if (e.inputType !== 'insertText' && e.inputType !== 'insertReplacementText') return false;
            if (v.state.selection.ranges.every((r) => r.empty)) return false;
            const text = e.data !== null && e.data !== undefined ? e.data :
              e.dataTransfer && e.dataTransfer.getData('text/plain');
            if (typeof text !== 'string') return false;
            e.preventDefault();
            v.dispatch({ ...v.state.replaceSelection(text), userEvent: 'input.type', scrollIntoView: true });
            return true;
          },
        }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    // Replaces the whole text (format switch, upload) as one undoable change.
    setDoc(text) {
      if (text === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setFormat(next) {
      view.dispatch({ effects: language.reconfigure(languageOf(next)) });
    },
    // The parse error as a marker on its line (null clears it).
    setError(error) {
      const diagnostics = [];
      if (error) {
        const doc = view.state.doc;
        const line = doc.line(Math.min(Math.max(error.line || 1, 1), doc.lines));
        const from = Math.min(line.from + Math.max((error.column || 1) - 1, 0), line.to);
        diagnostics.push({ from, to: Math.max(from, line.to), severity: 'error', message: error.text });
      }
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
