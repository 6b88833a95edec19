/**
 * The streams a folder holds (docs/server.md#streams-and-files): each regular file `<name>.mkv`
 * directly in the folder is the stream `<name>`, and streams given in memory come before them. A
 * name is checked against KVS's StreamName pattern before it comes near the file system, and
 * symbolic links are not followed, so nothing outside the folder is ever read. Each file is indexed
 * once per (size, mtime), each in-memory stream once, into fragments with their numbers, timestamps
 * and the parts the APIs re-assemble (documents.ts).
 */
import { readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_EPOCH_MS, readFragments } from '../mkv/index.js';
import type { MkvFragment } from '../mkv/types.js';
import { kvsTags, tagSeconds } from './ebml-write.js';
import { splitDocument } from './documents.js';
import { ServiceError } from './errors.js';

/** StreamName in the service model: 1–256 of `[a-zA-Z0-9_.-]` (botocore kinesisvideo/2017-09-30). */
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;

/** Epoch ms of 2020-01-01T00:00:00Z: where the made-up timeline of a plain Matroska file starts. */
export const PLAIN_EPOCH_MS = Date.UTC(2020, 0, 1);

/** A made-up timestamp: PLAIN_EPOCH_MS plus the file's own time in ms, kept within what a Date holds (so every SDK can parse it). */
function madeUpMs(fileMs: number): number {
  return Math.min(MAX_EPOCH_MS, Math.max(0, PLAIN_EPOCH_MS + Math.round(fileMs)));
}

export interface StoredFragment {
  /** Decimal string, increasing with position in the file. */
  fragmentNumber: string;
  /** Epoch ms. */
  producerMs: number;
  serverMs: number;
  durationMs: number;
  /** EBML header, unknown-size Segment header, Info, Tracks, producer Tags (shared by fragments of one document). */
  head: Uint8Array[];
  /** The fragment's cluster(s) and what follows them in its document, KVS tags removed. */
  body: Uint8Array[];
  /** Bytes of the fragment as GetMediaForFragmentList sends it (FragmentSizeInBytes). */
  sizeInBytes: number;
}

export interface StreamIndex {
  name: string;
  /** Whether the file carried KVS tags (else fragment numbers and timestamps are made up). */
  tagged: boolean;
  fragments: StoredFragment[];
  /** Fragment number → index in `fragments`. */
  byNumber: Map<string, number>;
  /** File size and mtime this index was built from. */
  size: number;
  mtimeMs: number;
}

/** The tags GetMediaForFragmentList writes before a fragment's cluster: the `_SIDE_` spelling (docs/kvs-mkv.md#tags). */
export function listTags(fragment: StoredFragment): Uint8Array {
  return kvsTags([
    ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', fragment.fragmentNumber],
    ['AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP', tagSeconds(fragment.serverMs)],
    ['AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP', tagSeconds(fragment.producerMs)],
  ]);
}

/** Whether `name` is a stream name the service would accept (the model's StreamName pattern and length). */
export function isStreamName(name: string): boolean {
  return STREAM_NAME.test(name);
}

/** Indexes of in-memory streams, per byte array: a test that starts many servers over one capture indexes it once. */
const memoryIndexes = new WeakMap<Uint8Array, Map<string, Promise<StreamIndex>>>();

function memoryIndex(name: string, bytes: Uint8Array): Promise<StreamIndex> {
  const byName = memoryIndexes.get(bytes) ?? new Map<string, Promise<StreamIndex>>();
  memoryIndexes.set(bytes, byName);
  let index = byName.get(name);
  if (!index) byName.set(name, (index = indexFile(name, bytes, { size: bytes.byteLength, mtimeMs: 0 })));
  return index;
}

export class StreamCatalog {
  private readonly indexes = new Map<string, Promise<StreamIndex>>();

  /**
   * @param dir the folder of `<name>.mkv` files, if any.
   * @param memory streams held in memory (name → bytes), which never change; names already checked.
   */
  constructor(
    readonly dir: string | undefined,
    private readonly memory: ReadonlyMap<string, Uint8Array> = new Map(),
  ) {}

