/**
 * Fuzz targets: kvs-clip/aws against hostile service responses, through the real SDK clients whose
 * request handler is an in-process fake (no socket, no network): each request is answered from a
 * scripted list of responses.
 *
 * - aws/list-fragments: ListFragments pages that are mutated JSON, wrong types, repeated or endless
 *   NextTokens, error statuses with garbage bodies. listFragments must settle (no hang) with a list
 *   or with a typed error: a KvsClipError or the SDK's service exception classes.
 * - aws/media-for-fragment-list: GetMediaForFragmentList bodies cut at any byte, ended with an
 *   in-band error document (transient or not), or refused with a 5xx. fetchFragments must deliver
 *   every fragment byte for byte, in order, once each (when the faults leave the retries enough), or
 *   end with a typed error after the fragments it delivered, all of them intact.
 * - aws/get-media: GetMedia bodies cut, or ended with GetMedia's in-band error tags; followStream
 *   must deliver stored fragments, in order, none twice, none altered.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { KinesisVideoArchivedMediaClient, KinesisVideoArchivedMediaServiceException } from '@aws-sdk/client-kinesis-video-archived-media';
import { KinesisVideoMediaClient, KinesisVideoMediaServiceException } from '@aws-sdk/client-kinesis-video-media';
import { KvsClipError } from '../../src/errors.js';
import { fetchFragments, followStream, listFragments } from '../../src/aws/index.js';
import type { MkvFragment } from '../../src/mkv/types.js';
import { captureFromPlainMatroska, splitCapture, type CapturedFragment } from '../support/kvs-server.js';
import { writeKvsStream } from '../support/kvs-writer.js';
import type { FuzzTarget } from './targets.js';

interface FakeResponse {
  status: number;
  body: Uint8Array;
  /** The body arrives in chunks of these sizes (then the rest). */
  chunks?: number[];
}

const credentials = { accessKeyId: 'fuzz', secretAccessKey: 'fuzz' };
/** What every SDK client here shares: no retries of its own (ours are under test), a host never dialled. */
const fakeClientConfig = { region: 'us-east-1', credentials, endpoint: 'http://fake.invalid', maxAttempts: 1 };
const encode = (text: string) => new TextEncoder().encode(text);

