// A project's routes (Ingresses): name with alias and description, hosts, gateway address,
// `app` label, created time. Search by name is local; the label filter is the server's
// labelSelector, so its syntax and its errors are the API's own. Create and batch delete are
// shown only when SelfSubjectAccessReview allows them; the server still decides.
import { useMemo, useState } from 'preact/hooks';
import { del, get } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.jsx';
import { ErrorMessage, Loading, Notice } from '../components/Messages.jsx';
import { useLoad, useTitle } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { alias, description, label, list, meta, paths, statusAddresses } from '../k8s.js';
import { useProjectPermissions } from '../permissions.js';
import { href } from '../router.js';

const SORTS = {
  timeDesc: (a, b) => byTime(b, a) || byName(a, b),
  timeAsc: (a, b) => byTime(a, b) || byName(a, b),
  nameAsc: (a, b) => byName(a, b),
  nameDesc: (a, b) => byName(b, a),
};

function byName(a, b) {
  return meta(a).name.localeCompare(meta(b).name);
}

function byTime(a, b) {
  return Date.parse(meta(a).creationTimestamp || 0) - Date.parse(meta(b).creationTimestamp || 0);
}

function hostsOf(ing) {
  const rules = (ing.spec && ing.spec.rules) || [];
  return [...new Set(rules.map((r) => r.host || '*'))];
}

function matches(ing, search) {
  if (!search) return true;
  const needle = search.trim().toLowerCase();
  return meta(ing).name.toLowerCase().includes(needle) || alias(ing).toLowerCase().includes(needle);
}

