#!/usr/bin/env node
// Refactoring guard: runs the built CLI of a baseline (a git ref, built in a temporary worktree, or
// a folder holding a dist/) and of this checkout on every fixture and real KVS capture, and reports
// any output that differs: flat clip, fragmented clip and `inspect --json`, with exit code and stderr.
//
//   npm run build && node scripts/same-outputs.mjs <git-ref | baseline-folder> [more input files…]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const [baseline, ...extra] = process.argv.slice(2);
if (!baseline) {
  console.error('usage: node scripts/same-outputs.mjs <git-ref | baseline-folder> [input files…]');
  process.exit(2);
}

function baselineCli() {
  if (existsSync(join(baseline, 'dist', 'cli.js'))) return { cli: resolve(baseline, 'dist', 'cli.js'), cleanup() {} };
  const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, baseline], { cwd: root, stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npx', ['tsup', '--silent'], { cwd: dir, stdio: 'inherit' });
  return {
    cli: join(dir, 'dist', 'cli.js'),
    cleanup: () => execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' }),
  };
}

const samples = join(root, '..', 'shared', 'kvs-samples', 'mkv');
const inputs = [
  ...readdirSync(join(root, 'fixtures'))
    .filter((f) => f.endsWith('.mkv'))
    .map((f) => join(root, 'fixtures', f)),
  ...(existsSync(samples)
    ? readdirSync(samples)
        .filter((f) => f.endsWith('.mkv'))
        .map((f) => join(samples, f))
    : []),
  ...extra.map((f) => resolve(f)),
];
const commands = [
  ['clip', (input, out) => ['clip', input, '-o', out]],
  ['clip --fragmented', (input, out) => ['clip', input, '-o', out, '--fragmented']],
  ['inspect --json', (input) => ['inspect', input, '--json']],
];

const work = mkdtempSync(join(tmpdir(), 'kvs-clip-same-'));
function run(cli, args, out) {
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'buffer', maxBuffer: 1 << 30 });
  const file = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  const hash = createHash('sha256').update(file).update(r.stdout).digest('hex');
  return { hash, status: r.status, stderr: r.stderr.toString() };
}

const base = baselineCli();
let differ = 0;
try {
  for (const input of inputs) {
    for (const [name, argsOf] of commands) {
      const out = join(work, 'out.mp4');
      const a = run(base.cli, argsOf(input, out), out);
      const b = run(join(root, 'dist', 'cli.js'), argsOf(input, out), out);
      const same = a.hash === b.hash && a.status === b.status && a.stderr === b.stderr;
      if (!same) {
        differ++;
        console.log(
          `DIFFERENT ${name} ${input}\n  baseline: exit ${a.status} ${a.stderr.trim().split('\n')[0] ?? ''}\n  now:      exit ${b.status} ${b.stderr.trim().split('\n')[0] ?? ''}`,
        );
      }
    }
  }
} finally {
  base.cleanup();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${inputs.length} inputs × ${commands.length} commands: ${inputs.length * commands.length - differ} same, ${differ} different`);
process.exit(differ === 0 ? 0 : 1);
