/**
 * kvs-clip/server under hostile requests and with its faults turned on: the service's errors, a
 * server that stays up, nothing served from outside the folder, and the injected failures as a
 * client sees them (the AWS SDK v3 clients).
 */
import { request as httpRequest } from 'node:http';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as archived from '@aws-sdk/client-kinesis-video-archived-media';
import * as media from '@aws-sdk/client-kinesis-video-media';
import { readFragments } from '../src/mkv/index.js';
import type { ReaderWarning } from '../src/warnings.js';
import { createKvsServer, type KvsServer } from '../src/server/index.js';
import { captureFromPlainMatroska } from './support/kvs-server.js';

const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const capture = new Uint8Array(readFileSync('fixtures/kvs-h264-aac.mkv'));

let root: string;
let dir: string;
const servers: KvsServer[] = [];

async function started(options: Omit<Parameters<typeof createKvsServer>[0], 'dir'> = {}): Promise<string> {
  const server = createKvsServer({ dir, idleMs: 100, ...options });
  servers.push(server);
  return server.start();
}

/** A raw HTTP exchange, for requests no SDK would send. */
function raw(url: string, method: string, path: string, body?: string | Buffer) {
  return new Promise<{ status: number; errorType: string; body: string }>((done, failed) => {
    const req = httpRequest(`${url}${path}`, { method }, (res) => {
      let text = '';
      res.on('data', (data: Buffer) => (text += data.toString()));
      res.on('end', () =>
        done({ status: res.statusCode!, errorType: String(res.headers['x-amzn-errortype'] ?? '').split(':')[0], body: text }),
      );
    });
    req.on('error', failed);
    req.end(body);
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kvs-serve-hostile-'));
  dir = join(root, 'streams');
  mkdirSync(dir);
  copyFileSync('fixtures/kvs-h264-aac.mkv', join(dir, 'cam.mkv'));
  writeFileSync(join(root, 'secret.mkv'), capture); // next to the folder, not in it
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(root, { recursive: true, force: true });
});

describe('hostile requests', () => {
  it('get the service’s errors, and the server stays up', async () => {
    const url = await started();
    const list = (body: string) => raw(url, 'POST', '/listFragments', body);
    expect(await list('{"StreamName": "cam",')).toMatchObject({ status: 400, errorType: 'SerializationException' });
    expect(await list('[1, 2]')).toMatchObject({ status: 400, errorType: 'SerializationException' });
    expect(await list('{"StreamName": "cam", "MaxResults": 1e12}')).toMatchObject({ status: 400, errorType: 'InvalidArgumentException' });
    expect(await list('{"StreamName": "cam", "MaxResults": "10"}')).toMatchObject({ status: 400, errorType: 'InvalidArgumentException' });
    expect(await list('{"StreamName": "cam", "FragmentSelector": {"FragmentSelectorType": "X"}}')).toMatchObject({
      status: 400,
      errorType: 'InvalidArgumentException',
    });
    expect(await list(JSON.stringify({ StreamName: 'cam', Pad: 'x'.repeat(400_000) }))).toMatchObject({
      status: 400,
      errorType: 'InvalidArgumentException',
    });
    // Outside the folder: by name, by ARN, by URL path.
    expect(await list('{"StreamName": "../secret"}')).toMatchObject({ status: 400, errorType: 'InvalidArgumentException' });
    expect(await list('{"StreamName": ".."}')).toMatchObject({ status: 404, errorType: 'ResourceNotFoundException' });
    expect(await list('{"StreamARN": "arn:aws:kinesisvideo:us-east-1:0:stream/../secret/1"}')).toMatchObject({
      status: 400,
      errorType: 'InvalidArgumentException',
    });
    for (const path of ['/../secret.mkv', '/%2e%2e/secret.mkv', '/cam.mkv', '/']) {
      const answer = await raw(url, 'GET', path);
      expect(answer).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
      expect(answer.body).not.toContain('matroska');
    }
    const gmffl = (body: unknown) => raw(url, 'POST', '/getMediaForFragmentList', JSON.stringify(body));
    expect(await gmffl({ StreamName: 'cam', Fragments: [] })).toMatchObject({ status: 400, errorType: 'InvalidArgumentException' });
    expect(await gmffl({ StreamName: 'cam', Fragments: Array.from({ length: 1001 }, (_, i) => String(i)) })).toMatchObject({
      status: 400,
      errorType: 'InvalidArgumentException',
    });
    expect(await gmffl({ StreamName: 'cam', Fragments: ['12a'] })).toMatchObject({ status: 400, errorType: 'InvalidArgumentException' });
    expect(await gmffl({ StreamName: 'cam', Fragments: ['1'.repeat(129)] })).toMatchObject({
      status: 400,
      errorType: 'InvalidArgumentException',
    });
    expect(await gmffl({ StreamName: 'cam', Fragments: ['7', '8'] })).toMatchObject({
      status: 404,
      errorType: 'ResourceNotFoundException',
    });
    // Still up, and serving.
    const answer = await list('{"StreamName": "cam"}');
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { Fragments: unknown[] }).Fragments.length).toBeGreaterThan(0);
  });

  it('100 concurrent GetMedia sessions each get the whole stream', async () => {
    const url = await started();
    const client = new media.KinesisVideoMediaClient({ ...config, endpoint: url, requestHandler: { maxSockets: 200 } });
    try {
      const bodies = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const response = await client.send(
            new media.GetMediaCommand({ StreamName: 'cam', StartSelector: { StartSelectorType: 'EARLIEST' } }),
          );
          return response.Payload!.transformToByteArray();
        }),
      );
      const lengths = new Set(bodies.map((body) => body.byteLength));
      expect(lengths.size).toBe(1);
      const numbers: string[] = [];
      for await (const fragment of readFragments(bodies[99])) numbers.push(fragment.fragmentNumber!);
      const stored: string[] = [];
      for await (const fragment of readFragments(capture)) stored.push(fragment.fragmentNumber!);
      expect(numbers).toEqual(stored);
    } finally {
      client.destroy();
    }
  });
});

