// Issue 20's goals, on their own and in 2-3 minutes: the CLI's flat clip against
// `ffmpeg -c copy -movflags +faststart` on each bench input (wall time and peak RSS, cases taking
// turns), Node's start-up floors beside them, and each package entry's gzipped size against its
// budget (bench/size.mjs). Writes its section of bench/RESULTS.md (between the markers below; `npm run
// bench` keeps it) and bench/out/cli-vs-ffmpeg.json.
//
//   npx tsup && node bench/cli-vs-ffmpeg.mjs [--rounds 5] [--only h264-aac,kvs-stream]

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureInputs, repoRoot } from './inputs.mjs';
import { median, option, runProcess, snapshotDist } from './measure.mjs';
import { machineInfo } from './report.mjs';
import { BUDGETS, measureBundles } from './size.mjs';

export const SECTION_START = '<!-- cli-vs-ffmpeg: written by bench/cli-vs-ffmpeg.mjs -->';
export const SECTION_END = '<!-- /cli-vs-ffmpeg -->';

const rounds = Number(option('rounds', 5));
const only = option('only', 'h264-aac,hevc-aac,h264-alaw,kvs-stream').split(',');
const outDir = join(repoRoot, 'bench', 'out');
const log = (message) => process.stderr.write(`cli-vs-ffmpeg: ${message}\n`);

/** A snapshot of dist/ (others rebuild dist/ while this runs) and an empty module; their paths. */
function prepare() {
  const dist = snapshotDist(repoRoot, outDir, 'cli-vs-ffmpeg');
  const emptyModule = join(outDir, 'empty.mjs');
  writeFileSync(emptyModule, '');
  return { cli: join(dist, 'cli.js'), emptyModule };
}

function cases(input, out, { cli, emptyModule }) {
  // ffmpeg 5.1's mp4 muxer has no tag for G.711; its QuickTime flavour of the same muxer does.
  const ffFormat = input.id === 'h264-alaw' ? ['-f', 'mov'] : [];
  const node = process.execPath;
  return [
    { id: 'node', label: '`node -e 0`', command: node, args: ['-e', '0'] },
    { id: 'node-esm', label: '`node empty.mjs` (Node start-up with its ES module loader)', command: node, args: [emptyModule] },
    {
      id: 'small',
      label: '`kvs-clip clip` of a 0.1 MB fixture (start-up, the clip command loaded and compiled)',
      command: node,
      args: [cli, 'clip', join(repoRoot, 'fixtures', 'hevc-bframes-aac.mkv'), '-o', out],
    },
    { id: 'cp', label: '`cp in.mkv out`', command: 'cp', args: [input.path, out] },
    { id: 'kvs-clip', label: '**kvs-clip `clip in.mkv -o out.mp4`**', command: node, args: [cli, 'clip', input.path, '-o', out] },
    {
      id: 'ffmpeg',
      label: `**ffmpeg -c copy -movflags +faststart**${ffFormat.length ? ' (-f mov)' : ''}`,
      command: 'ffmpeg',
      args: ['-v', 'error', '-nostdin', '-y', '-i', input.path, '-map', '0', '-c', 'copy', '-movflags', '+faststart', ...ffFormat, out],
    },
  ];
}

async function benchInput(input, paths) {
  const out = join(outDir, `${input.id}.cli-vs-ffmpeg.mp4`);
  const list = cases(input, out, paths);
  const runs = new Map(list.map((c) => [c.id, { times: [], maxRss: 0 }]));
  for (let round = 0; round < rounds; round++) {
    log(`${input.id}: round ${round + 1}/${rounds}`);
    for (const c of list) {
      // Each run writes a new file (overwriting a large output adds ext4's truncate costs to whoever runs).
      const result = await runProcess(c.command, c.args, 1, { warmUp: round === 0, before: () => rmSync(out, { force: true }) });
      if (result.error) throw new Error(`${c.id} on ${input.id}: ${result.error}`);
      const run = runs.get(c.id);
      run.times.push(...result.times);
      run.maxRss = Math.max(run.maxRss, result.maxRss ?? 0);
    }
  }
  rmSync(out, { force: true });
  const rows = list.map((c) => ({ ...c, medianMs: median(runs.get(c.id).times), ...runs.get(c.id) }));
  return { id: input.id, file: input.file, bytes: input.bytes, rows };
}

const fmt = (n, digits = 0) => n.toFixed(digits);
const mib = (bytes) => fmt(bytes / 2 ** 20);

