// kvs-clip benchmarks (issue 7): speed against ffmpeg, mediabunny and memcpy on the same inputs (in
// Node, and the in-process cases again in headless Chromium),
// streaming memory over 1 GB, browser bundle size, and CPU profiles; writes bench/RESULTS.md.
//
//   npm run bench                      build, then everything below
//   node bench/run.mjs [options]       without rebuilding
//     --only h264-aac,kvs-stream       inputs to run (ids in bench/inputs.mjs)
//     --rounds 3                       the cases take turns this many times (pooled)
//     --iterations 3                   timed runs per in-process case per round (median of all reported)
//     --process-iterations 3           timed runs per whole-process case per round
//     --stream-gib 1                   length of the streaming memory runs (library and CLI)
//     --no-memory --no-size --no-profile --no-browser
//     --out bench/RESULTS.md

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureInputs, inputsDir, repoRoot } from './inputs.mjs';
import { haveTime, median, option, probe, runCase, runProcess } from './measure.mjs';
import { machineInfo, renderResults } from './report.mjs';
import { measureBundles } from './size.mjs';
import { profileCase, profileCli } from './profile.mjs';
import { runCliStreamMemory, runStreamMemory } from './stream-memory.mjs';
import { runBrowserCases } from './browser.mjs';
import { SECTION_END, SECTION_START } from './cli-vs-ffmpeg.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);

