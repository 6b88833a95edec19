/**
 * Test helpers around src/audio/flac: encode planar PCM into a complete `.flac` file (with the MD5
 * of STREAMINFO filled in, so `flac -t` checks every decoded sample too), and run the reference
 * tools (`flac`, `metaflac`, `ffmpeg`) on it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlacEncoder, flacStreamHeader, type FlacEncoderOptions, type FlacStreamInfo } from '../../src/audio/index.js';

function has(tool: string, arg: string): boolean {
  return spawnSync(tool, [arg], { stdio: 'ignore' }).status === 0;
}

/** Debian's `flac` and `metaflac` (package flac). */
export const hasFlacTool = has('flac', '--version') && has('metaflac', '--version');

let dir: string | undefined;
/** A path in this run's temporary folder. */
export function tempPath(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'kvs-clip-audio-'));
  return join(dir, name);
}

/**
 * MD5 of samples as STREAMINFO wants it (RFC 9639 §8.2): interleaved, signed little-endian, each
 * sample in ceil(bps / 8) bytes.
 */
export function pcmMd5(channels: ArrayLike<number>[], bitsPerSample: number): Uint8Array {
  const width = Math.ceil(bitsPerSample / 8);
  const n = channels[0].length;
  const buf = Buffer.alloc(n * channels.length * width);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (const c of channels) {
      buf.writeIntLE(c[i], at, width);
      at += width;
    }
  }
  return new Uint8Array(createHash('md5').update(buf).digest());
}

export interface EncodedFile {
  bytes: Uint8Array;
  frames: Uint8Array[];
  info: FlacStreamInfo;
  /** Total size of the frames (the audio without the file header). */
  frameBytes: number;
}

/**
 * Encodes planar PCM into a `.flac` file, cutting it into blocks of `blockSizes` (used in turn;
 * the last block is whatever is left), STREAMINFO from `finalStreamInfo()` plus the MD5.
 */
export function encodeFlacFile(
  channels: (Int16Array | Int32Array)[],
  options: FlacEncoderOptions,
  blockSizes: readonly number[],
): EncodedFile {
  const enc = new FlacEncoder(options);
  const n = channels[0].length;
  const frames: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; at < n; k++) {
    const size = Math.min(blockSizes[k % blockSizes.length], n - at);
    frames.push(enc.encode(channels.map((c) => c.subarray(at, at + size))));
    at += size;
  }
  const info = { ...enc.finalStreamInfo(), md5: pcmMd5(channels, options.bitsPerSample ?? 16) };
  const header = flacStreamHeader(info);
  const frameBytes = frames.reduce((s, f) => s + f.length, 0);
  const bytes = Buffer.concat([header, ...frames]);
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), frames, info, frameBytes };
}

/** `flac -t` on a file: exit status and messages. */
export function flacTest(file: string): { ok: boolean; output: string } {
  const r = spawnSync('flac', ['-t', '-w', file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: (r.stdout + r.stderr).trim() };
}

/** Samples decoded by `flac -d` as raw signed little-endian, interleaved. */
export function flacDecodeRaw(file: string): Buffer {
  const out = `${file}.flac-d.raw`;
  const r = spawnSync('flac', ['-d', '-s', '-f', '--force-raw-format', '--endian=little', '--sign=signed', '-o', out, file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`flac -d failed: ${r.stderr}`);
  return readFileSync(out);
}

/** Samples decoded by ffmpeg's FLAC decoder as s16le (or s32le for > 16 bits), with its messages. */
export function ffmpegDecodeRaw(file: string, format = 's16le'): { data: Buffer; messages: string } {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', format, '-'], { maxBuffer: 1 << 30 });
  return { data: r.stdout, messages: r.stderr.toString().trim() };
}

/** Interleaved little-endian bytes of planar samples, `width` bytes each. */
export function interleavedBytes(channels: ArrayLike<number>[], width = 2): Buffer {
  const n = channels[0].length;
  const buf = Buffer.alloc(n * channels.length * width);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (const c of channels) {
      buf.writeIntLE(c[i], at, width);
      at += width;
    }
  }
  return buf;
}

/** Writes bytes to a temporary file and returns its path. */
export function tempFileOf(name: string, bytes: Uint8Array): string {
  const path = tempPath(name);
  writeFileSync(path, bytes);
  return path;
}
