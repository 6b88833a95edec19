/**
 * Matroska ContentEncoding (RFC 9559 §5.1.4.1.31): frames a muxer compressed. Other producers than
 * KVS write it (mkvmerge `--compression TID:zlib`, header stripping in older mkvmerge and some
 * hardware muxers); KVS producers never do. What is decoded and what is refused
 * (docs/kvs-mkv.md, "ContentEncoding"):
 *
 * - zlib (ContentCompAlgo 0) on the frames: inflated with `DecompressionStream('deflate')` (the
 *   zlib format; Node 18+ and browsers have it, so the library needs no node:zlib);
 * - header stripping (ContentCompAlgo 3) on the frames: the stripped bytes are put back in front of
 *   every frame;
 * - anything else (encryption, bzlib, lzo1x, a scope other than frames, chained encodings) is kept as
 *   a description; the codec checks refuse a track that has one (UnsupportedStreamMediaTypeException
 *   naming it), so bytes we cannot decode are never written.
 *
 * Decoding happens once per fragment, before the reader hands it out, and only for fragments whose
 * tracks have an encoding: tracks without one cost a check of the track list per fragment.
 */
import { concatBytes } from '../bytes.js';
import { InvalidMediaFrameException, fragmentPlace } from '../errors.js';
import { forEachChild, readSafeUint } from '../ebml/index.js';
import * as ID from './ids.js';
import type { MkvFragment, MkvTrack, TrackContentEncoding } from './types.js';

/** ContentEncodingScope bit for "all frame contents" (RFC 9559 §5.1.4.1.31.3). */
const SCOPE_FRAMES = 1;
const ALGO_ZLIB = 0;
const ALGO_HEADER_STRIPPING = 3;
const ALGO_NAMES: Record<number, string> = { 1: 'bzlib compression', 2: 'lzo1x compression' };

interface RawEncoding {
  scope: number;
  type: number;
  algo: number;
  settings: Uint8Array | undefined;
  encryptionAlgo: number | undefined;
}

/** A TrackEntry's ContentEncodings body `body[start, end)`: what the frames need to be read. */
export function readContentEncodings(body: Uint8Array, start: number, end: number, base: number): TrackContentEncoding {
  const encodings: RawEncoding[] = [];
  forEachChild(body, start, end, base, (id, encodingStart, encodingEnd) => {
    if (id === ID.CONTENT_ENCODING) encodings.push(readContentEncoding(body, encodingStart, encodingEnd, base));
  });
  if (encodings.length !== 1) return { kind: 'unsupported', description: `${encodings.length} ContentEncodings (chained or none)` };
  const { scope, type, algo, settings, encryptionAlgo } = encodings[0];
  if (type !== 0) return { kind: 'unsupported', description: `encrypted (ContentEncryption, ContentEncAlgo ${encryptionAlgo ?? 0})` };
  if (scope !== SCOPE_FRAMES) {
    return { kind: 'unsupported', description: `compressed with ContentEncodingScope ${scope} (only 1, the frames, is decoded)` };
  }
  if (algo === ALGO_ZLIB) return { kind: 'zlib' };
  if (algo === ALGO_HEADER_STRIPPING) return { kind: 'header-stripping', header: new Uint8Array(settings ?? new Uint8Array(0)) };
  return { kind: 'unsupported', description: `compressed with ${ALGO_NAMES[algo] ?? `ContentCompAlgo ${algo}`}` };
}

function readContentEncoding(body: Uint8Array, start: number, end: number, base: number): RawEncoding {
  // The spec's defaults: scope 1 (frames), type 0 (compression), algorithm 0 (zlib).
  const encoding: RawEncoding = { scope: SCOPE_FRAMES, type: 0, algo: ALGO_ZLIB, settings: undefined, encryptionAlgo: undefined };
  forEachChild(body, start, end, base, (id, childStart, childEnd) => {
    if (id === ID.CONTENT_ENCODING_SCOPE)
      encoding.scope = readSafeUint(body, childStart, childEnd, base + childStart, 'ContentEncodingScope');
    else if (id === ID.CONTENT_ENCODING_TYPE)
      encoding.type = readSafeUint(body, childStart, childEnd, base + childStart, 'ContentEncodingType');
    else if (id === ID.CONTENT_COMPRESSION) {
      forEachChild(body, childStart, childEnd, base, (compId, compStart, compEnd) => {
        if (compId === ID.CONTENT_COMP_ALGO) encoding.algo = readSafeUint(body, compStart, compEnd, base + compStart, 'ContentCompAlgo');
        else if (compId === ID.CONTENT_COMP_SETTINGS) encoding.settings = body.subarray(compStart, compEnd);
      });
    } else if (id === ID.CONTENT_ENCRYPTION) {
      encoding.encryptionAlgo = 0;
      forEachChild(body, childStart, childEnd, base, (encId, encStart, encEnd) => {
        if (encId === ID.CONTENT_ENC_ALGO)
          encoding.encryptionAlgo = readSafeUint(body, encStart, encEnd, base + encStart, 'ContentEncAlgo');
      });
    }
  });
  return encoding;
}

/** Whether any frame of a fragment with these tracks has to be decoded before it is handed out. */
export function needsDecoding(tracks: readonly MkvTrack[]): boolean {
  for (const track of tracks) {
    const kind = track.contentEncoding?.kind;
    if (kind === 'zlib' || kind === 'header-stripping') return true;
  }
  return false;
}

/**
 * Replaces the data of every frame of a track with a decodable ContentEncoding by its decoded bytes
 * (new buffers). A frame that does not inflate, or inflates past `maxFrameSize`, raises
 * InvalidMediaFrameException naming the fragment and track.
 */
export async function decodeFrames(fragment: MkvFragment, maxFrameSize: number): Promise<void> {
  const encodings = new Map<number, TrackContentEncoding>();
  for (const track of fragment.tracks) if (track.contentEncoding !== undefined) encodings.set(track.number, track.contentEncoding);
  for (const frame of fragment.frames) {
    const encoding = encodings.get(frame.track);
    if (encoding === undefined) continue;
    if (encoding.kind === 'header-stripping')
      frame.data = concatBytes([encoding.header, frame.data], encoding.header.length + frame.data.length);
    else if (encoding.kind === 'zlib') {
      const place = { ...fragmentPlace(fragment), track: frame.track };
      frame.data = await inflate(frame.data, maxFrameSize).catch((error: unknown) => {
        const why = error instanceof Error ? error.message : String(error);
        throw new InvalidMediaFrameException(`A zlib-compressed frame at ${frame.timestamp} ticks does not inflate: ${why}`, {
          ...place,
          cause: error,
        });
      });
    }
  }
}

/** One zlib stream inflated, refused once it grows past `maxBytes` (a small frame may inflate to gigabytes). */
async function inflate(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const inflater = new DecompressionStream('deflate');
  const writer = inflater.writable.getWriter();
  // Written while read below; a write's failure is the read's failure too, so it is not awaited here.
  writer
    .write(data as Uint8Array<ArrayBuffer>)
    .then(
      () => writer.close(),
      () => undefined,
    )
    .catch(() => undefined);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = inflater.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`it inflates to more than ${maxBytes} bytes (maxElementSize)`);
    }
    parts.push(value);
  }
  return concatBytes(parts, total);
}
