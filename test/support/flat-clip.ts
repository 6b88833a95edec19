/**
 * The MP4 layer's flat clip of checked fragments, without the API's selection: layOutFlatClip with
 * the library's payload collector, as clipFromFragments assembles it (src/api/clip.ts).
 */
import { concatBytes } from '../../src/bytes.js';
import type { CheckedFragment } from '../../src/codecs/types.js';
import { layOutFlatClip, payloadViews } from '../../src/mp4/index.js';
import type { TimelineOptions } from '../../src/timeline/index.js';

export interface FlatClip {
  /** Header bytes (ftyp + moov + mdat header) followed by views of the samples' bytes, in file order. */
  chunks: Uint8Array[];
  byteLength: number;
  /** The clip as one buffer. */
  bytes(): Uint8Array;
}

export function buildFlatClip(fragments: Iterable<CheckedFragment>, options: TimelineOptions = {}): FlatClip {
  const payload = payloadViews();
  const { header, byteLength } = layOutFlatClip(fragments, options, payload);
  const chunks = payload.chunks;
  chunks[0] = header;
  return { chunks, byteLength, bytes: () => concatBytes(chunks, byteLength) };
}
