// Long calls: `kvs-clip audio` (WAV) and `kvs-clip clip --audio flac --fragmented` on Amazon
// Connect-like calls of 10, 60 and 240 minutes, each timed with its peak RSS, to show that memory is
// bounded by a fragment, not by the call. Writes bench/RESULTS-audio-calls.md with the machine and date.
//
//   npm run build && node bench/long-call.mjs [minutes…]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { inputsDir, repoRoot } from './inputs.mjs';

const minutesList = process.argv.slice(2).map(Number);
const lengths = minutesList.length > 0 ? minutesList : [10, 60, 240];
const generator = join(inputsDir, 'connect-call.mjs');
mkdirSync(inputsDir, { recursive: true });
execFileSync(
  join(repoRoot, 'node_modules/.bin/esbuild'),
  ['bench/support/connect-call.ts', '--bundle', '--platform=node', '--format=esm', `--outfile=${generator}`, '--log-level=warning'],
  { cwd: repoRoot },
);

/** Runs the CLI under /usr/bin/time: wall seconds and peak RSS in MiB. */
function measure(args) {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(repoRoot, 'dist/cli.js'), ...args], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`kvs-clip ${args.join(' ')} failed: ${run.stderr}`);
  const rssKiB = Number(run.stderr.trim().split('\n').at(-1));
  return { seconds, rssMiB: rssKiB / 1024 };
}
const baseline = measure(['--version']);

const rows = [];
for (const minutes of lengths) {
  const input = join(inputsDir, `connect-call-${minutes}min.mkv`);
  if (!existsSync(input)) execFileSync(process.execPath, [generator, input, String(minutes)]);
  const inputMB = statSync(input).size / 1e6;
  const wav = measure(['audio', input, '-o', join(inputsDir, 'call.wav')]);
  const flac = measure(['clip', input, '--audio', 'flac', '--fragmented', '-o', join(inputsDir, 'call.mp4')]);
  const flacMB = statSync(join(inputsDir, 'call.mp4')).size / 1e6;
  rows.push({ minutes, inputMB, wav, flac, flacMB });
  console.log(
    `${minutes} min: ${inputMB.toFixed(1)} MB in; WAV ${wav.seconds.toFixed(2)} s, ${wav.rssMiB.toFixed(0)} MiB; FLAC fMP4 ${flac.seconds.toFixed(2)} s, ${flac.rssMiB.toFixed(0)} MiB, ${flacMB.toFixed(1)} MB`,
  );
}

const lines = [
  '# Long calls: WAV and FLAC streaming',
  '',
  `Run ${new Date().toISOString()} on ${cpus()[0].model} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.`,
  `Input: Amazon Connect-like calls (2 tracks of 16-bit PCM, 8 kHz, A_AAC + MimeType tag, 2 s fragments), made by bench/support/connect-call.ts.`,
  `Peak RSS of \`kvs-clip --version\` (Node's start-up alone): ${baseline.rssMiB.toFixed(0)} MiB.`,
  '',
  '| call | input | `kvs-clip audio` → WAV | peak RSS | `clip --audio flac --fragmented` | peak RSS | FLAC fMP4 size |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.minutes} min | ${r.inputMB.toFixed(1)} MB | ${r.wav.seconds.toFixed(2)} s (${(r.inputMB / r.wav.seconds).toFixed(0)} MB/s) | ${r.wav.rssMiB.toFixed(0)} MiB | ${r.flac.seconds.toFixed(2)} s (${(r.inputMB / r.flac.seconds).toFixed(0)} MB/s) | ${r.flac.rssMiB.toFixed(0)} MiB | ${r.flacMB.toFixed(1)} MB (${((100 * r.flacMB) / r.inputMB).toFixed(0)}% of the input) |`,
  ),
  '',
  'Memory stays flat from the shortest call to the longest: the WAV goes to disk as it is assembled (header',
  'written last), and the fMP4 leaves a segment per fragment.',
  '',
];
writeFileSync(join(repoRoot, 'bench/RESULTS-audio-calls.md'), lines.join('\n'));
