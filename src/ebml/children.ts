/**
 * Walking the children of a master element whose body is in memory (EBML header, Info, Tracks,
 * Tags, BlockGroup). Every child must have a known size that fits its parent.
 */
import { EbmlError } from './errors.js';
import { formatId, headerProblem, readElementHeader, UNKNOWN_SIZE, type ElementHeader } from './header.js';

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
  const header: ElementHeader = { id: 0, size: 0 };
  let pos = start;
  while (pos < end) {
    const headerLength = readElementHeader(bytes, pos, end, header);
    if (headerLength <= 0) throw new EbmlError(`${headerProblem(headerLength)} inside a parent element`, base + pos);
    if (header.size === UNKNOWN_SIZE) {
      throw new EbmlError(`element ${formatId(header.id)} has an unknown size, allowed only for Segment and Cluster`, base + pos);
    }
    const bodyStart = pos + headerLength;
    const bodyEnd = bodyStart + header.size;
    if (bodyEnd > end) {
      throw new EbmlError(`element ${formatId(header.id)} of ${header.size} bytes overruns its parent by ${bodyEnd - end} bytes`, base + pos);
    }
    visit(header.id, bodyStart, bodyEnd);
    pos = bodyEnd;
  }
}
