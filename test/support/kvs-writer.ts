/**
 * Test-only KVS stream writer: turns a declarative description of GetMedia-style output (one EBML
 * header + Segment per fragment) into bytes, with every layout choice the reader must cope with
 * exposed as a field: size-field widths 1..8, unknown sizes, SimpleBlock vs BlockGroup, the three
 * lacing kinds, Void/CRC-32 fillers, NUL-padded strings, both timestamp tag spellings, in-band
 * errors. `expectedFragments` says what a correct reader returns for the same description.
 *
 * It writes from the description only; it shares no code with src/ (beyond the output types), so
 * a bug in the reader cannot hide behind the same bug here.
 */
import type { MkvFragment, MkvFrame, MkvTag, MkvTrack, TrackType } from '../../src/mkv/types.js';

export type SizeWidth = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** How an element's size field is written; `unknown` is honoured for Segment and Cluster only. */
export interface SizeChoice {
  width?: SizeWidth;
  unknown?: boolean;
}

/**
 * An element the reader must skip: Void with `length` zero bytes, CRC-32 (4 bytes, unchecked), or
 * an element with an ID Matroska does not define and `length` bytes of 0xAA.
 */
export interface Filler {
  kind: 'void' | 'crc' | 'unknown';
  length?: number;
}

export interface TrackSpec {
  number: number;
  typeCode: number;
  codecId: string;
  codecPrivate?: Uint8Array;
  name?: string;
  defaultDurationNs?: number;
  video?: { width: number; height: number };
  /** samplingFrequency is written as a 4-byte float when exact in float32, else 8 bytes. */
  audio?: { samplingFrequency: number; channels: number; bitDepth?: number };
  /** ContentEncodings, each written with the fields given (absent fields are left to the spec's defaults). */
  contentEncodings?: ContentEncodingSpec[];
}

/** One ContentEncoding (RFC 9559 §5.1.4.1.31): compression (`algo`, `settings`) or encryption (`encryptionAlgo`). */
export interface ContentEncodingSpec {
  order?: number;
  scope?: number;
  type?: number;
  algo?: number;
  settings?: Uint8Array;
  encryptionAlgo?: number;
}

export type Lacing = 'none' | 'xiph' | 'ebml' | 'fixed';

export interface BlockSpec {
  kind: 'simple' | 'group';
  track: number;
  /** Signed 16-bit offset from the cluster Timecode. */
  timeOffset: number;
  /** SimpleBlock key flag; for a BlockGroup, written as "no ReferenceBlock". */
  keyframe: boolean;
  /** SimpleBlock only. */
  discardable?: boolean;
  lacing: Lacing;
  /** One frame when lacing is 'none'; equal sizes for 'fixed'. At most 256. */
  frames: Uint8Array[];
  /** BlockGroup only: BlockDuration in ticks. */
  duration?: number;
  /** BlockGroup only: ReferenceBlock values written when not a key frame (default [-1]). */
  references?: number[];
  size?: SizeChoice;
  before?: Filler;
}

export interface ClusterSpec {
  timecode: number;
  /** Byte width of the Timecode value (the C producer writes 8). */
  timecodeWidth?: number;
  size?: SizeChoice;
  /** Write Position = 0 after the Timecode, as the C producer does. */
  position?: boolean;
  /** A filler right after the Timecode. */
  filler?: Filler;
  blocks: BlockSpec[];
}

export interface TagSpec {
  name: string;
  value: string;
}

