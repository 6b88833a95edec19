/**
 * Walking the children of a master element whose body is in memory (EBML header, Info, Tracks,
 * Tags, BlockGroup). Every child must have a known size that fits its parent.
 */
import { EbmlError } from './errors.js';
import { formatId, headerProblem, readElementHeader, UNKNOWN_SIZE, type ElementHeader } from './header.js';

/** One child element: its header, and where its body lies in the parent's bytes. */
export interface ChildElement extends ElementHeader {
  bodyStart: number;
  /** Where the body ends, which is where the next child starts. */
  bodyEnd: number;
}

/**
 * Reads the child at `bytes[pos]` of a parent whose body ends at `end` into `out`. `base` is the
 * input offset of `bytes[0]`, so errors name absolute byte offsets. Walk the children with
 * `for (let pos = start; pos < end; pos = out.bodyEnd)`: no callback, for the per-block path.
 */
export function readChild(bytes: Uint8Array, pos: number, end: number, base: number, out: ChildElement): void {
  const headerLength = readElementHeader(bytes, pos, end, out);
  if (headerLength <= 0) throw new EbmlError(`${headerProblem(headerLength)} inside a parent element`, base + pos);
  if (out.size === UNKNOWN_SIZE) {
    throw new EbmlError(`element ${formatId(out.id)} has an unknown size, allowed only for Segment and Cluster`, base + pos);
  }
  const bodyStart = pos + headerLength;
  const bodyEnd = bodyStart + out.size;
  if (bodyEnd > end) {
    throw new EbmlError(`element ${formatId(out.id)} of ${out.size} bytes overruns its parent by ${bodyEnd - end} bytes`, base + pos);
  }
  out.bodyStart = bodyStart;
  out.bodyEnd = bodyEnd;
}

/**
 * Calls `visit(id, bodyStart, bodyEnd)` for each child in `bytes[start, end)`. `base` is the input
 * offset of `bytes[0]`, so errors name absolute byte offsets.
 */
export function forEachChild(
  bytes: Uint8Array,
  start: number,
  end: number,
  base: number,
  visit: (id: number, bodyStart: number, bodyEnd: number) => void,
): void {
  const child: ChildElement = { id: 0, size: 0, bodyStart: 0, bodyEnd: 0 };
  for (let pos = start; pos < end; pos = child.bodyEnd) {
    readChild(bytes, pos, end, base, child);
    visit(child.id, child.bodyStart, child.bodyEnd);
  }
}
