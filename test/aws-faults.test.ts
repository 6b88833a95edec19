/**
 * kvs-clip/aws against faults of the service and the network (issues 22 and 24), on kvs-clip's own
 * KVS server (src/server, each fault an option of it: docs/server.md#faults) with the real SDK
 * client. The oracle for the media is the offline API on the capture the server serves from. No test
 * waits for real: the retry policy's sleep is replaced, and the long throttling burst runs on a fake
 * clock that this sleep advances.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { clip } from '../src/api/index.js';
import type { ClipFragmentSelector } from '../src/api/types.js';
import { getClip, type RetryEvent } from '../src/aws/index.js';
import { DEFAULT_RETRY, minimumBudgetMs } from '../src/aws/retry.js';
import type { ReaderWarning } from '../src/warnings.js';
import type { KvsServerFaults } from '../src/server/index.js';
import { captureFromPlainMatroska, splitCapture, startTestKvs, type CapturedFragment } from './support/kvs-server.js';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

let capture: Uint8Array;
let fragments: CapturedFragment[];
let selector: ClipFragmentSelector;
let offline: Buffer;
beforeAll(async () => {
  // Unknown-size clusters, as KVS sends them: a body may then end between two blocks unseen.
  capture = await captureFromPlainMatroska(new Uint8Array(readFileSync('fixtures/h264-bframes-aac.mkv')), undefined, {
    unknownSizeClusters: true,
  });
  fragments = await splitCapture(capture);
  selector = {
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: {
      StartTimestamp: new Date(fragments[0].producerTimestamp),
      EndTimestamp: new Date(fragments[fragments.length - 1].producerTimestamp),
    },
  };
  offline = Buffer.from((await clip(capture, { ClipFragmentSelector: selector })).Payload.bytes());
});

async function serve(faults: KvsServerFaults) {
  const server = await startTestKvs({ cam: capture }, faults);
  const client = new KinesisVideoArchivedMediaClient({ endpoint: server.url, region: 'us-east-1', credentials });
  cleanups.push(
    () => client.destroy(),
    () => server.close(),
  );
  return { server, client };
}

const noWait = { sleep: () => Promise.resolve() };
const input = () => ({ StreamName: 'cam', ClipFragmentSelector: selector });

describe('faults of the service and the network', () => {
  it('premise: the capture has several fragments, each with at least two blocks', () => {
    expect(fragments.length).toBeGreaterThanOrEqual(3);
    for (const f of fragments) expect(f.frames).toBeGreaterThanOrEqual(2);
  });

  it('outlasts a 10 s burst of ClientLimitExceededException with the default policy (24.5)', async () => {
    expect(minimumBudgetMs(DEFAULT_RETRY)).toBeGreaterThanOrEqual(10_000);
    let now = 0;
    const waits: number[] = [];
    const { server, client } = await serve({
      throttleForMs: { ListFragments: 10_000, GetMediaForFragmentList: 10_000 },
      clock: () => now,
    });
    const fetched = await getClip(input(), {
      client,
      retry: {
        sleep: (ms) => {
          waits.push(ms);
          now += ms;
          return Promise.resolve();
        },
      },
    });
    expect(Buffer.from(fetched.Payload.bytes()).equals(offline)).toBe(true);
    expect(server.log.filter((e) => e.status === 400).length).toBeGreaterThan(3);
    expect(now).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
  });

  it('re-requests a fragment whose body ended cleanly between two blocks, by FragmentSizeInBytes (22.7)', async () => {
    const { server, client } = await serve({ mediaFaults: { 1: 'between-blocks' } });
    const warnings: ReaderWarning[] = [];
    const fetched = await getClip(input(), { client, retry: noWait, onWarning: (w) => warnings.push(w) });
    expect(Buffer.from(fetched.Payload.bytes()).equals(offline)).toBe(true);
    const asked = server.log.filter((e) => e.operation === 'GetMediaForFragmentList').map((e) => e.body.Fragments as string[]);
    expect(asked).toHaveLength(2);
    expect(asked[1]).toEqual(fragments.slice(1).map((f) => f.fragmentNumber));
    expect(warnings).toEqual([]);
  });

  it('retries a transient in-band error (5000) with the remaining fragments, raises a permanent one (4000) (24.6)', async () => {
    const retries: RetryEvent[] = [];
    const { server, client } = await serve({ mediaFaults: { 1: { inBandError: 5000 } } });
    const fetched = await getClip(input(), { client, retry: noWait, onRetry: (e) => retries.push(e) });
    expect(Buffer.from(fetched.Payload.bytes()).equals(offline)).toBe(true);
    expect(retries).toHaveLength(1);
    expect(retries[0].fragments).toEqual(fragments.slice(1).map((f) => f.fragmentNumber));
    expect(server.calls.GetMediaForFragmentList).toBe(2);

    const { server: permanent, client: permanentClient } = await serve({ mediaFaults: { 1: { inBandError: 4000 } } });
    const error = await getClip(input(), { client: permanentClient, retry: noWait }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'KvsStreamError', errorCode: '4000' });
    expect(permanent.calls.GetMediaForFragmentList).toBe(1);
  });

  it.each(['stall-headers', 'stall-body'] as const)(
    'gives up on a request that goes silent (%s) after idleTimeoutMs and retries it (22.8)',
    async (stall) => {
      const retries: RetryEvent[] = [];
      const { server, client } = await serve({ mediaFaults: { 1: stall } });
      // The timeout also bounds the healthy requests: 150 ms was too short for them on a loaded CI machine.
      const fetched = await getClip(input(), { client, retry: { ...noWait, idleTimeoutMs: 600 }, onRetry: (e) => retries.push(e) });
      expect(Buffer.from(fetched.Payload.bytes()).equals(offline)).toBe(true);
      expect(retries.map((e) => (e.error as Error).name)).toEqual(['TimeoutError']);
      expect(server.calls.GetMediaForFragmentList).toBe(2);
    },
  );

  it('stops a ListFragments that pages forever with the same NextToken (22.9)', async () => {
    const { server, client } = await serve({ endlessPages: true });
    const error = await getClip(input(), { client, retry: noWait }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'KvsStreamError', errorCode: 'EndlessPagination' });
    expect(server.calls.ListFragments).toBe(2);
  });
});
