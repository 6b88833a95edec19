// CPU profile of one in-process case (default: the flat clip as one buffer of the big H.264 input)
// or of a CLI run,
// summarised as self time per function, with dist/index.js lines mapped back to their src/ module
// (esbuild, under tsup, writes a `// src/<file>.ts` comment before each module's code).
//
//   node bench/profile.mjs [case] [input.mkv] [iterations]

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inputPath, inputs, repoRoot } from './inputs.mjs';

const caseScript = fileURLToPath(new URL('./case.mjs', import.meta.url));
const profileDir = join(repoRoot, 'bench', 'out', 'profile');

/** Maps a 0-based line of a tsup/esbuild bundle to the source module it came from. */
function moduleOfLine(bundleFile) {
  let starts;
  try {
    starts = readFileSync(bundleFile, 'utf8')
      .split('\n')
      .map((text, line) => ({ line, module: /^\/\/ (src\/\S+\.ts)$/.exec(text)?.[1] }))
      .filter((entry) => entry.module);
  } catch {
    starts = [];
  }
  return (line) => {
    let found;
    for (const start of starts) {
      if (start.line > line) break;
      found = start.module;
    }
    return found;
  };
}

/** Self time per function from a .cpuprofile (sample counts × the sampling interval). */
export function summariseProfile(profile, top = 15) {
  const intervalMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const mappers = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = counts.get(node.id) ?? 0;
    if (!hits) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    let where = url ? relative(repoRoot, url.startsWith('file:') ? fileURLToPath(url) : url) : '';
    if (/(^|\/)dist\/[^/]+\.js$/.test(where)) {
      if (!mappers.has(where)) mappers.set(where, moduleOfLine(join(repoRoot, where)));
      where = mappers.get(where)(lineNumber) ?? where;
    }
    const key = `${where || '(native)'}:${functionName || '(anonymous)'}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => ({ where, selfMs: hits * intervalMs, share: hits / total }));
}

/** Runs `node --cpu-prof <args>` and returns the top self-time functions of the profile it writes. */
export function profileNode(label, args) {
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...args], { encoding: 'utf8' });
  if (child.status !== 0) return { label, error: (child.stdout.trim().split('\n').pop() || child.stderr.trim()).slice(-400) };
  const [profileFile] = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  const profile = JSON.parse(readFileSync(join(profileDir, profileFile), 'utf8'));
  return { label, top: summariseProfile(profile) };
}

/** Profiles an in-process case (bench/case.mjs) on `file`. */
export function profileCase(caseName, file, iterations = 5) {
  return profileNode(`${caseName} on ${relative(repoRoot, file)}, warm-up + ${iterations} runs`, [
    '--expose-gc',
    caseScript,
    caseName,
    file,
    String(iterations),
  ]);
}

/** Profiles one CLI run: `node dist/cli.js <args>`. */
export function profileCli(cli, args) {
  return profileNode(`CLI \`${args.map((a) => relative(repoRoot, a) || a).join(' ')}\`, one run`, [cli, ...args]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [caseName = 'kvs-clip-flat-bytes', file = inputPath(inputs[0]), iterations = '5'] = process.argv.slice(2);
  const result = profileCase(caseName, file, Number(iterations));
  if (result.error) {
    console.log(result.error);
    process.exitCode = 1;
  } else {
    console.log(`${result.label}, self time:`);
    for (const { where, selfMs, share } of result.top) {
      console.log(`${(share * 100).toFixed(1).padStart(5)}% ${selfMs.toFixed(0).padStart(6)} ms  ${where}`);
    }
  }
}
