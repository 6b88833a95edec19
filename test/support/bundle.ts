/** Bundling part of src for a plain node process, with tsup as `npm run build` uses it. */
import { execFileSync } from 'node:child_process';
import { basename, extname, join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

/**
 * Bundles `entry` (a path from the repository root) and everything it imports into one ESM file for
 * Node 20 in `outDir`, leaving the shared dist/ alone. Returns the bundle's path.
 */
export function bundle(entry: string, outDir: string): string {
  const tsup = join(root, 'node_modules/.bin/tsup');
  execFileSync(tsup, ['--no-config', entry, '--format', 'esm', '--platform', 'node', '--target', 'node20', '-d', outDir, '--silent'], {
    cwd: root,
    stdio: 'pipe',
  });
  return join(outDir, `${basename(entry, extname(entry))}.js`);
}
