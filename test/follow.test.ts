/**
 * followStream (kvs-clip/aws) against a local GetMedia endpoint (test/support/getmedia-server.ts)
 * through the real AWS SDK v3 clients: reconnections with the continuation token when the service
 * ends a body or the connection breaks mid-fragment, throttling retried, every fragment exactly once
 * and in order; cancelling closes the connection and leaves nothing keeping the process alive.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { followStream, followStreamEvents, type FollowOptions } from '../src/aws/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { servedFragments, startGetMediaServer, type ConnectionPlan, type ServedFragment } from './support/getmedia-server.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
let fragments: ServedFragment[];
let total: number;

beforeAll(async () => {
  fragments = await servedFragments(new Uint8Array(readFileSync(new URL('../fixtures/kvs-h264-aac.mkv', import.meta.url))));
  total = fragments.reduce((sum, f) => sum + f.bytes.byteLength, 0);
});

function options(url: string, extra: Partial<FollowOptions> = {}): FollowOptions {
  return {
    StreamName: 'live',
    StartSelector: { StartSelectorType: 'EARLIEST' },
    kinesisVideoClient: new KinesisVideoClient({ region: 'us-east-1', endpoint: url, credentials }),
    retry: { baseDelayMs: 1, maxDelayMs: 4 },
    ...extra,
  };
}

/** Follows until `count` fragments have come, then breaks out of the loop. */
async function follow(opts: FollowOptions, count: number): Promise<string[]> {
  const numbers: string[] = [];
  for await (const fragment of followStream(opts)) {
    numbers.push(fragment.fragmentNumber!);
    if (numbers.length === count) break;
  }
  return numbers;
}

const planArbitrary = (): fc.Arbitrary<ConnectionPlan> =>
  fc.oneof(
    fc.constantFrom<ConnectionPlan>({ error: 'ClientLimitExceededException' }, { error: 'ConnectionLimitExceededException' }),
    fc.integer({ min: 0, max: 3 }).map((n) => ({ endAfterFragments: n })),
    fc.integer({ min: 0, max: 1_000_000 }).map((byte) => ({ cutAtStreamByte: byte })),
  );

