/**
 * The archived-media operations (kinesis-video-archived-media 2017-09-30): ListFragments,
 * GetMediaForFragmentList and GetClip over a folder's stream (docs/server.md#operations).
 */
import { clip, validateSelector } from '../api/index.js';
import type { ClipFragmentSelector } from '../api/types.js';
import { InvalidArgumentException } from '../errors.js';
import { kvsTags, UNKNOWN_SIZE_SEGMENT } from './ebml-write.js';
import { listTags, type StoredFragment, type StreamCatalog, type StreamIndex } from './catalog.js';
import { ServiceError } from './errors.js';
import { boundedInteger, decodeToken, encodeToken, streamNameOf, timestampMs, type Body } from './request.js';

/** GetClip's limits (docs/getclip.md): at most 200 fragments and 100 MB of media per clip. */
export const GET_CLIP_MAX_FRAGMENTS = 200;
export const GET_CLIP_MAX_BYTES = 100 * 1024 * 1024;

/** A media body to send, fragment by fragment (so that faults can reorder or cut one). */
export interface MediaBody {
  contentType: string;
  fragments: MediaPart[];
}

export interface MediaPart {
  /** The fragment number; empty for a GetClip body, which is one part. */
  fragmentNumber: string;
  parts: Uint8Array[];
}

/** How ListFragments misbehaves on request, the ways the service may (docs/server.md#faults). */
export interface ListingFaults {
  /** At most this many fragments per page, whatever MaxResults asks. */
  pageSize?: number;
  /** Fragments in an order shuffled with this seed (the same on every call). */
  shuffleSeed?: number;
  /** The first fragment listed once more, on the last page. */
  repeatAcrossPages?: boolean;
  /** Pages forever: every page is the first one, with the same NextToken (a client must notice the token does not move). */
  endlessPages?: boolean;
}

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidArgumentException', message);
}

interface Range {
  byServer: boolean;
  startMs: number;
  endMs: number;
}

