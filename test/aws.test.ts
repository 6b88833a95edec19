/**
 * kvs-clip/aws against kvs-clip's own KVS server (src/server, started by test/support/kvs-server.ts)
 * with its faults, driven by the real AWS SDK clients over HTTP: no mocked SDK. The oracle for the fetched media is the offline API
 * run on the very capture the server serves from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as sdk from '@aws-sdk/client-kinesis-video-archived-media';
import { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { clip, fragmentedMp4 } from '../src/api/index.js';
import type { ClipFragmentSelector, Mp4Segment } from '../src/api/types.js';
import { errorClasses } from '../src/errors.js';
import { fetchFragments, getClip, getFragmentedMp4, listFragments, type RetryEvent } from '../src/aws/index.js';
import { toSdkError } from '../src/aws/errors.js';
import { backoffDelay, isRetryable } from '../src/aws/retry.js';
import { readFragments } from '../src/mkv/index.js';
import type { KvsServerFaults, MediaFault } from '../src/server/index.js';
import { captureFromPlainMatroska, splitCapture, startTestKvs, type CapturedFragment, type TestKvs } from './support/kvs-server.js';

const realCapturePath = '../shared/kvs-samples/mkv/output_get_media.mkv';
const haveRealCapture = existsSync(realCapturePath);
if (!haveRealCapture) console.warn(`SKIPPED aws fetch tests on a real capture: ${realCapturePath} is absent`);

/** What the server serves: a real GetMedia capture, and one made from a committed fixture (audio, B-frames). */
const sources = [
  {
    name: 'real capture output_get_media.mkv',
    available: haveRealCapture,
    load: async () => new Uint8Array(readFileSync(realCapturePath)),
  },
  {
    name: 'capture made from fixtures/h264-bframes-aac.mkv',
    available: true,
    load: () => captureFromPlainMatroska(new Uint8Array(readFileSync('fixtures/h264-bframes-aac.mkv'))),
  },
];

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
/** Retries without real waits: the policy's sleep, resolved at once (no test sleeps for real). */
const noWait = { sleep: () => Promise.resolve() };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The server over this capture (stream "cam") and a real SDK client pointed at it. */
async function serve(faults: KvsServerFaults, capture: Uint8Array) {
  const server = await startTestKvs({ cam: capture }, faults);
  const client = new KinesisVideoArchivedMediaClient({ endpoint: server.url, region: 'us-east-1', credentials });
  cleanups.push(
    () => client.destroy(),
    () => server.close(),
  );
  return { server, client };
}

function wholeRange(fragments: CapturedFragment[]): ClipFragmentSelector {
  return {
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: {
      StartTimestamp: new Date(fragments[0].producerTimestamp),
      EndTimestamp: new Date(fragments[fragments.length - 1].producerTimestamp),
    },
  };
}

function collectRetries() {
  const events: RetryEvent[] = [];
  const count = (operation: RetryEvent['operation']) => events.filter((event) => event.operation === operation).length;
  return { events, count, onRetry: (event: RetryEvent) => events.push(event) };
}

/** Media requests the server answered with 200, with what they asked for and what they sent whole. */
function mediaExchanges(server: TestKvs) {
  return server.log
    .filter((entry) => entry.operation === 'GetMediaForFragmentList' && entry.status === 200)
    .map((entry) => ({ asked: entry.body.Fragments as string[], sent: entry.sentComplete ?? [] }));
}

