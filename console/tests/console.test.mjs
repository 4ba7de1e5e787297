// The console's first slices in a real browser (issue 8 items 1, 2, 3 and 6): sign-in, projects,
// project overview, routes list, route detail, permissions per role, language, phone layout.
// Run by tests/e2e/test_console.py, which starts the server and seeds it, and passes:
//   CONSOLE_FIXTURE  JSON {url, passwords: {user: password}, adminToken, nodePorts, echoName}
//   SCREENSHOT_DIR   where <page>-<lang>-<viewport>.png go
// A plain node script (node >= 18): steps run in order, a failed step is reported and the rest
// still run; the exit code is the number of failures (capped), 0 when everything passed.
import assert from 'node:assert/strict';
import en from '../src/i18n/en.js';
import zh from '../src/i18n/zh.js';
import { openBrowser } from './browser.mjs';
import { eventually, runSteps, signIn as signInAs, text } from './steps.mjs';

const fixture = JSON.parse(process.env.CONSOLE_FIXTURE || '{}');
if (!fixture.url) {
  console.error('CONSOLE_FIXTURE is not set: run tests/e2e/test_console.py');
  process.exit(2);
}
const { url: baseURL, passwords, nodePorts } = fixture;
const HTTP = nodePorts.http;
const HTTPS = nodePorts.https;

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

const texts = async (locator) => (await locator.allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());

async function routeNames(page) {
  return page.locator('#routes-table tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.route));
}

async function expectRoutes(page, expected, { ordered = false } = {}) {
  await eventually(async () => {
    const names = await routeNames(page);
    assert.deepEqual(ordered ? names : [...names].sort(), ordered ? expected : [...expected].sort());
  });
}

const signIn = (s, user, password = passwords[user]) => signInAs(s, user, password);

// The API as the signed-in user of `s` (the token the page keeps in sessionStorage).
async function apiAs(s, method, path) {
  const token = await s.page.evaluate(() => sessionStorage.getItem('waygate.token'));
  return s.context.request.fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
}

async function role(s) {
  return eventually(async () => {
    const badge = s.page.locator('[data-testid=current-role]');
    assert.equal(await badge.count(), 1, 'a role badge');
    return text(badge);
  });
}

const b = await openBrowser({ baseURL });
let padmin;

// --- the string tables -------------------------------------------------------------------

step('i18n: English and Chinese have the same keys and the same {params}', async () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  const params = (s) => (s.match(/\{\w+\}/g) || []).sort();
  for (const key of Object.keys(en)) assert.deepEqual(params(zh[key]), params(en[key]), key);
});

// --- the shell ---------------------------------------------------------------------------

step('the page shell: CSP with a fresh nonce, assets from /console/, first load within budget', async () => {
  const s = await b.session('anonymous');
  try {
    const first = await s.context.request.get('/', { headers: { Accept: 'text/html' } });
    const second = await s.context.request.get('/', { headers: { Accept: 'text/html' } });
    assert.equal(first.status(), 200);
    const csp = first.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    const nonce = /'nonce-([^']+)'/.exec(csp)[1];
    const html = await first.text();
    assert.ok(html.includes(`<meta name="csp-nonce" content="${nonce}">`), 'the nonce is in the page');
    assert.notEqual(/'nonce-([^']+)'/.exec(second.headers()['content-security-policy'])[1], nonce,
      'a fresh nonce per response');
    assert.ok(!/<script(?![^>]*\bsrc=)/.test(html), 'no inline script');

    const manifest = await (await s.context.request.get('/console/manifest.json')).json();
    assert.ok(html.includes(`/console/${manifest.entry.js}`), 'the page loads the entry');
    assert.ok(html.includes(`/console/${manifest.entry.css}`), 'the page loads the CSS');
    let gzip = 0;
    for (const f of manifest.firstLoad.files) gzip += manifest.files[f].gzip;
    assert.equal(gzip, manifest.firstLoad.gzip);
    assert.ok(gzip < 300 * 1024, `first load ${gzip} bytes gzip, over 300 KB`);
    console.log(`  first load: ${(gzip / 1024).toFixed(1)} KB gzip (${manifest.firstLoad.files.join(', ')})`);
    // What the server sends is what the manifest measured (the entry, gzip-encoded).
    const js = await s.context.request.get(`/console/${manifest.entry.js}`);
    assert.equal(js.status(), 200);
    assert.equal((await js.body()).length, manifest.files[manifest.entry.js].raw);
  } finally {
    await s.close();
  }
});

