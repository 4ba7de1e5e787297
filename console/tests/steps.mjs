// Small helpers for the console's browser tests (plain node scripts): ordered steps whose
// failures are reported and counted, polling until a check passes, text of a locator, signing
// in through the form, and the API with the page's own token. Every console/tests/*.test.mjs
// uses them.
import assert from 'node:assert/strict';

// Retries `check` (which throws while not yet true) until it passes or `timeout` ms pass.
export async function eventually(check, timeout = 5000, interval = 50) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const text = async (locator) => ((await locator.textContent()) || '').replace(/\s+/g, ' ').trim();

export async function signIn(s, user, password) {
  await s.go('#/projects');
  await s.page.fill('#signin-user', user);
  await s.page.fill('#signin-password', password);
  await s.page.click('button[type=submit]');
  await eventually(async () => assert.equal(await text(s.page.locator('[data-testid=current-user]')), user));
  await s.settle();
}

// The API as the signed-in user of session `s` (the token the page keeps in sessionStorage).
export async function apiAs(s, path) {
  const token = await s.page.evaluate(() => sessionStorage.getItem('waygate.token'));
  return s.context.request.get(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
}

// Runs the steps in order (a failure is reported, the rest still run), then the browser's
// problem list (console errors, CSP violations) as one more check. Returns the exit code.
export async function runSteps(steps, browser) {
  const started = Date.now();
  const failures = [];
  for (const { name, fn } of steps) {
    const t0 = Date.now();
    try {
      await fn();
      console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failures.push(name);
      console.log(`FAIL ${name} (${Date.now() - t0} ms)\n  ${String(e && e.stack ? e.stack : e).replace(/\n/g, '\n  ')}`);
    }
  }
  if (browser.problems.length) {
    failures.push('no console errors or CSP violations');
    console.log(`FAIL no console errors or CSP violations:\n  ${browser.problems.join('\n  ')}`);
  } else {
    console.log('ok   no console errors or CSP violations');
  }
  await browser.close();
  console.log(`${steps.length + 1 - failures.length} passed, ${failures.length} failed in ` +
              `${((Date.now() - started) / 1000).toFixed(1)} s; ${browser.shots.length} screenshots in ${browser.dir}`);
  return failures.length ? Math.min(failures.length, 100) : 0;
}