function rangeOf(selector: unknown, member: string): Range | null {
  if (selector === undefined || selector === null) return null;
  const { FragmentSelectorType: type, TimestampRange: range } = selector as {
    FragmentSelectorType?: unknown;
    TimestampRange?: Record<string, unknown>;
  };
  if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP') {
    throw invalid(
      `1 validation error detected: Value '${String(type).slice(0, 60)}' at '${member}.fragmentSelectorType' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]',
    );
  }
  if (typeof range !== 'object' || range === null) throw invalid(`${member}.TimestampRange is required.`);
  const startMs = timestampMs(range.StartTimestamp, 'TimestampRange.StartTimestamp');
  const endMs = timestampMs(range.EndTimestamp, 'TimestampRange.EndTimestamp');
  if (endMs < startMs) throw invalid('The EndTimestamp must not be earlier than the StartTimestamp.');
  return { byServer: type === 'SERVER_TIMESTAMP', startMs, endMs };
}

/** Like the service: every fragment that overlaps the range, not only those starting in it (docs/server.md#listfragments). */
function overlaps(fragment: StoredFragment, range: Range | null): boolean {
  if (!range) return true;
  const begin = range.byServer ? fragment.serverMs : fragment.producerMs;
  return begin <= range.endMs && begin + fragment.durationMs >= range.startMs;
}

function isPageToken(value: unknown): value is { offset: number } {
  const offset = typeof value === 'object' && value !== null ? (value as { offset?: unknown }).offset : undefined;
  return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0;
}

/** Fisher–Yates with a small seeded generator (mulberry32), so an order can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** ListFragments: the stream's fragments that overlap the selector's range, one page at a time. */
export async function listFragments(body: Body, catalog: StreamCatalog, faults: ListingFaults = {}) {
  const index = await catalog.open(streamNameOf(body));
  const max = Math.min(boundedInteger(body, 'MaxResults', 1, 1000, 1000), faults.pageSize ?? Infinity);
  const offset = decodeToken(body.NextToken, isPageToken)?.offset ?? 0;
  const range = rangeOf(body.FragmentSelector, 'fragmentSelector');
  // In fragment-number order (a file's order), so an offset stays valid while the file grows.
  let matching = index.fragments.filter((fragment) => overlaps(fragment, range));
  if (faults.shuffleSeed !== undefined) matching = shuffled(matching, faults.shuffleSeed);
  if (faults.repeatAcrossPages && matching.length > 1) matching = [...matching, matching[0]];
  if (faults.endlessPages) return { Fragments: fragmentShapes(matching.slice(0, max)), NextToken: encodeToken({ offset: 0 }) };
  return {
    Fragments: fragmentShapes(matching.slice(offset, offset + max)),
    ...(offset + max < matching.length && { NextToken: encodeToken({ offset: offset + max }) }),
  };
}

/** ListFragments' `Fragment` shapes. */
function fragmentShapes(fragments: StoredFragment[]) {
  return fragments.map((fragment) => ({
    FragmentNumber: fragment.fragmentNumber,
    FragmentSizeInBytes: fragment.sizeInBytes,
    ProducerTimestamp: fragment.producerMs / 1000,
    ServerTimestamp: fragment.serverMs / 1000,
    FragmentLengthInMilliseconds: fragment.durationMs,
  }));
}

/**
 * A GetMediaForFragmentList document of KVS's in-band exception tags (docs/kvs-mkv.md#in-band-errors),
 * sent in place of a fragment: the EBML header of the stream's documents, a Segment, the Tags.
 */
export function exceptionDocument(ebmlHeader: Uint8Array, fragmentNumber: string, code: number, message: string): Uint8Array[] {
  return [
    ebmlHeader,
    UNKNOWN_SIZE_SEGMENT,
    kvsTags([
      ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', fragmentNumber],
      ['AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE', String(code)],
      ['AWS_KINESISVIDEO_EXCEPTION_MESSAGE', message],
    ]),
  ];
}

/**
 * In place of a fragment that is not in the stream. The reference calls the code "the integer code
 * of the exception" without listing codes; we send 4000, GetMedia's code for "requested fragment not found".
 */
function missingFragment(index: StreamIndex, fragmentNumber: string): Uint8Array[] {
  return exceptionDocument(index.fragments[0].head[0], fragmentNumber, 4000, `Requested fragment ${fragmentNumber} is not found.`);
}

/** GetMediaForFragmentList: the fragments asked for, in that order, as documents with the `_SIDE_` tags. */
export async function getMediaForFragmentList(body: Body, catalog: StreamCatalog): Promise<MediaBody> {
  const index = await catalog.open(streamNameOf(body));
  const numbers = body.Fragments;
  if (!Array.isArray(numbers) || numbers.length < 1 || numbers.length > 1000) {
    throw invalid(
      "1 validation error detected: Value at 'fragments' failed to satisfy constraint: Member must have length between 1 and 1000",
    );
  }
  for (const number of numbers) {
    if (typeof number !== 'string' || !/^[0-9]{1,128}$/.test(number)) {
      throw invalid(
        `Value '${String(number).slice(0, 140)}' at 'fragments' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9]+$`,
      );
    }
  }
  const found = (numbers as string[]).map((number) => index.byNumber.get(number));
  if (found.every((position) => position === undefined)) {
    throw new ServiceError('ResourceNotFoundException', 'None of the requested fragments is in the stream.');
  }
  const fragments = (numbers as string[]).map((number, i): MediaPart => {
    const position = found[i];
    if (position === undefined) return { fragmentNumber: number, parts: missingFragment(index, number) };
    const fragment = index.fragments[position];
    return { fragmentNumber: number, parts: [...fragment.head, listTags(fragment), ...fragment.body] };
  });
  return { contentType: 'video/webm', fragments };
}

/** GetClip: the library's `clip` over the fragments starting in the range, with GetClip's caps. */
export async function getClip(body: Body, catalog: StreamCatalog): Promise<MediaBody> {
  const index = await catalog.open(streamNameOf(body));
  const selector = body.ClipFragmentSelector as Record<string, unknown> | undefined;
  if (typeof selector !== 'object' || selector === null) throw invalid('ClipFragmentSelector is required.');
  const range = rangeOf(selector, 'clipFragmentSelector');
  const clipSelector: ClipFragmentSelector = {
    FragmentSelectorType: range!.byServer ? 'SERVER_TIMESTAMP' : 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: new Date(range!.startMs), EndTimestamp: new Date(range!.endMs) },
  };
  try {
    validateSelector(clipSelector); // GetClip's own rules (24 hours at most, End after Start)
  } catch (error) {
    if (error instanceof InvalidArgumentException) throw invalid(error.message);
    throw error;
  }
  // The fragments that start in the range, as GetMediaForFragmentList would send them; `clip` selects again by the same rule.
  const chunks = index.fragments
    .filter((fragment) => {
      const start = range!.byServer ? fragment.serverMs : fragment.producerMs;
      return start >= range!.startMs && start <= range!.endMs;
    })
    .flatMap((fragment) => [...fragment.head, listTags(fragment), ...fragment.body]);
  if (chunks.length === 0) throw new ServiceError('ResourceNotFoundException', 'No fragments found in the stream for the clip time range.');
  const output = await clip(chunks, {
    ClipFragmentSelector: clipSelector,
    maxFragments: GET_CLIP_MAX_FRAGMENTS,
    maxBytes: GET_CLIP_MAX_BYTES,
  });
  return { contentType: output.ContentType, fragments: [{ fragmentNumber: '', parts: output.Payload.chunks() }] };
}
