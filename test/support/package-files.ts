/**
 * Test helpers for the HLS/DASH packages: write a package's files to a temporary folder, read the
 * playlist's entries, and read each media segment's prft and tfdt from the bytes (a parser written
 * here from ISO/IEC 14496-12, sharing no code with src/mp4).
 */
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PackageFile } from '../../src/package/types.js';

/** Writes every file under a new temporary folder; returns the folder. */
export async function writePackageFiles(files: AsyncIterable<PackageFile>, name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `kvs-clip-${name}-`));
  for await (const file of files) {
    const path = join(dir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    (file.append ? appendFileSync : writeFileSync)(path, Buffer.concat(file.chunks));
  }
  return dir;
}

/** Collects the files (and the error, if the package ended with one). */
export async function collectPackage(files: AsyncIterable<PackageFile>): Promise<{ files: PackageFile[]; error: unknown }> {
  const out: PackageFile[] = [];
  try {
    for await (const file of files) out.push(file);
    return { files: out, error: null };
  } catch (error) {
    return { files: out, error };
  }
}

export interface PlaylistEntry {
  uri: string;
  duration: number;
  programDateTime: number | null;
  discontinuity: boolean;
  byteRange: string | null;
}

/** The media segment entries of an HLS media playlist, and whether it ends with EXT-X-ENDLIST. */
export function readPlaylist(text: string): { entries: PlaylistEntry[]; endList: boolean; targetDuration: number } {
  const entries: PlaylistEntry[] = [];
  let pending: Partial<PlaylistEntry> = {};
  let targetDuration = NaN;
  for (const line of text.split('\n')) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22));
    else if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pending.programDateTime = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) pending.duration = Number(line.slice(8).split(',')[0]);
    else if (line.startsWith('#EXT-X-BYTERANGE:')) pending.byteRange = line.slice(17);
    else if (line !== '' && !line.startsWith('#')) {
      entries.push({
        uri: line,
        duration: pending.duration ?? NaN,
        programDateTime: pending.programDateTime ?? null,
        discontinuity: pending.discontinuity ?? false,
        byteRange: pending.byteRange ?? null,
      });
      pending = {};
    }
  }
  return { entries, endList: text.trimEnd().endsWith('#EXT-X-ENDLIST'), targetDuration };
}

export interface SegmentTimes {
  prft: { version: number; flags: number; trackId: number; epochMs: number; mediaTime: number } | null;
  /** tfdt per track id in the moof. */
  tfdt: Map<number, number>;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** Reads the top-level prft and the moof's tfdt boxes of one media segment. */
export function segmentTimes(bytes: Uint8Array): SegmentTimes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  const u64 = (at: number) => view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
  let prft: SegmentTimes['prft'] = null;
  const tfdt = new Map<number, number>();
  const walk = (start: number, end: number) => {
    for (let at = start; at < end;) {
      const size = view.getUint32(at);
      const t = type(at);
      if (t === 'prft') {
        const version = bytes[at + 8];
        const seconds = view.getUint32(at + 16);
        const fraction = view.getUint32(at + 20);
        prft = {
          version,
          flags: view.getUint32(at + 8) & 0xffffff,
          trackId: view.getUint32(at + 12),
          epochMs: (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction * 1000) / 2 ** 32,
          mediaTime: version === 1 ? u64(at + 24) : view.getUint32(at + 24),
        };
      } else if (t === 'moof') walk(at + 8, at + size);
      else if (t === 'traf') {
        let trackId = 0;
        for (let c = at + 8; c < at + size; c += view.getUint32(c)) {
          if (type(c) === 'tfhd') trackId = view.getUint32(c + 12);
          if (type(c) === 'tfdt') tfdt.set(trackId, bytes[c + 8] === 1 ? u64(c + 12) : view.getUint32(c + 12));
        }
      }
      if (t === 'mdat') break;
      at += size;
    }
  };
  walk(0, bytes.byteLength);
  return { prft, tfdt };
}

/** The payload of a media segment's mdat. */
export function mdatPayload(segment: Uint8Array): Uint8Array {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  for (let at = 0; at < segment.byteLength; at += view.getUint32(at)) {
    if (String.fromCharCode(...segment.subarray(at + 4, at + 8)) === 'mdat') return segment.subarray(at + 8, at + view.getUint32(at));
  }
  throw new Error('no mdat');
}
