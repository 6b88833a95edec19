/**
 * GetMedia (kinesis-video-media 2017-09-30): the stream's fragments from a StartSelector on, each
 * followed by its MILLIS_BEHIND_NOW and CONTINUATION_TOKEN tags, then whatever is appended to the
 * file while the session lasts (docs/server.md#getmedia).
 */
import { compareFragmentNumbers } from '../api/index.js';
import { kvsTags, tagSeconds, UNKNOWN_SIZE_SEGMENT } from './ebml-write.js';
import type { StoredFragment, StreamCatalog, StreamIndex } from './catalog.js';
import { ServiceError } from './errors.js';
import { streamNameOf, timestampMs, type Body } from './request.js';

const SELECTOR_TYPES = ['FRAGMENT_NUMBER', 'SERVER_TIMESTAMP', 'PRODUCER_TIMESTAMP', 'NOW', 'EARLIEST', 'CONTINUATION_TOKEN'];

/** Where a session starts: a position in the stream's fragments, or a fragment number the stream lacks. */
export type Start = { position: number } | { missing: string };

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidArgumentException', message);
}

/** Position after the fragment numbered `number`, or `missing` (checked against the pattern first). */
function after(index: StreamIndex, number: unknown, member: string, pattern: RegExp): Start {
  if (typeof number !== 'string' || !pattern.test(number))
    throw invalid(`StartSelector.${member} is required and must match ${pattern.source}.`);
  const position = index.byNumber.get(number);
  return position === undefined ? { missing: number } : { position: position + 1 };
}

/**
 * The StartSelector's start (the model's StartSelectorType descriptions): NOW the next fragment
 * to arrive; EARLIEST the first; FRAGMENT_NUMBER the fragment after AfterFragmentNumber
 * ("Start with the chunk after a specific fragment"); a timestamp the fragment containing it (or
 * the first one after it); CONTINUATION_TOKEN the fragment after the one whose trailing tags
 * carried the token (our tokens are fragment numbers, as in every capture: docs/kvs-mkv.md#tags).
 */
export function startOf(body: Body, index: StreamIndex): Start {
  const selector = body.StartSelector as Record<string, unknown> | undefined;
  if (typeof selector !== 'object' || selector === null) throw invalid('StartSelector is required.');
  const type = selector.StartSelectorType;
  if (typeof type !== 'string' || !SELECTOR_TYPES.includes(type)) {
    throw invalid(
      `1 validation error detected: Value '${String(type).slice(0, 60)}' at 'startSelector.startSelectorType' failed to satisfy constraint: ` +
        `Member must satisfy enum value set: [${SELECTOR_TYPES.join(', ')}]`,
    );
  }
  const fragments = index.fragments;
  switch (type) {
    case 'EARLIEST':
      return { position: 0 };
    case 'NOW':
      return { position: fragments.length };
    case 'FRAGMENT_NUMBER':
      return after(index, selector.AfterFragmentNumber, 'AfterFragmentNumber', /^[0-9]{1,128}$/);
    case 'CONTINUATION_TOKEN':
      return after(index, selector.ContinuationToken, 'ContinuationToken', /^[a-zA-Z0-9_.-]{1,128}$/);
    default: {
      const atMs = timestampMs(selector.StartTimestamp, 'StartSelector.StartTimestamp');
      const startOfFragment = (fragment: StoredFragment) => (type === 'SERVER_TIMESTAMP' ? fragment.serverMs : fragment.producerMs);
      // The last fragment starting at or before the time, if the time falls inside it; else the first one after it.
      let position = fragments.findIndex((f) => startOfFragment(f) > atMs);
      if (position === -1) position = fragments.length;
      const before = fragments[position - 1];
      if (before && atMs < startOfFragment(before) + Math.max(1, before.durationMs)) position--;
      return { position };
    }
  }
}

/** One fragment as GetMedia sends it: KVS tags before the cluster, MILLIS_BEHIND_NOW and CONTINUATION_TOKEN after. */
export function getMediaDocument(fragment: StoredFragment, tip: StoredFragment): Uint8Array[] {
  return [
    ...fragment.head,
    kvsTags([
      ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', fragment.fragmentNumber],
      ['AWS_KINESISVIDEO_SERVER_TIMESTAMP', tagSeconds(fragment.serverMs)],
      ['AWS_KINESISVIDEO_PRODUCER_TIMESTAMP', tagSeconds(fragment.producerMs)],
    ]),
    ...fragment.body,
    kvsTags([
      // How far this fragment is behind the newest one in the file: a folder has no "now" of its own (docs/server.md#getmedia).
      ['AWS_KINESISVIDEO_MILLIS_BEHIND_NOW', String(Math.max(0, tip.serverMs - fragment.serverMs))],
      ['AWS_KINESISVIDEO_CONTINUATION_TOKEN', fragment.fragmentNumber],
    ]),
  ];
}

/** GetMedia's in-band error for a start fragment the stream does not hold: ERROR_ID 4000 (docs/kvs-mkv.md#in-band-errors). */
export function notFoundDocument(index: StreamIndex, number: string): Uint8Array[] {
  const ebmlHeader = index.fragments[0]?.head[0];
  return [
    ...(ebmlHeader ? [ebmlHeader] : []),
    UNKNOWN_SIZE_SEGMENT,
    kvsTags([
      ['AWS_KINESISVIDEO_ERROR_CODE', `Requested fragment ${number} is not found`],
      ['AWS_KINESISVIDEO_ERROR_ID', '4000'],
    ]),
  ];
}

export interface Session {
  /** Sends the response headers: the selector was valid, the body follows as fragments come. */
  begin(): void;
  /** Writes one fragment's parts; resolves when the socket took them (backpressure). */
  write(parts: Uint8Array[]): Promise<void>;
  /** True once the client went away or the server is stopping. */
  closed(): boolean;
  /** Resolves after `ms`, or earlier when the session closes. */
  sleep(ms: number): Promise<void>;
}

export interface TailOptions {
  /** How often the file is looked at for new fragments while tailing. */
  pollMs: number;
  /** The session ends after this long with no new fragment. */
  idleMs: number;
}

/** Sends fragments from `start` on, then tails the file until it stays unchanged for `idleMs`. */
export async function streamMedia(
  body: Body,
  catalog: StreamCatalog,
  session: Session,
  tail: TailOptions,
  firstIndex: StreamIndex,
): Promise<void> {
  const name = streamNameOf(body);
  const start = startOf(body, firstIndex);
  if ('missing' in start) {
    session.begin();
    await session.write(notFoundDocument(firstIndex, start.missing));
    return;
  }
  session.begin();
  let next = start.position;
  let lastNumber: string | undefined;
  let index = firstIndex;
  let idleSince = Date.now();
  while (!session.closed()) {
    const fragments = index.fragments;
    // A file rewritten in between: carry on after the last fragment sent, by number.
    if (lastNumber !== undefined && fragments[next - 1]?.fragmentNumber !== lastNumber) {
      next = fragments.findIndex((f) => compareFragmentNumbers(f.fragmentNumber, lastNumber!) > 0);
      if (next === -1) next = fragments.length;
    }
    if (next < fragments.length) {
      const tip = fragments[fragments.length - 1];
      for (; next < fragments.length && !session.closed(); next++) {
        await session.write(getMediaDocument(fragments[next], tip));
        lastNumber = fragments[next].fragmentNumber;
      }
      idleSince = Date.now();
    }
    if (Date.now() - idleSince >= tail.idleMs) return;
    await session.sleep(Math.min(tail.pollMs, tail.idleMs));
    index = await catalog.open(name);
  }
}
