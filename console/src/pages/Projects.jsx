// The projects the user can see: GET /api/v1/namespaces, which the server filters to the
// user's projects (a platform admin sees them all; someone in no project gets 403, which is
// said as "not a member of any project", never as an empty list).
import { ErrorMessage, Loading } from '../components/Messages.jsx';
import { useLoad, useTitle } from '../hooks.js';
import { formatTime, t } from '../i18n/index.js';
import { WORKSPACE, alias, label, list, meta, paths } from '../k8s.js';
import { platformPermissions } from '../permissions.js';
import { href } from '../router.js';

export function Projects() {
  useTitle(t('projects.title'));
  const [state, reload] = useLoad(() => list(paths.namespaces()), []);
  // The cluster gateway is the platform admin's alone: nobody else gets the link.
  const [platform] = useLoad(() => platformPermissions(), []);
  const result = state.value;
  let body;
  if (!result) {
    body = <Loading />;
  } else if (result.status === 403) {
    body = <ErrorMessage result={result} title={t('projects.none')} />;
  } else if (!result.ok) {
    body = <ErrorMessage result={result} onRetry={reload} />;
  } else if (result.items.length === 0) {
    body = <p class="empty">{t('projects.empty')}</p>;
  } else {
    const items = [...result.items].sort((a, b) => meta(a).name.localeCompare(meta(b).name));
    body = (
      <>
        <p class="muted">{t('projects.count', { n: items.length })}</p>
        <div class="table-wrap">
          <table class="table stack-on-phone" id="projects-table">
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('projects.workspace')}</th>
                <th scope="col">{t('projects.status')}</th>
                <th scope="col">{t('common.created')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((ns) => {
                const name = meta(ns).name;
                return (
                  <tr key={name} data-project={name}>
                    <td data-label={t('common.name')}>
                      <a class="strong" href={href.overview(name)}>
                        {name}
                      </a>
                      {alias(ns) && <span class="alias"> {alias(ns)}</span>}
                    </td>
                    <td data-label={t('projects.workspace')} class="project-workspace">
                      {label(ns, WORKSPACE) || t('common.none')}
                    </td>
                    <td data-label={t('projects.status')}>
                      {(ns.status && ns.status.phase) || t('common.none')}
                    </td>
                    <td data-label={t('common.created')}>
                      {formatTime(meta(ns).creationTimestamp)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </>
    );
  }
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>{t('projects.title')}</h1>
        {platform.value && platform.value.platformAdmin && (
          <a class="button" href={href.clusterGateway()} id="cluster-gateway-link">
            {t('cgw.link')}
          </a>
        )}
      </div>
      {body}
    </>
  );
}
