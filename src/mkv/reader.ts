/**
 * The streaming Matroska/KVS reader: bytes in, fragments out (DESIGN.md §2).
 *
 * One pass over the input with three nesting levels (top, Segment, Cluster). Blocks, Timecode and
 * the small header elements are read whole (views of the input where possible); everything else,
 * SeekHead and Cues included, is skipped without being buffered or followed.
 */
import {
  ChunkReader,
  CRC32,
  EBML_HEADER,
  EbmlError,
  formatId,
  HEADER_INCOMPLETE,
  headerProblem,
  MAX_HEADER_LENGTH,
  readElementHeader,
  readSafeUint,
  UNKNOWN_SIZE,
  VOID,
  type ElementHeader,
} from '../ebml/index.js';
import { InvalidArgumentException } from '../errors.js';
import { pushBlockFrames, readBlockGroup, readBlockHeader, FLAG_DISCARDABLE, FLAG_KEYFRAME, type BlockGroupContent, type BlockHeader } from './block.js';
import { checkEbmlHeader, readSimpleTags, readTimecodeScale, readTracks } from './elements.js';
import { FragmentAssembler } from './fragments.js';
import * as ID from './ids.js';
import { inBandError, interpretTags } from './kvs-tags.js';
import type { ByteSource, MkvFragment, ReadOptions } from './types.js';

export const DEFAULT_MAX_ELEMENT_SIZE = 64 * 1024 * 1024;

/** Container end markers: not inside one, or inside one of unknown size. */
const NONE = -1;
const UNKNOWN_END = Number.POSITIVE_INFINITY;

/**
 * Reads KVS GetMedia / GetMediaForFragmentList output, or any Matroska file, as fragments.
 *
 * - Frames are views of the input chunks (a frame straddling chunks is joined once).
 * - Malformed bytes: the fragment being read is yielded with its complete frames (`partial`), then
 *   an InvalidArgumentException naming the byte offset and fragment is thrown.
 * - In-band KVS errors: every earlier fragment is yielded, then ResourceNotFoundException
 *   (ERROR_ID 4000) or KvsStreamError is thrown.
 * - Input ending inside an element: every complete frame is yielded, then `onWarning` gets a
 *   'truncated' warning; no error.
 */