function render(results) {
  const { machine, started, load } = results;
  const lines = [
    SECTION_START,
    '## Issue 20: the CLI against ffmpeg, and the entries against their budgets',
    '',
    `Written by \`node bench/cli-vs-ffmpeg.mjs\` (${rounds} rounds, the cases taking turns, one run each per round after a warm-up run; median wall time incl. process start, peak RSS by GNU time).`,
    '',
    `- Date: ${started.toISOString()}; commit ${machine.commit}${machine.srcDirty ? ' (src modified)' : ''}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.ramGiB, 1)} GiB RAM, **shared with other work while it ran**: load average ${load.before.map((l) => fmt(l, 1)).join(' / ')} at the start, ${load.after.map((l) => fmt(l, 1)).join(' / ')} at the end (1/5/15 min); figures are noisy, the ratios (same rounds) less so`,
    `- Node ${machine.node}; ${machine.ffmpeg}`,
    '',
    '| input | kvs-clip ms | ffmpeg +faststart ms | kvs-clip ÷ ffmpeg (goal ≤ 0.67) | kvs-clip peak RSS | ffmpeg peak RSS | RSS goal (≤ ffmpeg + 64 MiB) | `node -e 0` | `node empty.mjs` | kvs-clip on a 0.1 MB file | cp |',
    '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const input of results.inputs) {
    const row = Object.fromEntries(input.rows.map((r) => [r.id, r]));
    const ratio = row['kvs-clip'].medianMs / row.ffmpeg.medianMs;
    const rssOk = row['kvs-clip'].maxRss <= row.ffmpeg.maxRss + 64 * 2 ** 20;
    lines.push(
      `| ${input.id} (${fmt(input.bytes / 1e6, 1)} MB) | ${fmt(row['kvs-clip'].medianMs)} | ${fmt(row.ffmpeg.medianMs)} | **${fmt(ratio, 2)}** ${ratio <= 2 / 3 ? 'met' : 'not met'} | ${mib(row['kvs-clip'].maxRss)} MiB | ${mib(row.ffmpeg.maxRss)} MiB | ${rssOk ? 'met' : 'not met'} | ${fmt(row.node.medianMs)} | ${fmt(row['node-esm'].medianMs)} | ${fmt(row.small.medianMs)} | ${fmt(row.cp.medianMs)} |`,
    );
  }
  lines.push('', '| entry | gzipped up front | budget | goal |', '|---|---:|---:|---|');
  for (const [id, budget] of Object.entries(BUDGETS)) {
    const size = results.size[id];
    const goal = id === 'mse' ? (size.gzipped <= 15 * 1024 ? '≤ 15 KiB: met' : '≤ 15 KiB: **not met**') : '–';
    lines.push(`| ${size.label} | ${fmt(size.gzipped / 1024, 2)} KiB | ${fmt(budget / 1024, 2)} KiB | ${goal} |`);
  }
  lines.push('', 'Where the time goes (medians above):', '');
  for (const input of results.inputs) {
    const row = Object.fromEntries(input.rows.map((r) => [r.id, r.medianMs]));
    const limit = (2 / 3) * row.ffmpeg;
    lines.push(
      `- ${input.id}: the goal's limit is ${fmt(limit)} ms; Node starting with its ES module loader takes ${fmt(row['node-esm'])} ms and cp ${fmt(row.cp)} ms, ${fmt(((row['node-esm'] + row.cp) / limit) * 100)}% of the limit before any parsing; loading the CLI and clipping a 0.1 MB file adds ${fmt(row.small - row['node-esm'])} ms, the rest of the clip (both passes over the input) ${fmt(row['kvs-clip'] - row.small)} ms.`,
    );
  }
  lines.push(SECTION_END);
  return lines.join('\n');
}

/** Replaces the marked section of RESULTS.md (or appends it). */
export function withSection(text, section) {
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END);
  if (start < 0 || end < 0) return `${text.trimEnd()}\n\n${section}\n`;
  return `${text.slice(0, start)}${section}${text.slice(end + SECTION_END.length)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const paths = prepare();
  const started = new Date();
  const before = loadavg();
  const inputs = ensureInputs({ only });
  const results = { started, machine: machineInfo(), inputs: [] };
  for (const input of inputs) results.inputs.push(await benchInput(input, paths));
  results.size = await measureBundles();
  results.load = { before, after: loadavg() };
  writeFileSync(join(outDir, 'cli-vs-ffmpeg.json'), JSON.stringify(results, null, 2));
  const resultsPath = join(repoRoot, 'bench', 'RESULTS.md');
  writeFileSync(resultsPath, withSection(readFileSync(resultsPath, 'utf8'), render(results)));
  log(`wrote its section of ${resultsPath}`);
}