export interface DocumentSpec {
  /** DocType as written; the C producer writes "matroska\0". Default "matroska". */
  docType?: string;
  headerSize?: SizeChoice;
  /** Default: unknown size, 8-byte field (what the service sends). */
  segmentSize?: SizeChoice;
  /** Width of every other size field when its own choice does not say (KVS writes 4 for tags, the C producer 8). */
  sizeWidth?: SizeWidth;
  /** Omitted: no TimecodeScale in Info (the reader must default to 1 ms). */
  timecodeScale?: number;
  timecodeScaleWidth?: number;
  /** Write a SeekHead and Cues pointing nowhere in particular (the reader must never follow them). */
  staleIndex?: boolean;
  /** NUL-pad CodecID, track Name and tag strings to the next multiple of 8 bytes. */
  padStrings?: boolean;
  fillers?: { beforeInfo?: Filler; beforeTracks?: Filler; beforeClusters?: Filler; insideTags?: Filler };
  tracks: TrackSpec[];
  /** Producer Tags elements before the KVS tags (each inner list is one Tags element). */
  leadingTags?: TagSpec[][];
  fragmentNumber?: string;
  /** Epoch milliseconds, written as seconds with three decimals. */
  serverTimestamp?: number;
  producerTimestamp?: number;
  /** 'side' writes the GetMediaForFragmentList spelling (…_SERVER_SIDE_TIMESTAMP). */
  timestampSpelling?: 'plain' | 'side';
  clusters: ClusterSpec[];
  /** Producer Tags elements after the clusters (e.g. AWS_KINESISVIDEO_END_OF_FRAGMENT). */
  trailingTags?: TagSpec[][];
  /** GetMedia's last Tags of a fragment. */
  millisBehindNow?: number;
  continuationToken?: string;
}

export type InBandErrorSpec =
  | { flavour: 'GetMedia'; errorId: number; errorCode: string }
  | { flavour: 'GetMediaForFragmentList'; fragmentNumber: string; code: string; message: string };

export interface StreamSpec {
  documents: DocumentSpec[];
  /** Appended after the last document: GetMedia's error Tags inside it, or a document of its own. */
  error?: InBandErrorSpec;
}

export interface WrittenStream {
  bytes: Uint8Array;
  /** Each document's byte range (without in-band error tags appended to it). */
  documents: { byteOffset: number; byteLength: number }[];
  /** Input offset of each frame's first byte, in reading order. */
  frameOffsets: number[];
  /** Input byte range of the block element (SimpleBlock or BlockGroup) holding each frame. */
  frameBlocks: { start: number; end: number }[];
}

// ── Element IDs (from the Matroska spec, spelled out here on purpose) ──
const EBML = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const EBML_VERSION = 0x4286;
const SEGMENT = 0x18538067;
const SEEK_HEAD = 0x114d9b74;
const SEEK = 0x4dbb;
const SEEK_ID = 0x53ab;
const SEEK_POSITION = 0x53ac;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const MUXING_APP = 0x4d80;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_NUMBER = 0xd7;
const TRACK_UID = 0x73c5;
const TRACK_TYPE = 0x83;
const CODEC_ID = 0x86;
const CODEC_PRIVATE = 0x63a2;
const CONTENT_ENCODINGS = 0x6d80;
const CONTENT_ENCODING = 0x6240;
const CONTENT_ENCODING_ORDER = 0x5031;
const CONTENT_ENCODING_SCOPE = 0x5032;
const CONTENT_ENCODING_TYPE = 0x5033;
const CONTENT_COMPRESSION = 0x5034;
const CONTENT_COMP_ALGO = 0x4254;
const CONTENT_COMP_SETTINGS = 0x4255;
const CONTENT_ENCRYPTION = 0x5035;
const CONTENT_ENC_ALGO = 0x47e1;
const NAME = 0x536e;
const DEFAULT_DURATION = 0x23e383;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const AUDIO = 0xe1;
const SAMPLING_FREQUENCY = 0xb5;
const CHANNELS = 0x9f;
const BIT_DEPTH = 0x6264;
const TAGS = 0x1254c367;
const TAG = 0x7373;
const TARGETS = 0x63c0;
const SIMPLE_TAG = 0x67c8;
const TAG_NAME = 0x45a3;
const TAG_STRING = 0x4487;
const CLUSTER = 0x1f43b675;
const TIMECODE = 0xe7;
const POSITION = 0xa7;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
const BLOCK = 0xa1;
const BLOCK_DURATION = 0x9b;
const REFERENCE_BLOCK = 0xfb;
const CUES = 0x1c53bb6b;
const CUE_POINT = 0xbb;
const CUE_TIME = 0xb3;
const VOID = 0xec;
const CRC32 = 0xbf;
/** Not a Matroska ID. */
const UNDEFINED_ID = 0x5a5a;

