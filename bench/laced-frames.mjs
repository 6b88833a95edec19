/**
 * The flat clip of a stream of tiny laced frames (issue 22, item 1): GetMedia-style G.711 in one-byte
 * frames fixed-laced 256 to a block, 2 s fragments (bench/support/laced-stream.mjs), the most frames
 * per input byte Matroska allows. Whole processes under GNU time: wall time and peak RSS of the CLI's
 * flat clip, its fragmented output, the library's clip() of the file read into memory, and ffmpeg's
 * copy for scale; each case's output is checked by ffprobe (every frame's sample there).
 *
 *   npx tsup && node bench/laced-frames.mjs [--frames 1000000,4000000] [--rounds 3] [--baseline <dist dir>] [--append]
 *
 * `--baseline` adds the same CLI and library cases from another build (say, a worktree of an earlier
 * commit) for a before/after. Writes bench/LACED-FRAMES.md (`--append`: adds to it).
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './inputs.mjs';
import { option, probe, runProcess, snapshotDist } from './measure.mjs';
import { machineInfo } from './report.mjs';
import { writeLacedStream } from './support/laced-stream.mjs';

const counts = option('frames', '1000000,4000000').split(',').map(Number);
const rounds = Number(option('rounds', '3'));
const baseline = option('baseline', null);
const out = join(repoRoot, 'bench', 'out', 'laced');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const dist = snapshotDist(repoRoot, out, 'current');

const libraryScript = (distDir) =>
  `import { readFileSync, writeFileSync } from 'node:fs'; import { clip } from '${distDir}/index.js';` +
  `const { Payload } = await clip(readFileSync(process.argv[1])); writeFileSync(process.argv[2], Payload.bytes());`;

function cases(input, output) {
  const list = [
    ['kvs-clip CLI `clip`', 'node', [join(dist, 'cli.js'), 'clip', input, '-o', output, '--quiet']],
    ['kvs-clip CLI `clip --fragmented`', 'node', [join(dist, 'cli.js'), 'clip', input, '-o', output, '--fragmented', '--quiet']],
    ['library `clip()` of the file in memory', 'node', ['--input-type=module', '-e', libraryScript(dist), input, output]],
    [
      'ffmpeg -c copy -movflags +faststart -f mov (its mp4 muxer refuses A-law)',
      'ffmpeg',
      ['-nostdin', '-v', 'error', '-y', '-i', input, '-c', 'copy', '-movflags', '+faststart', '-f', 'mov', output],
    ],
  ];
  if (baseline) {
    list.push(['baseline CLI `clip`', 'node', [join(baseline, 'cli.js'), 'clip', input, '-o', output, '--quiet']]);
    list.push(['baseline library `clip()`', 'node', ['--input-type=module', '-e', libraryScript(baseline), input, output]]);
  }
  return list;
}

const output = join(out, 'out.mp4');
const rows = [];
for (const frames of counts) {
  const input = join(out, `laced-${frames}.mkv`);
  const { bytes, fragments } = writeLacedStream(input, { frames });
  for (const [name, command, args] of cases(input, output)) {
    const result = await runProcess(command, args, rounds, { before: () => rmSync(output, { force: true }) });
    const check = result.error ? null : probe(output);
    rows.push({ frames, bytes, fragments, name, ...result, check });
    console.error(
      `${frames} frames: ${name}: ${result.error ?? `${result.medianMs.toFixed(0)} ms, ${(result.maxRss / 2 ** 20).toFixed(0)} MiB`}`,
    );
  }
  rmSync(input, { force: true });
}

const machine = machineInfo();
const table = [
  '| frames (input) | case | median s | peak RSS MiB | peak RSS ÷ frames (bytes) | frames out (ffprobe) |',
  '|---|---|---:|---:|---:|---|',
  ...rows.map((r) => {
    const input = `${(r.frames / 1e6).toFixed(0)} M (${(r.bytes / 1e6).toFixed(1)} MB, ${r.fragments} fragments)`;
    if (r.error) return `| ${input} | ${r.name} | – | – | – | failed: ${r.error.replace(/\|/g, '/')} |`;
    const framesOut = r.check?.error ?? `${r.check?.audio ?? '?'} packets, ${r.check?.duration ?? '?'} s`;
    return `| ${input} | ${r.name} | ${(r.medianMs / 1000).toFixed(2)} | ${(r.maxRss / 2 ** 20).toFixed(0)} | ${(r.maxRss / r.frames).toFixed(0)} | ${framesOut} |`;
  }),
].join('\n');

const report = join(repoRoot, 'bench', 'LACED-FRAMES.md');
const intro = `# Tiny laced frames (issue 22, item 1)

Written by bench/laced-frames.mjs. Input: GetMedia-style G.711 A-law, one-byte frames fixed-laced 256
to a SimpleBlock, 2 s (16,000-frame) fragments with KVS's tags (bench/support/laced-stream.mjs).
Whole processes, each run after a warm-up run; peak RSS by GNU time. ffprobe counts packets as the
mov demuxer reads them (it joins runs of tiny PCM samples into packets), so the duration, not the
packet count, says every frame is there; test/hostile.test.ts reads every frame's byte back with ffmpeg.
`;
const section = `
## \`node bench/laced-frames.mjs ${process.argv.slice(2).join(' ')}\`

- Date: ${new Date().toISOString()}; ${rounds} timed runs per case
- Commit: ${machine.commit}${machine.srcDirty ? ' (src/ changed since)' : ''}${baseline ? `; baseline: ${baseline}` : ''}
- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB.toFixed(1)} GiB RAM; Node ${machine.node}; ${machine.ffmpeg}

${table}
`;
// --append adds this run's section after the earlier ones (say, one long input run once).
if (process.argv.includes('--append') && existsSync(report)) appendFileSync(report, section);
else writeFileSync(report, intro + section);
console.log(table);