describe('faults', () => {
  it('--throttle-rate answers that share of requests with ClientLimitExceededException', async () => {
    const url = await started({ faults: { throttleRate: 0.5, seed: 7 } });
    const client = new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: url });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () =>
          client.send(new archived.ListFragmentsCommand({ StreamName: 'cam' })).then(
            () => 'ok',
            (error: unknown) => (error instanceof archived.ClientLimitExceededException ? 'throttled' : String(error)),
          ),
        ),
      );
      const throttled = outcomes.filter((outcome) => outcome === 'throttled').length;
      expect(outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'throttled')).toEqual([]);
      expect(throttled).toBeGreaterThan(8);
      expect(throttled).toBeLessThan(32);
    } finally {
      client.destroy();
    }
  });

  it('--cut-bodies breaks media bodies off inside a fragment', async () => {
    const url = await started({ faults: { cutBodies: true } });
    const am = new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: url });
    const gm = new media.KinesisVideoMediaClient({ ...config, endpoint: url });
    try {
      const listed = await am.send(new archived.ListFragmentsCommand({ StreamName: 'cam' }));
      const numbers = listed.Fragments!.map((f) => f.FragmentNumber!);
      const response = await am.send(new archived.GetMediaForFragmentListCommand({ StreamName: 'cam', Fragments: numbers }));
      // The full Content-Length was announced; the connection drops before it arrives.
      await expect(response.Payload!.transformToByteArray()).rejects.toThrow();

      const live = await gm.send(new media.GetMediaCommand({ StreamName: 'cam', StartSelector: { StartSelectorType: 'EARLIEST' } }));
      const chunks: Uint8Array[] = [];
      await expect(
        (async () => {
          for await (const chunk of live.Payload as AsyncIterable<Uint8Array>) chunks.push(chunk);
        })(),
      ).rejects.toThrow();
      const warnings: ReaderWarning[] = [];
      const complete: string[] = [];
      for await (const fragment of readFragments(Buffer.concat(chunks), { onWarning: (warning) => warnings.push(warning) })) {
        if (!fragment.partial) complete.push(fragment.fragmentNumber!);
      }
      expect(complete).toEqual(numbers.slice(0, 1));
      expect(warnings.map((warning) => warning.code)).toContain('truncated');
    } finally {
      am.destroy();
      gm.destroy();
    }
  });
});

describe('faults and options for tests that watch a client', () => {
  it('serves streams held in memory, and with requireSignature refuses unsigned requests as the service does', async () => {
    expect(() => createKvsServer({})).toThrow(/needs dir or streams/);
    expect(() => createKvsServer({ streams: { 'has space': capture } })).toThrow(/not a stream name/);
    const url = await started({ streams: { mem: capture }, requireSignature: true });
    const unsigned = await raw(url, 'POST', '/listFragments', JSON.stringify({ StreamName: 'mem' }));
    expect(unsigned).toMatchObject({ status: 403, errorType: 'MissingAuthenticationTokenException' });
    const client = new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: url });
    try {
      const fromMemory = await client.send(new archived.ListFragmentsCommand({ StreamName: 'mem' }));
      const fromFile = await client.send(new archived.ListFragmentsCommand({ StreamName: 'cam' }));
      const stored: string[] = [];
      for await (const fragment of readFragments(capture)) stored.push(fragment.fragmentNumber!);
      expect(fromMemory.Fragments!.map((f) => f.FragmentNumber)).toEqual(stored);
      expect(fromMemory.Fragments).toEqual(fromFile.Fragments);
    } finally {
      client.destroy();
    }
  });

  it.each([
    ['known', false],
    ['unknown', true],
  ])(
    "mediaFaults 'between-blocks' ends the body cleanly just before the cut fragment's last block (%s-size clusters)",
    async (_, unknown) => {
      const bytes = await captureFromPlainMatroska(new Uint8Array(readFileSync('fixtures/h264-aac.mkv')), undefined, {
        unknownSizeClusters: unknown,
      });
      const url = await started({ streams: { cam: bytes }, faults: { mediaFaults: { 1: 'between-blocks' } } });
      const client = new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: url });
      try {
        const stored: { number: string; frames: string[] }[] = [];
        for await (const f of readFragments(bytes)) stored.push({ number: f.fragmentNumber!, frames: f.frames.map((x) => hex(x.data)) });
        const asked = stored.slice(0, 3).map((f) => f.number);
        const response = await client.send(new archived.GetMediaForFragmentListCommand({ StreamName: 'cam', Fragments: asked }));
        const body = await response.Payload!.transformToByteArray(); // a clean end: no error
        const warnings: ReaderWarning[] = [];
        const got: { number: string; frames: string[] }[] = [];
        for await (const f of readFragments(body, { onWarning: (w) => warnings.push(w) }))
          got.push({ number: f.fragmentNumber!, frames: f.frames.map((x) => hex(x.data)) });
        // The first fragment whole, the second without its last frame (one per block here), nothing after.
        expect(got).toEqual([stored[0], { number: stored[1].number, frames: stored[1].frames.slice(0, -1) }]);
        // Only a cluster of known size shows the cut.
        expect(warnings.some((w) => w.code === 'truncated')).toBe(!unknown);
      } finally {
        client.destroy();
      }
    },
  );
});

function hex(data: Uint8Array): string {
  return Buffer.from(data).toString('hex');
}