export async function* readFragments(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<MkvFragment> {
  const maxElementSize = options.maxElementSize ?? DEFAULT_MAX_ELEMENT_SIZE;
  const input = new ChunkReader(source);
  const assembler = new FragmentAssembler();
  const header: ElementHeader = { id: 0, size: 0 };
  const block: BlockHeader = { track: 0, timeOffset: 0, flags: 0, length: 0 };
  const group: BlockGroupContent = { blockStart: -1, blockEnd: 0, duration: undefined, referenced: false };
  const scratch = new Uint8Array(MAX_HEADER_LENGTH);

  let documentOpen = false;
  let segmentSeen = false;
  let segmentEnd = NONE;
  let clusterEnd = NONE;
  let clusterTimecode: number | null = null;
  /** Set when the input ends inside an element or a sized container. */
  let truncation: { offset: number; what: string; end?: number } | null = null;

  /** The body of an element that is not wholly in the current chunk (or whose header was peeked). */
  const readStraddling = async (headerLength: number, size: number): Promise<Uint8Array | undefined> => {
    await input.skip(headerLength); // the header bytes have already arrived
    return input.read(size);
  };

  try {
    for (;;) {
      const offset = input.offset;
      if (clusterEnd !== NONE && offset >= clusterEnd) clusterEnd = NONE;
      if (segmentEnd !== NONE && offset >= segmentEnd) segmentEnd = clusterEnd = NONE;

      if (input.pos === input.chunk.length && !(await input.fill())) {
        // The input ended between elements: cleanly, unless a sized Cluster or Segment is still open.
        const openEnd = clusterEnd !== NONE && clusterEnd !== UNKNOWN_END ? clusterEnd : segmentEnd;
        if (openEnd !== NONE && openEnd !== UNKNOWN_END) {
          truncation = { offset, what: clusterEnd !== NONE ? 'a Cluster' : 'a Segment', end: openEnd };
        }
        break;
      }
      let bytes = input.chunk;
      let pos = input.pos;
      let available = bytes.length - pos;
      let inChunk = true;
      if (available < MAX_HEADER_LENGTH) {
        // Near the end of the chunk: the header may straddle it, so look at it through a copy.
        available = await input.peek(scratch, MAX_HEADER_LENGTH);
        bytes = scratch;
        pos = 0;
        inChunk = false;
      }
      const headerLength = readElementHeader(bytes, pos, pos + available, header);
      if (headerLength === HEADER_INCOMPLETE) {
        truncation = { offset, what: 'an element header' };
        break;
      }
      if (headerLength < 0) throw new EbmlError(headerProblem(headerLength), offset);
      const id = header.id;
      const size = header.size;
      const bodyOffset = offset + headerLength;
      const bodyInChunk = inChunk && available - headerLength >= size && size !== UNKNOWN_SIZE;

      // ── Inside a Cluster ──
      if (clusterEnd !== NONE) {
        // An unknown-size Cluster ends where an element that cannot be its child begins.
        if (clusterEnd === UNKNOWN_END && (ID.isSegmentChild(id) || id === EBML_HEADER || id === ID.SEGMENT)) {
          clusterEnd = NONE;
        } else {
          if (size !== UNKNOWN_SIZE && bodyOffset + size > Math.min(clusterEnd, segmentEnd === NONE ? UNKNOWN_END : segmentEnd)) {
            throw new EbmlError(`${elementName(id)} of ${size} bytes overruns its ${bodyOffset + size > clusterEnd ? 'Cluster' : 'Segment'}`, offset);
          }
          if (id === ID.SIMPLE_BLOCK || id === ID.BLOCK_GROUP || id === ID.TIMECODE) {
            checkBuffered(size, id, offset, maxElementSize);
            // The body as a range of the chunk it lies in (no view per block), or joined when it straddles chunks.
            let body = bytes;
            let start = pos + headerLength;
            let end = start + size;
            if (bodyInChunk) input.pos = end;
            else {
              const joined = await readStraddling(headerLength, size);
              if (joined === undefined) {
                truncation = { offset, what: elementName(id), end: bodyOffset + size };
                break;
              }
              body = joined;
              start = 0;
              end = size;
            }
            if (id === ID.TIMECODE) {
              clusterTimecode = readSafeUint(body, start, end, bodyOffset, 'Cluster Timecode');
              assembler.setClusterTimecode(clusterTimecode);
              continue;
            }
            if (clusterTimecode === null) throw new EbmlError('block before its Cluster Timecode', offset);
            let blockOffset = bodyOffset;
            let keyframe: boolean;
            let discardable = false;
            if (id === ID.SIMPLE_BLOCK) {
              readBlockHeader(body, start, end, bodyOffset, block);
              keyframe = (block.flags & FLAG_KEYFRAME) !== 0;
              discardable = (block.flags & FLAG_DISCARDABLE) !== 0;
              group.duration = undefined;
            } else {
              readBlockGroup(body, start, end, bodyOffset, group);
              blockOffset = bodyOffset + group.blockStart - start;
              start = group.blockStart;
              end = group.blockEnd;
              readBlockHeader(body, start, end, blockOffset, block);
              keyframe = !group.referenced;
            }
            const done = assembler.beginBlock(block.track, keyframe, offset);
            if (done !== null) yield done;
            pushBlockFrames(
              assembler.frames,
              body,
              start,
              end,
              blockOffset,
              block,
              clusterTimecode + block.timeOffset,
              keyframe,
              discardable,
              group.duration,
              assembler.frameDuration(block.track),
            );
            continue;
          }
          if (size === UNKNOWN_SIZE) throw new EbmlError(`${elementName(id)} has an unknown size inside a Cluster`, offset);
          if (bodyInChunk) input.pos = pos + headerLength + size;
          else if (!(await input.skip(headerLength + size))) {
            truncation = { offset, what: elementName(id), end: bodyOffset + size };
            break;
          }
          continue;
        }
      }

      // ── Inside a Segment ──
      if (segmentEnd !== NONE) {
        if (segmentEnd === UNKNOWN_END && (id === EBML_HEADER || id === ID.SEGMENT)) {
          segmentEnd = NONE;
        } else {
          if (size !== UNKNOWN_SIZE && bodyOffset + size > segmentEnd) {
            throw new EbmlError(`${elementName(id)} of ${size} bytes overruns its Segment`, offset);
          }
          if (id === ID.CLUSTER) {
            clusterEnd = size === UNKNOWN_SIZE ? UNKNOWN_END : bodyOffset + size;
            clusterTimecode = null;
            assembler.beginCluster(offset);
            if (inChunk) input.pos = pos + headerLength;
            else await input.skip(headerLength);
            continue;
          }
          if (id === ID.INFO || id === ID.TRACKS || id === ID.TAGS) {
            checkBuffered(size, id, offset, maxElementSize);
            let body: Uint8Array | undefined;
            if (bodyInChunk) {
              body = bytes.subarray(pos + headerLength, pos + headerLength + size);
              input.pos = pos + headerLength + size;
            } else {
              body = await readStraddling(headerLength, size);
              if (body === undefined) {
                truncation = { offset, what: elementName(id), end: bodyOffset + size };
                break;
              }
            }
            if (id === ID.INFO) assembler.setTimecodeScale(readTimecodeScale(body, bodyOffset));
            else if (id === ID.TRACKS) assembler.setTracks(readTracks(body, bodyOffset));
            else {
              const tags = interpretTags(readSimpleTags(body, bodyOffset), offset);
              if (tags.error !== undefined) {
                const before = assembler.closeBeforeError(offset);
                if (before !== null) yield before;
                throw inBandError(tags.error, { fragmentNumber: tags.fragmentNumber, fragmentIndex: assembler.fragmentIndex, byteOffset: offset });
              }
              for (const done of assembler.addTags(tags, offset, bodyOffset + size)) yield done;
            }
            continue;
          }
          // SeekHead, Cues, Chapters, Attachments, Void, CRC-32, anything unknown: skipped, never followed.
          if (size === UNKNOWN_SIZE) throw new EbmlError(`${elementName(id)} has an unknown size inside a Segment`, offset);
          if (bodyInChunk) input.pos = pos + headerLength + size;
          else if (!(await input.skip(headerLength + size))) {
            truncation = { offset, what: elementName(id), end: bodyOffset + size };
            break;
          }
          continue;
        }
      }

      // ── Top level ──
      if (id === EBML_HEADER) {
        checkBuffered(size, id, offset, maxElementSize);
        const body = bodyInChunk ? bytes.subarray(pos + headerLength, pos + headerLength + size) : await readStraddling(headerLength, size);
        if (bodyInChunk) input.pos = pos + headerLength + size;
        if (body === undefined) {
          truncation = { offset, what: 'EBML header', end: bodyOffset + size };
          break;
        }
        checkEbmlHeader(body, bodyOffset);
        const done = assembler.startDocument(offset);
        if (done !== null) yield done;
        documentOpen = true;
        segmentSeen = false;
        continue;
      }
      if (!documentOpen) throw new EbmlError(`not a Matroska stream: expected an EBML header, found element ${formatId(id)}`, offset);
      if (id === ID.SEGMENT) {
        // A second Segment in one document is another document without its own EBML header.
        if (segmentSeen) {
          const done = assembler.startDocument(offset);
          if (done !== null) yield done;
        }
        segmentSeen = true;
        segmentEnd = size === UNKNOWN_SIZE ? UNKNOWN_END : bodyOffset + size;
        if (inChunk) input.pos = pos + headerLength;
        else await input.skip(headerLength);
        continue;
      }
      if (size === UNKNOWN_SIZE) throw new EbmlError(`top-level element ${formatId(id)} has an unknown size`, offset);
      if (id !== VOID && id !== CRC32) {
        options.onWarning?.({
          code: 'unknown-element',
          message: `skipped top-level element ${formatId(id)} of ${size} bytes`,
          byteOffset: offset,
          fragmentIndex: assembler.fragmentIndex,
        });
      }
      if (bodyInChunk) input.pos = pos + headerLength + size;
      else if (!(await input.skip(headerLength + size))) {
        truncation = { offset, what: elementName(id), end: bodyOffset + size };
        break;
      }
    }

    const end = input.offset;
    const last = assembler.finish(end, truncation !== null && segmentEnd !== NONE);
    if (last !== null) yield last;
    if (truncation !== null) {
      options.onWarning?.({
        code: 'truncated',
        message:
          `input ended at byte ${end} inside ${truncation.what} starting at byte ${truncation.offset}` +
          (truncation.end === undefined ? '' : `, which should end at byte ${truncation.end}`),
        byteOffset: truncation.offset,
        fragmentIndex: last?.index ?? assembler.fragmentIndex,
      });
    }
  } catch (error) {
    if (!(error instanceof EbmlError)) throw error;
    const failure = new InvalidArgumentException(`Malformed Matroska: ${error.message}`, {
      byteOffset: error.byteOffset,
      fragmentIndex: assembler.fragmentIndex,
      fragmentNumber: assembler.fragmentNumber,
      cause: error,
    });
    const partial = assembler.closeBeforeFailure(input.offset);
    if (partial !== null) yield partial;
    throw failure;
  } finally {
    await input.close();
  }
}

/** An element read whole must have a known size within the limit. */
function checkBuffered(size: number, id: number, offset: number, maxElementSize: number): void {
  if (size === UNKNOWN_SIZE) throw new EbmlError(`${elementName(id)} has an unknown size, allowed only for Segment and Cluster`, offset);
  if (size > maxElementSize) {
    throw new EbmlError(`${elementName(id)} of ${size} bytes is larger than maxElementSize (${maxElementSize})`, offset);
  }
}

const NAMES: Record<number, string> = {
  [EBML_HEADER]: 'EBML header',
  [ID.SEGMENT]: 'Segment',
  [ID.CLUSTER]: 'Cluster',
  [ID.SIMPLE_BLOCK]: 'SimpleBlock',
  [ID.BLOCK_GROUP]: 'BlockGroup',
  [ID.TIMECODE]: 'Timecode',
  [ID.INFO]: 'Info',
  [ID.TRACKS]: 'Tracks',
  [ID.TAGS]: 'Tags',
  [ID.CUES]: 'Cues',
  [ID.SEEK_HEAD]: 'SeekHead',
  [VOID]: 'Void',
  [CRC32]: 'CRC-32',
};

function elementName(id: number): string {
  return NAMES[id] ?? `element ${formatId(id)}`;
}
