/**
 * The offline API as a GetClip user sees it: selection by timestamps (docs/getclip.md), the error names
 * for bad selectors, the duplicate-timestamp rule, GetClip's caps, and the payload forms. Outputs are
 * read back with mp4box.js (independent parser); which fragments a selector must pick is worked out
 * here from the fragments' timestamp tags, which the reader tests check against mkvinfo.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clip,
  clipFromFragments,
  fragmentedMp4,
  fragmentedMp4Chunks,
  fragmentedMp4Stream,
  InvalidArgumentException,
  ResourceNotFoundException,
  readFragments,
  type ClipFragmentSelector,
  type MkvFragment,
  type Mp4Segment,
} from '../src/index.js';
import { selectFragments } from '../src/api/index.js';
import { parseMp4 } from './support/oracle-mp4box.js';
import { FIXTURES, SAMPLES, hasSamples } from './support/mp4-input.js';

const capture = hasSamples ? readFileSync(`${SAMPLES}/output_get_media.mkv`) : new Uint8Array();
if (!hasSamples) console.warn('[api.test] ../shared/kvs-samples is absent: capture-based selection tests are skipped');

async function collect<T>(source: AsyncIterable<T> | ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source as AsyncIterable<T>) out.push(item);
  return out;
}

async function fragmentsOf(bytes: Uint8Array): Promise<MkvFragment[]> {
  const out: MkvFragment[] = [];
  for await (const fragment of readFragments(bytes)) out.push(fragment);
  return out;
}

function producerRange(startMs: number, endMs: number): ClipFragmentSelector {
  return {
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: new Date(startMs), EndTimestamp: new Date(endMs) },
  };
}

/** Video sample count and first sample bytes of an MP4, as mp4box reads them. */
function videoSamples(bytes: Uint8Array) {
  const track = parseMp4(bytes).tracks.find((t) => t.type === 'video' || t.codec.startsWith('avc'));
  if (!track) throw new Error('no video track in output');
  return track.samples;
}