const KVS = 'AWS_KINESISVIDEO_';
const DEFAULT_TIMECODE_SCALE = 1_000_000;

type MarkKind = 'frame' | 'blockStart' | 'blockEnd';

/** Numbers frames in writing order. */
class FrameCounter {
  count = 0;
  next(): number {
    return this.count++;
  }
}

/** Bytes under construction, with marks that follow them when nested into a parent. */
class Bytes {
  readonly parts: Uint8Array[] = [];
  length = 0;
  /** [frame number, offset] of each frame's first byte, and of each block element's end. */
  readonly marks: [MarkKind, number, number][] = [];

  add(bytes: Uint8Array | number[]): this {
    const part = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  append(other: Bytes): this {
    for (const [kind, key, at] of other.marks) this.marks.push([kind, key, at + this.length]);
    for (const part of other.parts) this.parts.push(part);
    this.length += other.length;
    return this;
  }

  mark(kind: MarkKind, key: number): this {
    this.marks.push([kind, key, this.length]);
    return this;
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

function idBytes(id: number): number[] {
  const bytes: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return bytes;
}

/** A size field of `width` bytes (at least the minimum), or all ones for unknown. */
export function sizeField(size: number, choice: SizeChoice = {}, fallbackWidth?: SizeWidth, unknownAllowed = false): number[] {
  let width: number = choice.width ?? fallbackWidth ?? 1;
  if (choice.unknown === true && unknownAllowed) {
    const bytes = new Array<number>(width).fill(0xff);
    bytes[0] = 0xff >> (width - 1);
    return bytes;
  }
  // The all-ones value is reserved for "unknown", so a width holds sizes up to 2^(7w) - 2.
  while (size > 2 ** (7 * width) - 2) width++;
  if (width > 8) throw new Error(`size ${size} does not fit 8 bytes`);
  const bytes = new Array<number>(width).fill(0);
  let v = size;
  for (let i = width - 1; i >= 0; i--) {
    bytes[i] = v % 256;
    v = Math.floor(v / 256);
  }
  bytes[0] |= 0x80 >> (width - 1);
  return bytes;
}

function element(id: number, body: Bytes, size: SizeChoice = {}, fallbackWidth?: SizeWidth, unknownAllowed = false): Bytes {
  return new Bytes()
    .add(idBytes(id))
    .add(sizeField(body.length, size, fallbackWidth, unknownAllowed))
    .append(body);
}

function uintBytes(value: number, width?: number): number[] {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  while (bytes.length < (width ?? 1)) bytes.unshift(0);
  return bytes;
}

function intBytes(value: number): number[] {
  // Two's complement, 1–8 bytes.
  for (let width = 1; width <= 8; width++) {
    const limit = 2 ** (8 * width - 1);
    if (value >= -limit && value < limit) {
      let v = BigInt.asUintN(8 * width, BigInt(value));
      const bytes: number[] = [];
      for (let i = 0; i < width; i++) {
        bytes.unshift(Number(v & 0xffn));
        v >>= 8n;
      }
      return bytes;
    }
  }
  throw new Error(`int ${value} too large`);
}

const utf8 = new TextEncoder();

function stringBytes(text: string, pad: boolean): Uint8Array {
  const raw = utf8.encode(text);
  if (!pad) return raw;
  const padded = new Uint8Array(Math.ceil((raw.length + 1) / 8) * 8);
  padded.set(raw);
  return padded;
}

function leaf(id: number, value: Uint8Array | number[], width?: SizeWidth): Bytes {
  return element(id, new Bytes().add(value), {}, width);
}

function filler(f: Filler | undefined, width?: SizeWidth): Bytes {
  if (f === undefined) return new Bytes();
  if (f.kind === 'crc') return leaf(CRC32, [0xde, 0xad, 0xbe, 0xef], width);
  if (f.kind === 'unknown') return leaf(UNDEFINED_ID, new Uint8Array(f.length ?? 0).fill(0xaa), width);
  return leaf(VOID, new Uint8Array(f.length ?? 0), width);
}

/** Seconds with three decimals, as KVS writes epoch milliseconds. */
export function kvsTimestamp(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

function tagsElement(tags: TagSpec[], doc: DocumentSpec, withTargets: boolean): Bytes {
  const w = doc.sizeWidth;
  const tag = new Bytes();
  if (withTargets) tag.append(element(TARGETS, new Bytes(), {}, w));
  for (const t of tags) {
    const simple = new Bytes()
      .append(leaf(TAG_NAME, stringBytes(t.name, doc.padStrings === true), w))
      .append(leaf(TAG_STRING, stringBytes(t.value, doc.padStrings === true), w));
    tag.append(element(SIMPLE_TAG, simple, {}, w));
  }
  const body = filler(doc.fillers?.insideTags, w).append(element(TAG, tag, {}, w));
  return element(TAGS, body, {}, w);
}

/** The KVS tag list of a document, in the order GetMedia writes them. */
function kvsTags(doc: DocumentSpec): TagSpec[] {
  const side = doc.timestampSpelling === 'side' ? 'SIDE_' : '';
  const tags: TagSpec[] = [];
  if (doc.fragmentNumber !== undefined) tags.push({ name: `${KVS}FRAGMENT_NUMBER`, value: doc.fragmentNumber });
  if (doc.serverTimestamp !== undefined) tags.push({ name: `${KVS}SERVER_${side}TIMESTAMP`, value: kvsTimestamp(doc.serverTimestamp) });
  if (doc.producerTimestamp !== undefined) {
    tags.push({ name: `${KVS}PRODUCER_${side}TIMESTAMP`, value: kvsTimestamp(doc.producerTimestamp) });
  }
  return tags;
}

function progressTags(doc: DocumentSpec): TagSpec[] {
  const tags: TagSpec[] = [];
  if (doc.millisBehindNow !== undefined) tags.push({ name: `${KVS}MILLIS_BEHIND_NOW`, value: String(doc.millisBehindNow) });
  if (doc.continuationToken !== undefined) tags.push({ name: `${KVS}CONTINUATION_TOKEN`, value: doc.continuationToken });
  return tags;
}

function trackEntry(track: TrackSpec, doc: DocumentSpec): Bytes {
  const w = doc.sizeWidth;
  const pad = doc.padStrings === true;
  const body = new Bytes()
    .append(leaf(TRACK_NUMBER, uintBytes(track.number), w))
    .append(leaf(TRACK_UID, uintBytes(track.number + 1000, 8), w))
    .append(leaf(TRACK_TYPE, uintBytes(track.typeCode), w))
    .append(leaf(CODEC_ID, stringBytes(track.codecId, pad), w));
  if (track.name !== undefined) body.append(leaf(NAME, stringBytes(track.name, pad), w));
  if (track.defaultDurationNs !== undefined) body.append(leaf(DEFAULT_DURATION, uintBytes(track.defaultDurationNs), w));
  if (track.video !== undefined) {
    const video = new Bytes()
      .append(leaf(PIXEL_WIDTH, uintBytes(track.video.width), w))
      .append(leaf(PIXEL_HEIGHT, uintBytes(track.video.height), w));
    body.append(element(VIDEO, video, {}, w));
  }
  if (track.audio !== undefined) {
    const audio = new Bytes()
      .append(leaf(SAMPLING_FREQUENCY, floatBytes(track.audio.samplingFrequency), w))
      .append(leaf(CHANNELS, uintBytes(track.audio.channels), w));
    if (track.audio.bitDepth !== undefined) audio.append(leaf(BIT_DEPTH, uintBytes(track.audio.bitDepth), w));
    body.append(element(AUDIO, audio, {}, w));
  }
  if (track.codecPrivate !== undefined) body.append(leaf(CODEC_PRIVATE, track.codecPrivate, w));
  if (track.contentEncodings !== undefined) {
    const encodings = new Bytes();
    for (const e of track.contentEncodings) {
      const encoding = new Bytes();
      if (e.order !== undefined) encoding.append(leaf(CONTENT_ENCODING_ORDER, uintBytes(e.order), w));
      if (e.scope !== undefined) encoding.append(leaf(CONTENT_ENCODING_SCOPE, uintBytes(e.scope), w));
      if (e.type !== undefined) encoding.append(leaf(CONTENT_ENCODING_TYPE, uintBytes(e.type), w));
      if (e.encryptionAlgo !== undefined) {
        encoding.append(element(CONTENT_ENCRYPTION, leaf(CONTENT_ENC_ALGO, uintBytes(e.encryptionAlgo), w), {}, w));
      } else {
        const compression = new Bytes();
        if (e.algo !== undefined) compression.append(leaf(CONTENT_COMP_ALGO, uintBytes(e.algo), w));
        if (e.settings !== undefined) compression.append(leaf(CONTENT_COMP_SETTINGS, e.settings, w));
        encoding.append(element(CONTENT_COMPRESSION, compression, {}, w));
      }
      encodings.append(element(CONTENT_ENCODING, encoding, {}, w));
    }
    body.append(element(CONTENT_ENCODINGS, encodings, {}, w));
  }
  return element(TRACK_ENTRY, body, {}, w);
}

function floatBytes(value: number): Uint8Array {
  const exact32 = Math.fround(value) === value;
  const bytes = new Uint8Array(exact32 ? 4 : 8);
  const view = new DataView(bytes.buffer);
  if (exact32) view.setFloat32(0, value);
  else view.setFloat64(0, value);
  return bytes;
}

function vint(value: number, width?: number): number[] {
  return sizeField(value, width === undefined ? {} : { width: width as SizeWidth });
}

/** Block body: header, lacing, frames (each frame marked with its running number). */
function blockBody(block: BlockSpec, simple: boolean, frames: FrameCounter): Bytes {
  const lacingBits = { none: 0, xiph: 0x02, fixed: 0x04, ebml: 0x06 }[block.lacing];
  let flags = lacingBits;
  if (simple) {
    if (block.keyframe) flags |= 0x80;
    if (block.discardable === true) flags |= 0x01;
  }
  const offset = block.timeOffset & 0xffff;
  const body = new Bytes().add([...vint(block.track), offset >> 8, offset & 0xff, flags]);
  const data = block.frames;
  if (block.lacing !== 'none') {
    const lace: number[] = [data.length - 1];
    if (block.lacing === 'xiph') {
      for (const frame of data.slice(0, -1)) {
        let size = frame.length;
        while (size >= 255) {
          lace.push(255);
          size -= 255;
        }
        lace.push(size);
      }
    } else if (block.lacing === 'ebml') {
      data.slice(0, -1).forEach((frame, i) => {
        if (i === 0) {
          lace.push(...vint(frame.length));
          return;
        }
        const diff = frame.length - data[i - 1].length;
        let width = 1;
        while (Math.abs(diff) > 2 ** (7 * width - 1) - 1) width++;
        lace.push(...sizeField(diff + 2 ** (7 * width - 1) - 1, { width: width as SizeWidth }));
      });
    }
    body.add(lace);
  }
  for (const frame of data) body.mark('frame', frames.next()).add(frame);
  return body;
}

function clusterElement(cluster: ClusterSpec, doc: DocumentSpec, frames: FrameCounter): Bytes {
  const w = doc.sizeWidth;
  const body = new Bytes().append(leaf(TIMECODE, uintBytes(cluster.timecode, cluster.timecodeWidth), w));
  if (cluster.position === true) body.append(leaf(POSITION, [0], w));
  body.append(filler(cluster.filler, w));
  for (const block of cluster.blocks) {
    body.append(filler(block.before, w));
    body.mark('blockStart', frames.count);
    if (block.kind === 'simple') {
      body.append(element(SIMPLE_BLOCK, blockBody(block, true, frames), block.size ?? {}, w)).mark('blockEnd', frames.count);
      continue;
    }
    const group = element(BLOCK, blockBody(block, false, frames), block.size ?? {}, w);
    if (block.duration !== undefined) group.append(leaf(BLOCK_DURATION, uintBytes(block.duration), w));
    if (!block.keyframe) for (const ref of block.references ?? [-1]) group.append(leaf(REFERENCE_BLOCK, intBytes(ref), w));
    body.append(element(BLOCK_GROUP, group, {}, w)).mark('blockEnd', frames.count);
  }
  return element(CLUSTER, body, cluster.size ?? {}, w, true);
}

function ebmlHeader(doc: DocumentSpec): Bytes {
  const body = new Bytes()
    .append(leaf(EBML_VERSION, [1], doc.sizeWidth))
    .append(leaf(DOC_TYPE, utf8.encode(doc.docType ?? 'matroska'), doc.sizeWidth));
  return element(EBML, body, doc.headerSize ?? {}, doc.sizeWidth);
}

function segmentBody(doc: DocumentSpec, frames: FrameCounter, extraTags?: TagSpec[]): Bytes {
  const w = doc.sizeWidth;
  const body = new Bytes();
  if (doc.staleIndex === true) {
    const seek = new Bytes().append(leaf(SEEK_ID, idBytes(CUES), w)).append(leaf(SEEK_POSITION, uintBytes(123456789), w));
    body.append(element(SEEK_HEAD, element(SEEK, seek, {}, w), {}, w));
  }
  body.append(filler(doc.fillers?.beforeInfo, w));
  const info = new Bytes();
  if (doc.timecodeScale !== undefined) info.append(leaf(TIMECODE_SCALE, uintBytes(doc.timecodeScale, doc.timecodeScaleWidth), w));
  info.append(leaf(MUXING_APP, stringBytes('kvs-writer', false), w));
  body.append(element(INFO, info, {}, w));
  body.append(filler(doc.fillers?.beforeTracks, w));
  const tracks = new Bytes();
  for (const track of doc.tracks) tracks.append(trackEntry(track, doc));
  body.append(element(TRACKS, tracks, {}, w));
  for (const tags of doc.leadingTags ?? []) body.append(tagsElement(tags, doc, true));
  const kvs = kvsTags(doc);
  if (kvs.length > 0) body.append(tagsElement(kvs, doc, false));
  body.append(filler(doc.fillers?.beforeClusters, w));
  for (const cluster of doc.clusters) body.append(clusterElement(cluster, doc, frames));
  for (const tags of doc.trailingTags ?? []) body.append(tagsElement(tags, doc, true));
  if (doc.staleIndex === true) {
    const point = element(CUE_POINT, leaf(CUE_TIME, [0], w), {}, w);
    body.append(element(CUES, point, {}, w));
  }
  const progress = progressTags(doc);
  if (progress.length > 0) body.append(tagsElement(progress, doc, false));
  if (extraTags !== undefined) body.append(tagsElement(extraTags, doc, false));
  return body;
}

function documentBytes(doc: DocumentSpec, frames: FrameCounter, extraTags?: TagSpec[]): { bytes: Bytes; errorTagsLength: number } {
  const body = segmentBody(doc, frames, extraTags);
  const errorTagsLength = extraTags === undefined ? 0 : tagsElement(extraTags, doc, false).length;
  const segmentSize = doc.segmentSize ?? { unknown: true, width: 8 };
  const bytes = ebmlHeader(doc).append(element(SEGMENT, body, segmentSize, doc.sizeWidth, true));
  return { bytes, errorTagsLength };
}

function errorTags(error: InBandErrorSpec): TagSpec[] {
  if (error.flavour === 'GetMedia') {
    return [
      { name: `${KVS}ERROR_CODE`, value: error.errorCode },
      { name: `${KVS}ERROR_ID`, value: String(error.errorId) },
    ];
  }
  return [
    { name: `${KVS}FRAGMENT_NUMBER`, value: error.fragmentNumber },
    { name: `${KVS}EXCEPTION_ERROR_CODE`, value: error.code },
    { name: `${KVS}EXCEPTION_MESSAGE`, value: error.message },
  ];
}

export function writeKvsStream(spec: StreamSpec): WrittenStream {
  const out = new Bytes();
  const documents: WrittenStream['documents'] = [];
  const frames = new FrameCounter();
  const docs = spec.documents;
  docs.forEach((doc, i) => {
    const last = i === docs.length - 1;
    const extra = last && spec.error?.flavour === 'GetMedia' ? errorTags(spec.error) : undefined;
    const { bytes, errorTagsLength } = documentBytes(doc, frames, extra);
    documents.push({ byteOffset: out.length, byteLength: bytes.length - errorTagsLength });
    out.append(bytes);
  });
  if (spec.error !== undefined && (spec.error.flavour === 'GetMediaForFragmentList' || docs.length === 0)) {
    // GetMediaForFragmentList reports a failed fragment as a document of its own.
    const doc: DocumentSpec = { tracks: [], clusters: [] };
    const body = tagsElement(errorTags(spec.error), doc, false);
    out.append(ebmlHeader(doc)).append(element(SEGMENT, body, { unknown: true, width: 8 }, undefined, true));
  }
  const frameOffsets = new Array<number>(frames.count);
  const frameBlocks = new Array<{ start: number; end: number }>(frames.count);
  let block = { start: 0, end: 0 };
  let first = 0;
  for (const [kind, key, at] of out.marks) {
    if (kind === 'frame') frameOffsets[key] = at;
    else if (kind === 'blockStart') {
      block = { start: at, end: 0 };
      first = key;
    } else {
      block.end = at;
      frameBlocks.fill(block, first, key);
    }
  }
  return { bytes: out.concat(), documents, frameOffsets, frameBlocks };
}

function trackType(code: number): TrackType {
  return code === 1 ? 'video' : code === 2 ? 'audio' : code === 0x11 ? 'subtitle' : 'other';
}

function expectedTrack(track: TrackSpec): MkvTrack {
  const result: MkvTrack = { number: track.number, type: trackType(track.typeCode), typeCode: track.typeCode, codecId: track.codecId };
  if (track.name !== undefined) result.name = track.name;
  if (track.defaultDurationNs !== undefined) result.defaultDurationNs = track.defaultDurationNs;
  if (track.video !== undefined) result.video = { ...track.video };
  if (track.audio !== undefined) result.audio = { ...track.audio };
  if (track.codecPrivate !== undefined) result.codecPrivate = track.codecPrivate;
  return result;
}

/**
 * The fragments a correct reader yields for `spec` (one per document, since every generated
 * document that should be read as one fragment carries its own KVS tags), frames pointing into
 * `written.bytes`. Laced frames are spread over the block's duration as MkvFrame documents.
 */
export function expectedFragments(spec: StreamSpec, written: WrittenStream): MkvFragment[] {
  let frameIndex = 0;
  return spec.documents.map((doc, index) => {
    const scale = doc.timecodeScale ?? DEFAULT_TIMECODE_SCALE;
    const frameDuration = new Map<number, number>();
    for (const t of doc.tracks) if (t.defaultDurationNs !== undefined) frameDuration.set(t.number, t.defaultDurationNs / scale);
    const frames: MkvFrame[] = [];
    for (const cluster of doc.clusters) {
      for (const block of cluster.blocks) {
        const time = cluster.timecode + block.timeOffset;
        const count = block.frames.length;
        const perFrame = frameDuration.get(block.track);
        const total =
          block.kind === 'group' && block.duration !== undefined ? block.duration : perFrame === undefined ? undefined : perFrame * count;
        block.frames.forEach((frame, i) => {
          const at = written.frameOffsets[frameIndex++];
          frames.push({
            track: block.track,
            timestamp: time + (total === undefined ? 0 : Math.round((i * total) / count)),
            keyframe: block.keyframe,
            duration: total === undefined ? undefined : total / count,
            discardable: block.kind === 'simple' && block.discardable === true,
            data: written.bytes.subarray(at, at + frame.length),
          });
        });
      }
    }
    const tags: MkvTag[] = [...(doc.leadingTags ?? []).flat(), ...(doc.trailingTags ?? []).flat()].map((t) => ({ ...t }));
    return {
      index,
      fragmentNumber: doc.fragmentNumber ?? null,
      producerTimestamp: doc.producerTimestamp ?? null,
      serverTimestamp: doc.serverTimestamp ?? null,
      millisBehindNow: doc.millisBehindNow,
      continuationToken: doc.continuationToken,
      timecodeScale: scale,
      clusterTimecode: doc.clusters[0]?.timecode ?? null,
      tracks: doc.tracks.map(expectedTrack),
      frames,
      tags,
      byteOffset: written.documents[index].byteOffset,
      byteLength: written.documents[index].byteLength,
      partial: undefined,
    };
  });
}
