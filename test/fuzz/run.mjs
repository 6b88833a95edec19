#!/usr/bin/env node
/**
 * The fuzz runner behind `npm run fuzz`: runs the properties in test/fuzz through vitest with as
 * many inputs as asked, or for as long as asked, one vitest worker per core, then prints executions
 * per second.
 *
 *   npm run fuzz -- --runs 20000 [--seed 42] [--path "25:3:1"] [--only hostile] [--hang-seconds 120]
 *   npm run fuzz -- --seconds 240 [--workers 2]
 *
 * --runs      inputs per property (default 2000; `npm test` runs a few hundred)
 * --seconds   instead of --runs: each property runs new inputs for this long (properties run side by
 *             side, one per worker: the campaign takes about seconds × properties / workers)
 * --workers   vitest workers (default: one per core, os.availableParallelism())
 * --seed      fast-check seed, to replay a failure (with --path from its report)
 * --only      run only tests whose name matches (vitest -t)
 * A watchdog names the input being executed when one runs longer than --hang-seconds (a synchronous
 * loop that never returns cannot be timed out from inside the test), then stops the run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

function parseArgs(argv) {
  const options = {
    runs: 2000,
    seconds: undefined,
    workers: availableParallelism(),
    seed: undefined,
    path: undefined,
    only: undefined,
    hangSeconds: 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--runs':
        options.runs = Number(value());
        break;
      case '--seconds':
        options.seconds = Number(value());
        break;
      case '--workers':
        options.workers = Number(value());
        break;
      case '--seed':
        options.seed = Number(value());
        break;
      case '--path':
        options.path = value();
        break;
      case '--only':
        options.only = value();
        break;
      case '--hang-seconds':
        options.hangSeconds = Number(value());
        break;
      case '--help':
      case '-h':
        console.log('usage: npm run fuzz -- (--runs N | --seconds S) [--workers W] [--seed S] [--path P] [--only NAME] [--hang-seconds S]');
        process.exit(0);
        break;
      default:
        console.error(`unknown option ${argv[i]}`);
        process.exit(2);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs must be a positive integer');
  if (options.seconds !== undefined && !(options.seconds > 0)) throw new Error('--seconds must be a positive number');
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error('--workers must be a positive integer');
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new Error('--seed must be an integer');
  return options;
}

const options = parseArgs(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), 'kvs-clip-fuzz-'));
const stats = join(work, 'stats.jsonl');
const current = join(work, 'current');
mkdirSync(current);

const env = { ...process.env, FUZZ_RUNS: String(options.runs), FUZZ_STATS: stats, FUZZ_CURRENT: current };
if (options.seconds !== undefined) env.FUZZ_SECONDS = String(options.seconds);
if (options.seed !== undefined) env.FUZZ_SEED = String(options.seed);
if (options.path !== undefined) env.FUZZ_PATH = options.path;

const args = ['vitest', 'run', 'test/fuzz', `--maxWorkers=${options.workers}`];
if (options.only) args.push('-t', options.only);
const budget = options.seconds === undefined ? `${options.runs} inputs` : `${options.seconds} s`;
console.log(`fuzz: ${budget} per property, ${options.workers} workers${options.seed === undefined ? '' : `, seed ${options.seed}`}`);

const started = Date.now();
const child = spawn('npx', args, { stdio: 'inherit', env, detached: true });

// The watchdog: each property notes its current input in `current/<pid>.json` before running it.
const watchdog = setInterval(() => {
  if (!existsSync(current)) return;
  for (const file of readdirSync(current)) {
    let note;
    try {
      note = JSON.parse(readFileSync(join(current, file), 'utf8'));
    } catch {
      continue; // being rewritten
    }
    if (Date.now() - note.at > options.hangSeconds * 1000) {
      console.error(`\nfuzz: an input has run for over ${options.hangSeconds} s (${note.property}); stopping. Input:`);
      console.error(JSON.stringify(note.input));
      clearInterval(watchdog);
      process.kill(-child.pid, 'SIGKILL');
      process.exitCode = 1;
      return;
    }
  }
}, 5000);

child.on('exit', (code) => {
  clearInterval(watchdog);
  const seconds = (Date.now() - started) / 1000;
  const rows = existsSync(stats)
    ? readFileSync(stats, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];
  if (rows.length > 0) {
    console.log('\nfuzz: executions per property');
    let total = 0;
    for (const row of rows) {
      total += row.executions;
      const perSecond = row.executions / (row.ms / 1000);
      console.log(
        `  ${row.property.padEnd(30)} ${String(row.executions).padStart(8)} in ${(row.ms / 1000).toFixed(1).padStart(7)} s  ${perSecond.toFixed(1).padStart(8)} exec/s`,
      );
    }
    console.log(
      `  ${'total'.padEnd(30)} ${String(total).padStart(8)} in ${seconds.toFixed(1).padStart(7)} s  ${(total / seconds).toFixed(1).padStart(8)} exec/s (wall clock, properties run in parallel)`,
    );
  } else {
    console.log('\nfuzz: no property finished (see the failures above)');
  }
  rmSync(work, { recursive: true, force: true });
  process.exitCode = process.exitCode || (code ?? 1);
});
