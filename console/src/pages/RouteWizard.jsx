// Create a route (issue 8 item 4), as the seed's four steps: basic information, route rules,
// annotations, labels; or, with the "Edit mode" switch in the header, the whole Ingress as YAML
// or JSON (item 5). Both views edit one object: the form writes onto the object it was made
// from (wizard/model.js), so fields it does not show survive switching back and forth.
// "Next" checks the step in the browser, then asks the server with a dry run (errors of later
// steps wait for those steps); "Create" POSTs, and a 422 puts each of the server's causes on
// the input it names, on its step.
import { useRef, useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { EditorPane, loadEditorText } from '../editor/EditorPane.jsx';
import { useTitle } from '../hooks.js';
import { t } from '../i18n/index.js';
import { paths } from '../k8s.js';
import { useProjectPermissions } from '../permissions.js';
import { href } from '../router.js';
import { useRouteData } from '../wizard/hooks.js';
import {
  AnnotationFields, BasicFields, LabelFields, RulesFields, useFocusFirstError,
} from '../wizard/fields.jsx';
import { emptyIngress, emptyRule, formToObject, objectToForm, serverErrors } from '../wizard/model.js';
import { STEP_CHECKS, checkAll } from '../wizard/validate.js';

export const STEPS = ['basic', 'rules', 'annotations', 'labels'];

// The server's refusal of a create or update as {notice, step, errors}: 422 causes go to their
// inputs; an existing name is the name's error; anything else is a notice above the form.
export function refusal(r, form) {
  if (r.status === 422) {
    const mapped = serverErrors(r.body, form);
    const notice = mapped.rest.length || mapped.step === null ?
      { status: r.status, message: [r.message, ...mapped.rest].filter(Boolean).join('\n') } : null;
    return { notice, step: mapped.step, errors: mapped.errors };
  }
  if (r.status === 409 && r.body && r.body.reason === 'AlreadyExists') {
    return { notice: null, step: 0, errors: { name: t('wizard.exists') } };
  }
  return { notice: { status: r.status, message: r.message }, step: null, errors: {} };
}

function StepNav({ step, setStep, errors }) {
  return (
    <ol class="steps" aria-label={t('wizard.steps')}>
      {STEPS.map((s, i) => {
        const hasError = Object.keys(errors).some((k) => stepOfKey(k) === i);
        return (
          <li key={s} class={`step${i === step ? ' step-current' : ''}${i < step ? ' step-done' : ''}${hasError ? ' step-error' : ''}`}
            aria-current={i === step ? 'step' : undefined} data-step={i}>
            <button type="button" class="step-button" disabled={i > step} onClick={() => setStep(i)}>
              <span class="step-number">{i + 1}</span>
              <span class="step-name">{t(`wizard.step.${s}`)}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

// Which step an error key belongs to (for the step markers).
function stepOfKey(key) {
  if (['name', 'alias', 'description'].includes(key)) return 0;
  if (key.startsWith('rule')) return 1;
  if (key.startsWith('annotation')) return 2;
  if (key.startsWith('label')) return 3;
  return -1;
}

export function RouteWizard({ ns }) {
  useTitle(`${t('wizard.title')} · ${ns}`);
  const perms = useProjectPermissions(ns);
  const data = useRouteData(ns);
  const [step, setStep] = useState(0);
  const [base, setBase] = useState(() => emptyIngress(ns));
  const [form, setForm] = useState(() => ({ ...objectToForm(emptyIngress(ns)), rules: [emptyRule()] }));
  const [errors, setErrors] = useState({});
  const [mode, setMode] = useState('form'); // form | edit
  const [edit, setEdit] = useState({ format: 'yaml', text: '', error: null });
  const [T, setT] = useState(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(null); // {status, message}
  const body = useRef(null);
  useFocusFirstError(body, errors);

  const update = (fn) => setForm((f) => fn(f));

  if (perms && !perms.createIngress) {
    return (
      <>
        <h1 tabIndex={-1}>{t('wizard.title')}</h1>
        <ErrorMessage result={{ status: 403, message: t('wizard.noPermission', { ns }) }} />
        <p><a href={href.routes(ns)}>{t('detail.back')}</a></p>
      </>
    );
  }

  const toEdit = async () => {
    const text = T || await loadEditorText();
    setT(() => text);
    const obj = formToObject(form, base);
    setEdit((e) => ({ format: e.format, text: text.dump(obj, e.format), error: null }));
    setNotice(null);
    setMode('edit');
  };
  const toForm = () => {
    const r = T.parse(edit.text, edit.format);
    if (!r.ok) {
      setEdit({ ...edit, error: r });
      setNotice({ status: 0, message: t('editor.fixFirst'), kind: 'parse' });
      return;
    }
    setBase(r.value);
    setForm(objectToForm(r.value));
    setErrors({});
    setNotice(null);
    setMode('form');
  };

  const objectToSend = () => {
    if (mode === 'edit') {
      const r = T.parse(edit.text, edit.format);
      if (!r.ok) {
        setEdit({ ...edit, error: r });
        return null;
      }
      return r.value;
    }
    return formToObject(form, base);
  };
  const withNamespace = (obj) => ({ ...obj, metadata: { namespace: ns, ...(obj.metadata || {}) } });

  const next = async () => {
    const found = STEP_CHECKS[step](form);
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setNotice(null);
    const r = await post(`${paths.ingresses(ns)}?dryRun=All`, withNamespace(formToObject(form, base)));
    setBusy(false);
    if (r.ok || r.status === 422) {
      const mapped = r.ok ? { step: null, errors: {} } : serverErrors(r.body, form, step);
      if (mapped.step !== null) {
        setErrors(mapped.errors);
        setStep(mapped.step);
        return;
      }
      setStep(step + 1);
      return;
    }
    const refused = refusal(r, form);
    setErrors(refused.errors);
    if (refused.step !== null) setStep(refused.step);
    setNotice(refused.notice);
  };

  const create = async () => {
    let current = form;
    if (mode === 'form') {
      const all = checkAll(form);
      if (all.step !== null) {
        setErrors(all.errors);
        setStep(all.step);
        return;
      }
    }
    const obj = objectToSend();
    if (!obj) return;
    if (mode === 'edit') current = objectToForm(obj);
    setBusy(true);
    setNotice(null);
    const r = await post(paths.ingresses(ns), withNamespace(obj));
    setBusy(false);
    if (r.ok) {
      location.hash = href.route(ns, (r.body && r.body.metadata && r.body.metadata.name) || obj.metadata.name);
      return;
    }
    const refused = refusal(r, current);
    setNotice(refused.notice);
    if (refused.step !== null) {
      // The form shows where: from edit mode too, with the object just sent.
      if (mode === 'edit') {
        setBase(obj);
        setForm(current);
        setMode('form');
      }
      setErrors(refused.errors);
      setStep(refused.step);
    }
  };

  const last = step === STEPS.length - 1;
  let content;
  if (mode === 'edit') {
    content = <EditorPane edit={edit} setEdit={setEdit} T={T} name={objectNameOf(edit, T) || 'ingress'} />;
  } else if (step === 0) {
    content = <BasicFields form={form} update={update} errors={errors} />;
  } else if (step === 1) {
    content = (
      <RulesFields ns={ns} form={form} update={update} errors={errors} services={data.services.items}
        secrets={data.secrets} gateway={data.gateway} onSecretCreated={data.reloadSecrets} />
    );
  } else if (step === 2) {
    content = <AnnotationFields form={form} update={update} errors={errors} keys={data.keys} />;
  } else {
    content = <LabelFields form={form} update={update} errors={errors} />;
  }

  return (
    <>
      <div class="page-head wizard-head">
        <h1 tabIndex={-1}>{t('wizard.title')}</h1>
        <label class="switch">
          <input type="checkbox" role="switch" id="edit-mode" checked={mode === 'edit'}
            onChange={() => (mode === 'edit' ? toForm() : toEdit())} />
          <span class="switch-track" aria-hidden="true" />
          <span>{t('wizard.editMode')}</span>
        </label>
      </div>
      {!perms && <Loading />}
      {mode === 'form' && <StepNav step={step} setStep={setStep} errors={errors} />}
      {notice && (
        <div class={`message message-${notice.status === 403 ? 'forbidden' : 'error'}`} role="alert"
          id="wizard-notice" data-status={notice.status}>
          {notice.status === 403 && <p class="message-title">{t('error.forbidden')}</p>}
          {notice.message.split('\n').map((line, i) => <p key={i} class="message-detail">{line}</p>)}
        </div>
      )}
      <form class="wizard-body" ref={body} data-step={mode === 'edit' ? 'edit' : STEPS[step]}
        onSubmit={(e) => {
          e.preventDefault();
          if (mode === 'edit' || last) create();
          else next();
        }}>
        {mode === 'form' && <h2 class="step-title">{t(`wizard.step.${STEPS[step]}`)}</h2>}
        {content}
        <div class="wizard-actions">
          <a class="button button-quiet" href={href.routes(ns)} id="wizard-cancel">{t('common.cancel')}</a>
          {mode === 'form' && step > 0 && (
            <button type="button" class="button" id="wizard-prev" onClick={() => {
              setErrors({});
              setStep(step - 1);
            }}>
              {t('wizard.previous')}
            </button>
          )}
          {mode === 'form' && !last && (
            <button type="submit" class="button button-primary" id="wizard-next" disabled={busy}>
              {busy ? t('wizard.checking') : t('wizard.next')}
            </button>
          )}
          {(mode === 'edit' || last) && (
            <button type="submit" class="button button-primary" id="wizard-create" disabled={busy}>
              {busy ? t('wizard.creating') : t('wizard.create')}
            </button>
          )}
        </div>
      </form>
    </>
  );
}

function objectNameOf(edit, T) {
  if (!T) return '';
  const r = T.parse(edit.text, edit.format);
  return r.ok && r.value.metadata && typeof r.value.metadata.name === 'string' ? r.value.metadata.name : '';
}