/** A request handler that answers from `next()` in process. */
function fakeHandler(next: (path: string) => FakeResponse) {
  return {
    handle: (request: { path: string }) => {
      const { status, body, chunks = [] } = next(request.path);
      const pieces: Buffer[] = [];
      let at = 0;
      for (const size of chunks) {
        if (at >= body.length) break;
        pieces.push(Buffer.from(body.subarray(at, at + Math.max(1, size))));
        at += Math.max(1, size);
      }
      if (at < body.length) pieces.push(Buffer.from(body.subarray(at)));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status >= 400) headers['x-amzn-errortype'] = status === 400 ? 'ClientLimitExceededException' : 'ServiceUnavailable';
      return Promise.resolve({ response: { statusCode: status, headers, body: Readable.from(pieces) } });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

const typed = (error: unknown) =>
  error instanceof KvsClipError ||
  error instanceof KinesisVideoArchivedMediaServiceException ||
  error instanceof KinesisVideoMediaServiceException;

function expectTyped(error: unknown): void {
  expect(typed(error), `untyped error escaped: ${String(error)}\n${(error as Error)?.stack ?? ''}`).toBe(true);
}

/** No test waits for real: backoff is a no-op, few attempts. */
const retry = { maxAttempts: 4, sleep: () => Promise.resolve() };

/** Settles within `ms` of wall time, or fails as a hang. */
async function settles<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms: a hang`)), ms)));
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

// ── ListFragments ──

const START = 1_700_000_000_000;
const selector = {
  FragmentSelectorType: 'PRODUCER_TIMESTAMP' as const,
  TimestampRange: { StartTimestamp: new Date(START), EndTimestamp: new Date(START + 60_000) },
};

/** A JSON value of any shape, and values of the shapes the fields take or nearly take. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const fieldValue = fc.oneof(
  anyJson,
  fc.integer({ min: 0, max: 200 }).map((n) => `${91343852333181432n + BigInt(n)}`),
  fc.integer({ min: -5, max: 70 }).map((s) => (START + s * 1000) / 1000),
  fc.constantFrom('1e400', '-1', 'NaN', '', '2023-11-14T22:13:20Z', 1e308, -0, 2 ** 53),
);
const fragmentJson = fc.dictionary(
  fc.constantFrom('FragmentNumber', 'FragmentSizeInBytes', 'ProducerTimestamp', 'ServerTimestamp', 'FragmentLengthInMilliseconds', 'x'),
  fieldValue,
);
const pageJson = fc.record(
  {
    Fragments: fc.oneof(fc.array(fragmentJson, { maxLength: 6 }), anyJson),
    NextToken: fc.oneof(fc.constantFrom('t1', 't2', 't3', ''), anyJson),
  },
  { requiredKeys: [] },
);
/** The text of a page: the JSON, cut short, or replaced by anything at all. */
const pageText = fc.oneof(
  { weight: 5, arbitrary: pageJson.map((page) => JSON.stringify(page)) },
  { weight: 1, arbitrary: fc.tuple(pageJson, fc.nat()).map(([page, cut]) => JSON.stringify(page).slice(0, cut)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
);
const listResponse = fc.record({
  status: fc.constantFrom(200, 200, 200, 200, 400, 403, 500, 503),
  text: pageText,
  chunks: fc.option(fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 4 }), { nil: undefined }),
});
type ListResponse = typeof listResponse extends fc.Arbitrary<infer T> ? T : never;

async function checkListing(pages: ListResponse[]): Promise<void> {
  let call = 0;
  const client = new KinesisVideoArchivedMediaClient({
    ...fakeClientConfig,
    // Past the script, the last page forever: an endpoint that never stops paging.
    requestHandler: fakeHandler(() => {
      const { status, text, chunks } = pages[Math.min(call++, pages.length - 1)];
      return { status, body: encode(text), chunks };
    }),
  });
  try {
    const listed = await settles(listFragments({ StreamName: 'cam', ClipFragmentSelector: selector }, { client, retry }));
    for (const fragment of listed) {
      expect(fragment.fragmentNumber).toMatch(/^\d+$/);
      expect(fragment.timestamp).toBeGreaterThanOrEqual(START);
      expect(fragment.timestamp).toBeLessThanOrEqual(START + 60_000);
    }
    expect(new Set(listed.map((f) => f.fragmentNumber)).size).toBe(listed.length);
  } catch (error) {
    expectTyped(error);
  } finally {
    client.destroy();
  }
  expect(call, 'requests made').toBeLessThan(200);
}

export const listFragmentsTarget: FuzzTarget<[ListResponse[]]> = {
  name: 'aws/list-fragments',
  claim: 'hostile ListFragments pages give a list or a typed error, never a hang',
  testRuns: 40,
  arbitraries: [fc.array(listResponse, { minLength: 1, maxLength: 6 })],
  check: checkListing,
};

// ── Media bodies ──

let stored: Promise<CapturedFragment[]> | undefined;
/** Four small GetMedia fragments from the h264-aac fixture (unknown-size clusters, as KVS sends them). */
function storedFragments(): Promise<CapturedFragment[]> {
  stored ??= (async () => {
    const plain = new Uint8Array(readFileSync(fileURLToPath(new URL('../../fixtures/h264-aac.mkv', import.meta.url))));
    const capture = await captureFromPlainMatroska(plain, START, { unknownSizeClusters: true, continuationTokens: true });
    return (await splitCapture(capture)).slice(0, 4);
  })();
  return stored;
}

/** What one media response does to the body it should send. */
const mediaFault = fc.oneof(
  fc.constant({ kind: 'whole' as const }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('error' as const), after: fc.nat({ max: 4 }), transient: fc.boolean() }),
  fc.record({ kind: fc.constant('status' as const), status: fc.constantFrom(400, 500, 503) }),
);
type MediaFault = typeof mediaFault extends fc.Arbitrary<infer T> ? T : never;
const mediaScript = fc.record({
  faults: fc.array(mediaFault, { maxLength: 6 }),
  chunks: fc.option(fc.array(fc.integer({ min: 1, max: 600 }), { maxLength: 6 }), { nil: undefined }),
});
type MediaScript = typeof mediaScript extends fc.Arbitrary<infer T> ? T : never;

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The body of a media response to `fragments`, under `fault`. */
function mediaBody(
  fragments: CapturedFragment[],
  fault: MediaFault | undefined,
  flavour: 'GetMedia' | 'GetMediaForFragmentList',
): FakeResponse {
  const whole = concatAll(fragments.map((f) => f.bytes));
  if (fault === undefined || fault.kind === 'whole') return { status: 200, body: whole };
  if (fault.kind === 'status') return { status: fault.status, body: encode('{"Message":"fuzz"}') };
  if (fault.kind === 'cut') return { status: 200, body: whole.subarray(0, Math.floor(fault.at * whole.length)) };
  const before = concatAll(fragments.slice(0, fault.after).map((f) => f.bytes));
  const code = fault.transient ? 5000 : 4000;
  const error =
    flavour === 'GetMedia'
      ? writeKvsStream({
          documents: [],
          error: { flavour, errorId: code, errorCode: fault.transient ? 'INTERNAL_ERROR' : 'FRAGMENT_NOT_FOUND' },
        })
      : writeKvsStream({
          documents: [],
          error: {
            flavour,
            fragmentNumber: fragments[Math.min(fault.after, fragments.length - 1)].fragmentNumber,
            code: String(code),
            message: 'fuzz',
          },
        });
  return { status: 200, body: concatAll([before, error.bytes]) };
}

function expectStored(fragment: MkvFragment, expected: CapturedFragment | undefined): void {
  expect(expected, `fragment ${fragment.fragmentNumber} was not stored`).toBeDefined();
  expect(fragment.fragmentNumber).toBe(expected!.fragmentNumber);
  expect(fragment.partial).toBeFalsy();
  expect(fragment.byteLength).toBe(expected!.bytes.length);
}

async function checkFragmentList({ faults, chunks }: MediaScript): Promise<void> {
  const fragments = await storedFragments();
  const byNumber = new Map(fragments.map((f) => [f.fragmentNumber, f]));
  let mediaCalls = 0;
  const client = new KinesisVideoArchivedMediaClient({
    ...fakeClientConfig,
    requestHandler: fakeHandler((path) => {
      if (path.includes('istFragments')) {
        const page = {
          Fragments: fragments.map((f, i) => ({
            FragmentNumber: f.fragmentNumber,
            FragmentSizeInBytes: f.bytes.length,
            ProducerTimestamp: f.producerTimestamp / 1000,
            ServerTimestamp: f.serverTimestamp / 1000,
            // Up to the next fragment's start (the last one: 2 s, a camera's usual fragment).
            FragmentLengthInMilliseconds: i + 1 < fragments.length ? fragments[i + 1].producerTimestamp - f.producerTimestamp : 2000,
          })),
        };
        return { status: 200, body: encode(JSON.stringify(page)) };
      }
      return { ...mediaBody(fragments, faults[mediaCalls++], 'GetMediaForFragmentList'), chunks };
    }),
  });
  // The fake answers every request with all fragments; ask for them in one batch.
  const delivered: MkvFragment[] = [];
  try {
    await settles(
      (async () => {
        for await (const fragment of fetchFragments(
          { StreamName: 'cam', ClipFragmentSelector: selector },
          { client, retry, batchSize: 1000 },
        ))
          delivered.push(fragment);
      })(),
    );
    expect(delivered.map((f) => f.fragmentNumber)).toEqual(fragments.map((f) => f.fragmentNumber));
  } catch (error) {
    expectTyped(error);
    // A fault the retries cannot outlast: a non-transient in-band error, a 400, or maxAttempts used up.
    expect(delivered.length).toBeLessThanOrEqual(fragments.length);
  } finally {
    client.destroy();
  }
  delivered.forEach((fragment, i) => {
    expect(fragment.fragmentNumber).toBe(fragments[i].fragmentNumber);
    expectStored(fragment, byNumber.get(fragment.fragmentNumber!));
  });
  // Faults only in the first few responses, fewer than the attempts: the fetch must have come through.
  const fatal = faults.some((f) => (f.kind === 'error' && !f.transient) || (f.kind === 'status' && f.status === 400));
  if (!fatal && faults.length < retry.maxAttempts) expect(delivered.length).toBe(fragments.length);
}

export const mediaForFragmentListTarget: FuzzTarget<[MediaScript]> = {
  name: 'aws/media-for-fragment-list',
  claim: 'cut and in-band-error media bodies lose no fragment and alter none',
  testRuns: 25,
  arbitraries: [mediaScript],
  check: checkFragmentList,
};

async function checkGetMedia({ faults, chunks }: MediaScript): Promise<void> {
  const fragments = await storedFragments();
  let calls = 0;
  const client = new KinesisVideoMediaClient({
    ...fakeClientConfig,
    requestHandler: fakeHandler(() => {
      // Each connection resumes after the last continuation token the reader saw: the fake sends
      // everything each time, and followStream must drop what it already delivered.
      const call = calls++;
      if (call > faults.length + 1) return { status: 404, body: encode('{"Message":"done"}') };
      return { ...mediaBody(fragments, faults[call], 'GetMedia'), chunks };
    }),
  });
  const delivered: MkvFragment[] = [];
  try {
    await settles(
      (async () => {
        for await (const fragment of followStream({ StreamName: 'cam', client, retry: { ...retry, maxAttempts: 10 } }))
          delivered.push(fragment);
      })(),
    );
  } catch (error) {
    expectTyped(error);
  } finally {
    client.destroy();
  }
  const numbers = delivered.map((f) => f.fragmentNumber!);
  numbers
    .slice(1)
    .forEach((number, i) => expect(BigInt(number) > BigInt(numbers[i]), `in order, none twice: ${numbers.join(' ')}`).toBe(true));
  const byNumber = new Map(fragments.map((f) => [f.fragmentNumber, f]));
  for (const fragment of delivered) expectStored(fragment, byNumber.get(fragment.fragmentNumber!));
  // followStream throws in-band errors as the reader raises them, transient or not (src/aws/follow.ts).
  if (!faults.some((f) => f.kind === 'error')) expect(numbers).toEqual(fragments.map((f) => f.fragmentNumber));
}

export const getMediaTarget: FuzzTarget<[MediaScript]> = {
  name: 'aws/get-media',
  claim: 'cut and in-band-error GetMedia bodies: fragments in order, none twice, none altered',
  testRuns: 20,
  arbitraries: [mediaScript],
  check: checkGetMedia,
};
