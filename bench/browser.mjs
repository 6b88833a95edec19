// The in-process cases in headless Chromium: the library as a web page runs it, on the same inputs
// and timed the same way as in Node (bench/in-process.mjs is served to the page as is). Chromium is
// the system's /usr/bin/chromium driven by playwright-core, with a fresh profile per case; files come
// from a local http server on 127.0.0.1. Each case runs in a page of its own, so its first call is cold.
//
//   node bench/browser.mjs [input-id ...]      (prints the figures as JSON)

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, ensureInputs, repoRoot } from './inputs.mjs';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// --expose-gc gives the page the same gc() before each timed run as Node's cases get.
const JS_FLAGS = '--js-flags=--expose-gc';

/** The cases measured in the browser: the memcpy baseline, kvs-clip's forms and mediabunny's flat clip. */
export const browserCases = [
  'memcpy-new-Uint8Array',
  'kvs-clip-flat-bytes',
  'kvs-clip-flat-chunks',
  'kvs-clip-fmp4-chunks',
  'mediabunny-flat',
];

const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { portableCases, timeCase } from '/bench/in-process.mjs';
window.runCase = async (name, iterations) => {
  const library = name.startsWith('kvs-clip') ? await import('/dist/index.js') : name.startsWith('mediabunny') ? await import('/mediabunny.mjs') : undefined;
  const input = new Uint8Array(await (await fetch('/input')).arrayBuffer());
  const { out, ...figures } = await timeCase(portableCases[name], input, library, { iterations, gc: window.gc });
  return figures;
};
window.ready = true;
</script>`;

const mediabunnyBundle = join(repoRoot, 'node_modules', 'mediabunny', 'dist', 'bundles', 'mediabunny.mjs');

/** Serves the page, bench/, dist/, mediabunny's browser bundle and the current input file. */
function serve(inputPath, dist) {
  const files = (url) => {
    if (url === '/') return { type: 'text/html', body: page };
    if (url === '/input') return { type: 'application/octet-stream', path: inputPath() };
    if (url === '/mediabunny.mjs') return { type: 'text/javascript', path: mediabunnyBundle };
    const [, dir, name] = /^\/(bench|dist)\/([\w.-]+\.m?js)$/.exec(url) ?? [];
    if (!dir) return undefined;
    return { type: 'text/javascript', path: join(dir === 'dist' ? dist : join(repoRoot, 'bench'), name) };
  };
  const server = createServer((request, response) => {
    const file = files(request.url ?? '');
    if (!file || (file.path && !existsSync(file.path))) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type, ...(file.path ? { 'content-length': statSync(file.path).size } : {}) });
    if (file.path) createReadStream(file.path).pipe(response);
    else response.end(file.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * Runs every browser case on every input, `rounds` times in turn (each time in a fresh browser),
 * with kvs-clip loaded from `dist`.
 * Returns { browser, inputs: [{ id, cases: { [name]: { first: [ms], times: [ms], outputBytes } } }] },
 * or { skipped } when Chromium or playwright-core is missing.
 */
export async function runBrowserCases(inputs, { rounds = 3, iterations = 3, dist = distDir, log = () => {} } = {}) {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} not found` };
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { skipped: 'playwright-core is not installed' };
  }
  let current = null;
  const server = await serve(() => current, dist);
  const base = `http://127.0.0.1:${server.address().port}`;
  const results = inputs.map((input) => ({ id: input.id, cases: {} }));
  let version = null;
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [i, input] of inputs.entries()) {
        current = input.path;
        for (const name of browserCases) {
          log(`browser: ${input.id}: round ${round}/${rounds} ${name}`);
          const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, JS_FLAGS] });
          try {
            version ??= browser.version();
            const tab = await browser.newPage();
            await tab.goto(`${base}/`);
            await tab.waitForFunction(() => window.ready === true);
            const figures = await tab.evaluate(([n, k]) => window.runCase(n, k), [name, iterations]);
            const entry = (results[i].cases[name] ??= { first: [], times: [], outputBytes: figures.outputBytes });
            entry.first.push(figures.first);
            entry.times.push(...figures.times);
          } catch (error) {
            results[i].cases[name] = { error: String(error?.message ?? error).split('\n')[0] };
          } finally {
            await browser.close();
          }
        }
      }
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return { browser: `Chromium ${version}`, inputs: results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const only = process.argv.slice(2);
  const inputs = ensureInputs(only.length ? { only } : {});
  console.log(JSON.stringify(await runBrowserCases(inputs, { log: (line) => console.error(line) }), null, 2));
}