describe.skipIf(!hasSamples)('GetClip selection on a real GetMedia capture', async () => {
  const fragments = hasSamples ? await fragmentsOf(capture) : [];
  const starts = fragments.map((f) => f.producerTimestamp!);
  const framesOf = (indexes: number[]) => indexes.reduce((n, i) => n + fragments[i].frames.length, 0);

  it('keeps fragments whose start is within [Start, End], End inclusive', async () => {
    const out = await clip(capture, { ClipFragmentSelector: producerRange(starts[1], starts[3]) });
    expect(out.ContentType).toBe('video/mp4');
    const samples = videoSamples(out.Payload.bytes());
    expect(samples.length).toBe(framesOf([1, 2, 3]));
    // The first sample is fragment 1's first frame, byte for byte.
    expect(Buffer.from(samples[0].data).equals(Buffer.from(fragments[1].frames[0].data))).toBe(true);
  });

  it('leaves out a fragment that starts before Start even though it overlaps the range', async () => {
    const out = await clip(capture, { ClipFragmentSelector: producerRange(starts[1] + 1, starts[3] + 1) });
    expect(videoSamples(out.Payload.bytes()).length).toBe(framesOf([2, 3]));
  });

  it('accepts epoch seconds as the SDK does', async () => {
    const selector: ClipFragmentSelector = {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: starts[4] / 1000, EndTimestamp: starts[4] / 1000 + 60 },
    };
    const out = await clip(capture, { ClipFragmentSelector: selector });
    expect(videoSamples(out.Payload.bytes()).length).toBe(framesOf([4]));
  });

  it('selects by server timestamps when asked', async () => {
    const server = fragments.map((f) => f.serverTimestamp!);
    const selector: ClipFragmentSelector = {
      FragmentSelectorType: 'SERVER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(server[0]), EndTimestamp: new Date(server[1]) },
    };
    const out = await clip(capture, { ClipFragmentSelector: selector });
    expect(videoSamples(out.Payload.bytes()).length).toBe(framesOf([0, 1]));
  });

  it('raises ResourceNotFoundException when no fragment starts in the range', async () => {
    const error = await clip(capture, { ClipFragmentSelector: producerRange(starts[4] + 1, starts[4] + 1000) }).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.httpStatusCode).toBe(404);
  });

  it('cuts where GetClip would with the caps on', async () => {
    const byCount = await clip(capture, { maxFragments: 2 });
    expect(videoSamples(byCount.Payload.bytes()).length).toBe(framesOf([0, 1]));
    const bytesOf = (i: number) => fragments[i].frames.reduce((n, f) => n + f.data.byteLength, 0);
    const warnings: string[] = [];
    const byBytes = await clip(capture, { maxBytes: bytesOf(0) + bytesOf(1) + bytesOf(2) - 1, onWarning: (w) => warnings.push(w.code) });
    expect(videoSamples(byBytes.Payload.bytes()).length).toBe(framesOf([0, 1]));
    expect(warnings).toContain('capped');
    const uncapped = await clip(capture);
    expect(videoSamples(uncapped.Payload.bytes()).length).toBe(framesOf([0, 1, 2, 3, 4]));
  });

  it('resolves duplicate producer timestamps by the documented rule, with an option for the other', async () => {
    // Fragments 1 and 2 re-stamped with fragment 1's timestamp, as a re-upload would: 1 has the lower number.
    const [a, b] = [fragments[1], fragments[2]];
    expect(BigInt(a.fragmentNumber!) < BigInt(b.fragmentNumber!)).toBe(true);
    const duplicated = [fragments[0], a, { ...b, producerTimestamp: a.producerTimestamp }, fragments[3]];
    const firstSample = async (rule?: 'first-ingested' | 'highest-fragment-number') => {
      const out = await clipFromFragments(duplicated, rule ? { duplicateTimestamps: rule } : {});
      const samples = videoSamples(out.Payload.bytes());
      return { count: samples.length, second: samples[fragments[0].frames.length].data };
    };
    const byDefault = await firstSample();
    expect(byDefault.count).toBe(framesOf([0, 1, 3]));
    expect(Buffer.from(byDefault.second).equals(Buffer.from(a.frames[0].data))).toBe(true);
    const highest = await firstSample('highest-fragment-number');
    expect(highest.count).toBe(framesOf([0, 2, 3]));
    expect(Buffer.from(highest.second).equals(Buffer.from(b.frames[0].data))).toBe(true);
  });

  it('resolves duplicates over the whole flat clip, even when the twins arrive far apart', async () => {
    // Fragment 3 re-stamped with fragment 1's timestamp and delivered last (a late re-upload).
    const late = { ...fragments[3], producerTimestamp: fragments[1].producerTimestamp };
    const input = [fragments[0], fragments[1], fragments[2], late];
    const highest = videoSamples((await clipFromFragments(input, { duplicateTimestamps: 'highest-fragment-number' })).Payload.bytes());
    expect(highest.length).toBe(framesOf([0, 2, 3]));
    // Time order: fragment 0, then the kept twin (fragment 3's frames at fragment 1's time), then fragment 2.
    expect(Buffer.from(highest[framesOf([0])].data).equals(Buffer.from(fragments[3].frames[0].data))).toBe(true);
    const oldest = videoSamples((await clipFromFragments(input)).Payload.bytes());
    expect(oldest.length).toBe(framesOf([0, 1, 2]));
    expect(Buffer.from(oldest[framesOf([0])].data).equals(Buffer.from(fragments[1].frames[0].data))).toBe(true);
  });

  it('puts fragments that arrive out of order in time order, and caps that order as GetClip does', async () => {
    const reversed = [...fragments].reverse();
    const all = videoSamples((await clipFromFragments(reversed)).Payload.bytes());
    expect(all.length).toBe(framesOf([0, 1, 2, 3, 4]));
    expect(Buffer.from(all[0].data).equals(Buffer.from(fragments[0].frames[0].data))).toBe(true);
    const capped = videoSamples((await clipFromFragments(reversed, { maxFragments: 2 })).Payload.bytes());
    expect(capped.length).toBe(framesOf([0, 1])); // the first two in time, not the first two to arrive
    expect(Buffer.from(capped[0].data).equals(Buffer.from(fragments[0].frames[0].data))).toBe(true);
    expect(Buffer.from(capped[framesOf([0])].data).equals(Buffer.from(fragments[1].frames[0].data))).toBe(true);
  });
});

describe('the fragmented stream remembers the last 1000 delivered start times', () => {
  /** A one-frame fragment starting at `ms`. */
  const fragment = (index: number, ms: number): MkvFragment => ({
    index,
    fragmentNumber: String(index + 1),
    producerTimestamp: ms,
    serverTimestamp: null,
    timecodeScale: 1e6,
    clusterTimecode: 0,
    tracks: [],
    frames: [{ track: 1, timestamp: 0, keyframe: true, data: new Uint8Array(1) }],
    tags: [],
    byteOffset: index,
    byteLength: 1,
  });
  /** Delivers fragments at 0, 1000, 2000 … ms, then a twin of the first one `later` fragments on. */
  async function deliveredStarts(later: number): Promise<{ starts: number[]; dropped: number }> {
    const input = Array.from({ length: later }, (_, i) => fragment(i, i * 1000));
    input.push(fragment(later, 0), fragment(later + 1, later * 1000 + 1000)); // the twin, then one more to push it out
    let dropped = 0;
    const starts: number[] = [];
    for await (const f of selectFragments(input, { onWarning: (w) => void (w.code === 'duplicate-timestamp' && dropped++) }))
      starts.push(f.producerTimestamp!);
    return { starts, dropped };
  }

  it('drops a late twin of a fragment delivered up to 1000 fragments earlier', async () => {
    const { starts, dropped } = await deliveredStarts(1000);
    expect(dropped).toBe(1);
    expect(starts.length).toBe(1001);
  });

  it('lets through a twin of an older one (the memory is bounded whatever the stream length)', async () => {
    const { starts, dropped } = await deliveredStarts(1002);
    expect(dropped).toBe(0);
    expect(starts.length).toBe(1004);
  });
});

