// Browser bundle size: the main entry (src/index.ts) and the fMP4-only path (an entry that imports
// only fragmentedMp4), each bundled with esbuild --bundle --minify --format=esm --platform=browser,
// then gzipped at level 9. Also lists the source files that weigh most in the main bundle.
//
//   node bench/size.mjs

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { repoRoot } from './inputs.mjs';

const entries = {
  main: { label: 'main entry (src/index.ts, everything it exports)', contents: "export * from './src/index.ts';" },
  fmp4: { label: 'fMP4-only path (imports only fragmentedMp4)', contents: "export { fragmentedMp4 } from './src/index.ts';" },
};

async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: repoRoot, sourcefile: 'bench-entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const [output] = Object.values(result.metafile.outputs);
  const heaviest = Object.entries(output.inputs)
    .map(([file, { bytesInOutput }]) => ({ file: relative(repoRoot, join(repoRoot, file)), bytes: bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { minified: code.byteLength, gzipped: gzipSync(code, { level: 9 }).byteLength, heaviest };
}

/** Sizes of both entries, or { error } when src/index.ts is not there yet or does not bundle. */
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = await measureBundles();
  if (sizes.error) {
    console.log(sizes.error);
  } else {
    for (const { label, minified, gzipped, heaviest, error } of Object.values(sizes)) {
      if (error) { console.log(`${label}: ${error}`); continue; }
      console.log(`${label}: ${minified} B minified, ${gzipped} B gzipped (${(gzipped / 1024).toFixed(2)} KiB)`);
      for (const { file, bytes } of heaviest.slice(0, 8)) console.log(`  ${String(bytes).padStart(7)} B  ${file}`);
    }
  }
}
