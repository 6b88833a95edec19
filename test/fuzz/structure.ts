/**
 * A lenient map of a Matroska byte stream's elements, for structure-aware mutation: where each
 * element's ID, size field and body are, which are masters (walked into) and which ancestors hold
 * them. Headers are read with src/ebml's readElementHeader; the nesting rules (unknown-size Segment
 * and Cluster, which IDs are masters) are written out here on their own, so the map does not share
 * the reader's decisions. Anything that does not parse ends the walk of its level: the map describes
 * what is there, it never throws.
 */
import { readElementHeader, UNKNOWN_SIZE, vintLength, type ElementHeader } from '../../src/ebml/index.js';
import { sizeField as writerSizeField, type SizeWidth } from '../support/kvs-writer.js';

export const ID = {
  EBML: 0x1a45dfa3,
  DOC_TYPE: 0x4282,
  SEGMENT: 0x18538067,
  SEEK_HEAD: 0x114d9b74,
  SEEK: 0x4dbb,
  INFO: 0x1549a966,
  TIMECODE_SCALE: 0x2ad7b1,
  TRACKS: 0x1654ae6b,
  TRACK_ENTRY: 0xae,
  TRACK_NUMBER: 0xd7,
  TRACK_TYPE: 0x83,
  CODEC_ID: 0x86,
  CODEC_PRIVATE: 0x63a2,
  DEFAULT_DURATION: 0x23e383,
  VIDEO: 0xe0,
  AUDIO: 0xe1,
  SAMPLING_FREQUENCY: 0xb5,
  CHANNELS: 0x9f,
  CLUSTER: 0x1f43b675,
  TIMECODE: 0xe7,
  SIMPLE_BLOCK: 0xa3,
  BLOCK_GROUP: 0xa0,
  BLOCK: 0xa1,
  BLOCK_DURATION: 0x9b,
  REFERENCE_BLOCK: 0xfb,
  CUES: 0x1c53bb6b,
  CUE_POINT: 0xbb,
  TAGS: 0x1254c367,
  TAG: 0x7373,
  TARGETS: 0x63c0,
  SIMPLE_TAG: 0x67c8,
  TAG_NAME: 0x45a3,
  TAG_STRING: 0x4487,
  CHAPTERS: 0x1043a770,
  ATTACHMENTS: 0x1941a469,
  VOID: 0xec,
  CRC32: 0xbf,
} as const;

const MASTERS = new Set<number>([
  ID.EBML,
  ID.SEGMENT,
  ID.SEEK_HEAD,
  ID.SEEK,
  ID.INFO,
  ID.TRACKS,
  ID.TRACK_ENTRY,
  ID.VIDEO,
  ID.AUDIO,
  ID.CLUSTER,
  ID.BLOCK_GROUP,
  ID.CUES,
  ID.CUE_POINT,
  ID.TAGS,
  ID.TAG,
  ID.TARGETS,
  ID.SIMPLE_TAG,
  ID.CHAPTERS,
  ID.ATTACHMENTS,
]);

/** Segment children: each ends an unknown-size Cluster (RFC 8794 §6.2). */
const SEGMENT_LEVEL = new Set<number>([ID.SEEK_HEAD, ID.INFO, ID.TRACKS, ID.CLUSTER, ID.CUES, ID.TAGS, ID.CHAPTERS, ID.ATTACHMENTS]);

export interface Element {
  id: number;
  /** Offset of the ID's first byte. */
  start: number;
  sizeStart: number;
  sizeLength: number;
  bodyStart: number;
  /** End of the body as parsed (for unknown sizes: where the next non-child begins). */
  end: number;
  unknownSize: boolean;
  depth: number;
  /** Index of the parent in the flat list, or -1. */
  parent: number;
}

/** Every element in document order (parents before children). */
export function mapElements(bytes: Uint8Array): Element[] {
  const out: Element[] = [];
  const header: ElementHeader = { id: 0, size: 0 };

  /** Walks [pos, limit) as children of `parent`; returns where the level ended. */
  const walk = (pos: number, limit: number, parent: number, depth: number, endsAt: (id: number) => boolean): number => {
    while (pos < limit) {
      const length = readElementHeader(bytes, pos, limit, header);
      if (length <= 0) return pos;
      if (endsAt(header.id)) return pos;
      const { id, size } = header;
      const sizeStart = pos + vintLengthOfId(bytes[pos]);
      const element: Element = {
        id,
        start: pos,
        sizeStart,
        sizeLength: vintLength(bytes[sizeStart]),
        bodyStart: pos + length,
        end: 0,
        unknownSize: size === UNKNOWN_SIZE,
        depth,
        parent,
      };
      const index = out.push(element) - 1;
      if (size === UNKNOWN_SIZE) {
        if (id === ID.SEGMENT) {
          element.end = walk(element.bodyStart, limit, index, depth + 1, (child) => child === ID.EBML || child === ID.SEGMENT);
        } else if (id === ID.CLUSTER) {
          element.end = walk(
            element.bodyStart,
            limit,
            index,
            depth + 1,
            (child) => SEGMENT_LEVEL.has(child) || child === ID.EBML || child === ID.SEGMENT,
          );
        } else {
          element.end = limit;
          return limit;
        }
        pos = element.end;
        continue;
      }
      const end = Math.min(element.bodyStart + size, limit);
      element.end = end;
      if (MASTERS.has(id) && depth < 64) walk(element.bodyStart, end, index, depth + 1, () => false);
      pos = end;
    }
    return pos;
  };

  walk(0, bytes.length, -1, 0, () => false);
  return out;
}

function vintLengthOfId(first: number): number {
  return first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : 4;
}

/** An EBML size field of `width` bytes holding `value` (widened when too small); null for unknown. */
export function sizeField(value: number | null, width: number): number[] {
  const w = width as SizeWidth;
  return value === null ? writerSizeField(0, { unknown: true, width: w }, undefined, true) : writerSizeField(value, { width: w });
}

/** An ID's bytes. */
export function idBytes(id: number): number[] {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

export function concat(parts: ArrayLike<number>[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Replaces bytes[from, to) with `replacement`. With `keepConsistent`, every known-size ancestor of
 * the range gets its size field rewritten (widened when needed), so the edit reaches the layer that
 * reads the element instead of tripping the reader's size checks first.
 */
export function splice(
  bytes: Uint8Array,
  elements: Element[],
  from: number,
  to: number,
  replacement: ArrayLike<number>,
  keepConsistent: boolean,
): Uint8Array {
  const edits: { from: number; to: number; bytes: ArrayLike<number> }[] = [{ from, to, bytes: replacement }];
  if (keepConsistent) {
    let delta = replacement.length - (to - from);
    // Innermost ancestor first: widening its size field changes its parent's size too.
    const ancestors = elements.filter((e) => e.bodyStart <= from && to <= e.end && !e.unknownSize).sort((a, b) => b.depth - a.depth);
    for (const ancestor of ancestors) {
      if (delta === 0) break;
      const size = ancestor.end - ancestor.bodyStart + delta;
      const field = sizeField(size, ancestor.sizeLength);
      edits.push({ from: ancestor.sizeStart, to: ancestor.sizeStart + ancestor.sizeLength, bytes: field });
      delta += field.length - ancestor.sizeLength;
    }
  }
  // Edits do not overlap; apply from the back so earlier offsets stay valid.
  edits.sort((a, b) => b.from - a.from);
  let out = bytes;
  for (const edit of edits) out = concat([out.subarray(0, edit.from), edit.bytes, out.subarray(edit.to)]);
  return out;
}