describe.each(sources)('fetching from the kvs-clip server with the real SDK: $name', ({ available, load }) => {
  let capture: Uint8Array = new Uint8Array(0);
  let stored: CapturedFragment[] = [];
  beforeAll(async () => {
    if (!available) return;
    capture = await load();
    stored = await splitCapture(capture);
  });
  const fragments = async () => stored;

  it.skipIf(!available)('splits the capture into distinct, time-ordered fragments (test premise)', async () => {
    const all = await fragments();
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(new Set(all.map((f) => f.fragmentNumber)).size).toBe(all.length);
    expect(all.every((f, i) => i === 0 || f.producerTimestamp > all[i - 1].producerTimestamp)).toBe(true);
    expect(all.map((f) => f.bytes.byteLength).reduce((a, b) => a + b)).toBe(capture.byteLength);
  });

  it.skipIf(!available)(
    'gets the same clip, byte for byte, as the offline clip, through paging, shuffling, throttling and cut bodies',
    async () => {
      const all = await fragments();
      const { server, client } = await serve(
        {
          pageSize: 2,
          shuffleSeed: 7,
          repeatAcrossPages: true,
          throttleFirst: { ListFragments: 2, GetMediaForFragmentList: 1 },
          mediaFaults: { 2: 'reset', 4: 'end' },
        },
        capture,
      );
      const selector = wholeRange(all);
      const retries = collectRetries();
      const fetched = await getClip(
        { StreamName: 'cam', ClipFragmentSelector: selector },
        { client, batchSize: 2, concurrency: 2, retry: noWait, onRetry: retries.onRetry },
      );
      const offline = await clip(capture, { ClipFragmentSelector: selector });
      expect(fetched.ContentType).toBe('video/mp4');
      expect(Buffer.from(fetched.Payload.bytes()).equals(Buffer.from(offline.Payload.bytes()))).toBe(true);

      // 2 throttled ListFragments calls, then 1 throttled media call and 2 cut-off media bodies.
      expect(retries.count('ListFragments')).toBe(2);
      expect(retries.count('GetMediaForFragmentList')).toBe(3);
      expect(server.calls.ListFragments).toBe(2 + Math.ceil((all.length + 1) / 2)); // +1: the repeated one
      const exchanges = mediaExchanges(server);
      // Nothing sent whole was ever asked for again: each fragment crossed the wire complete once.
      const sentWhole = exchanges.flatMap((exchange) => exchange.sent).sort();
      expect(sentWhole).toEqual(all.map((f) => f.fragmentNumber).sort());
      // Each of the 2 cut responses was followed by a request for exactly what it had not sent whole.
      const cut = exchanges.filter((e) => e.sent.length < e.asked.length);
      expect(cut).toHaveLength(2);
      for (const exchange of cut) {
        const rest = exchange.asked.filter((number) => !exchange.sent.includes(number));
        expect(exchanges.some((later) => later.asked.join() === rest.join())).toBe(true);
      }
    },
  );

  it.skipIf(!available)('yields every selected fragment once, in timestamp order, with the bytes of the capture (property)', async () => {
    const all = await fragments();
    const offline = new Map<string, Uint8Array[]>();
    for await (const fragment of readFragments(capture))
      offline.set(
        fragment.fragmentNumber!,
        fragment.frames.map((f) => f.data),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          pageSize: fc.integer({ min: 1, max: 6 }),
          shuffleSeed: fc.integer(),
          repeatAcrossPages: fc.boolean(),
          reverseMedia: fc.boolean(),
          mediaFaults: fc.dictionary(
            fc.integer({ min: 1, max: 6 }).map(String),
            fc.constantFrom<MediaFault>('reset', 'end', 'between-blocks', { inBandError: 5000 }),
            { maxKeys: 3 },
          ),
          batchSize: fc.integer({ min: 1, max: 6 }),
          concurrency: fc.integer({ min: 1, max: 3 }),
        }),
        async ({ batchSize, concurrency, ...misbehaviour }) => {
          const { client } = await serve(misbehaviour, capture);
          const seen: string[] = [];
          for await (const fragment of fetchFragments(
            { StreamName: 'cam', ClipFragmentSelector: wholeRange(all) },
            { client, batchSize, concurrency, retry: noWait },
          )) {
            seen.push(fragment.fragmentNumber!);
            expect(fragment.frames.map((f) => Buffer.from(f.data).toString('hex'))).toEqual(
              offline.get(fragment.fragmentNumber!)!.map((data) => Buffer.from(data).toString('hex')),
            );
          }
          expect(seen).toEqual(all.map((f) => f.fragmentNumber));
        },
      ),
      { numRuns: 12 },
    );
  });

  it.skipIf(!available)('applies GetClip’s rule: a fragment overlapping the start is out, one starting at the end is in', async () => {
    const all = await fragments();
    const { server, client } = await serve({ shuffleSeed: 3 }, capture);
    const selector: ClipFragmentSelector = {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      // Epoch seconds, like the SDK also accepts: from inside fragment 1 to exactly fragment 3's start.
      TimestampRange: { StartTimestamp: (all[1].producerTimestamp + 500) / 1000, EndTimestamp: all[3].producerTimestamp / 1000 },
    };
    const input = { StreamName: 'cam', ClipFragmentSelector: selector };
    const listed = await listFragments(input, { client });
    expect(listed.map((f) => f.fragmentNumber)).toEqual([all[2].fragmentNumber, all[3].fragmentNumber]);
    // The service itself returned the overlapping fragment 1 too; we dropped it.
    const served = server.log.find((entry) => entry.operation === 'ListFragments')!;
    expect(served.listed).toContain(all[1].fragmentNumber);

    const fetched = await getClip(input, { client });
    const offline = await clip(capture, { ClipFragmentSelector: selector });
    expect(Buffer.from(fetched.Payload.bytes()).equals(Buffer.from(offline.Payload.bytes()))).toBe(true);
  });

  it.skipIf(!available)('streams the same fragmented MP4 as the offline API, with bodies reversed and cut', async () => {
    const all = await fragments();
    const { client } = await serve({ reverseMedia: true, mediaFaults: { 1: 'end', 2: 'reset' } }, capture);
    const selector = wholeRange(all);
    const fetched: Mp4Segment[] = [];
    for await (const segment of getFragmentedMp4(
      { StreamName: 'cam', ClipFragmentSelector: selector },
      { client, batchSize: 3, retry: noWait },
    ))
      fetched.push(segment);
    const offline: Mp4Segment[] = [];
    for await (const segment of fragmentedMp4(capture, { ClipFragmentSelector: selector })) offline.push(segment);
    expect(fetched.map((s) => [s.type, s.fragmentNumber])).toEqual(offline.map((s) => [s.type, s.fragmentNumber]));
    fetched.forEach((segment, i) => expect(Buffer.from(segment.data).equals(Buffer.from(offline[i].data))).toBe(true));
  });

  it.skipIf(!available)('stops requesting when the consumer stops early', async () => {
    const all = await fragments();
    const { server, client } = await serve({}, capture);
    const progress: number[] = [];
    let first: string | null | undefined;
    for await (const fragment of fetchFragments(
      { StreamName: 'cam', ClipFragmentSelector: wholeRange(all) },
      { client, batchSize: 1, concurrency: 2, onProgress: ({ fetched }) => progress.push(fetched) },
    )) {
      first = fragment.fragmentNumber;
      break;
    }
    expect(first).toBe(all[0].fragmentNumber);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Only the window was ever asked for (the batch consumed and one ahead), not all fragments.
    expect(server.calls.GetMediaForFragmentList).toBeLessThanOrEqual(2);
    expect(all.length).toBeGreaterThan(2);
    expect(progress[0]).toBe(0);
  });

  it.skipIf(!available)('discovers the data endpoints with GetDataEndpoint when given neither client nor endpoint', async () => {
    const all = await fragments();
    const { server } = await serve({ throttleFirst: { GetDataEndpoint: 1 } }, capture);
    const kinesisVideoClient = new KinesisVideoClient({ endpoint: server.url, region: 'us-east-1', credentials });
    const retries = collectRetries();
    try {
      const listed = await listFragments(
        { StreamName: 'cam', ClipFragmentSelector: wholeRange(all) },
        { kinesisVideoClient, retry: noWait, onRetry: retries.onRetry },
      );
      expect(listed.map((f) => f.fragmentNumber)).toEqual(all.map((f) => f.fragmentNumber));
    } finally {
      kinesisVideoClient.destroy();
    }
    const asked = server.log.filter((e) => e.operation === 'GetDataEndpoint' && e.status === 200).map((e) => e.body.APIName);
    expect(asked.sort()).toEqual(['GET_MEDIA_FOR_FRAGMENT_LIST', 'LIST_FRAGMENTS']);
    expect(retries.count('GetDataEndpoint')).toBe(1);
  });

  it.skipIf(!available)('surfaces a service ResourceNotFoundException as the SDK’s class', async () => {
    const all = await fragments();
    const { client } = await serve({}, capture);
    const error = await getClip({ StreamName: 'no-such-stream', ClipFragmentSelector: wholeRange(all) }, { client }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(sdk.ResourceNotFoundException);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'The requested stream is not found or not active.' });
    expect((error as sdk.ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it.skipIf(!available)('gives up after maxAttempts of ClientLimitExceededException, with the SDK’s class', async () => {
    const all = await fragments();
    const { server, client } = await serve({ throttleFirst: { GetMediaForFragmentList: 100 } }, capture);
    const error = await getClip(
      { StreamName: 'cam', ClipFragmentSelector: wholeRange(all) },
      { client, concurrency: 1, batchSize: 1000, retry: { ...noWait, maxAttempts: 3 } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(sdk.ClientLimitExceededException);
    expect(server.calls.GetMediaForFragmentList).toBe(3);
  });

  it.skipIf(!available)('maps our own errors to the SDK’s classes: bad selector, empty range, bad codec', async () => {
    const all = await fragments();
    const { server, client } = await serve({}, capture);
    const [first, last] = [all[0].producerTimestamp, all[all.length - 1].producerTimestamp];

    const backwards = await getClip(
      {
        StreamName: 'cam',
        ClipFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(last), EndTimestamp: new Date(first) },
        },
      },
      { client },
    ).catch((e: unknown) => e);
    expect(backwards).toBeInstanceOf(sdk.InvalidArgumentException);
    expect((backwards as sdk.InvalidArgumentException).$metadata.httpStatusCode).toBe(400);
    const badName = await getClip({ StreamName: 'has space', ClipFragmentSelector: wholeRange(all) }, { client }).catch((e: unknown) => e);
    expect(badName).toBeInstanceOf(sdk.InvalidArgumentException);
    expect(server.log).toHaveLength(0); // rejected before any request

    const empty = await getClip(
      {
        StreamName: 'cam',
        ClipFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(first - 60_000), EndTimestamp: new Date(first - 30_000) },
        },
      },
      { client },
    ).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(sdk.ResourceNotFoundException);

    // A stream whose codec KVS cannot clip: the remuxer's error, as the SDK class.
    const { client: mangledClient } = await serve({}, replaceAscii(capture, 'V_MPEG4/ISO/AVC', 'V_MPEGX/ISO/AVC'));
    const unsupported = await getClip({ StreamName: 'cam', ClipFragmentSelector: wholeRange(all) }, { client: mangledClient }).catch(
      (e: unknown) => e,
    );
    expect(unsupported).toBeInstanceOf(sdk.UnsupportedStreamMediaTypeException);
    expect(unsupported).toMatchObject({ name: 'UnsupportedStreamMediaTypeException' });
  });
});

