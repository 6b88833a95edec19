// Issue 16's measurement: `kvs-clip hls` / `kvs-clip dash` against ffmpeg packaging the same input
// (`ffmpeg -c copy -f hls -hls_segment_type fmp4`, and `-f dash`), wall time and peak RSS, the cases
// taking turns; and whether kvs-clip's memory stays flat as the input grows (a fragment at a time plus
// the playlist text). Writes bench/PACKAGES.md and bench/out/package-vs-ffmpeg.json.
//
//   npx tsup && node bench/package-vs-ffmpeg.mjs [--rounds 3] [--only h264-aac,kvs-stream]
//
// The inputs are made by bench/inputs.mjs on first use (ffmpeg encodes them: minutes).

import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureInputs, repoRoot } from './inputs.mjs';
import { median, option, runProcess, snapshotDist } from './measure.mjs';
import { machineInfo } from './report.mjs';

const rounds = Number(option('rounds', 3));
const only = option('only', 'h264-aac,kvs-stream').split(',');
const outDir = join(repoRoot, 'bench', 'out');
const log = (message) => process.stderr.write(`package-vs-ffmpeg: ${message}\n`);

function cases(input, dir, cli) {
  const node = process.execPath;
  // ffmpeg's segment length set to the input's fragment length, so both write about as many
  // segments: the GetMedia-style input's KVS fragments are 0.5 s, the others' key-frame groups 2 s.
  const segment = input.kind === 'kvs' ? '0.5' : '2';
  const ff = ['-v', 'error', '-nostdin', '-y', '-i', input.path, '-map', '0', '-c', 'copy'];
  return [
    { id: 'hls', label: '**kvs-clip hls**', command: node, args: [cli, 'hls', input.path, '-o', dir, '--quiet'] },
    {
      id: 'hls-single',
      label: 'kvs-clip hls --single-file',
      command: node,
      args: [cli, 'hls', input.path, '-o', dir, '--single-file', '--quiet'],
    },
    {
      id: 'ffmpeg-hls',
      label: `**ffmpeg -c copy -f hls -hls_segment_type fmp4** (-hls_time ${segment}, VOD)`,
      command: 'ffmpeg',
      args: [...ff, '-f', 'hls', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'vod', '-hls_time', segment, join(dir, 'index.m3u8')],
    },
    { id: 'dash', label: '**kvs-clip dash**', command: node, args: [cli, 'dash', input.path, '-o', dir, '--quiet'] },
    {
      id: 'ffmpeg-dash',
      label: `**ffmpeg -c copy -f dash** (-seg_duration ${segment})`,
      command: 'ffmpeg',
      args: [...ff, '-f', 'dash', '-seg_duration', segment, join(dir, 'manifest.mpd')],
    },
  ];
}

/** Files and bytes a run left in `dir`, subfolders included (DASH writes one per track). */
function folderSize(dir) {
  const total = { files: 0, bytes: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = folderSize(path);
      total.files += inner.files;
      total.bytes += inner.bytes;
    } else {
      total.files++;
      total.bytes += statSync(path).size;
    }
  }
  return total;
}

async function benchInput(input, cli) {
  const dir = join(outDir, `${input.id}.package`);
  const fresh = () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  };
  const list = cases(input, dir, cli);
  const runs = new Map(list.map((c) => [c.id, { times: [], maxRss: 0, output: null, error: null }]));
  for (let round = 0; round < rounds; round++) {
    log(`${input.id}: round ${round + 1}/${rounds}`);
    for (const c of list) {
      const run = runs.get(c.id);
      if (run.error) continue;
      const result = await runProcess(c.command, c.args, 1, { warmUp: round === 0, before: fresh });
      if (result.error) {
        run.error = result.error;
        continue;
      }
      run.times.push(...result.times);
      run.maxRss = Math.max(run.maxRss, result.maxRss ?? 0);
      run.output = folderSize(dir);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    id: input.id,
    file: input.file,
    bytes: input.bytes,
    rows: list.map((c) => ({ ...c, ...runs.get(c.id), medianMs: median(runs.get(c.id).times) })),
  };
}

const fmt = (n, digits = 0) => n.toFixed(digits);
const mib = (bytes) => fmt(bytes / 2 ** 20);

function render({ started, machine, load, results }) {
  const lines = [
    '# HLS and DASH packages against ffmpeg (issue 16)',
    '',
    `Written by \`node bench/package-vs-ffmpeg.mjs\` (${rounds} rounds, the cases taking turns, one run each per round after a warm-up run; median wall time including process start; peak RSS by GNU time; each run writes into an empty folder).`,
    '',
    `- Date: ${started.toISOString()}; commit ${machine.commit}${machine.srcDirty ? ' (src modified)' : ''}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.ramGiB, 1)} GiB RAM; load average ${load.before.map((l) => fmt(l, 1)).join(' / ')} at the start, ${load.after.map((l) => fmt(l, 1)).join(' / ')} at the end (1/5/15 min)`,
    `- Node ${machine.node}; ${machine.ffmpeg}`,
    '',
    "kvs-clip cuts one segment per KVS fragment (per key-frame group for plain Matroska: 2 s in these inputs); ffmpeg cuts at key frames at least `-hls_time` / `-seg_duration` apart, set to the same 2 s, or 0.5 s for the GetMedia-style input whose fragments are 0.5 s, so both write about as many segments. DASH: one segment file per track per fragment for both. ffmpeg writes no EXT-X-PROGRAM-DATE-TIME and no `prft` here; kvs-clip writes both. Peak RSS is the process's (Node itself is ~45 MiB).",
    '',
    '| input | case | median ms | ÷ ffmpeg | peak RSS | files | MB written |',
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const input of results) {
    const row = Object.fromEntries(input.rows.map((r) => [r.id, r]));
    for (const r of input.rows) {
      const against = r.id.startsWith('hls') ? row['ffmpeg-hls'] : r.id === 'dash' ? row['ffmpeg-dash'] : null;
      const ratio = against && !against.error && !r.error ? fmt(r.medianMs / against.medianMs, 2) : '';
      const cells = r.error
        ? `failed: ${r.error.replace(/\|/g, '/').slice(0, 160)} | | | | |`
        : `${fmt(r.medianMs)} | ${ratio} | ${mib(r.maxRss)} MiB | ${r.output.files} | ${fmt(r.output.bytes / 1e6, 1)} |`;
      lines.push(`| ${input.id} (${fmt(input.bytes / 1e6, 1)} MB) | ${r.label} | ${cells}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const cli = join(snapshotDist(repoRoot, outDir, 'package-vs-ffmpeg'), 'cli.js');
const started = new Date();
const before = loadavg();
const results = [];
for (const input of ensureInputs({ only })) results.push(await benchInput(input, cli));
const report = { started, machine: machineInfo(), load: { before, after: loadavg() }, results };
writeFileSync(join(outDir, 'package-vs-ffmpeg.json'), JSON.stringify(report, null, 2));
writeFileSync(join(repoRoot, 'bench', 'PACKAGES.md'), render(report));
log('wrote bench/PACKAGES.md');
