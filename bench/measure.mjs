// Measuring helpers: in-process cases in a child Node process, whole processes under /usr/bin/time,
// and ffprobe checks of what each case wrote.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const caseScript = fileURLToPath(new URL('./case.mjs', import.meta.url));

/**
 * A copy of the built package (dist/) under `outDir`/dist-`name`, so that a rebuild while a bench runs
 * does not change what it measures; returns the copy's folder.
 */
export function snapshotDist(repoRoot, outDir, name) {
  if (!existsSync(join(repoRoot, 'dist', 'cli.js'))) throw new Error('dist/cli.js is not built: run npx tsup first');
  const dist = join(outDir, `dist-${name}`);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  cpSync(join(repoRoot, 'dist'), dist, { recursive: true });
  return dist;
}

/** The value after `--name` on this script's command line, or `fallback`. */
export function option(name, fallback) {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Runs one in-process case (bench/case.mjs) in a fresh Node process; returns its JSON report. */
export function runCase(name, inputFile, iterations, savePath) {
  const args = ['--expose-gc', caseScript, name, inputFile, String(iterations)];
  if (savePath) args.push('--save', savePath);
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = child.stdout.trim().split('\n').pop();
  let report;
  try {
    report = JSON.parse(line);
  } catch {
    report = { error: `case ${name} exited ${child.status}: ${(child.stderr || child.stdout).trim().slice(-400)}` };
  }
  if (report.error) return report;
  // `first` is the call in a fresh process (JIT cold); rounds pool them as `firsts`.
  return { ...report, medianMs: median(report.times), firsts: [report.first], medianFirstMs: report.first };
}

const timeBinary = '/usr/bin/time';
export const haveTime = existsSync(timeBinary);

/**
 * Runs a command `iterations` times (after one warm-up run unless `warmUp` is false) and reports wall times and the peak RSS
 * of the command itself (GNU time's %M, the kernel's high-water mark of the child), the largest seen.
 * `before` runs ahead of each run, outside the timed span.
 */
export async function runProcess(command, args, iterations, { cwd, warmUp = true, before } = {}) {
  const times = [];
  let maxRss = null;
  let error;
  const first = warmUp ? -1 : 0;
  for (let i = first; i < iterations; i++) {
    const rssFile = join(process.env.TMPDIR ?? '/tmp', `kvs-clip-bench-${process.pid}.rss`);
    before?.();
    const [file, argv] = haveTime ? [timeBinary, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
    const started = performance.now();
    const { code, stderr } = await new Promise((resolve, reject) => {
      const child = spawn(file, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderrText = '';
      child.stderr.on('data', (data) => {
        stderrText += data;
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stderr: stderrText }));
    });
    const elapsed = performance.now() - started;
    if (code !== 0) {
      error = `${command} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;
      break;
    }
    if (haveTime) {
      const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      rmSync(rssFile, { force: true });
      maxRss = Math.max(maxRss ?? 0, kib * 1024);
    }
    if (i >= 0) times.push(elapsed); // run -1 is the warm-up (page cache, binary load)
  }
  if (error) return { error };
  return { times, medianMs: median(times), maxRss };
}

/** Video and audio packet counts and the container's duration as ffprobe reads them, or an error. */
export function probe(file) {
  try {
    const out = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_packets',
        '-show_entries',
        'stream=codec_type,codec_name,nb_read_packets:format=duration',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const json = JSON.parse(out);
    const count = (type) => json.streams.filter((s) => s.codec_type === type).reduce((n, s) => n + Number(s.nb_read_packets ?? 0), 0);
    const codecs = json.streams.map((s) => s.codec_name).join('+');
    return { video: count('video'), audio: count('audio'), codecs, duration: Number(json.format?.duration ?? NaN) };
  } catch (error) {
    return {
      error: String(error.stderr || error.message)
        .trim()
        .split('\n')[0],
    };
  }
}

/** Tool versions for the report. */
export function toolVersion(command, args = ['-version']) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.error ? null : result.stdout.split('\n')[0].trim();
}
