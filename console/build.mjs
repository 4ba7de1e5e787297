// node console/build.mjs OUTDIR: bundles the console (src/main.jsx) with esbuild into OUTDIR:
//   index.html          the page shell; the server replaces every __CSP_NONCE__ with a fresh nonce
//   main-HASH.js/.css   the entry and its CSS; chunk-HASH.js for code loaded with import()
//   manifest.json       each file's raw and gzip size, and the first load's total
// Exits non-zero when the first load (index.html + entry JS and what it imports + CSS) exceeds the budget below,
// gzip-compressed, so a heavy dependency fails the build instead of slowing every page.
// Paths resolve from this file, so the caller's cwd does not matter (CMake runs it from build/).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const FIRST_LOAD_BUDGET = 300 * 1024; // bytes, gzip: the "first load under 300 KB"
const root = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  console.error(`console build: ${message}`);
  process.exit(1);
}

if (process.argv.length !== 3) fail('usage: node console/build.mjs OUTDIR');
const out = resolve(process.argv[2]);

// Start from an empty directory so stale hashed files are not embedded, but never wipe a
// directory that is not ours (a typo such as "." or "src").
if (existsSync(out) && readdirSync(out).length > 0) {
  if (!existsSync(join(out, 'manifest.json'))) {
    fail(`${out} is not empty and holds no previous console build (no manifest.json)`);
  }
  rmSync(out, { recursive: true, force: true });
}
mkdirSync(out, { recursive: true });

let result;
try {
  result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: join(root, 'src/main.jsx') },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: out,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
} catch (e) {
  fail(e.message); // esbuild has printed the located errors already
}

// The entry's outputs: its JS and the CSS esbuild collected from its imports.
const outputs = result.metafile.outputs;
const entryPath = Object.keys(outputs).find((p) => outputs[p].entryPoint === 'src/main.jsx');
if (!entryPath) fail('esbuild produced no output for src/main.jsx');
const entryJs = basename(entryPath);
const entryCss = outputs[entryPath].cssBundle ? basename(outputs[entryPath].cssBundle) : null;

const template = readFileSync(join(root, 'src/index.html'), 'utf8');
const html = template
  .replace('<!--STYLES-->', entryCss ? `<link rel="stylesheet" href="/console/${entryCss}">` : '')
  .replace('<!--SCRIPTS-->', `<script type="module" src="/console/${entryJs}"></script>`);
if (!html.includes('__CSP_NONCE__')) fail('src/index.html lost its __CSP_NONCE__ placeholder');
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html) || /\sstyle\s*=/i.test(html)) {
  fail('src/index.html has an inline script or style attribute: the CSP forbids both');
}
writeFileSync(join(out, 'index.html'), html);

const sizes = {};
for (const name of readdirSync(out).sort()) {
  const data = readFileSync(join(out, name));
  sizes[name] = { raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
}
// The first load is the page, the entry's CSS and every JS file the entry imports statically,
// transitively: with code splitting, esbuild moves code the entry shares with lazy chunks
// (preact, api, i18n) into a chunk the entry imports, and that chunk loads before any page.
// Chunks reached only through import() (dynamic-import) load later and are not counted.
const staticJs = [];
const pending = [entryPath];
while (pending.length > 0) {
  const path = pending.pop();
  if (staticJs.includes(path)) continue;
  staticJs.push(path);
  for (const dep of outputs[path].imports || []) {
    if (dep.kind === 'import-statement' && !dep.external && outputs[dep.path]) pending.push(dep.path);
  }
}
const firstLoadFiles = ['index.html', ...staticJs.map((p) => basename(p)), ...(entryCss ? [entryCss] : [])];
const firstLoad = firstLoadFiles.reduce((sum, f) => sum + sizes[f].gzip, 0);
const manifest = {
  entry: { js: entryJs, css: entryCss },
  files: sizes,
  firstLoad: { files: firstLoadFiles, gzip: firstLoad, budget: FIRST_LOAD_BUDGET },
};
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

const kb = (n) => (n / 1024).toFixed(1) + ' KB';
console.log(`console build: ${Object.keys(sizes).length} files in ${out}; first load ` +
            `${kb(firstLoad)} gzip (budget ${kb(FIRST_LOAD_BUDGET)})`);
if (firstLoad > FIRST_LOAD_BUDGET) {
  fail(`first load is ${kb(firstLoad)} gzip, over the ${kb(FIRST_LOAD_BUDGET)} budget`);
}
