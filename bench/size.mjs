// Browser bundle size of each package entry (kvs-clip, kvs-clip/mse, kvs-clip/audio, kvs-clip/aws), each
// bundled in memory with esbuild --bundle --minify --format=esm --platform=browser --splitting, then
// gzipped at level 9, against its budget (BUDGETS). Also lists the source files that weigh most.
//
// With splitting, code behind a dynamic import() goes to chunks a page loads only when it runs that
// code. So each entry reports what a page loads up front (the entry chunk and the chunks it imports
// statically: `minified` / `gzipped`), every lazy chunk apart, and the total of all chunks. Without any
// dynamic import the bundle is one file and the three figures agree. The budget is on `gzipped`.
//
// test/bundle-size.test.ts runs overBudget() on every `npm test`: an entry that grows past its budget
// fails it. A budget is raised only on purpose, in the same commit as the growth, saying why.
//
//   node bench/size.mjs              sizes and budgets; exit code 1 when an entry is over its budget

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { repoRoot } from './inputs.mjs';

const entries = {
  main: { label: 'main entry kvs-clip (src/index.ts, everything it exports)', contents: "export * from './src/index.ts';" },
  mse: { label: 'kvs-clip/mse (src/mse.ts)', contents: "export * from './src/mse.ts';" },
  audio: { label: 'kvs-clip/audio (src/audio/index.ts)', contents: "export * from './src/audio/index.ts';" },
  aws: { label: 'kvs-clip/aws (src/aws/index.ts, AWS SDK not counted)', contents: "export * from './src/aws/index.ts';" },
};

/**
 * Gzipped bytes each entry may load up front. Issue 20's goal for a page that plays KVS through MSE
 * is 15 KiB; kvs-clip/mse is over it (bench/RESULTS.md says by what), so its budget holds today's
 * size with a little room, and is lowered as the entry shrinks.
 */
// Raised on 2026-12-05 with this round's merges: the HLS/DASH package writers in the main entry (+2.8 KiB),
// and in every entry the prft box, ContentEncoding decoding, reader limits, new init segments on a
// configuration change and AbortSignal/progress plumbing (mse +3.2 KiB); aws adds followStream.
// Raised again on branch live (issue 18): low-latency CMAF chunks (readFragmentEvents, the piece
// chunking, Timeline.pushChunk) in main and mse (+0.9 KiB gzipped each).
// Raised again with the serve/cli/timing/realworld merges: typed response checks in the AWS layer
// (MalformedResponse, +1.3 KiB aws), gap-closed warnings and per-configuration sample descriptions.
// Raised on 2026-12-06 (issue 22, item 1): the flat clip holds its fragments' frames packed
// (mkv/packed-frames.ts) and lays out moov from per-segment tables (main and aws +0.65 KiB gzipped).
export const BUDGETS = { main: 39 * 1024, mse: 31 * 1024, audio: 10 * 1024, aws: 38.5 * 1024 };

/** The entries whose up-front gzipped size exceeds their budget (none when all fit). */
export function overBudget(sizes, budgets = BUDGETS) {
  return Object.entries(budgets)
    .filter(([id, budget]) => !(sizes[id]?.gzipped <= budget))
    .map(([id, budget]) => ({ id, gzipped: sizes[id]?.gzipped, budget, error: sizes[id]?.error }));
}

/** Serves an entry's source text as a module, since splitting needs entry points rather than stdin. */
function entryPlugin(contents) {
  return {
    name: 'bench-entry',
    setup(b) {
      b.onResolve({ filter: /^bench-entry$/ }, () => ({ path: 'bench-entry.ts', namespace: 'bench-entry' }));
      b.onLoad({ filter: /.*/, namespace: 'bench-entry' }, () => ({ contents, resolveDir: repoRoot, loader: 'ts' }));
    },
  };
}

async function bundle(contents) {
  const result = await build({
    entryPoints: ['bench-entry'],
    plugins: [entryPlugin(contents)],
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(repoRoot, 'bench', 'out', 'size'), // not written (write: false); names the chunks
    write: false,
    metafile: true,
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  const outDir = join(repoRoot, 'bench', 'out', 'size');
  const chunks = new Map(
    result.outputFiles
      .filter((file) => file.path.endsWith('.js'))
      .map((file) => [relative(repoRoot, file.path), { file: relative(outDir, file.path), code: file.contents }]),
  );
  const outputs = result.metafile.outputs;
  // Up front: the entry chunk and everything it imports statically, transitively.
  const entry = Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined);
  const upFront = new Set();
  const visit = (path) => {
    if (upFront.has(path)) return;
    upFront.add(path);
    for (const { path: imported, kind } of outputs[path].imports) if (kind === 'import-statement') visit(imported);
  };
  visit(entry);
  const sizeOf = (paths) => {
    const codes = [...paths].map((path) => chunks.get(path).code);
    return {
      minified: codes.reduce((n, code) => n + code.byteLength, 0),
      gzipped: codes.reduce((n, code) => n + gzipSync(code, { level: 9 }).byteLength, 0),
    };
  };
  const lazy = [...chunks.keys()]
    .filter((path) => !upFront.has(path))
    .map((path) => ({ file: chunks.get(path).file, ...sizeOf([path]), inputs: Object.keys(outputs[path].inputs) }));
  const heaviest = [...upFront]
    .flatMap((path) => Object.entries(outputs[path].inputs))
    .map(([file, { bytesInOutput }]) => ({ file: relative(repoRoot, join(repoRoot, file)), bytes: bytesInOutput }))
    .filter(({ bytes }) => bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { ...sizeOf(upFront), lazy, total: sizeOf(chunks.keys()), heaviest };
}

/** Sizes of every entry, or { error } when src/index.ts is not there yet or does not bundle. */
export async function measureBundles() {
  if (!existsSync(join(repoRoot, 'src', 'index.ts'))) return { error: 'src/index.ts does not exist yet' };
  const sizes = {};
  for (const [id, { label, contents }] of Object.entries(entries)) {
    try {
      sizes[id] = { label, ...(await bundle(contents)) };
    } catch (error) {
      sizes[id] = { label, error: String(error.message).split('\n').slice(0, 3).join(' ') };
    }
  }
  return sizes;
}

const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await measureBundles();
  if (sizes.error) {
    console.log(sizes.error);
  } else {
    for (const { label, minified, gzipped, lazy, total, heaviest, error } of Object.values(sizes)) {
      if (error) {
        console.log(`${label}: ${error}`);
        continue;
      }
      console.log(`${label}: ${minified} B minified, ${gzipped} B gzipped (${kib(gzipped)}) up front`);
      for (const chunk of lazy) {
        const modules = chunk.inputs.map((file) => relative(repoRoot, join(repoRoot, file))).join(', ');
        console.log(`  lazy chunk ${chunk.file}: ${chunk.minified} B minified, ${chunk.gzipped} B gzipped (${modules})`);
      }
      if (lazy.length > 0)
        console.log(`  total of all chunks: ${total.minified} B minified, ${total.gzipped} B gzipped (${kib(total.gzipped)})`);
      for (const { file, bytes } of heaviest.slice(0, 8)) console.log(`  ${String(bytes).padStart(7)} B  ${file}`);
    }
    const over = overBudget(sizes);
    for (const [id, budget] of Object.entries(BUDGETS)) console.log(`budget ${id}: ${kib(sizes[id]?.gzipped ?? NaN)} of ${kib(budget)}`);
    if (over.length > 0) {
      console.log(`over budget: ${over.map((o) => o.id).join(', ')}`);
      process.exitCode = 1;
    }
  }
}