// --- sign in -------------------------------------------------------------------------------

step('a wrong password shows the error and stays on sign-in', async () => {
  padmin = await b.session('padmin');
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes');
  await page.waitForSelector('#signin-user');
  await padmin.shot('signin');
  await page.fill('#signin-user', 'padmin');
  await page.fill('#signin-password', 'not-the-password');
  await page.keyboard.press('Enter'); // the form submits from the keyboard
  await eventually(async () =>
    assert.equal(await text(page.locator('#signin-error')), 'Wrong user name or password.'));
  assert.equal(await page.locator('#signin-user').count(), 1);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('waygate.token')), null);
  await padmin.shot('signin-error', 'en', ['laptop']);
});

step('padmin signs in (keyboard only) and sees p1 but not p2', async () => {
  const { page } = padmin;
  await page.fill('#signin-user', '');
  await page.focus('#signin-user');
  await page.keyboard.type('padmin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(passwords.padmin);
  await page.keyboard.press('Enter');
  await eventually(async () => assert.equal(await text(page.locator('[data-testid=current-user]')), 'padmin'));
  assert.match(await page.evaluate(() => sessionStorage.getItem('waygate.token')), /^wg_/);
  // Signed in where the user was going.
  assert.equal(await page.evaluate(() => location.hash), '#/projects/p1/routes');
  await padmin.go('#/projects');
  await eventually(async () => {
    const rows = await page.locator('#projects-table tbody tr').evaluateAll((r) => r.map((x) => x.dataset.project));
    assert.deepEqual(rows, ['p1']);
  });
  assert.equal(await text(page.locator('tr[data-project=p1] .project-workspace')), 'ws1');
  await padmin.shot('projects');
});

step('project overview: counts, the NodePort gateway, the gateway button for the project admin', async () => {
  const { page } = padmin;
  await page.click('#projects-table a:text-is("p1")');
  await eventually(async () => assert.equal(await text(page.locator('[data-testid=count-routes]')), '4'));
  assert.equal(await text(page.locator('[data-testid=count-services]')), '1');
  await eventually(async () => assert.equal(await text(page.locator('[data-testid=gateway-type]')), 'NodePort'));
  assert.equal(await text(page.locator('[data-testid=gateway-ports]')), `http: ${HTTP}, https: ${HTTPS}`);
  await eventually(async () => assert.equal(await text(page.locator('[data-testid=gateway-address]')), '127.0.0.1'));
  assert.equal(await role(padmin), 'Project admin');
  assert.equal(await page.locator('#gateway-settings').count(), 1);
  await padmin.shot('overview');
});

step('the gateway settings link leads to the gateway settings page', async () => {
  const { page } = padmin;
  await page.click('#gateway-settings');
  await eventually(async () => assert.equal(await text(page.locator('[data-testid=gw-type]')), 'NodePort'));
  assert.equal(await page.evaluate(() => location.hash), '#/projects/p1/gateway');
  await padmin.shot('gateway');
});

// --- routes list ---------------------------------------------------------------------------

step('routes list: seeded routes with alias, description, app label, address; newest first', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes');
  await expectRoutes(page, ['old', 'older', 'secure', 'web']);
  const names = await routeNames(page);
  assert.deepEqual(names.slice(0, 2), ['secure', 'web'], 'newest first by default');
  const web = page.locator('tr[data-route=web]');
  assert.equal(await text(web.locator('.route-alias')), '网店前台');
  assert.equal(await text(web.locator('.route-description')), "The shop's storefront");
  assert.equal(await text(web.locator('.route-app')), 'shop');
  assert.equal(await text(web.locator('.route-hosts')), 'web.p1.example.com');
  assert.equal(await text(web.locator('.route-address')), '127.0.0.1');
  assert.equal(await text(page.locator('tr[data-route=old] .route-app')), 'legacy');
  assert.equal(await page.locator('#routes-no-gateway').count(), 0);
  await padmin.shot('routes');
});

