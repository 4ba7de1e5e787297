// The route form's inputs, one component per wizard step; RouteDetail's edit dialogs reuse them.
// Each input names its error (client check or the server's cause) right under it, linked with
// aria-describedby, so the reason is read with the field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';
import { PATH_TYPES, emptyPath, emptyRule } from './model.js';
import { nipHost } from './data.js';
import { FieldError, errorText } from './errors.jsx';
import { SecretChooser } from './secrets.jsx';

export { FieldError, errorText };

// aria attributes of an input with an error (or none).
const invalid = (id, error, hint) => ({
  'aria-invalid': error ? 'true' : undefined,
  'aria-describedby': [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined,
});

function TextField({ id, label, value, onInput, error, hint, required, disabled, multiline, placeholder }) {
  const Tag = multiline ? 'textarea' : 'input';
  return (
    <div class="field">
      <label for={id}>
        {label}
        {required && <span class="required" aria-hidden="true"> *</span>}
      </label>
      <Tag
        id={id}
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        aria-required={required ? "true" : undefined}
        rows={multiline ? 3 : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
        {...invalid(id, error, hint)}
      />
      {hint && <span class="hint" id={`${id}-hint`}>{hint}</span>}
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

// Step 1: name (fixed once created), alias, description.
export function BasicFields({ form, update, errors, nameLocked }) {
  return (
    <div class="form-grid">
      <TextField
        id="wz-name"
        label={t('wizard.name')}
        value={form.name}
        required
        disabled={nameLocked}
        hint={t('wizard.nameHint')}
        error={errors.name}
        onInput={(v) => update((f) => ({ ...f, name: v }))}
      />
      <TextField
        id="wz-alias"
        label={t('wizard.alias')}
        value={form.alias}
        hint={t('wizard.aliasHint')}
        error={errors.alias}
        onInput={(v) => update((f) => ({ ...f, alias: v }))}
      />
      <TextField
        id="wz-description"
        label={t('wizard.description')}
        value={form.description}
        multiline
        error={errors.description}
        onInput={(v) => update((f) => ({ ...f, description: v }))}
      />
    </div>
  );
}

function portLabel(p) {
  return p.name ? `${p.port} (${p.name})` : String(p.port);
}

function PathRow({ rule, i, j, p, services, errors, updatePath, removePath, canRemove }) {
  const at = `rule-${i}-path-${j}`;
  const key = `rule.${i}.path.${j}`;
  const service = services.find((s) => s.metadata.name === p.service);
  const ports = service ? (service.spec && service.spec.ports) || [] : [];
  const portKnown = ports.some((x) => String(x.port) === String(p.port));
  const serviceKnown = Boolean(service) || p.service === '';
  return (
    <div class="path-row" data-path={j} role="group" aria-label={t('wizard.pathN', { n: j + 1 })}>
      <div class="field">
        <label for={`${at}-path`}>{t('wizard.path')}</label>
        <input
          id={`${at}-path`}
          class="path-path"
          value={p.path}
          onInput={(e) => updatePath({ path: e.currentTarget.value })}
          {...invalid(`${at}-path`, errors[`${key}.path`])}
        />
        <FieldError id={`${at}-path-error`} error={errors[`${key}.path`]} />
      </div>
      <div class="field">
        <label for={`${at}-type`}>{t('wizard.pathType')}</label>
        <select
          id={`${at}-type`}
          class="path-type"
          value={p.pathType}
          onChange={(e) => updatePath({ pathType: e.currentTarget.value })}
          {...invalid(`${at}-type`, errors[`${key}.pathType`])}
        >
          {!PATH_TYPES.includes(p.pathType) && <option value={p.pathType}>{p.pathType || t('wizard.choose')}</option>}
          {PATH_TYPES.map((pt) => <option key={pt} value={pt}>{pt}</option>)}
        </select>
        <FieldError id={`${at}-type-error`} error={errors[`${key}.pathType`]} />
      </div>
      <div class="field">
        <label for={`${at}-service`}>{t('wizard.service')}</label>
        <select
          id={`${at}-service`}
          class="path-service"
          value={p.service}
          onChange={(e) => {
            const name = e.currentTarget.value;
            const chosen = services.find((s) => s.metadata.name === name);
            const first = chosen && chosen.spec && chosen.spec.ports && chosen.spec.ports[0];
            updatePath({ service: name, port: first ? String(first.port) : '' });
          }}
          {...invalid(`${at}-service`, errors[`${key}.backend`])}
        >
          <option value="">{t('wizard.choose')}</option>
          {!serviceKnown && <option value={p.service}>{p.service}</option>}
          {services.map((s) => (
            <option key={s.metadata.name} value={s.metadata.name}>{s.metadata.name}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${at}-port`}>{t('wizard.port')}</label>
        <select
          id={`${at}-port`}
          class="path-port"
          value={p.port}
          onChange={(e) => updatePath({ port: e.currentTarget.value })}
          {...invalid(`${at}-port`, errors[`${key}.backend`])}
        >
          <option value="">{t('wizard.choose')}</option>
          {p.port !== '' && !portKnown && <option value={p.port}>{p.port}</option>}
          {ports.map((x) => <option key={x.port} value={String(x.port)}>{portLabel(x)}</option>)}
        </select>
      </div>
      <div class="path-actions">
        <button
          type="button"
          class="button button-quiet path-remove"
          disabled={!canRemove}
          aria-label={t('wizard.removePathN', { n: j + 1, rule: i + 1 })}
          onClick={removePath}
        >
          {t('wizard.remove')}
        </button>
      </div>
      <FieldError id={`${at}-backend-error`} error={errors[`${key}.backend`]} />
    </div>
  );
}

function RuleForm({ ns, rule, i, form, update, errors, services, secrets, gateway, onSecretCreated }) {
  const [autoError, setAutoError] = useState('');
  const setRule = (patch) => update((f) => ({
    ...f, rules: f.rules.map((r, k) => (k === i ? { ...r, ...patch } : r)),
  }));
  const updatePath = (j, patch) => setRule({
    paths: rule.paths.map((p, k) => (k === j ? { ...p, ...patch } : p)),
  });
  const autoHost = () => {
    const service = (rule.paths.find((p) => p.service) || {}).service;
    if (!gateway || !gateway.ok || !gateway.ip) return setAutoError(t('wizard.autoNoGateway'));
    if (!service) return setAutoError(t('wizard.autoNoService'));
    setAutoError('');
    setRule({ host: nipHost(service, ns, gateway.ip) });
  };
  const id = `rule-${i}`;
  return (
    <fieldset class="card rule-form" data-rule={i}>
      <legend>{t('wizard.ruleN', { n: i + 1 })}</legend>
      <div class="rule-head">
        <div class="field field-grow">
          <label for={`${id}-host`}>{t('wizard.host')}</label>
          <div class="input-row">
            <input
              id={`${id}-host`}
              class="rule-host"
              value={rule.host}
              placeholder="demo.example.com"
              onInput={(e) => setRule({ host: e.currentTarget.value })}
              {...invalid(`${id}-host`, errors[`rule.${i}.host`], true)}
            />
            <button type="button" class="button rule-autohost" onClick={autoHost}>
              {t('wizard.autoHost')}
            </button>
          </div>
          <span class="hint" id={`${id}-host-hint`}>{t('wizard.hostHint')}</span>
          <FieldError id={`${id}-host-error`} error={errors[`rule.${i}.host`] || autoError} />
        </div>
        <div class="field">
          <span class="label" id={`${id}-protocol-label`}>{t('wizard.protocol')}</span>
          <div class="segmented" role="radiogroup" aria-labelledby={`${id}-protocol-label`}>
            {['http', 'https'].map((proto) => (
              <label key={proto} class="segment">
                <input
                  type="radio"
                  name={`${id}-protocol`}
                  class={`rule-protocol-${proto}`}
                  value={proto}
                  checked={rule.protocol === proto}
                  onChange={() => setRule({ protocol: proto })}
                />
                <span>{proto.toUpperCase()}</span>
              </label>
            ))}
          </div>
        </div>
      </div>
      {rule.protocol === 'https' && (
        <SecretChooser
          ns={ns}
          id={`${id}-secret`}
          host={rule.host}
          value={rule.secret}
          secrets={secrets}
          error={errors[`rule.${i}.secret`]}
          onChoose={(name) => setRule({ secret: name })}
          onCreated={(name) => {
            onSecretCreated();
            setRule({ secret: name });
          }}
        />
      )}
      <h4 class="paths-title">{t('wizard.paths')}</h4>
      <FieldError id={`${id}-paths-error`} error={errors[`rule.${i}.paths`]} />
      {rule.paths.map((p, j) => (
        <PathRow
          key={j}
          rule={rule}
          i={i}
          j={j}
          p={p}
          services={services}
          errors={errors}
          canRemove={rule.paths.length > 1}
          updatePath={(patch) => updatePath(j, patch)}
          removePath={() => setRule({ paths: rule.paths.filter((_, k) => k !== j) })}
        />
      ))}
      <div class="rule-actions">
        <button type="button" class="button path-add" onClick={() => setRule({ paths: [...rule.paths, emptyPath()] })}>
          {t('wizard.addPath')}
        </button>
        <button
          type="button"
          class="button button-quiet rule-remove"
          onClick={() => update((f) => ({ ...f, rules: f.rules.filter((_, k) => k !== i) }))}
        >
          {t('wizard.removeRule')}
        </button>
      </div>
    </fieldset>
  );
}

// Step 2: the rules. `services` and `secrets` are the loaded lists (arrays), `gateway` the
// loadGatewayAddress() answer.
export function RulesFields(props) {
  const { form, update, errors } = props;
  return (
    <div class="rules-form">
      <FieldError id="rules-error" error={errors.rules} />
      {form.rules.map((rule, i) => <RuleForm key={i} {...props} rule={rule} i={i} />)}
      <button
        type="button"
        class="button"
        id="rule-add"
        onClick={() => update((f) => ({ ...f, rules: [...f.rules, emptyRule()] }))}
      >
        {t('wizard.addRule')}
      </button>
    </div>
  );
}

// A key input with suggestions (an ARIA combobox): typing filters the supported keys, arrows
// move, Enter or a click picks. A native <datalist> cannot show the description and default.
function KeyCombo({ id, value, onInput, suggestions, error, describedBy }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const needle = value.trim().toLowerCase();
  const matches = suggestions.filter((s) => s.key.toLowerCase().includes(needle) && s.key !== value).slice(0, 8);
  const shown = open && matches.length > 0;
  const listId = `${id}-list`;
  const pick = (s) => {
    onInput(s.key);
    setOpen(false);
  };
  const onKeyDown = (e) => {
    if (!shown) {
      if (e.key === 'ArrowDown') setOpen(true);
      return;
    }
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => (a + 1) % matches.length);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (a - 1 + matches.length) % matches.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      pick(matches[Math.min(active, matches.length - 1)]);
    } else if (e.key === 'Escape') {
      e.preventDefault(); // closes the list only, not the dialog around it
      setOpen(false);
    }
  };
  return (
    <div class="wz-combo">
      <input
        id={id}
        class="wz-kv-key"
        value={value}
        role="combobox"
        autocomplete="off"
        aria-autocomplete="list"
        aria-expanded={shown ? 'true' : 'false'}
        aria-controls={listId}
        aria-activedescendant={shown ? `${listId}-${active}` : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy}
        onInput={(e) => {
          onInput(e.currentTarget.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {shown && (
        <ul class="wz-combo-list" id={listId} role="listbox">
          {matches.map((s, k) => (
            <li
              key={s.key}
              id={`${listId}-${k}`}
              role="option"
              class={`wz-combo-option${k === active ? ' wz-combo-active' : ''}`}
              aria-selected={k === active ? 'true' : 'false'}
              data-key={s.key}
              // mousedown, not click: the input's blur would close the list first.
              onMouseDown={(e) => {
                e.preventDefault();
                pick(s);
              }}
            >
              <span class="wz-combo-key">{s.key}</span>
              <span class="wz-combo-desc">{s.description}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

// Key/value rows (annotations with suggestions, labels without).
function KeyValueRows({ kind, rows, update, errors, suggestions, title }) {
  const setRows = (next) => update((f) => ({ ...f, [kind === 'annotation' ? 'annotations' : 'labels']: next }));
  const setRow = (i, patch) => setRows(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  const listKey = kind === 'annotation' ? 'annotations' : 'labels';
  return (
    <div class="wz-kv-edit" id={`${listKey}-rows`}>
      <FieldError id={`${listKey}-error`} error={errors[listKey]} />
      {rows.length === 0 && <p class="muted">{t('wizard.noRows')}</p>}
      {rows.map((row, i) => {
        const id = `${kind}-${i}`;
        const known = suggestions && suggestions.find((s) => s.key === row.key.trim());
        const keyError = errors[`${kind}.${i}.key`];
        const valueError = errors[`${kind}.${i}.value`];
        return (
          <div class="wz-kv-edit-row" key={i} data-row={i} data-key={row.key} role="group"
            aria-label={t('wizard.rowN', { what: title, n: i + 1 })}>
            <div class="field">
              <label for={`${id}-key`}>{t('wizard.key')}</label>
              {suggestions ? (
                <KeyCombo
                  id={`${id}-key`}
                  value={row.key}
                  suggestions={suggestions}
                  error={keyError}
                  describedBy={[keyError ? `${id}-key-error` : '', known ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined}
                  onInput={(v) => setRow(i, { key: v })}
                />
              ) : (
                <input
                  id={`${id}-key`}
                  class="wz-kv-key"
                  value={row.key}
                  onInput={(e) => setRow(i, { key: e.currentTarget.value })}
                  {...invalid(`${id}-key`, keyError)}
                />
              )}
              <FieldError id={`${id}-key-error`} error={keyError} />
            </div>
            <div class="field">
              <label for={`${id}-value`}>{t('wizard.value')}</label>
              <input
                id={`${id}-value`}
                class="wz-kv-value"
                value={row.value}
                placeholder={known && known.default ? known.default : ''}
                onInput={(e) => setRow(i, { value: e.currentTarget.value })}
                {...invalid(`${id}-value`, valueError)}
              />
              <FieldError id={`${id}-value-error`} error={valueError} />
            </div>
            <div class="wz-kv-actions">
              <button
                type="button"
                class="button button-quiet wz-kv-remove"
                aria-label={t('wizard.removeRowN', { what: title, n: i + 1 })}
                onClick={() => setRows(rows.filter((_, k) => k !== i))}
              >
                {t('wizard.remove')}
              </button>
            </div>
            {known && (
              <p class="hint wz-kv-hint" id={`${id}-hint`}>
                {known.description}
                {known.default !== '' && ` · ${t('wizard.default', { value: known.default })}`}
              </p>
            )}
          </div>
        );
      })}
      <button type="button" class="button" id={`${kind}-add`} onClick={() => setRows([...rows, { key: '', value: '' }])}>
        {kind === 'annotation' ? t('wizard.addAnnotation') : t('wizard.addLabel')}
      </button>
    </div>
  );
}

export function AnnotationFields({ form, update, errors, keys }) {
  return (
    <>
      <p class="muted">{t('wizard.annotationsIntro')}</p>
      <KeyValueRows kind="annotation" rows={form.annotations} update={update} errors={errors}
        suggestions={keys || []} title={t('wizard.annotation')} />
    </>
  );
}

export function LabelFields({ form, update, errors }) {
  return (
    <>
      <p class="muted">{t('wizard.labelsIntro')}</p>
      <KeyValueRows kind="label" rows={form.labels} update={update} errors={errors} title={t('wizard.label')} />
    </>
  );
}

// Moves focus to the first input marked invalid inside `ref` after errors appear.
export function useFocusFirstError(ref, errors) {
  const last = useRef(null);
  useEffect(() => {
    if (!ref.current || errors === last.current) return;
    last.current = errors;
    const bad = ref.current.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  }, [errors]);
}
