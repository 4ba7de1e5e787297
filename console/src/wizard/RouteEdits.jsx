// RouteDetail's changes to an existing route: edit information (alias, description), rules,
// annotations, or the whole object as YAML/JSON, and delete (the route's name typed to
// confirm). Every save is a PUT of the object as it was read plus the change, carrying its
// metadata.resourceVersion: when someone changed the route meanwhile the server answers 409
// and the dialog says so and offers to reload; nothing is overwritten. Buttons follow the
// permissions; the server still decides (a 403 is said plainly).
import { useRef, useState } from 'preact/hooks';
import { del, put } from '../api.js';
import { EditorPane, loadEditorText } from '../editor/EditorPane.jsx';
import { t } from '../i18n/index.js';
import { paths } from '../k8s.js';
import { href } from '../router.js';
import { EditDialog } from './EditDialog.jsx';
import { useRouteData } from './hooks.js';
import { AnnotationFields, BasicFields, RulesFields, useFocusFirstError } from './fields.jsx';
import { forEditing, formToObject, objectToForm, serverErrors } from './model.js';
import { checkAnnotations, checkBasic, checkRules } from './validate.js';

const CHECKS = { info: checkBasic, rules: checkRules, annotations: checkAnnotations };

function Outcome({ outcome, onReload }) {
  if (!outcome) return null;
  if (outcome.kind === 'conflict') {
    return (
      <div class="message message-warning" role="alert" id="edit-conflict">
        <p class="message-title">{t('routeEdit.conflict')}</p>
        <p class="message-detail">{outcome.message}</p>
        <button type="button" class="button" id="edit-reload" onClick={onReload}>{t('routeEdit.reload')}</button>
      </div>
    );
  }
  return (
    <div class={`message message-${outcome.status === 403 ? 'forbidden' : 'error'}`} role="alert"
      id="edit-error" data-status={outcome.status}>
      <p class="message-title">{outcome.status === 403 ? t('error.forbidden') : t('routeEdit.failed')}</p>
      {outcome.message.split('\n').map((l, i) => <p class="message-detail" key={i}>{l}</p>)}
    </div>
  );
}

function FormEdit({ ns, ing, which, onDone, onReload }) {
  const data = useRouteData(ns);
  const original = forEditing(ing);
  const [form, setForm] = useState(() => objectToForm(original));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const body = useRef(null);
  useFocusFirstError(body, errors);
  const update = (fn) => setForm((f) => fn(f));
  const save = async () => {
    const found = CHECKS[which](form);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const r = await put(paths.ingress(ns, ing.metadata.name), formToObject(form, original));
    setBusy(false);
    if (r.ok) return onDone();
    setOutcome(outcomeOf(r));
    if (r.status === 422) setErrors(serverErrors(r.body, form).errors);
  };
  let fields;
  if (which === 'info') fields = <BasicFields form={form} update={update} errors={errors} nameLocked />;
  else if (which === 'rules') {
    fields = <RulesFields ns={ns} form={form} update={update} errors={errors} services={data.services.items}
      secrets={data.secrets} gateway={data.gateway} onSecretCreated={data.reloadSecrets} />;
  } else fields = <AnnotationFields form={form} update={update} errors={errors} keys={data.keys} />;
  return (
    <EditDialog id={`edit-${which}`} title={t(`routeEdit.${which}`)} saveLabel={t('routeEdit.save')} busy={busy}
      wide={which === 'rules'} onSave={save} onCancel={onDone}>
      <div ref={body}>
        <Outcome outcome={outcome} onReload={onReload} />
        {fields}
      </div>
    </EditDialog>
  );
}

function outcomeOf(r) {
  if (r.status === 409) return { kind: 'conflict', message: r.message };
  return { kind: 'error', status: r.status, message: r.message };
}

function YamlEdit({ ns, ing, T, onDone, onReload }) {
  const [edit, setEdit] = useState(() => ({ format: 'yaml', text: T.dump(forEditing(ing), 'yaml'), error: null }));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const save = async () => {
    const parsed = T.parse(edit.text, edit.format);
    if (!parsed.ok) return setEdit({ ...edit, error: parsed });
    setBusy(true);
    const r = await put(paths.ingress(ns, ing.metadata.name), parsed.value);
    setBusy(false);
    if (r.ok) return onDone();
    setOutcome(outcomeOf(r));
  };
  return (
    <EditDialog id="edit-yaml" title={t('routeEdit.yaml')} saveLabel={t('routeEdit.save')} busy={busy} wide
      canSave={!edit.error} onSave={save} onCancel={onDone}>
      <Outcome outcome={outcome} onReload={onReload} />
      <EditorPane edit={edit} setEdit={setEdit} T={T} name={ing.metadata.name} idPrefix="yaml" />
    </EditDialog>
  );
}

function DeleteRoute({ ns, name, onCancel }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const remove = async () => {
    setBusy(true);
    const r = await del(paths.ingress(ns, name));
    setBusy(false);
    if (r.ok || r.status === 404) {
      location.hash = href.routes(ns);
      return;
    }
    setOutcome(outcomeOf(r));
  };
  return (
    <EditDialog id="delete-route" title={t('routeEdit.deleteTitle')} saveLabel={t('routeEdit.delete')} danger busy={busy}
      canSave={typed === name} onSave={remove} onCancel={onCancel}>
      <Outcome outcome={outcome} onReload={onCancel} />
      <p>{t('routeEdit.deleteText', { name })}</p>
      <div class="field">
        <label for="delete-confirm-name">{t('routeEdit.deleteType', { name })}</label>
        <input id="delete-confirm-name" value={typed} autocomplete="off" spellcheck={false}
          onInput={(e) => setTyped(e.currentTarget.value)} />
      </div>
    </EditDialog>
  );
}

// The buttons (as permitted) and the open dialog. `reload` re-reads the route.
export function RouteActions({ ns, ing, perms, reload }) {
  const [open, setOpen] = useState(null); // info | rules | annotations | yaml | delete
  const [T, setT] = useState(null);
  const canEdit = Boolean(perms && perms.createIngress);
  const canDelete = Boolean(perms && perms.deleteIngress);
  if (!canEdit && !canDelete) return null;
  const done = () => {
    setOpen(null);
    reload();
  };
  const openYaml = async () => {
    if (!T) {
      const text = await loadEditorText();
      setT(() => text);
    }
    setOpen('yaml');
  };
  const name = ing.metadata.name;
  return (
    <div class="page-actions route-actions">
      {canEdit && (
        <>
          <button type="button" class="button" id="edit-info-button" onClick={() => setOpen('info')}>{t('routeEdit.info')}</button>
          <button type="button" class="button" id="edit-rules-button" onClick={() => setOpen('rules')}>{t('routeEdit.rules')}</button>
          <button type="button" class="button" id="edit-annotations-button" onClick={() => setOpen('annotations')}>{t('routeEdit.annotations')}</button>
          <button type="button" class="button" id="edit-yaml-button" onClick={openYaml}>{t('routeEdit.yaml')}</button>
        </>
      )}
      {canDelete && (
        <button type="button" class="button button-danger" id="delete-route-button" onClick={() => setOpen('delete')}>
          {t('routeEdit.delete')}
        </button>
      )}
      {['info', 'rules', 'annotations'].includes(open) && (
        <FormEdit ns={ns} ing={ing} which={open} onDone={done} onReload={done} />
      )}
      {open === 'yaml' && T && <YamlEdit ns={ns} ing={ing} T={T} onDone={done} onReload={done} />}
      {open === 'delete' && <DeleteRoute ns={ns} name={name} onCancel={() => setOpen(null)} />}
    </div>
  );
}