step('routes list: sort by name and by time', async () => {
  const { page } = padmin;
  await page.selectOption('#route-sort', 'nameAsc');
  await expectRoutes(page, ['old', 'older', 'secure', 'web'], { ordered: true });
  await page.selectOption('#route-sort', 'nameDesc');
  await expectRoutes(page, ['web', 'secure', 'older', 'old'], { ordered: true });
  await page.selectOption('#route-sort', 'timeAsc');
  await eventually(async () => assert.deepEqual((await routeNames(page)).slice(2), ['web', 'secure']));
  await page.selectOption('#route-sort', 'timeDesc');
  await eventually(async () => assert.deepEqual((await routeNames(page)).slice(0, 2), ['secure', 'web']));
});

step('routes list: search by name narrows it', async () => {
  const { page } = padmin;
  await page.fill('#route-search', 'sec');
  await expectRoutes(page, ['secure']);
  await page.fill('#route-search', 'old');
  await expectRoutes(page, ['old', 'older']);
  await page.fill('#route-search', 'nothing-like-this');
  await eventually(async () => assert.equal(await page.locator('#routes-nomatch').count(), 1));
  await page.fill('#route-search', '');
  await expectRoutes(page, ['old', 'older', 'secure', 'web']);
});

step('routes list: the label filter is the server\'s labelSelector, its errors shown', async () => {
  const { page } = padmin;
  await page.fill('#route-selector', 'app=legacy');
  await page.press('#route-selector', 'Enter');
  await expectRoutes(page, ['old', 'older']);
  await page.fill('#route-selector', 'app in (shop,api),tier!=back');
  await page.click('.selector-form button[type=submit]');
  await expectRoutes(page, ['secure', 'web']);
  await page.fill('#route-selector', 'app in (');
  await page.press('#route-selector', 'Enter');
  await eventually(async () =>
    assert.match(await text(page.locator('#selector-error')), /label selector was refused: .*unable to parse requirement/));
  await padmin.shot('routes-bad-selector', 'en', ['laptop']);
  await page.click('.selector-form button:text-is("Clear")');
  await expectRoutes(page, ['old', 'older', 'secure', 'web']);
});

step('routes list: Create is offered to the project admin and opens the wizard', async () => {
  const { page } = padmin;
  await page.click('#routes-create');
  await eventually(async () => assert.equal(await page.locator('#wz-name').count(), 1));
  assert.equal(await page.evaluate(() => location.hash), '#/projects/p1/create-route');
  await padmin.shot('create-route');
});

// --- route detail ----------------------------------------------------------------------------

