/**
 * One element of the Matroska/KVS stream per step, at the nesting level it is in (top level, inside
 * a Segment, inside a Cluster): the state of readFragments' single pass (docs/kvs-mkv.md).
 *
 * Steps are synchronous while the bytes at hand suffice, which is almost always: an element whose
 * header and body lie in the current chunk is dealt with at once, a block's body as a range of that
 * chunk (no view per block). Only an element that runs past the chunk needs the async half of a step
 * (`startElementAcrossChunks`, `skipAcrossChunks`, `readAcrossChunks`), which the generator awaits.
 * Blocks, Timecode and the small header elements are read whole; everything else, SeekHead and Cues
 * included, is skipped without being buffered or followed.
 */
import {
  ChunkReader,
  CRC32,
  EBML_HEADER,
  EbmlError,
  EbmlLimitError,
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
import { keepLayout } from '../jit.js';
import type { ReaderWarning } from '../warnings.js';
import {
  FLAG_DISCARDABLE,
  FLAG_KEYFRAME,
  pushBlockFrames,
  readBlockGroup,
  readBlockHeader,
  type BlockGroupContent,
  type BlockHeader,
} from './block.js';
import { checkEbmlHeader, readSimpleTags, readTimecodeScale, readTracks } from './elements.js';
import { FragmentAssembler } from './fragments.js';
import { DEFAULT_LIMITS } from './limits.js';
import * as ID from './ids.js';
import { inBandError, interpretTags } from './kvs-tags.js';
import type { MkvFragment, ReaderLimits } from './types.js';

/** What a step left to do. */
export type Step = typeof DONE | typeof SKIP | typeof READ | typeof END;
/** The element is dealt with; the fragments it completed are in `ready`. */
export const DONE = 0;
/** The element is to be skipped but runs past the current chunk: await `skipAcrossChunks()`. */
export const SKIP = 1;
/** The element's body is to be read but runs past the current chunk: await `readAcrossChunks()`. */
export const READ = 2;
/** The input ended (cleanly or not): call `finish()`. */
export const END = 3;

/**
 * Container end markers: not inside one, or inside one of unknown size. Both are doubles, so the
 * fields holding container ends are double fields from the start: a field that first holds a small
 * integer and later a double gets its object a new hidden class, which dies with the call's objects
 * and takes the compiled code with it (src/jit.ts).
 */
const NONE = Number.NEGATIVE_INFINITY;
const UNKNOWN_END = Number.POSITIVE_INFINITY;

/** Where the input ended early: inside `what`, which starts at `offset` and should end at `end`. */
interface Truncation {
  offset: number;
  what: string;
  end: number | undefined;
}

export class ElementReader {
  /** Fragments completed by the last step (or before an error), in order, for the generator to hand out. */
  readonly ready: MkvFragment[] = [];
  /**
   * The open fragment when the last step read a block into it, else null; its new frames start at
   * `grownFrom` (for readFragmentEvents, which resets it once handed on).
   */
  grown: MkvFragment | null = null;
  grownFrom = 0;
  // #private names: the minifier shortens them (this class is in every browser bundle).
  readonly #input: ChunkReader;
  readonly #maxElementSize: number;
  readonly #maxTagLength: number;
  readonly #maxTags: number;
  readonly #onWarning: ((warning: ReaderWarning) => void) | undefined;
  readonly #assembler: FragmentAssembler;
  /** Scratch objects, filled in place for each element. */
  readonly #header: ElementHeader = { id: 0, size: 0 };
  readonly #block: BlockHeader = { track: 0, timeOffset: 0, flags: 0, length: 0 };
  readonly #group: BlockGroupContent = { blockStart: -1, blockEnd: 0, duration: undefined, referenced: false };
  /** A copy of a header that straddles chunks. */
  readonly #scratch = new Uint8Array(MAX_HEADER_LENGTH);

  #documentOpen = false;
  #segmentSeen = false;
  #segmentEnd = NONE;
  #clusterEnd = NONE;
  #clusterTimecode: number | null = null;
  /** Set when the input ends inside an element or a sized container. */
  #truncation: Truncation | null = null;

  // The element being read: the input's read position stays at its first byte until it is dealt with.
  /** Input offset of its first byte. */
  #offset = 0;
  #headerLength = 0;
  /** Its header lies in the current chunk (else it was peeked into #scratch). */
  #headerInChunk = false;
  /** Its header and body lie in the current chunk. */
  #bodyInChunk = false;
  /** Bytes a SKIP step leaves to skipAcrossChunks, from the element's first byte. */
  #skipLength = 0;

  constructor(input: ChunkReader, limits: Required<ReaderLimits>, onWarning: ((warning: ReaderWarning) => void) | undefined) {
    this.#input = input;
    this.#maxElementSize = limits.maxElementSize;
    this.#maxTagLength = limits.maxTagLength;
    this.#maxTags = limits.maxTagsPerFragment;
    this.#onWarning = onWarning;
    this.#assembler = new FragmentAssembler(limits);
  }

  /**
   * Starts the next element: leaves the containers that end before it, then reads its header when
   * the current chunk holds a header of any length. False when it may not: then await
   * `startElementAcrossChunks()`.
   */
  startElement(): boolean {
    const input = this.#input;
    const offset = input.offset;
    this.#offset = offset;
    if (this.#clusterEnd !== NONE && offset >= this.#clusterEnd) this.#clusterEnd = NONE;
    if (this.#segmentEnd !== NONE && offset >= this.#segmentEnd) this.#segmentEnd = this.#clusterEnd = NONE;
    const available = input.chunk.length - input.pos;
    // With MAX_HEADER_LENGTH bytes at hand the header is whole (or invalid, which throws).
    return available >= MAX_HEADER_LENGTH && this.#readHeader(input.chunk, input.pos, available, true);
  }

  /** The rest of startElement, pulling chunks; false when the input ends first (then `finish()`). */
  async startElementAcrossChunks(): Promise<boolean> {
    const input = this.#input;
    if (input.pos === input.chunk.length && !(await input.fill())) {
      this.#endBetweenElements();
      return false;
    }
    const available = input.chunk.length - input.pos;
    if (available >= MAX_HEADER_LENGTH) return this.#readHeader(input.chunk, input.pos, available, true);
    // Near the end of the chunk: the header may straddle it, so look at it through a copy.
    const scratch = this.#scratch;
    return this.#readHeader(scratch, 0, await input.peek(scratch, MAX_HEADER_LENGTH), false);
  }

  /** Deals with the element whose header was just read, by the level it is at. */
  readElement(): Step {
    const id = this.#header.id;
    if (this.#clusterEnd !== NONE) {
      // An unknown-size Cluster ends where an element that cannot be its child begins.
      if (this.#clusterEnd !== UNKNOWN_END || !(ID.isSegmentChild(id) || id === EBML_HEADER || id === ID.SEGMENT)) {
        return this.#clusterChild();
      }
      this.#clusterEnd = NONE;
    }
    if (this.#segmentEnd !== NONE) {
      // An unknown-size Segment ends at the next EBML header or Segment.
      if (this.#segmentEnd !== UNKNOWN_END || !(id === EBML_HEADER || id === ID.SEGMENT)) return this.#segmentChild();
      this.#segmentEnd = NONE;
    }
    return this.#topLevelElement();
  }

  /** The rest of a SKIP step: DONE, or END when the input ends inside the element. */
  async skipAcrossChunks(): Promise<Step> {
    if (await this.#input.skip(this.#skipLength)) return DONE;
    this.#truncatedInside(elementName(this.#header.id), this.#offset + this.#headerLength + this.#header.size);
    return END;
  }

  /** The rest of a READ step: joins the body from the chunks it spans, then deals with it. */
  async readAcrossChunks(): Promise<Step> {
    const input = this.#input;
    const size = this.#header.size;
    await input.skip(this.#headerLength); // the header bytes have already arrived
    const body = await input.read(size);
    if (body === undefined) {
      this.#truncatedInside(elementName(this.#header.id), this.#offset + this.#headerLength + size);
      return END;
    }
    this.#readBody(body, 0, size);
    return DONE;
  }

  /**
   * After END: the last fragment, marked partial when the input ended inside its Segment. When it
   * ended inside a top-level element (the next document's EBML header), that element's bytes are not
   * the fragment's: it ends where the element began.
   */
  finish(): MkvFragment | null {
    const truncation = this.#truncation;
    const insideSegment = truncation !== null && this.#segmentEnd !== NONE;
    const end = truncation !== null && !insideSegment ? truncation.offset : this.#input.offset;
    return this.#assembler.finish(end, insideSegment);
  }

  /** After the last fragment (`last`, from finish): the 'truncated' warning, if the input ended early. */
  warnIfTruncated(last: MkvFragment | null): void {
    const truncation = this.#truncation;
    if (truncation === null) return;
    this.#onWarning?.({
      code: 'truncated',
      message:
        `input ended at byte ${this.#input.offset} inside ${truncation.what} starting at byte ${truncation.offset}` +
        (truncation.end === undefined ? '' : `, which should end at byte ${truncation.end}`),
      byteOffset: truncation.offset,
      fragmentIndex: last?.index ?? this.#assembler.fragmentIndex,
    });
  }

  /** Malformed input: the error to throw, naming the fragment being read (call before closeBeforeFailure). */
  malformed(error: EbmlError): InvalidArgumentException {
    // A limit exceeded is the caller's bound, not bad bytes: its message names the option instead.
    return new InvalidArgumentException(error instanceof EbmlLimitError ? error.message : `Malformed Matroska: ${error.message}`, {
      byteOffset: error.byteOffset,
      fragmentIndex: this.#assembler.fragmentIndex,
      fragmentNumber: this.#assembler.fragmentNumber,
      cause: error,
    });
  }

  /** Malformed input: the fragment being read, with its complete frames, marked partial. */
  closeBeforeFailure(): MkvFragment | null {
    return this.#assembler.closeBeforeFailure(this.#input.offset);
  }

  // ── The element's header ──

  /** Reads the header at `bytes[pos]` (`available` bytes there); false when the input ends inside it. */
  #readHeader(bytes: Uint8Array, pos: number, available: number, inChunk: boolean): boolean {
    const header = this.#header;
    const headerLength = readElementHeader(bytes, pos, pos + available, header);
    if (headerLength === HEADER_INCOMPLETE) {
      // The first bytes of the next document's EBML header (or Segment) end an unknown-size
      // Segment just as the whole ID would: the fragment before them is complete, not cut short.
      if (this.#segmentEnd === UNKNOWN_END && (this.#clusterEnd === NONE || this.#clusterEnd === UNKNOWN_END)) {
        if (beginsId(bytes, pos, available, EBML_HEADER) || beginsId(bytes, pos, available, ID.SEGMENT)) {
          this.#clusterEnd = NONE;
          this.#segmentEnd = NONE;
        }
      }
      this.#truncatedInside('an element header', undefined);
      return false;
    }
    if (headerLength < 0) throw new EbmlError(headerProblem(headerLength), this.#offset);
    this.#headerLength = headerLength;
    this.#headerInChunk = inChunk;
    this.#bodyInChunk = inChunk && available - headerLength >= header.size && header.size !== UNKNOWN_SIZE;
    return true;
  }

  // ── The three levels ──

  /** Inside a Cluster: Timecode and blocks are read, anything else skipped. */
  #clusterChild(): Step {
    const { id, size } = this.#header;
    if (size !== UNKNOWN_SIZE) {
      const bodyEnd = this.#offset + this.#headerLength + size;
      const segmentEnd = this.#segmentEnd === NONE ? UNKNOWN_END : this.#segmentEnd;
      if (bodyEnd > Math.min(this.#clusterEnd, segmentEnd)) {
        throw new EbmlError(
          `${elementName(id)} of ${size} bytes overruns its ${bodyEnd > this.#clusterEnd ? 'Cluster' : 'Segment'}`,
          this.#offset,
        );
      }
    }
    if (id === ID.SIMPLE_BLOCK || id === ID.BLOCK_GROUP || id === ID.TIMECODE) return this.#readElementBody();
    if (size === UNKNOWN_SIZE) throw new EbmlError(`${elementName(id)} has an unknown size inside a Cluster`, this.#offset);
    return this.#skipElement();
  }

  /** Inside a Segment: a Cluster is entered; Info, Tracks and Tags are read; anything else skipped. */
  #segmentChild(): Step {
    const { id, size } = this.#header;
    const bodyEnd = this.#offset + this.#headerLength + size;
    if (size !== UNKNOWN_SIZE && bodyEnd > this.#segmentEnd) {
      throw new EbmlError(`${elementName(id)} of ${size} bytes overruns its Segment`, this.#offset);
    }
    if (id === ID.CLUSTER) {
      this.#clusterEnd = size === UNKNOWN_SIZE ? UNKNOWN_END : bodyEnd;
      this.#clusterTimecode = null;
      this.#assembler.beginCluster(this.#offset);
      return this.#enter();
    }
    if (id === ID.INFO || id === ID.TRACKS || id === ID.TAGS) return this.#readElementBody();
    // SeekHead, Cues, Chapters, Attachments, Void, CRC-32, anything unknown: skipped, never followed.
    if (size === UNKNOWN_SIZE) throw new EbmlError(`${elementName(id)} has an unknown size inside a Segment`, this.#offset);
    return this.#skipElement();
  }

  /** At the top level: an EBML header is read, a Segment entered, anything else skipped. */
  #topLevelElement(): Step {
    const { id, size } = this.#header;
    if (id === EBML_HEADER) return this.#readElementBody();
    if (!this.#documentOpen)
      throw new EbmlError(`not a Matroska stream: expected an EBML header, found element ${formatId(id)}`, this.#offset);
    if (id === ID.SEGMENT) {
      // A second Segment in one document is another document without its own EBML header.
      if (this.#segmentSeen) this.#handOut(this.#assembler.startDocument(this.#offset));
      this.#segmentSeen = true;
      this.#segmentEnd = size === UNKNOWN_SIZE ? UNKNOWN_END : this.#offset + this.#headerLength + size;
      return this.#enter();
    }
    if (size === UNKNOWN_SIZE) throw new EbmlError(`top-level element ${formatId(id)} has an unknown size`, this.#offset);
    if (id !== VOID && id !== CRC32) {
      this.#onWarning?.({
        code: 'unknown-element',
        message: `skipped top-level element ${formatId(id)} of ${size} bytes`,
        byteOffset: this.#offset,
        fragmentIndex: this.#assembler.fragmentIndex,
      });
    }
    return this.#skipElement();
  }

  // ── Moving on: into the element, past it, or through its body ──

  /** Into a container (Segment, Cluster): past its header, its children come next. */
  #enter(): Step {
    return this.#skip(this.#headerLength, this.#headerInChunk);
  }

  /** Past the whole element, unread. */
  #skipElement(): Step {
    return this.#skip(this.#headerLength + this.#header.size, this.#bodyInChunk);
  }

  /** `length` bytes on from the element's start: at once when they lie in the current chunk, else SKIP. */
  #skip(length: number, inChunk: boolean): Step {
    if (!inChunk) {
      this.#skipLength = length;
      return SKIP;
    }
    this.#input.pos += length;
    return DONE;
  }

  /** Reads the element's body whole and deals with it: at once when it lies in the current chunk, else READ. */
  #readElementBody(): Step {
    checkBuffered(this.#header, this.#offset, this.#maxElementSize);
    if (!this.#bodyInChunk) return READ;
    const input = this.#input;
    const start = input.pos + this.#headerLength;
    const end = start + this.#header.size;
    input.pos = end;
    this.#readBody(input.chunk, start, end);
    return DONE;
  }

  /** The body `bytes[start, end)` of an element read whole, by its ID. */
  #readBody(bytes: Uint8Array, start: number, end: number): void {
    const bodyOffset = this.#offset + this.#headerLength;
    switch (this.#header.id) {
      case ID.SIMPLE_BLOCK:
      case ID.BLOCK_GROUP:
        this.#readBlock(bytes, start, end, bodyOffset);
        break;
      case ID.TIMECODE:
        this.#clusterTimecode = readSafeUint(bytes, start, end, bodyOffset, 'Cluster Timecode');
        this.#assembler.setClusterTimecode(this.#clusterTimecode);
        break;
      case ID.INFO:
        this.#handOut(this.#assembler.setTimecodeScale(readTimecodeScale(bytes.subarray(start, end), bodyOffset), this.#offset));
        break;
      case ID.TRACKS:
        this.#handOut(this.#assembler.setTracks(readTracks(bytes.subarray(start, end), bodyOffset), this.#offset));
        break;
      case ID.TAGS:
        this.#readTags(bytes.subarray(start, end), bodyOffset);
        break;
      case EBML_HEADER:
        this.#readEbmlHeader(bytes.subarray(start, end), bodyOffset);
        break;
    }
  }

  // ── Elements read whole ──

  /** A SimpleBlock or BlockGroup body, `bytes[start, end)`: its frames go to the open fragment. */
  #readBlock(bytes: Uint8Array, start: number, end: number, bodyOffset: number): void {
    const clusterTimecode = this.#clusterTimecode;
    if (clusterTimecode === null) throw new EbmlError('block before its Cluster Timecode', this.#offset);
    const block = this.#block;
    const group = this.#group;
    let blockOffset = bodyOffset;
    let keyframe: boolean;
    let discardable = false;
    if (this.#header.id === ID.SIMPLE_BLOCK) {
      readBlockHeader(bytes, start, end, bodyOffset, block);
      keyframe = (block.flags & FLAG_KEYFRAME) !== 0;
      discardable = (block.flags & FLAG_DISCARDABLE) !== 0;
      group.duration = undefined;
    } else {
      readBlockGroup(bytes, start, end, bodyOffset, group);
      blockOffset = bodyOffset + group.blockStart - start;
      start = group.blockStart;
      end = group.blockEnd;
      readBlockHeader(bytes, start, end, blockOffset, block);
      keyframe = !group.referenced;
    }
    const assembler = this.#assembler;
    this.#handOut(assembler.beginBlock(block.track, keyframe, clusterTimecode + block.timeOffset, this.#offset));
    const before = assembler.frames.length;
    pushBlockFrames(
      assembler.frames,
      bytes,
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
    assembler.checkHeld(before, end - start, this.#offset);
    this.grown = assembler.openFragment;
    this.grownFrom = before;
  }

  /** A Tags element: KVS's fragment tags, or an in-band error thrown after the fragment before it. */
  #readTags(body: Uint8Array, bodyOffset: number): void {
    const offset = this.#offset;
    const assembler = this.#assembler;
    const tags = interpretTags(readSimpleTags(body, bodyOffset, this.#maxTagLength, this.#maxTags), offset);
    if (tags.error !== undefined) {
      this.#handOut(assembler.closeBeforeError(offset));
      throw inBandError(tags.error, { fragmentNumber: tags.fragmentNumber, fragmentIndex: assembler.fragmentIndex, byteOffset: offset });
    }
    for (const done of assembler.addTags(tags, offset, bodyOffset + body.length)) this.ready.push(done);
  }

  /** An EBML header: a new document, hence a new fragment. */
  #readEbmlHeader(body: Uint8Array, bodyOffset: number): void {
    checkEbmlHeader(body, bodyOffset);
    this.#handOut(this.#assembler.startDocument(this.#offset));
    this.#documentOpen = true;
    this.#segmentSeen = false;
  }

  // ── Bookkeeping ──

  #handOut(fragment: MkvFragment | null): void {
    if (fragment !== null) this.ready.push(fragment);
  }

  /** The input ended between elements: cleanly, unless a sized Cluster or Segment is still open. */
  #endBetweenElements(): void {
    const clusterEnd = this.#clusterEnd;
    const openEnd = clusterEnd !== NONE && clusterEnd !== UNKNOWN_END ? clusterEnd : this.#segmentEnd;
    if (openEnd !== NONE && openEnd !== UNKNOWN_END) this.#truncatedInside(clusterEnd !== NONE ? 'a Cluster' : 'a Segment', openEnd);
  }

  /** The input ended inside `what`, which starts at the element's offset and should end at `end`. */
  #truncatedInside(what: string, end: number | undefined): void {
    this.#truncation = { offset: this.#offset, what, end };
  }
}
keepLayout(new ElementReader(new ChunkReader(new Uint8Array(0)), DEFAULT_LIMITS, undefined));

/** Whether the `available` bytes at `bytes[pos]` (fewer than a header) are the start of the 4-byte `id`. */
function beginsId(bytes: Uint8Array, pos: number, available: number, id: number): boolean {
  for (let i = 0; i < Math.min(available, 4); i++) {
    if (bytes[pos + i] !== ((id >>> (24 - 8 * i)) & 0xff)) return false;
  }
  return true;
}

/** An element read whole must have a known size within the limit. */
function checkBuffered({ id, size }: ElementHeader, offset: number, maxElementSize: number): void {
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