describe('error mapping and retry policy', () => {
  it('maps every KVS-named error we raise to the SDK class of that name, keeping message and place', () => {
    for (const [name, ErrorClass] of Object.entries(errorClasses)) {
      if (name === 'KvsStreamError') continue;
      const ours = new (ErrorClass as typeof errorClasses.InvalidArgumentException)('it broke', { fragmentNumber: '42', track: 1 });
      const mapped = toSdkError(sdk, ours) as sdk.KinesisVideoArchivedMediaServiceException & { fragmentNumber?: string; cause?: unknown };
      expect(mapped).toBeInstanceOf(sdk[name as keyof typeof sdk] as new () => unknown);
      expect(mapped).toBeInstanceOf(sdk.KinesisVideoArchivedMediaServiceException);
      expect(mapped.name).toBe(name);
      expect(mapped.message).toBe(ours.message);
      expect(mapped.$metadata.httpStatusCode).toBe(ours.httpStatusCode);
      expect(mapped.fragmentNumber).toBe('42');
      expect(mapped.cause).toBe(ours);
    }
    const other = new TypeError('not ours');
    expect(toSdkError(sdk, other)).toBe(other);
  });

  it('backs off with full jitter under an exponential ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        (attempt, base, max) => {
          const delay = backoffDelay(attempt, { baseDelayMs: base, maxDelayMs: max });
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.max(1, Math.min(max, base * 2 ** (attempt - 1))));
        },
      ),
    );
  });

  it('retries throttling, 5xx and dropped connections, not client errors or aborts', () => {
    const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });
    expect(isRetryable({ name: 'ClientLimitExceededException', ...meta(400) })).toBe(true);
    expect(isRetryable({ name: 'InternalFailure', ...meta(500) })).toBe(true);
    expect(isRetryable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable({ name: 'InvalidArgumentException', ...meta(400) })).toBe(false);
    expect(isRetryable({ name: 'ResourceNotFoundException', ...meta(404) })).toBe(false);
    const controller = new AbortController();
    controller.abort();
    expect(isRetryable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), controller.signal)).toBe(false);
  });
});

function replaceAscii(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  return new Uint8Array(Buffer.from(text.split(from).join(to), 'latin1'));
}