step('route detail (http): rule card, access table with the node port, labels, annotations, events', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes');
  await page.click('tr[data-route=web] a.route-link');
  await eventually(async () => assert.equal(await text(page.locator('#route-alias')), '网店前台'));
  assert.equal(await page.evaluate(() => location.hash), '#/projects/p1/routes/web');
  assert.equal(await text(page.locator('#route-description')), "The shop's storefront");
  const card = page.locator('.rule-card[data-host="web.p1.example.com"]');
  assert.equal(await text(card.locator('.rule-host')), 'web.p1.example.com');
  assert.equal(await text(card.locator('[data-testid=rule-protocol]')), 'HTTP');
  assert.equal(await card.locator('.rule-secret').count(), 0);
  const row = card.locator('tr[data-path="/"]');
  assert.equal(await text(row.locator('.path-type')), 'Prefix');
  assert.equal(await text(row.locator('.path-service')), 'web');
  assert.equal(await text(row.locator('.path-port')), '80');
  await eventually(async () =>
    assert.equal(await row.locator('a.open-link').getAttribute('href'), `http://web.p1.example.com:${HTTP}/`));

  const access = page.locator('#access-table tr[data-host="web.p1.example.com"] td');
  assert.deepEqual(await texts(access), ['web.p1.example.com', '/', 'NodePort',
    `http: ${HTTP}, https: ${HTTPS}`, '127.0.0.1']);
  assert.deepEqual(await texts(page.locator('#access-table thead th')),
    ['Hostname', 'Paths', 'Access Method', 'Port/EIP', 'Node IP']);

  const labels = await texts(page.locator('#route-labels .chip'));
  assert.ok(labels.includes('appshop') && labels.includes('tierfront'), labels.join('|'));
  const annotations = await text(page.locator('#route-annotations'));
  assert.ok(annotations.includes('kubesphere.io/alias-name') && annotations.includes('kubesphere.io/creator'), annotations);
  await eventually(async () => assert.match(await text(page.locator('#events-table')), /Seeded.*seeded by the console e2e test/));
  await padmin.shot('route-detail');
});

step('route detail: "copy /etc/hosts lines" puts the node IP and host on the clipboard', async () => {
  const { page } = padmin;
  await page.click('#copy-hosts');
  await eventually(async () => assert.match(await text(page.locator('.copy-status')), /Copied 1 lines/));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '127.0.0.1 web.p1.example.com\n');
});

async function follow(page, link) {
  const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  padmin.watchPopup(popup);
  await popup.waitForLoadState('load');
  const body = await popup.locator('body').textContent();
  const where = popup.url();
  await popup.close();
  return { body: JSON.parse(body), where };
}

step('route detail: "Open" reaches the echo backend through the gateway\'s node port', async () => {
  const { page } = padmin;
  const { body, where } = await follow(page, page.locator('.rule-card tr[data-path="/"] a.open-link'));
  assert.equal(where, `http://web.p1.example.com:${HTTP}/`);
  assert.equal(body.name, fixture.echoName);
  assert.equal(body.host, `web.p1.example.com:${HTTP}`);
  assert.equal(body.path, '/');
});

step('route detail (https): protocol, certificate Secret, path types, Open over TLS', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes/secure');
  const card = page.locator('.rule-card[data-host="secure.p1.example.com"]');
  await eventually(async () => assert.equal(await text(card.locator('[data-testid=rule-protocol]')), 'HTTPS'));
  assert.equal(await text(card.locator('.rule-secret')), 'secure-tls');
  assert.equal(await text(card.locator('tr[data-path="/api"] .path-type')), 'Prefix');
  assert.equal(await text(card.locator('tr[data-path="/exact"] .path-type')), 'Exact');
  const link = card.locator('tr[data-path="/api"] a.open-link');
  await eventually(async () =>
    assert.equal(await link.getAttribute('href'), `https://secure.p1.example.com:${HTTPS}/api`));
  assert.equal(await card.locator('tr[data-path="/exact"] a.open-link').getAttribute('href'),
    `https://secure.p1.example.com:${HTTPS}/exact`);
  await eventually(async () => assert.equal(await page.locator('#events-empty').count(), 1));
  const { body } = await follow(page, link);
  assert.equal(body.name, fixture.echoName);
  assert.equal(body.path, '/api');
  await padmin.shot('route-detail-https', 'en', ['laptop']);
});

// --- batch delete --------------------------------------------------------------------------

