/**
 * Independent audio oracles: ffmpeg decodes (of our inputs and outputs), ffprobe's view of a stream,
 * Debian's `flac -t` on the FLAC stream ffmpeg copies out of an MP4, and ffmpeg's hashes of decoded
 * video frames. Comparisons report the first differing sample, not a dump of two arrays.
 */
import { spawnSync } from 'node:child_process';

export const hasFlac = spawnSync('flac', ['--version'], { stdio: 'ignore' }).status === 0;

function run(tool: string, args: string[], input?: Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(tool, args, { input, maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/**
 * ffmpeg's decode of `mapping` (default every audio stream, e.g. '0:a:1' for one) as interleaved
 * s16le samples. `inputArgs` go before `-i` (a raw format, or `-` for stdin with `stdin` bytes).
 */
export function ffmpegPcm(file: string, options: { mapping?: string; inputArgs?: string[]; stdin?: Uint8Array } = {}): Int16Array {
  const stdin = options.stdin ? [] : ['-nostdin'];
  const args = [...stdin, '-v', 'error', ...(options.inputArgs ?? []), '-i', file, '-map', options.mapping ?? '0:a', '-f', 's16le', '-'];
  const r = run('ffmpeg', args, options.stdin);
  if (r.status !== 0) throw new Error(`ffmpeg could not decode ${file}: ${r.stderr}`);
  return int16(r.stdout);
}

/** Little-endian 16-bit samples of `bytes` (copied, so any byte alignment works). */
export function int16(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.byteLength >> 1);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}

/** Where two sample arrays first differ, or null when equal (length included). */
export function firstDifference(actual: Int16Array, expected: Int16Array): string | null {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) if (actual[i] !== expected[i]) return `sample ${i}: ${actual[i]}, expected ${expected[i]}`;
  return actual.length === expected.length ? null : `${actual.length} samples, expected ${expected.length}`;
}

export interface StreamInfo {
  codecName: string;
  codecType: string;
  sampleRate: number;
  channels: number;
  startTime: number;
  duration: number;
}

/** ffprobe's streams of a file (`-` reads `stdin`). */
export function probeStreams(file: string, stdin?: Uint8Array): StreamInfo[] {
  const r = run(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type,sample_rate,channels,start_time,duration', '-of', 'json', file],
    stdin,
  );
  if (r.status !== 0) throw new Error(`ffprobe could not read ${file}: ${r.stderr}`);
  const streams = (JSON.parse(r.stdout.toString('utf8')) as { streams: Record<string, string | number>[] }).streams;
  return streams.map((s) => ({
    codecName: String(s.codec_name),
    codecType: String(s.codec_type),
    sampleRate: Number(s.sample_rate),
    channels: Number(s.channels),
    startTime: Number(s.start_time),
    duration: Number(s.duration),
  }));
}

/**
 * The FLAC stream of an MP4 as ffmpeg copies it out (`-map 0:a -c:a copy out.flac`), then Debian's
 * `flac -t` on it: exit status and what it printed.
 */
export function flacTest(mp4: string): { status: number | null; output: string } {
  const flac = mp4.replace(/\.mp4$/, '') + '.flac';
  const copy = run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', mp4, '-map', '0:a', '-c:a', 'copy', flac]);
  if (copy.status !== 0) return { status: copy.status, output: `ffmpeg could not copy the FLAC stream out: ${copy.stderr}` };
  const test = run('flac', ['-t', flac]);
  return { status: test.status, output: test.stderr + test.stdout.toString('utf8') };
}

/** MD5 of every decoded video frame, in output order (`ffmpeg -map 0:v -f framemd5`). */
export function decodedVideoHashes(file: string): string[] {
  const r = run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v', '-f', 'framemd5', '-']);
  if (r.status !== 0) throw new Error(`ffmpeg could not decode the video of ${file}: ${r.stderr}`);
  return r.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').pop()!.trim());
}
