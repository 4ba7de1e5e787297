// The browser for the console's tests: Debian's Chromium driven by playwright-core, one browser
// per test file and a fresh context (cookies, storage) per user. Each session records what
// would mean a broken page: uncaught errors, console errors and CSP violations; the test fails
// on any of them. Screenshots go to $SCREENSHOT_DIR/<page>-<lang>-<viewport>.png.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const VIEWPORTS = {
  laptop: { width: 1366, height: 768 },
  phone: { width: 390, height: 844 },
};

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  // The routes' hosts resolve to the gateway node (127.0.0.1), so "Open" links really work.
  '--host-resolver-rules=MAP *.nip.io 127.0.0.1, MAP *.example.com 127.0.0.1'];

// Chromium logs every fetch answered 4xx as a console error. The console asks for things the
// user may not have (a 403 it then explains, a 404 gateway meaning "no gateway"), so those
// lines are expected; anything else in the console is a failure.
const EXPECTED_NETWORK = /^Failed to load resource: the server responded with a status of (400|401|403|404)\b/;

function screenshotDir() {
  if (process.env.SCREENSHOT_DIR) return resolve(process.env.SCREENSHOT_DIR);
  if (process.env.WAYGATE_BIN) return join(dirname(resolve(process.env.WAYGATE_BIN)), 'screenshots');
  return resolve('screenshots');
}

export async function openBrowser({ baseURL }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/lib/chromium/chromium',
    args: ARGS,
  });
  const dir = screenshotDir();
  mkdirSync(dir, { recursive: true });
  const problems = [];
  const shots = [];

  async function session(label, { viewport = 'laptop' } = {}) {
    const context = await browser.newContext({
      baseURL,
      ignoreHTTPSErrors: true, // serve's own CA
      viewport: VIEWPORTS[viewport],
      locale: 'en-US',
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
    // Runs before the page's scripts (not subject to the page's CSP): reports violations.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
    const page = await context.newPage();
    const watch = (p) => {
      p.on('console', (msg) => {
        if (msg.type() !== 'error' || EXPECTED_NETWORK.test(msg.text())) return;
        problems.push(`[${label}] console error on ${p.url()}: ${msg.text()}`);
      });
      p.on('pageerror', (err) => problems.push(`[${label}] uncaught error on ${p.url()}: ${err.message}`));
    };
    watch(page);
    let current = viewport;
    return {
      label,
      context,
      page,
      // Navigates to a hash route and waits for the page to settle (no fetch in flight).
      async go(hash) {
        await page.goto(`/${hash}`);
        await page.waitForLoadState('networkidle');
      },
      async settle() {
        await page.waitForLoadState('networkidle');
      },
      // One screenshot per viewport asked for; the session returns to its viewport after.
      async shot(name, lang = 'en', viewports = ['laptop', 'phone']) {
        for (const v of viewports) {
          if (v !== current) {
            await page.setViewportSize(VIEWPORTS[v]);
            current = v;
          }
          const file = join(dir, `${name}-${lang}-${v}.png`);
          await page.screenshot({ path: file, fullPage: true });
          shots.push(file);
        }
        if (current !== viewport) {
          await page.setViewportSize(VIEWPORTS[viewport]);
          current = viewport;
        }
      },
      watchPopup: watch,
      close: () => context.close(),
    };
  }

  return { browser, session, problems, shots, dir, close: () => browser.close() };
}