step('batch delete: two routes checked, confirmed in a dialog, gone from the list and the API', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes');
  await expectRoutes(page, ['old', 'older', 'secure', 'web']);
  assert.equal(await page.locator('#routes-delete').isDisabled(), true, 'nothing chosen yet');
  await page.check('tr[data-route=old] input.route-check');
  await page.check('tr[data-route=older] input.route-check');
  assert.equal(await text(page.locator('#routes-delete')), 'Delete (2)');
  await page.click('#routes-delete');
  const dialog = page.locator('dialog.dialog');
  await dialog.waitFor();
  assert.deepEqual((await texts(dialog.locator('.confirm-list li'))).sort(), ['old', 'older']);
  await padmin.shot('routes-delete-confirm', 'en', ['laptop']);
  // Escape cancels: nothing is deleted.
  await page.keyboard.press('Escape');
  await eventually(async () => assert.equal(await dialog.count(), 0));
  assert.equal((await apiAs(padmin, 'GET', '/apis/networking.k8s.io/v1/namespaces/p1/ingresses/old')).status(), 200);
  await page.click('#routes-delete');
  await dialog.locator('button:text-is("Delete")').click();
  await eventually(async () => assert.equal(await text(page.locator('#routes-outcome')), 'Deleted 2 routes.'));
  await expectRoutes(page, ['secure', 'web']);
  for (const name of ['old', 'older']) {
    const r = await apiAs(padmin, 'GET', `/apis/networking.k8s.io/v1/namespaces/p1/ingresses/${name}`);
    assert.equal(r.status(), 404, `${name} is deleted in the API`);
  }
});

step('padmin opening p2 by address gets a clear "no permission", not an empty list', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p2/routes');
  await eventually(async () =>
    assert.equal(await page.locator('.message-forbidden[data-status="403"]').count(), 1));
  assert.match(await text(page.locator('.message-forbidden')), /You do not have permission.*forbidden: User "padmin"/);
  assert.equal(await page.locator('#routes-table').count(), 0);
  await padmin.shot('routes-forbidden', 'en', ['laptop']);
});

// --- language --------------------------------------------------------------------------------

step('language switch: Chinese labels, remembered across a reload', async () => {
  const { page } = padmin;
  await padmin.go('#/projects/p1/routes');
  await expectRoutes(page, ['secure', 'web']);
  await page.selectOption('#lang-select', 'zh');
  await eventually(async () => assert.equal(await text(page.locator('main h1')), '应用路由'));
  assert.deepEqual((await texts(page.locator('#routes-table thead th'))).slice(1),
    ['名称', '域名', '网关地址', '应用', '创建时间']);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  assert.equal(await text(page.locator('header button:has-text("退出登录")')), '退出登录');
  await padmin.shot('routes', 'zh');
  await page.reload();
  await padmin.settle();
  await eventually(async () => assert.equal(await text(page.locator('main h1')), '应用路由'));
  assert.equal(await page.evaluate(() => localStorage.getItem('waygate.lang')), 'zh');
  for (const [hash, name] of [['#/projects', 'projects'], ['#/projects/p1', 'overview'],
    ['#/projects/p1/routes/web', 'route-detail']]) {
    await padmin.go(hash);
    await padmin.shot(name, 'zh');
  }
  assert.deepEqual(await texts(page.locator('#access-table thead th')),
    ['域名', '路径', '访问方式', '端口/EIP', '节点 IP']);
  assert.equal(await role(padmin), '项目管理员');
  await page.selectOption('#lang-select', 'en');
  await eventually(async () => assert.equal(await text(page.locator('#access-table thead th >> nth=0')), 'Hostname'));
});