describe('selector validation (InvalidArgumentException, like the service)', () => {
  const bytes = readFileSync(`${FIXTURES}/kvs-h264-aac.mkv`);
  const cases: [string, ClipFragmentSelector, RegExp][] = [
    ['End before Start', producerRange(2_000_000, 1_000_000), /EndTimestamp must be later/],
    ['End equal to Start', producerRange(1_000_000, 1_000_000), /EndTimestamp must be later/],
    ['over 24 hours', producerRange(0, 24 * 3600 * 1000 + 1), /24 hours/],
    [
      'missing Start',
      { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { EndTimestamp: new Date(5) } } as unknown as ClipFragmentSelector,
      /StartTimestamp is required/,
    ],
    [
      'bad type',
      { FragmentSelectorType: 'NOW', TimestampRange: { StartTimestamp: 1, EndTimestamp: 2 } } as unknown as ClipFragmentSelector,
      /fragmentSelectorType/,
    ],
  ];
  for (const [what, selector, message] of cases) {
    it(what, async () => {
      const error = await clip(bytes, { ClipFragmentSelector: selector }).catch((e) => e);
      expect(error).toBeInstanceOf(InvalidArgumentException);
      expect(error.$fault).toBe('client');
      expect(error.message).toMatch(message);
    });
  }
  it('accepts exactly 24 hours', async () => {
    const error = await clip(bytes, { ClipFragmentSelector: producerRange(1e12, 1e12 + 24 * 3600 * 1000) }).catch((e) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException); // a valid range, with no fragment in it (2001)
  });
});

describe('payload forms and the fragmented stream', () => {
  const bytes = readFileSync(`${FIXTURES}/kvs-h264-aac.mkv`);

  it('gives the same file as one buffer, as chunks, as a stream and as a Blob', async () => {
    const { Payload } = await clip(bytes);
    const one = Payload.bytes();
    expect(one.byteLength).toBe(Payload.byteLength);
    expect(Buffer.concat(Payload.chunks()).equals(Buffer.from(one))).toBe(true);
    const streamed = Buffer.concat(await collect(Payload.stream()));
    expect(streamed.equals(Buffer.from(one))).toBe(true);
    expect(Buffer.from(await Payload.blob().arrayBuffer()).equals(Buffer.from(one))).toBe(true);
    expect(Buffer.from(await Payload.transformToByteArray()).equals(Buffer.from(one))).toBe(true);
    expect(parseMp4(one).boxes.slice(0, 3)).toEqual(['ftyp', 'moov', 'mdat']);
  });

  it('pipes a byte stream through fragmentedMp4Stream, chunked at odd sizes, to the same segments', async () => {
    const direct: Mp4Segment[] = await collect(fragmentedMp4(bytes));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.byteLength; at += 997) controller.enqueue(bytes.subarray(at, at + 997));
        controller.close();
      },
    });
    const piped: Mp4Segment[] = await collect(body.pipeThrough(fragmentedMp4Stream()));
    expect(piped.map((s) => s.type)).toEqual(direct.map((s) => s.type));
    expect(piped[0].type).toBe('init');
    expect(piped[0].mimeType).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6},mp4a\.40\.2"$/);
    piped.forEach((s, i) => expect(Buffer.from(s.data).equals(Buffer.from(direct[i].data))).toBe(true));
    const fragments = await fragmentsOf(bytes);
    expect(piped.filter((s) => s.type === 'media').map((s) => s.fragmentNumber)).toEqual(fragments.map((f) => f.fragmentNumber));
    const parsed = parseMp4(Buffer.concat(piped.map((s) => s.data)));
    expect(videoSamples(Buffer.concat(piped.map((s) => s.data))).length).toBe(
      fragments.reduce((n, f) => n + f.frames.filter((fr) => fr.track === 1).length, 0),
    );
    expect(parsed.tracks.length).toBe(2);
  });

  it('gives each segment as header + payload views (fragmentedMp4Chunks), byte for byte the joined segment, for any chunking', async () => {
    const direct: Mp4Segment[] = await collect(fragmentedMp4(bytes));
    const whole = await collect(fragmentedMp4Chunks(bytes));
    // From one buffer, every sample is a view of the input: nothing is copied.
    const media = whole.filter((s) => s.type === 'media');
    expect(media.length).toBeGreaterThan(0);
    for (const segment of media) for (const chunk of segment.chunks.slice(1)) expect(chunk.buffer).toBe(bytes.buffer);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: bytes.byteLength }), { maxLength: 12 }), async (cuts) => {
        const at = [0, ...new Set(cuts)].sort((a, b) => a - b);
        const pieces = at.map((start, i) => bytes.subarray(start, at[i + 1] ?? bytes.byteLength)).filter((p) => p.byteLength > 0);
        const chunked = await collect(fragmentedMp4Chunks(pieces));
        expect(chunked.length).toBe(direct.length);
        chunked.forEach(({ chunks, byteLength, ...meta }, i) => {
          const { data, ...expected } = direct[i];
          expect(meta).toEqual(expected);
          expect(byteLength).toBe(data.byteLength);
          expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
        });
      }),
      { numRuns: 25 },
    );
  });
});