const rounds = Number(option('rounds', 3));
const iterations = Number(option('iterations', 3));
const processIterations = Number(option('process-iterations', 3));
const streamBytes = Math.round(Number(option('stream-gib', 1)) * 2 ** 30);
const only = option('only')?.split(',');
const resultsPath = resolve(repoRoot, option('out', 'bench/RESULTS.md'));
const outDir = join(repoRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
// Children (the cases, the streaming run, the profile) load kvs-clip from this snapshot of dist/.
const distDir = join(outDir, 'dist');
process.env.KVS_CLIP_BENCH_DIST = distDir;

const log = (message) => process.stderr.write(`bench: ${message}\n`);

/**
 * Snapshots dist/ into bench/out/dist (other developers rebuild dist/ while this runs) and says what
 * of kvs-clip is built: the library entry with its two calls, and the CLI.
 */
async function kvsClipBuild() {
  const built = join(repoRoot, 'dist');
  rmSync(distDir, { recursive: true, force: true });
  if (existsSync(built)) cpSync(built, distDir, { recursive: true });
  const entry = join(distDir, 'index.js');
  const cli = join(distDir, 'cli.js');
  let library = false;
  if (existsSync(entry)) {
    try {
      const api = await import(pathToFileURL(entry).href);
      library = typeof api.clip === 'function' && typeof api.fragmentedMp4 === 'function';
    } catch (error) {
      log(`dist/index.js does not load: ${error.message}`);
    }
  }
  return { library, cli: existsSync(cli) };
}

/** The in-process cases; `save` ones are written out once and checked with ffprobe. */
const inProcessCases = [
  { name: 'memcpy-allocUnsafeSlow', group: 'memcpy', label: 'memcpy: Buffer.allocUnsafeSlow + set' },
  { name: 'memcpy-new-Uint8Array', group: 'memcpy', label: 'memcpy: new Uint8Array + set' },
  {
    name: 'page-faults',
    group: 'memcpy',
    label: 'floor: a fresh buffer of that size, one byte written per 4 KiB page (its page faults alone)',
  },
  { name: 'kvs-clip-flat-bytes', group: 'kvs-clip', label: 'kvs-clip clip() → Payload.bytes() (one buffer)', save: true },
  { name: 'kvs-clip-flat-chunks', group: 'kvs-clip', label: 'kvs-clip clip() → Payload.chunks()', save: true },
  { name: 'kvs-clip-fmp4', group: 'kvs-clip', label: 'kvs-clip fragmentedMp4() stream (each segment one buffer)', save: true },
  { name: 'kvs-clip-fmp4-chunks', group: 'kvs-clip', label: 'kvs-clip fragmentedMp4Chunks() stream (header + payload views)', save: true },
  { name: 'mediabunny-flat', group: 'mediabunny', label: "mediabunny Conversion, fastStart 'in-memory' (moov first)", save: true },
  { name: 'mediabunny-fmp4', group: 'mediabunny', label: "mediabunny Conversion, fastStart 'fragmented'", save: true },
];

const READ_ONCE =
  "const fs=require('fs');const b=Buffer.allocUnsafeSlow(1<<20);const fd=fs.openSync(process.argv[1],'r');for(let p=0,n;(n=fs.readSync(fd,b,0,b.length,p))>0;p+=n);";

/** Whole-process cases, reading the .mkv from disk and writing the .mp4 to disk. */
function processCases(input, out) {
  // ffmpeg 5.1's mp4 muxer has no tag for G.711; its QuickTime flavour of the same muxer does.
  const ffFormat = input.id === 'h264-alaw' ? ['-f', 'mov'] : [];
  const ffmpeg = (movflags) => [
    '-v',
    'error',
    '-nostdin',
    '-y',
    '-i',
    input.path,
    '-map',
    '0',
    '-c',
    'copy',
    ...(movflags ? ['-movflags', movflags] : []),
    ...ffFormat,
    out,
  ];
  const ffNote = ffFormat.length ? ' (-f mov)' : '';
  const cli = join(distDir, 'cli.js');
  return [
    // Floors for any tool on this machine: Node starting and exiting, and the file copied by the kernel.
    { name: 'node-start', group: 'floor', label: 'floor: `node -e 0` (Node start-up alone)', command: process.execPath, args: ['-e', '0'] },
    {
      name: 'cp',
      group: 'floor',
      label: 'floor: `cp in.mkv out` (the bytes read and written once)',
      command: 'cp',
      args: [input.path, out],
    },
    // What one pass over the file costs Node: start-up plus readSync of every byte into a reused 1 MiB buffer.
    {
      name: 'node-read',
      group: 'floor',
      label: 'floor: Node reading the file once (start-up + readSync into a reused 1 MiB buffer)',
      command: process.execPath,
      args: ['-e', READ_ONCE, input.path],
    },
    {
      name: 'kvs-clip-cli-flat',
      group: 'kvs-clip',
      label: 'kvs-clip CLI `clip in.mkv -o out.mp4`',
      command: process.execPath,
      args: [cli, 'clip', input.path, '-o', out],
    },
    {
      name: 'kvs-clip-cli-fmp4',
      group: 'kvs-clip',
      label: 'kvs-clip CLI `clip … --fragmented`',
      command: process.execPath,
      args: [cli, 'clip', input.path, '-o', out, '--fragmented'],
    },
    { name: 'ffmpeg-flat', group: 'ffmpeg', label: `ffmpeg -c copy (moov last)${ffNote}`, command: 'ffmpeg', args: ffmpeg() },
    {
      name: 'ffmpeg-faststart',
      group: 'ffmpeg',
      label: `ffmpeg -c copy -movflags +faststart${ffNote}`,
      command: 'ffmpeg',
      args: ffmpeg('+faststart'),
    },
    {
      name: 'ffmpeg-fragmented',
      group: 'ffmpeg',
      label: `ffmpeg -c copy -movflags frag_keyframe+empty_moov+default_base_moof${ffNote}`,
      command: 'ffmpeg',
      args: ffmpeg('frag_keyframe+empty_moov+default_base_moof'),
    },
  ];
}

/** The packet counts an output must have: those of the input (or, for a KVS stream, of its source). */
function referenceCounts(input) {
  return probe(input.kind === 'kvs' ? join(inputsDir, input.source) : input.path);
}

/** Pools the runs of one case across rounds: all times (and first calls), the largest peak RSS, the last check. */
function pool(previous, result) {
  if (!previous || previous.error) return previous ?? result;
  if (result.error) return result;
  const times = [...previous.times, ...result.times];
  const firsts = result.firsts && [...previous.firsts, ...result.firsts];
  return {
    ...result,
    times,
    firsts,
    medianMs: median(times),
    medianFirstMs: firsts && median(firsts),
    maxRss: Math.max(previous.maxRss ?? 0, result.maxRss ?? 0) || null,
  };
}

/**
 * Runs every case on one input. Cases take turns (round-robin, `rounds` times) rather than running
 * back to back, so background load on this shared machine falls on all of them alike.
 */
async function benchInput(input, build) {
  const reference = referenceCounts(input);
  const out = join(outDir, `${input.id}.process.mp4`);
  const cases = [
    ...inProcessCases.map((c) => ({ ...c, kind: 'in-process' })),
    ...processCases(input, out).map((c) => ({ ...c, kind: 'process' })),
  ];
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      if (c.group === 'kvs-clip' && !(c.kind === 'process' ? build.cli : build.library)) continue;
      if (results.get(c.name)?.error) continue;
      log(`${input.id}: round ${round + 1}/${rounds} ${c.name}`);
      const last = round === rounds - 1;
      let result;
      let written;
      if (c.kind === 'in-process') {
        written = last && c.save ? join(outDir, `${input.id}.${c.name}.mp4`) : undefined;
        result = runCase(c.name, input.path, iterations, written);
      } else {
        written = c.group === 'floor' ? undefined : out;
        // Each run writes a new file: overwriting the last run's 120 MB output would add ext4's costs
        // to whichever tool runs (O_TRUNC freeing the old pages, ~35 ms, and the flush ext4 starts on
        // closing a truncated file, ~50-60 ms, seen with strace -T on both ffmpeg and kvs-clip).
        result = await runProcess(c.command, c.args, processIterations, {
          warmUp: round === 0,
          before: () => rmSync(out, { force: true }),
        });
      }
      if (written && !result.error) result.check = probe(written);
      if (written) rmSync(written, { force: true });
      results.set(c.name, pool(results.get(c.name), result));
    }
  }
  const rows = cases.map((c) => {
    const result = results.get(c.name);
    if (result) return { ...c, ...result };
    return { ...c, skipped: c.kind === 'process' ? 'dist/cli.js not built yet' : 'dist/index.js has no clip/fragmentedMp4 yet' };
  });
  return { ...input, reference, rows };
}

