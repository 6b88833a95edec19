/**
 * kvs-clip/server driven by the AWS SDK for JavaScript v3 (three clients nobody here wrote): paging,
 * media bytes, GetClip, GetMedia and its continuation tokens and live tail, the service's errors as
 * the SDK's own exception classes, hostile requests and injected faults. The oracle for media is
 * the stored file itself, read with the library's reader.
 */
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as archived from '@aws-sdk/client-kinesis-video-archived-media';
import * as media from '@aws-sdk/client-kinesis-video-media';
import * as control from '@aws-sdk/client-kinesis-video';
import { clip } from '../src/api/index.js';
import { readFragments } from '../src/mkv/index.js';
import type { MkvFragment } from '../src/mkv/types.js';
import { createKvsServer, type KvsServer } from '../src/server/index.js';

const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 };
const capturePath = 'fixtures/kvs-h264-aac.mkv';
const capture = new Uint8Array(readFileSync(capturePath));

async function fragmentsOf(bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

/** What a fragment holds, for comparing a served one with the stored one. */
function content(fragment: MkvFragment) {
  return {
    fragmentNumber: fragment.fragmentNumber,
    producerTimestamp: fragment.producerTimestamp,
    serverTimestamp: fragment.serverTimestamp,
    tracks: fragment.tracks,
    frames: fragment.frames.map((frame) => ({ ...frame, data: Buffer.from(frame.data).toString('base64') })),
  };
}

let dir: string;
let server: KvsServer;
let url: string;
let stored: MkvFragment[];
const clients: { destroy(): void }[] = [];
function client<T extends { destroy(): void }>(made: T): T {
  clients.push(made);
  return made;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kvs-serve-'));
  copyFileSync(capturePath, join(dir, 'cam.mkv'));
  copyFileSync('fixtures/h264-aac.mkv', join(dir, 'plain.mkv'));
  writeFileSync(join(dir, 'notes.txt'), 'not a stream');
  writeFileSync(join(dir, '..secret.txt'), 'outside');
  symlinkSync(join(process.cwd(), capturePath), join(dir, 'link.mkv'));
  // A stream whose video codec ID KVS does not know (same length, so every size stays right).
  writeFileSync(join(dir, 'odd.mkv'), Buffer.from(capture).toString('latin1').replaceAll('V_MPEG4/ISO/AVC', 'V_MPEGX/ISO/AVC'), 'latin1');
  server = createKvsServer({ dir, pollMs: 20, idleMs: 150 });
  url = await server.start();
  stored = await fragmentsOf(capture);
});

