/**
 * Independent oracle: ffmpeg/ffprobe. `packets` lists every demuxed packet of a file with its times,
 * size, key flag and CRC-32 of its bytes (ffprobe -show_data_hash, the same CRC framecrc prints), so
 * an MP4 we wrote can be compared packet by packet with the Matroska it came from.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function has(tool: string): boolean {
  return spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0;
}

export const hasFfmpeg = has('ffmpeg') && has('ffprobe');

export interface Packet {
  stream: number;
  codecType: string;
  pts: number;
  dts: number;
  duration: number;
  size: number;
  key: boolean;
  crc: string;
  /** Byte position of the packet's block in the file: laced frames of one block share it. */
  pos: number;
}

export function packets(file: string): Packet[] {
  const json = execFileSync(
    'ffprobe',
    [
      '-v',
      'quiet',
      '-show_packets',
      '-show_data_hash',
      'CRC32',
      '-show_entries',
      'packet=stream_index,codec_type,pts_time,dts_time,duration_time,size,pos,flags,data_hash',
      '-of',
      'json',
      file,
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  ).toString();
  const parsed = JSON.parse(json) as { packets: Record<string, string | number>[] };
  return parsed.packets.map((p) => ({
    stream: Number(p.stream_index),
    codecType: String(p.codec_type),
    pts: Number(p.pts_time),
    dts: Number(p.dts_time),
    duration: Number(p.duration_time),
    size: Number(p.size),
    key: String(p.flags).startsWith('K'),
    crc: String(p.data_hash),
    pos: Number(p.pos),
  }));
}

/** ffmpeg's messages while decoding every frame of `file` (empty when all is well, exit status included). */
export function decodeErrors(file: string, extraArgs: string[] = []): string {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, ...extraArgs, '-f', 'null', '-'], { encoding: 'utf8' });
  const messages = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
  return r.status === 0 ? messages : `ffmpeg exited with ${r.status ?? r.signal ?? r.error}: ${messages}`;
}

let dir: string | undefined;
/** Writes bytes to a temporary file for the command-line tools. */
export function tempFile(name: string, data: Uint8Array | Uint8Array[]): string {
  dir ??= mkdtempSync(join(tmpdir(), 'kvs-clip-mp4-'));
  const path = join(dir, name);
  writeFileSync(path, Array.isArray(data) ? Buffer.concat(data) : data);
  return path;
}