describe('followStream', () => {
  it('delivers every fragment once, in order, whatever ends, cuts or throttles its connections (fast-check)', async () => {
    expect(fragments.length).toBeGreaterThan(3);
    await fc.assert(
      fc.asyncProperty(fc.array(planArbitrary(), { maxLength: 6 }), async (plans) => {
        // Cut points are drawn over the whole stream, so some fall in every fragment.
        const scaled = plans.map((p) => (p.cutAtStreamByte === undefined ? p : { cutAtStreamByte: p.cutAtStreamByte % total }));
        const server = await startGetMediaServer({ fragments, plan: (n) => scaled[n] ?? {} });
        const retries: string[] = [];
        try {
          const numbers = await follow(
            options(server.url, { onRetry: (e) => retries.push(String((e.error as Error).name)) }),
            fragments.length,
          );
          expect(numbers).toEqual(fragments.map((f) => f.fragmentNumber));
          // After a first connection, each resumes right after the last complete fragment.
          // Once a fragment came, every connection resumes from a continuation token the stream sent.
          const types = server.requests.map((r) => r.StartSelector.StartSelectorType);
          const firstToken = types.indexOf('CONTINUATION_TOKEN');
          if (firstToken >= 0) expect(types.slice(firstToken).every((t) => t === 'CONTINUATION_TOKEN')).toBe(true);
          const tokens = new Set(fragments.map((f) => f.continuationToken));
          for (const { StartSelector } of server.requests.slice(firstToken < 0 ? types.length : firstToken)) {
            expect(tokens.has(StartSelector.ContinuationToken as string)).toBe(true);
          }
          expect(retries.filter((name) => /LimitExceeded/.test(name)).length).toBe(
            scaled.slice(0, server.requests.length).filter((p) => p.error).length,
          );
        } finally {
          await server.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('starts where the selector says: NOW at the newest fragment, FRAGMENT_NUMBER after the one given', async () => {
    const server = await startGetMediaServer({ fragments });
    try {
      expect(await follow(options(server.url, { StartSelector: { StartSelectorType: 'NOW' } }), 1)).toEqual([
        fragments.at(-1)!.fragmentNumber,
      ]);
      const after = { StartSelectorType: 'FRAGMENT_NUMBER' as const, AfterFragmentNumber: fragments[1].fragmentNumber };
      expect(await follow(options(server.url, { StartSelector: after }), 2)).toEqual([
        fragments[2].fragmentNumber,
        fragments[3].fragmentNumber,
      ]);
    } finally {
      await server.close();
    }
  });

  it('an AbortSignal ends the iteration with its reason and closes the connection', async () => {
    const server = await startGetMediaServer({ fragments: fragments.slice(0, 2), endWhenCaughtUp: false });
    try {
      const controller = new AbortController();
      const seen: string[] = [];
      const run = (async () => {
        // The data endpoint given directly: the only connection is GetMedia's.
        const direct = {
          ...options(server.url, { signal: controller.signal }),
          kinesisVideoClient: undefined,
          endpoint: server.url,
          region: 'us-east-1',
          credentials,
        };
        for await (const fragment of followStream(direct)) {
          seen.push(fragment.fragmentNumber!);
          if (seen.length === 2) controller.abort(new Error('stopped by the test'));
        }
      })();
      await expect(run).rejects.toThrow('stopped by the test');
      expect(seen).toEqual(fragments.slice(0, 2).map((f) => f.fragmentNumber));
      await server.whenIdle(); // resolves only once the client's socket is closed
      expect(server.openConnections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!existsSync('dist/aws.js'))('breaking out of the loop leaves no socket or timer: the process exits by itself', async () => {
    const server = await startGetMediaServer({
      fragments,
      endWhenCaughtUp: false,
      plan: (n) => (n === 0 ? { error: 'ClientLimitExceededException' } : {}),
    });
    try {
      const script = `
        import { followStream } from './dist/aws.js';
        import { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
        const kinesisVideoClient = new KinesisVideoClient({ region: 'us-east-1', endpoint: process.argv[1], credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
        for await (const f of followStream({ StreamName: 'live', StartSelector: { StartSelectorType: 'EARLIEST' }, kinesisVideoClient, retry: { baseDelayMs: 1 } })) {
          console.log(f.fragmentNumber);
          break;
        }`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, server.url], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      expect(out.trim()).toBe(fragments[0].fragmentNumber);
    } finally {
      await server.close();
    }
  });

  it('followStreamEvents: every frame once, in order, in the object later handed out complete, whatever cuts the bodies (fast-check)', async () => {
    // The frames of the served fragments, read offline: what the events must deliver, once each.
    const expected: string[] = [];
    for (const f of fragments)
      for await (const g of readFragments(f.bytes)) for (const x of g.frames) expected.push(Buffer.from(x.data).toString('hex'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 4 }), async (cuts) => {
        const server = await startGetMediaServer({ fragments, plan: (n) => (n < cuts.length ? { cutAtStreamByte: cuts[n] % total } : {}) });
        try {
          const frames: string[] = [];
          const seen = new Set<MkvFragment>();
          let complete = 0;
          for await (const event of followStreamEvents(options(server.url))) {
            if (event.type === 'frames') {
              seen.add(event.fragment);
              for (const x of event.frames) frames.push(Buffer.from(x.data).toString('hex'));
            } else {
              expect(seen.has(event.fragment)).toBe(true);
              expect(event.fragment.fragmentNumber).toBe(fragments[complete].fragmentNumber);
              if (++complete === fragments.length) break;
            }
          }
          expect(frames).toEqual(expected);
        } finally {
          await server.close();
        }
      }),
      { numRuns: 10 },
    );
  });
});