async function main() {
  const started = new Date();
  const build = await kvsClipBuild();
  log(`kvs-clip library ${build.library ? 'found' : 'not built'}, CLI ${build.cli ? 'found' : 'not built'}`);
  const inputs = ensureInputs({ only });
  const results = { started, build, rounds, iterations, processIterations, haveTime, machine: machineInfo(), inputs: [] };
  for (const input of inputs) results.inputs.push(await benchInput(input, build));

  if (!flag('no-browser')) {
    log('the in-process cases in headless Chromium');
    results.browser = build.library
      ? await runBrowserCases(inputs, { rounds, iterations, dist: distDir, log: (line) => log(line) })
      : { skipped: 'dist/index.js has no clip yet' };
  }
  if (!flag('no-memory')) {
    log(`streaming ${(streamBytes / 2 ** 30).toFixed(2)} GiB through fragmentedMp4`);
    results.memory = build.library ? runStreamMemory(streamBytes) : { skipped: 'dist/index.js has no fragmentedMp4 yet' };
    log(`streaming ${(streamBytes / 2 ** 30).toFixed(2)} GiB through the CLI, file to file`);
    results.cliMemory = build.cli
      ? await runCliStreamMemory(join(distDir, 'cli.js'), streamBytes)
      : { skipped: 'dist/cli.js not built yet' };
  }
  if (!flag('no-size')) {
    log('bundle sizes');
    results.size = await measureBundles();
  }
  if (!flag('no-profile')) {
    // The flat clip as one buffer (the goal's case), as chunks (reading + muxing without the join),
    // and the CLI (file reading and writing as well).
    const big = inputs.find((input) => input.id === 'h264-aac') ?? inputs[0];
    log(`profiling on ${big.file}`);
    results.profiles = [];
    if (build.library) {
      results.profiles.push(profileCase('kvs-clip-flat-bytes', big.path, 5), profileCase('kvs-clip-flat-chunks', big.path, 5));
    }
    if (build.cli) {
      const out = join(outDir, 'profile-cli.mp4');
      results.profiles.push(profileCli(join(distDir, 'cli.js'), ['clip', big.path, '-o', out]));
      rmSync(out, { force: true });
    }
  }
  results.finished = new Date();
  results.loadAverageAfter = loadavg();
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  // The section bench/cli-vs-ffmpeg.mjs writes is its own: kept as it was.
  const previous = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '';
  const start = previous.indexOf(SECTION_START);
  const end = previous.indexOf(SECTION_END);
  const kept = start >= 0 && end > start ? `\n${previous.slice(start, end + SECTION_END.length)}\n` : '';
  writeFileSync(resultsPath, `${renderResults(results).trimEnd()}\n${kept}`);
  log(`wrote ${resultsPath} (raw figures in bench/out/results.json)`);
}

await main();