  /** Names of the streams, in memory and in the folder, sorted. */
  async names(): Promise<string[]> {
    const entries = this.dir === undefined ? [] : await readdir(this.dir, { withFileTypes: true });
    const files = entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.mkv'))
      .map((entry) => entry.name.slice(0, -'.mkv'.length))
      .filter((name) => STREAM_NAME.test(name));
    return [...new Set([...this.memory.keys(), ...files])].sort();
  }

  /** The stream's index, rebuilt when its file changed; ResourceNotFoundException when there is no such stream. */
  async open(name: string): Promise<StreamIndex> {
    if (!STREAM_NAME.test(name)) {
      throw new ServiceError(
        'InvalidArgumentException',
        `1 validation error detected: Value '${name.slice(0, 300)}' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
      );
    }
    const held = this.memory.get(name);
    if (held) return memoryIndex(name, held);
    const notFound = new ServiceError('ResourceNotFoundException', 'The requested stream is not found or not active.');
    if (this.dir === undefined) throw notFound;
    const path = join(this.dir, `${name}.mkv`);
    const stats = await lstat(path).catch(() => null);
    if (!stats?.isFile()) throw notFound;
    const cached = this.indexes.get(name);
    if (cached) {
      const index = await cached.catch(() => null);
      if (index && index.size === stats.size && index.mtimeMs === stats.mtimeMs) return index;
    }
    const building = readFile(path).then((bytes) =>
      indexFile(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), stats),
    );
    this.indexes.set(name, building);
    return building;
  }
}

interface Span {
  startMs: number;
  endMs: number;
}

/** Start and end in ms (of the file's own clock) of the frames whose bytes lie in [from, to) of `bytes`. */
function frameSpan(fragment: MkvFragment): Span | null {
  let start = Infinity;
  let end = -Infinity;
  const msPerTick = fragment.timecodeScale / 1e6;
  for (const frame of fragment.frames) {
    start = Math.min(start, frame.timestamp * msPerTick);
    end = Math.max(end, (frame.timestamp + (frame.duration ?? 0)) * msPerTick);
  }
  return start === Infinity ? null : { startMs: start, endMs: end };
}

/** A fragment lasts until the next one starts; the last one as long as its frames. */
function durations(starts: number[], lastSpanMs: number): number[] {
  return starts.map((start, i) => Math.max(0, Math.round(i + 1 < starts.length ? starts[i + 1] - start : lastSpanMs)));
}

function stored(head: Uint8Array[], body: Uint8Array[], meta: Omit<StoredFragment, 'head' | 'body' | 'sizeInBytes'>): StoredFragment {
  const fragment = { ...meta, head, body, sizeInBytes: 0 };
  const parts = [...head, listTags(fragment), ...body];
  fragment.sizeInBytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
  return fragment;
}

async function indexFile(name: string, bytes: Uint8Array, stats: { size: number; mtimeMs: number }): Promise<StreamIndex> {
  const read: MkvFragment[] = [];
  let truncated = false;
  let sawPartial = false;
  try {
    for await (const fragment of readFragments(bytes, { onWarning: (warning) => (truncated ||= warning.code === 'truncated') })) {
      if (fragment.partial) sawPartial = true;
      else read.push(fragment);
    }
  } catch {
    // Malformed bytes or an in-band error: the complete fragments before it are served.
  }
  // A file still being appended to may end inside its last fragment (in its trailing tags, say):
  // held back until it is complete. Cut in the next document's header, the last one is whole.
  const last = read[read.length - 1];
  if (truncated && !sawPartial && last && last.byteOffset + last.byteLength >= bytes.byteLength) read.pop();
  const tagged = read.length > 0 && read[0].fragmentNumber !== null;
  const fragments = tagged ? taggedFragments(bytes, read) : plainFragments(bytes, read);
  return {
    name,
    tagged,
    fragments,
    byNumber: new Map(fragments.map((f, i) => [f.fragmentNumber, i])),
    ...stats,
    size: stats.size,
    mtimeMs: stats.mtimeMs,
  };
}

/** A KVS capture: one fragment per tagged fragment the reader found, numbers and timestamps from its tags. */
function taggedFragments(bytes: Uint8Array, read: MkvFragment[]): StoredFragment[] {
  const kept: { fragment: MkvFragment; head: Uint8Array[]; body: Uint8Array[]; span: Span }[] = [];
  let head: Uint8Array[] = [];
  for (const fragment of read) {
    const parts = splitDocument(bytes, fragment.byteOffset, fragment.byteOffset + fragment.byteLength);
    // Fragments merged into one Segment share the head of the document they are in, plus their own elements before their cluster.
    if (parts.startsDocument) head = parts.head;
    const span = frameSpan(fragment);
    if (fragment.fragmentNumber === null || span === null) continue;
    kept.push({ fragment, head: parts.startsDocument ? head : [...head, ...parts.head], body: parts.clusters.flat(), span });
  }
  const starts = kept.map(({ fragment, span }) => fragment.producerTimestamp ?? span.startMs);
  const lengths = durations(starts, kept.length > 0 ? kept[kept.length - 1].span.endMs - kept[kept.length - 1].span.startMs : 0);
  return kept.map(({ fragment, head: shared, body, span }, i) => {
    // A tagged fragment without a timestamp tag is timed as a plain file's would be.
    const producerMs = fragment.producerTimestamp ?? madeUpMs(span.startMs);
    return stored(shared, body, {
      fragmentNumber: fragment.fragmentNumber!,
      producerMs,
      serverMs: fragment.serverTimestamp ?? producerMs,
      durationMs: lengths[i],
    });
  });
}

/**
 * A plain Matroska file: one fragment per run of clusters that starts on a video key frame (a
 * cluster whose first video frame is not a key frame joins the fragment before it, as KVS fragments
 * start on key frames: docs/kvs-mkv.md#layout), numbered and timed as
 * docs/server.md#plain-matroska-files says.
 */
function plainFragments(bytes: Uint8Array, read: MkvFragment[]): StoredFragment[] {
  const { head, clusters } = splitDocument(bytes);
  // Which cluster holds a frame: frames are views of `bytes`, clusters are views too, both in file order.
  const starts = clusters.map((parts) => parts[0].byteOffset);
  const spans: (Span | null)[] = clusters.map(() => null);
  /** Per cluster: whether its first video frame is a key frame (true when it holds no video). */
  const startsOnKey: boolean[] = clusters.map(() => true);
  const sawVideo: boolean[] = clusters.map(() => false);
  let c = 0;
  for (const fragment of read) {
    const msPerTick = fragment.timecodeScale / 1e6;
    const video = new Set(fragment.tracks.filter((track) => track.type === 'video').map((track) => track.number));
    for (const frame of fragment.frames) {
      while (c + 1 < starts.length && frame.data.byteOffset >= starts[c + 1]) c++;
      if (video.has(frame.track) && !sawVideo[c]) {
        sawVideo[c] = true;
        startsOnKey[c] = frame.keyframe;
      }
      const startMs = frame.timestamp * msPerTick;
      const endMs = (frame.timestamp + (frame.duration ?? 0)) * msPerTick;
      const span = spans[c];
      spans[c] = span ? { startMs: Math.min(span.startMs, startMs), endMs: Math.max(span.endMs, endMs) } : { startMs, endMs };
    }
  }
  const kept: { body: Uint8Array[]; span: Span }[] = [];
  clusters.forEach((body, i) => {
    const span = spans[i];
    if (!span) return;
    const open = kept[kept.length - 1];
    if (open && !startsOnKey[i]) {
      open.body.push(...body);
      open.span = { startMs: Math.min(open.span.startMs, span.startMs), endMs: Math.max(open.span.endMs, span.endMs) };
    } else kept.push({ body: [...body], span });
  });
  const lengths = durations(
    kept.map(({ span }) => span.startMs),
    kept.length > 0 ? kept[kept.length - 1].span.endMs - kept[kept.length - 1].span.startMs : 0,
  );
  return kept.map(({ body, span }, i) => {
    const producerMs = madeUpMs(span.startMs);
    return stored(head, body, { fragmentNumber: plainFragmentNumber(i), producerMs, serverMs: producerMs, durationMs: lengths[i] });
  });
}

/** 47 digits like the service's, increasing with the cluster's position: `91343852333181432` then the index in 30 digits. */
export function plainFragmentNumber(index: number): string {
  return `91343852333181432${String(index).padStart(30, '0')}`;
}