afterAll(async () => {
  for (const made of clients) made.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('control plane', () => {
  it('lists the folder’s streams, describes one and names itself as the data endpoint', async () => {
    const kv = client(new control.KinesisVideoClient({ ...config, endpoint: url }));
    const listed = await kv.send(new control.ListStreamsCommand({}));
    expect(listed.StreamInfoList?.map((info) => info.StreamName)).toEqual(['cam', 'odd', 'plain']); // no link, no .txt
    const described = await kv.send(new control.DescribeStreamCommand({ StreamName: 'cam' }));
    expect(described.StreamInfo?.Status).toBe('ACTIVE');
    expect(described.StreamInfo?.CreationTime).toEqual(new Date(stored[0].serverTimestamp!));
    const byArn = await kv.send(new control.DescribeStreamCommand({ StreamARN: described.StreamInfo!.StreamARN }));
    expect(byArn.StreamInfo?.StreamName).toBe('cam');
    const paged = await kv.send(new control.ListStreamsCommand({ MaxResults: 1 }));
    expect(paged.StreamInfoList?.map((info) => info.StreamName)).toEqual(['cam']);
    const rest = await kv.send(new control.ListStreamsCommand({ MaxResults: 1, NextToken: paged.NextToken }));
    expect(rest.StreamInfoList?.map((info) => info.StreamName)).toEqual(['odd']);
    expect(rest.NextToken).toBeDefined();
    const endpoint = await kv.send(new control.GetDataEndpointCommand({ StreamName: 'cam', APIName: 'GET_CLIP' }));
    expect(endpoint.DataEndpoint).toBe(url);
    await expect(kv.send(new control.DescribeStreamCommand({ StreamName: 'link' }))).rejects.toBeInstanceOf(
      control.ResourceNotFoundException,
    );
    await expect(kv.send(new control.GetDataEndpointCommand({ StreamName: 'cam', APIName: 'NOPE' as never }))).rejects.toBeInstanceOf(
      control.InvalidArgumentException,
    );
  });
});

describe('archived media', () => {
  const am = () => client(new archived.KinesisVideoArchivedMediaClient({ ...config, endpoint: url }));

  it('ListFragments pages through every stored fragment, with their numbers and timestamps', async () => {
    const c = am();
    const seen: archived.Fragment[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await c.send(new archived.ListFragmentsCommand({ StreamName: 'cam', MaxResults: 2, NextToken }));
      expect(page.Fragments!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Fragments!);
      NextToken = page.NextToken;
      pages++;
    } while (NextToken);
    expect(pages).toBe(Math.ceil(stored.length / 2));
    expect(seen.map((f) => [f.FragmentNumber, f.ProducerTimestamp!.getTime(), f.ServerTimestamp!.getTime()])).toEqual(
      stored.map((f) => [f.fragmentNumber, f.producerTimestamp, f.serverTimestamp]),
    );
    // A range that overlaps fragments 2 and 3 only.
    const ranged = await c.send(
      new archived.ListFragmentsCommand({
        StreamName: 'cam',
        FragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: {
            StartTimestamp: new Date(stored[1].producerTimestamp! + 1),
            EndTimestamp: new Date(stored[2].producerTimestamp! + 1),
          },
        },
      }),
    );
    expect(ranged.Fragments?.map((f) => f.FragmentNumber)).toEqual([stored[1].fragmentNumber, stored[2].fragmentNumber]);
  });

  it('GetMediaForFragmentList sends the stored fragments in the order asked, with the _SIDE_TIMESTAMP tags', async () => {
    const order = [3, 0, 2].filter((i) => i < stored.length);
    const response = await am().send(
      new archived.GetMediaForFragmentListCommand({ StreamName: 'cam', Fragments: order.map((i) => stored[i].fragmentNumber!) }),
    );
    expect(response.ContentType).toBe('video/webm');
    const body = await response.Payload!.transformToByteArray();
    expect(Buffer.from(body).includes('AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP')).toBe(true);
    expect(Buffer.from(body).includes('AWS_KINESISVIDEO_SERVER_TIMESTAMP')).toBe(false);
    expect((await fragmentsOf(body)).map(content)).toEqual(order.map((i) => content(stored[i])));
    const listed = await am().send(new archived.ListFragmentsCommand({ StreamName: 'cam' }));
    const one = await am().send(new archived.GetMediaForFragmentListCommand({ StreamName: 'cam', Fragments: [stored[0].fragmentNumber!] }));
    expect((await one.Payload!.transformToByteArray()).byteLength).toBe(listed.Fragments![0].FragmentSizeInBytes);
  });

  it('GetMediaForFragmentList reports an unknown fragment in band, between the ones it has', async () => {
    const response = await am().send(
      new archived.GetMediaForFragmentListCommand({
        StreamName: 'cam',
        Fragments: [stored[0].fragmentNumber!, '12345', stored[1].fragmentNumber!],
      }),
    );
    const body = Buffer.from(await response.Payload!.transformToByteArray());
    expect(body.includes('AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE')).toBe(true);
    const read: MkvFragment[] = [];
    await expect(
      (async () => {
        for await (const fragment of readFragments(new Uint8Array(body))) read.push(fragment);
      })(),
    ).rejects.toMatchObject({ name: 'KvsStreamError' });
    expect(read.map(content)).toEqual([content(stored[0])]);
    await expect(
      am().send(new archived.GetMediaForFragmentListCommand({ StreamName: 'cam', Fragments: ['1', '2'] })),
    ).rejects.toBeInstanceOf(archived.ResourceNotFoundException);
  });

  it('GetClip equals the library’s clip of the stored file with the same selector', async () => {
    const selector = {
      FragmentSelectorType: 'SERVER_TIMESTAMP' as const,
      TimestampRange: {
        StartTimestamp: new Date(stored[1].serverTimestamp!),
        EndTimestamp: new Date(stored[stored.length - 1].serverTimestamp!),
      },
    };
    const response = await am().send(new archived.GetClipCommand({ StreamName: 'cam', ClipFragmentSelector: selector }));
    expect(response.ContentType).toBe('video/mp4');
    const served = await response.Payload!.transformToByteArray();
    const expected = (await clip(capture, { ClipFragmentSelector: selector })).Payload.bytes();
    expect(Buffer.compare(Buffer.from(served), Buffer.from(expected))).toBe(0);
  });

  it('serves a plain Matroska file with made-up fragment numbers and timestamps, and GetClip of all of it', async () => {
    const listed = await am().send(new archived.ListFragmentsCommand({ StreamName: 'plain' }));
    const fragments = listed.Fragments!;
    expect(fragments.length).toBeGreaterThan(1);
    expect(fragments[0].ProducerTimestamp).toEqual(new Date('2020-01-01T00:00:00Z'));
    const got = await am().send(
      new archived.GetMediaForFragmentListCommand({ StreamName: 'plain', Fragments: fragments.map((f) => f.FragmentNumber!) }),
    );
    const served = await fragmentsOf(await got.Payload!.transformToByteArray());
    const original = await fragmentsOf(new Uint8Array(readFileSync('fixtures/h264-aac.mkv')));
    const frames = (list: MkvFragment[]) =>
      list.flatMap((f) => f.frames.map((frame) => [frame.track, frame.timestamp, Buffer.from(frame.data).toString('base64')]));
    expect(frames(served)).toEqual(frames(original));
    const clipped = await am().send(
      new archived.GetClipCommand({
        StreamName: 'plain',
        ClipFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: {
            StartTimestamp: fragments[0].ProducerTimestamp,
            EndTimestamp: fragments[fragments.length - 1].ProducerTimestamp,
          },
        },
      }),
    );
    expect((await clipped.Payload!.transformToByteArray()).byteLength).toBeGreaterThan(1000);
  });

  it('answers bad requests with the service’s exceptions, as the SDK’s classes', async () => {
    const c = am();
    await expect(c.send(new archived.ListFragmentsCommand({ StreamName: 'nope' }))).rejects.toBeInstanceOf(
      archived.ResourceNotFoundException,
    );
    await expect(c.send(new archived.ListFragmentsCommand({ StreamName: 'cam', MaxResults: 1_000_000 }))).rejects.toBeInstanceOf(
      archived.InvalidArgumentException,
    );
    await expect(c.send(new archived.ListFragmentsCommand({ StreamName: 'cam', NextToken: 'Zm9v' }))).rejects.toBeInstanceOf(
      archived.InvalidArgumentException,
    );
    await expect(c.send(new archived.ListFragmentsCommand({ StreamName: '../cam' }))).rejects.toBeInstanceOf(
      archived.InvalidArgumentException,
    );
    await expect(c.send(new archived.ListFragmentsCommand({ StreamName: '..secret.txt' }))).rejects.toBeInstanceOf(
      archived.ResourceNotFoundException,
    );
    const later = new Date(stored[stored.length - 1].producerTimestamp! + 60_000);
    await expect(
      c.send(
        new archived.GetClipCommand({
          StreamName: 'cam',
          ClipFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: { StartTimestamp: later, EndTimestamp: new Date(later.getTime() + 1000) },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(archived.ResourceNotFoundException);
    await expect(
      c.send(
        new archived.GetClipCommand({
          StreamName: 'cam',
          ClipFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: { StartTimestamp: later, EndTimestamp: new Date(later.getTime() + 25 * 3600_000) },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(archived.InvalidArgumentException);
    // The media exceptions of GetClip, with the model's status.
    const odd = await c
      .send(
        new archived.GetClipCommand({
          StreamName: 'odd',
          ClipFragmentSelector: {
            FragmentSelectorType: 'PRODUCER_TIMESTAMP',
            TimestampRange: {
              StartTimestamp: new Date(stored[0].producerTimestamp!),
              EndTimestamp: new Date(stored[1].producerTimestamp!),
            },
          },
        }),
      )
      .catch((error: unknown) => error);
    expect(odd).toBeInstanceOf(archived.UnsupportedStreamMediaTypeException);
    expect((odd as archived.UnsupportedStreamMediaTypeException).$metadata.httpStatusCode).toBe(400);
  });
});

describe('GetMedia', () => {
  const gm = () => client(new media.KinesisVideoMediaClient({ ...config, endpoint: url }));

  async function getMedia(StartSelector: media.StartSelector, stream = 'cam') {
    const response = await gm().send(new media.GetMediaCommand({ StreamName: stream, StartSelector }));
    return fragmentsOf(await response.Payload!.transformToByteArray());
  }

  it('from EARLIEST sends every fragment with MILLIS_BEHIND_NOW and CONTINUATION_TOKEN; a token resumes at the next fragment', async () => {
    // Each session ends after the server's idle time: all of them at once.
    const [all, after, byTime, byServer] = await Promise.all([
      getMedia({ StartSelectorType: 'EARLIEST' }),
      getMedia({ StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: stored[0].fragmentNumber! }),
      getMedia({ StartSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: new Date(stored[2].producerTimestamp! + 1) }),
      getMedia({ StartSelectorType: 'SERVER_TIMESTAMP', StartTimestamp: new Date(stored[3].serverTimestamp!) }),
    ]);
    expect(all.map(content)).toEqual(stored.map(content));
    const tip = stored[stored.length - 1].serverTimestamp!;
    expect(all.map((f) => f.millisBehindNow)).toEqual(stored.map((f) => tip - f.serverTimestamp!));
    expect(all.map((f) => f.continuationToken)).toEqual(stored.map((f) => f.fragmentNumber));
    const resumed = await getMedia({ StartSelectorType: 'CONTINUATION_TOKEN', ContinuationToken: all[1].continuationToken });
    expect(resumed.map((f) => f.fragmentNumber)).toEqual(stored.slice(2).map((f) => f.fragmentNumber));
    expect(after.map((f) => f.fragmentNumber)).toEqual(stored.slice(1).map((f) => f.fragmentNumber));
    expect(byTime.map((f) => f.fragmentNumber)).toEqual(stored.slice(2).map((f) => f.fragmentNumber));
    expect(byServer[0].fragmentNumber).toBe(stored[3].fragmentNumber);
    await expect(getMedia({ StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: '999' })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(getMedia({ StartSelectorType: 'SOMETIME' as never })).rejects.toBeInstanceOf(media.InvalidArgumentException);
    await expect(getMedia({ StartSelectorType: 'EARLIEST' }, 'nope')).rejects.toBeInstanceOf(media.ResourceNotFoundException);
  });

  it('from NOW delivers the fragments appended to the file while the session is open', async () => {
    // The live file starts with the first two documents of the capture; the third is appended once the session is open.
    const ends = stored.map((f) => f.byteOffset + f.byteLength);
    const live = join(dir, 'live.mkv');
    writeFileSync(live, capture.subarray(0, ends[1]));
    const response = await gm().send(new media.GetMediaCommand({ StreamName: 'live', StartSelector: { StartSelectorType: 'NOW' } }));
    appendFileSync(live, capture.subarray(ends[1], ends[2]));
    const got = await fragmentsOf(await response.Payload!.transformToByteArray());
    expect(got.map(content)).toEqual([content(stored[2])]);
  });
});