step('sign out revokes the token and returns to sign-in', async () => {
  const { page } = padmin;
  const token = await page.evaluate(() => sessionStorage.getItem('waygate.token'));
  await page.click('header button:text-is("Sign out")');
  await eventually(async () => assert.equal(await page.locator('#signin-user').count(), 1));
  assert.match(await text(page.locator('.signin-card')), /You have signed out/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('waygate.token')), null);
  const r = await padmin.context.request.get('/api/v1/namespaces', {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  assert.equal(r.status(), 401, 'the revoked token no longer works');
  await padmin.close();
});

// --- other roles -----------------------------------------------------------------------------

step('viewer: sees the routes, no Create, no batch delete, no gateway button; a dead token signs out', async () => {
  const s = await b.session('viewer');
  try {
    await signIn(s, 'viewer');
    const { page } = s;
    await s.go('#/projects/p1/routes');
    await expectRoutes(page, ['secure', 'web']);
    assert.equal(await role(s), 'Viewer');
    assert.equal(await page.locator('#routes-create').count(), 0);
    assert.equal(await page.locator('#routes-delete').count(), 0);
    assert.equal(await page.locator('input.route-check').count(), 0);
    await s.shot('routes-viewer', 'en');
    await s.go('#/projects/p1');
    await eventually(async () => assert.equal(await text(page.locator('[data-testid=gateway-type]')), 'NodePort'));
    assert.equal(await page.locator('#gateway-settings').count(), 0);
    assert.equal(await text(page.locator('[data-testid=count-routes]')), '2');
    // The token dies elsewhere (revoked): the next call's 401 brings back the sign-in form.
    const token = await page.evaluate(() => sessionStorage.getItem('waygate.token'));
    const revoked = await s.context.request.post('/oauth/revoke', { form: { token } });
    assert.equal(revoked.status(), 200);
    await s.go('#/projects/p1/routes');
    await eventually(async () =>
      assert.match(await text(page.locator('.signin-card')), /Your session has ended/));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('waygate.token')), null);
  } finally {
    await s.close();
  }
});

step('operator: sees and may create routes, but has no gateway button', async () => {
  const s = await b.session('operator', { viewport: 'phone' });
  try {
    await signIn(s, 'operator');
    const { page } = s;
    await s.go('#/projects/p1/routes');
    await expectRoutes(page, ['secure', 'web']);
    assert.equal(await role(s), 'Operator');
    assert.equal(await page.locator('#routes-create').count(), 1);
    await s.shot('routes-operator', 'en', ['phone']);
    await s.go('#/projects/p1');
    await eventually(async () => assert.equal(await text(page.locator('[data-testid=gateway-type]')), 'NodePort'));
    assert.equal(await page.locator('#gateway-settings').count(), 0);
  } finally {
    await s.close();
  }
});

step('outsider: told it is in no project (the server\'s 403), not shown an empty list', async () => {
  const s = await b.session('outsider');
  try {
    await signIn(s, 'outsider');
    const { page } = s;
    await eventually(async () =>
      assert.match(await text(page.locator('.message-forbidden')), /not a member of any project/));
    assert.equal(await page.locator('#projects-table').count(), 0);
    assert.equal(await page.locator('[data-testid=current-role]').count(), 0);
    await s.shot('projects-outsider', 'en');
  } finally {
    await s.close();
  }
});

step('platform admin: every project; p2 has no gateway, said in the empty state with a link', async () => {
  const s = await b.session('platform');
  try {
    await signIn(s, 'platform');
    const { page } = s;
    await s.go('#/projects');
    await eventually(async () => {
      const rows = await page.locator('#projects-table tbody tr').evaluateAll((r) => r.map((x) => x.dataset.project));
      assert.ok(rows.includes('p1') && rows.includes('p2'), rows.join(','));
    });
    assert.equal(await role(s), 'Platform admin');
    await s.go('#/projects/p2/routes');
    await eventually(async () => assert.equal(await page.locator('#routes-empty').count(), 1));
    assert.match(await text(page.locator('#routes-no-gateway')), /no gateway/);
    assert.equal(await page.locator('#routes-set-gateway').getAttribute('href'), '#/projects/p2/gateway');
    await s.shot('routes-empty-no-gateway', 'en');
    await s.go('#/projects/p2');
    await eventually(async () => assert.equal(await page.locator('[data-gateway=none]').count(), 1));
    await s.shot('overview-no-gateway', 'en', ['laptop']);
  } finally {
    await s.close();
  }
});

step('an unknown page says so', async () => {
  const s = await b.session('viewer-404');
  try {
    await signIn(s, 'viewer');
    await s.go('#/nowhere/at/all');
    await eventually(async () => assert.equal(await text(s.page.locator('main h1')), 'Page not found'));
  } finally {
    await s.close();
  }
});

// --- run -----------------------------------------------------------------------------------

process.exit(await runSteps(steps, b));