function Toolbar({ search, setSearch, draft, setDraft, applySelector, selector, sort, setSort }) {
  const submit = (e) => {
    e.preventDefault();
    applySelector(draft.trim());
  };
  return (
    <div class="toolbar">
      <div class="field field-inline">
        <label for="route-search">{t('routes.search')}</label>
        <input
          id="route-search"
          type="search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      <form class="field field-inline selector-form" onSubmit={submit}>
        <label for="route-selector">{t('routes.selector')}</label>
        <div class="input-row">
          <input
            id="route-selector"
            value={draft}
            placeholder="app=shop"
            aria-describedby="route-selector-hint"
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
          <button type="submit" class="button">
            {t('routes.apply')}
          </button>
          {selector && (
            <button
              type="button"
              class="button button-quiet"
              onClick={() => {
                setDraft('');
                applySelector('');
              }}
            >
              {t('routes.clear')}
            </button>
          )}
        </div>
        <span id="route-selector-hint" class="hint">
          {t('routes.selectorHint')}
        </span>
      </form>
      <div class="field field-inline">
        <label for="route-sort">{t('routes.sort')}</label>
        <select id="route-sort" value={sort} onChange={(e) => setSort(e.currentTarget.value)}>
          {Object.keys(SORTS).map((k) => (
            <option value={k} key={k}>
              {t(`routes.sort.${k}`)}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

function RouteRow({ ns, ing, selectable, checked, onToggle }) {
  const name = meta(ing).name;
  const addresses = statusAddresses(ing);
  return (
    <tr data-route={name}>
      {selectable && (
        <td class="col-check">
          <input
            type="checkbox"
            class="route-check"
            checked={checked}
            aria-label={t('routes.select', { name })}
            onChange={() => onToggle(name)}
          />
        </td>
      )}
      <td data-label={t('routes.col.name')}>
        <a class="strong route-link" href={href.route(ns, name)}>
          {name}
        </a>
        {alias(ing) && <span class="alias route-alias"> {alias(ing)}</span>}
        {description(ing) && <span class="description route-description">{description(ing)}</span>}
      </td>
      <td data-label={t('routes.col.hosts')} class="route-hosts">
        {hostsOf(ing).join(', ')}
      </td>
      <td data-label={t('routes.col.address')} class="route-address">
        {addresses.join(', ') || t('common.none')}
      </td>
      <td data-label={t('routes.col.app')} class="route-app">
        {label(ing, 'app') || t('common.none')}
      </td>
      <td data-label={t('routes.col.created')} class="route-created">
        <time datetime={meta(ing).creationTimestamp}>{formatTime(meta(ing).creationTimestamp)}</time>
      </td>
    </tr>
  );
}

export function Routes({ ns }) {
  useTitle(`${t('routes.title')} · ${ns}`);
  const perms = useProjectPermissions(ns);
  const [search, setSearch] = useState('');
  const [draft, setDraft] = useState('');
  const [selector, setSelector] = useState('');
  const [sort, setSort] = useState('timeDesc');
  const [selected, setSelected] = useState(() => new Set());
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [outcome, setOutcome] = useState(null); // {deleted, failures: [{name, message}]}
  const [routes, reload] = useLoad(
    () => list(paths.ingresses(ns), { labelSelector: selector }), [ns, selector]);
  const [gateway] = useLoad(() => get(paths.gateway(ns)), [ns]);

  const result = routes.value;
  const items = (result && result.ok && result.items) || [];
  const shown = useMemo(
    () => items.filter((i) => matches(i, search)).sort(SORTS[sort]), [items, search, sort]);
  const canDelete = Boolean(perms && perms.deleteIngress);
  const canCreate = Boolean(perms && perms.createIngress);
  const noGateway = gateway.value && gateway.value.status === 404;
  // Only what is shown and still exists can be deleted (a filter may hide a checked row).
  const chosen = shown.map((i) => meta(i).name).filter((n) => selected.has(n));

  const toggle = (name) => {
    const next = new Set(selected);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setSelected(next);
  };
  const allChecked = shown.length > 0 && chosen.length === shown.length;
  const toggleAll = () => setSelected(allChecked ? new Set() : new Set(shown.map((i) => meta(i).name)));

  const deleteChosen = async () => {
    setDeleting(true);
    const answers = await Promise.all(chosen.map((name) => del(paths.ingress(ns, name))));
    const failures = [];
    answers.forEach((r, i) => {
      if (!r.ok && r.status !== 404) failures.push({ name: chosen[i], message: r.message });
    });
    setOutcome({ deleted: chosen.length - failures.length, failures });
    setDeleting(false);
    setConfirming(false);
    setSelected(new Set());
    reload();
  };

  let table;
  if (!result) {
    table = <Loading />;
  } else if (!result.ok && result.status === 400 && selector) {
    table = (
      <div class="message message-error" role="alert" id="selector-error">
        {t('routes.selectorError', { message: result.message })}
      </div>
    );
  } else if (!result.ok) {
    table = <ErrorMessage result={result} onRetry={reload} />;
  } else if (items.length === 0 && !selector) {
    table = (
      <div class="empty" id="routes-empty">
        <p>{t('routes.empty')}</p>
      </div>
    );
  } else if (shown.length === 0) {
    table = (
      <p class="empty" id="routes-nomatch">
        {t('routes.noMatch')}
      </p>
    );
  } else {
    table = (
      <>
        <p class="muted" role="status" id="routes-count">
          {t('routes.count', { shown: shown.length, total: items.length })}
        </p>
        <div class="table-wrap">
          <table class="table stack-on-phone" id="routes-table">
            <thead>
              <tr>
                {canDelete && (
                  <th scope="col" class="col-check">
                    <input
                      type="checkbox"
                      id="routes-select-all"
                      checked={allChecked}
                      aria-label={t('routes.selectAll')}
                      onChange={toggleAll}
                    />
                  </th>
                )}
                <th scope="col">{t('routes.col.name')}</th>
                <th scope="col">{t('routes.col.hosts')}</th>
                <th scope="col">{t('routes.col.address')}</th>
                <th scope="col">{t('routes.col.app')}</th>
                <th scope="col">{t('routes.col.created')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((ing) => (
                <RouteRow
                  key={meta(ing).name}
                  ns={ns}
                  ing={ing}
                  selectable={canDelete}
                  checked={selected.has(meta(ing).name)}
                  onToggle={toggle}
                />
              ))}
            </tbody>
          </table>
        </div>
      </>
    );
  }

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{t('routes.title')}</h1>
        <div class="page-actions">
          {canDelete && items.length > 0 && (
            <button
              type="button"
              class="button button-danger"
              id="routes-delete"
              disabled={chosen.length === 0}
              onClick={() => setConfirming(true)}
            >
              {t('routes.deleteSelected', { n: chosen.length })}
            </button>
          )}
          {canCreate && (
            <a class="button button-primary" id="routes-create" href={href.createRoute(ns)}>
              {t('routes.create')}
            </a>
          )}
        </div>
      </div>
      {noGateway && (
        <div class="message message-warning" id="routes-no-gateway" role="status">
          <p>{t('routes.noGateway')}</p>
          {perms && perms.updateGateway && (
            <a class="button" href={href.gateway(ns)} id="routes-set-gateway">
              {t('routes.setGateway')}
            </a>
          )}
        </div>
      )}
      {outcome && (
        <Notice kind={outcome.failures.length ? 'error' : 'success'}>
          <p id="routes-outcome">{t('routes.deleted', { n: outcome.deleted })}</p>
          {outcome.failures.map((f) => (
            <p key={f.name}>{t('routes.deleteFailed', { name: f.name, message: f.message })}</p>
          ))}
        </Notice>
      )}
      {/* Nothing to search, filter or sort in a project without routes. */}
      {(items.length > 0 || selector || (result && !result.ok)) && <Toolbar
        search={search}
        setSearch={setSearch}
        draft={draft}
        setDraft={setDraft}
        selector={selector}
        applySelector={(s) => {
          setSelector(s);
          setOutcome(null);
        }}
        sort={sort}
        setSort={setSort}
      />}
      {table}
      {confirming && (
        <ConfirmDialog
          title={t('routes.confirmTitle')}
          confirmLabel={deleting ? t('routes.deleting') : t('routes.confirm')}
          busy={deleting}
          onConfirm={deleteChosen}
          onCancel={() => setConfirming(false)}
        >
          <p>{t('routes.confirmText', { n: chosen.length })}</p>
          <ul class="confirm-list">
            {chosen.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
    </>
  );
}
