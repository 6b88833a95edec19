import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentException, KvsStreamError, ResourceNotFoundException } from '../src/errors.js';
import { readFragments, type MkvFragment } from '../src/mkv/index.js';
import { chunkPlan, kvsStream, splitBytes } from './support/kvs-arbitrary.js';
import { expectedFragments, writeKvsStream, type DocumentSpec, type StreamSpec, type WrittenStream } from './support/kvs-writer.js';
import { asSource, readAll } from './support/read.js';

/** Which chunk holds each input offset, to check frames are views of the chunk they lie in. */
function chunkStarts(chunks: Uint8Array[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const chunk of chunks) {
    starts.push(at);
    at += chunk.length;
  }
  return starts;
}

function chunkIndexAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function expectedError(spec: StreamSpec): { name: string; props: Record<string, unknown> } | undefined {
  const error = spec.error;
  if (error === undefined) return undefined;
  if (error.flavour === 'GetMediaForFragmentList') {
    return { name: 'KvsStreamError', props: { errorCode: error.code, fragmentNumber: error.fragmentNumber } };
  }
  if (error.errorId === 4000) return { name: 'ResourceNotFoundException', props: {} };
  return { name: 'KvsStreamError', props: { errorId: error.errorId, errorCode: error.errorCode } };
}

function frameCount(fragments: MkvFragment[]): number {
  return fragments.reduce((n, f) => n + f.frames.length, 0);
}

const simpleDoc = (overrides: Partial<DocumentSpec> = {}): DocumentSpec => ({
  tracks: [
    { number: 1, typeCode: 1, codecId: 'V_MPEG4/ISO/AVC', video: { width: 640, height: 480 } },
    { number: 2, typeCode: 2, codecId: 'A_AAC', audio: { samplingFrequency: 48000, channels: 2 } },
  ],
  fragmentNumber: '91343852333181432392682062607743920146159169392',
  serverTimestamp: 1511852109126,
  producerTimestamp: 1511852108513,
  clusters: [
    {
      timecode: 1000,
      blocks: [
        { kind: 'simple', track: 1, timeOffset: 0, keyframe: true, lacing: 'none', frames: [Uint8Array.of(1, 2, 3)] },
        { kind: 'simple', track: 2, timeOffset: 5, keyframe: true, lacing: 'none', frames: [Uint8Array.of(4, 5)] },
        { kind: 'simple', track: 1, timeOffset: 33, keyframe: false, lacing: 'none', frames: [Uint8Array.of(6, 7, 8, 9)] },
      ],
    },
  ],
  millisBehindNow: 100,
  continuationToken: '91343852333181432392682062607743920146159169392',
  ...overrides,
});

describe('readFragments: round trip with the test KVS writer', () => {
  it('gives back exactly what was written, for any split of the bytes into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        kvsStream,
        chunkPlan,
        fc.constantFrom<'array' | 'async' | 'stream'>('array', 'async', 'stream'),
        async (spec, plan, kind) => {
          const written = writeKvsStream(spec);
          const chunks = splitBytes(written.bytes, plan);
          const result = await readAll(asSource(chunks, kind));

          const expected = expectedFragments(spec, written);
          // Compare frames by value first (clear diffs), then everything.
          expect(result.fragments.map((f) => f.frames.length)).toEqual(expected.map((f) => f.frames.length));
          expect(result.fragments).toEqual(expected);
          expect(result.warnings).toEqual([]);

          const wanted = expectedError(spec);
          if (wanted === undefined) expect(result.error).toBeUndefined();
          else {
            expect((result.error as Error).name).toBe(wanted.name);
            expect(result.error).toMatchObject(wanted.props);
            expect(result.events.at(-1)).toBe('error');
          }

          // Zero copy: a frame whose block lies in one chunk is a view of that chunk at the right place.
          const starts = chunkStarts(chunks);
          let i = 0;
          for (const frame of result.fragments.flatMap((f) => f.frames)) {
            const block = written.frameBlocks[i];
            const at = written.frameOffsets[i++];
            const first = chunkIndexAt(starts, block.start);
            if (first === chunkIndexAt(starts, block.end - 1)) {
              expect(frame.data.buffer).toBe(chunks[first].buffer);
              expect(frame.data.byteOffset).toBe(chunks[first].byteOffset + at - starts[first]);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads one Uint8Array, an ArrayBuffer and a Node Buffer alike, frames as views of the input', async () => {
    const written = writeKvsStream({ documents: [simpleDoc(), simpleDoc({ fragmentNumber: '2' })] });
    const expected = expectedFragments({ documents: [simpleDoc(), simpleDoc({ fragmentNumber: '2' })] }, written);
    const fromBytes = await readAll(written.bytes);
    expect(fromBytes.fragments).toEqual(expected);
    for (const frame of fromBytes.fragments.flatMap((f) => f.frames)) expect(frame.data.buffer).toBe(written.bytes.buffer);
    expect((await readAll(written.bytes.slice().buffer)).fragments).toEqual(expected);
    const fromBuffer = (await readAll(Buffer.from(written.bytes))).fragments;
    const asPlainBytes = (fragments: MkvFragment[]) =>
      fragments.map((f) => ({ ...f, frames: f.frames.map((x) => ({ ...x, data: new Uint8Array(x.data) })) }));
    expect(asPlainBytes(fromBuffer)).toEqual(asPlainBytes(expected));
  });
});

describe('readFragments: KVS specifics', () => {
  it('parses "seconds with three decimals" timestamps to exact integer milliseconds', async () => {
    // "1.005" through a float is 1004.9999999999999 ms; the decimal parse must give 1005.
    expect(Number.parseFloat('1.005') * 1000).not.toBe(1005);
    const doc = simpleDoc({ serverTimestamp: 1005, producerTimestamp: 4503599627370495 });
    const { fragments } = await readAll(writeKvsStream({ documents: [doc] }).bytes);
    expect(fragments[0].serverTimestamp).toBe(1005);
    expect(fragments[0].producerTimestamp).toBe(4503599627370495);
  });

  it('accepts the _SIDE_ spellings and keeps fragment numbers as strings of any length', async () => {
    const fragmentNumber = '9'.repeat(128);
    const doc = simpleDoc({ fragmentNumber, timestampSpelling: 'side', serverTimestamp: 5, producerTimestamp: 0 });
    const { fragments } = await readAll(writeKvsStream({ documents: [doc] }).bytes);
    expect(fragments[0]).toMatchObject({ fragmentNumber, serverTimestamp: 5, producerTimestamp: 0 });
  });

  it('hands a fragment out as soon as its CONTINUATION_TOKEN arrives, before reading further', async () => {
    const written = writeKvsStream({ documents: [simpleDoc(), simpleDoc({ fragmentNumber: '2' })] });
    const firstEnd = written.documents[0].byteLength;
    let pulledUpTo = 0;
    const source = (async function* () {
      for (let at = 0; at < written.bytes.length; at += 7) {
        pulledUpTo = Math.min(at + 7, written.bytes.length);
        yield written.bytes.subarray(at, at + 7);
      }
    })();
    const reader = readFragments(source);
    const first = await reader.next();
    expect(first.value).toMatchObject({ index: 0, continuationToken: simpleDoc().continuationToken });
    expect(pulledUpTo).toBeLessThan(firstEnd + 7);
    await reader.return(undefined);
  });

  it('cancels a ReadableStream when the consumer stops early', async () => {
    const bytes = writeKvsStream({ documents: [simpleDoc(), simpleDoc()] }).bytes;
    let cancelled = false;
    // Never closed: the reader must stop pulling and cancel once the consumer leaves.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const fragment of readFragments(stream)) {
      expect(fragment.index).toBe(0);
      break;
    }
    expect(cancelled).toBe(true);
  });

  it('turns GetMedia ERROR_ID 4000 into ResourceNotFoundException after every earlier fragment', async () => {
    const spec: StreamSpec = {
      documents: [simpleDoc(), simpleDoc({ fragmentNumber: '2', continuationToken: undefined })],
      error: { flavour: 'GetMedia', errorId: 4000, errorCode: 'Requested fragment is not found' },
    };
    const result = await readAll(writeKvsStream(spec).bytes);
    expect(result.fragments.map((f) => f.fragmentNumber)).toEqual([simpleDoc().fragmentNumber, '2']);
    expect(result.fragments.every((f) => f.partial === undefined)).toBe(true);
    expect(result.error).toBeInstanceOf(ResourceNotFoundException);
    expect((result.error as Error).message).toContain('Requested fragment is not found');
    expect(result.events).toEqual(['fragment', 'fragment', 'error']);
  });

  it('turns other GetMedia error ids into KvsStreamError with id and text', async () => {
    const spec: StreamSpec = { documents: [simpleDoc()], error: { flavour: 'GetMedia', errorId: 5000, errorCode: 'Internal error' } };
    const result = await readAll(writeKvsStream(spec).bytes);
    expect(result.fragments).toHaveLength(1);
    expect(result.error).toBeInstanceOf(KvsStreamError);
    expect(result.error).toMatchObject({ errorId: 5000, errorCode: 'Internal error', name: 'KvsStreamError' });
  });

  it('turns GetMediaForFragmentList exception tags into KvsStreamError naming the fragment', async () => {
    const spec: StreamSpec = {
      documents: [simpleDoc()],
      error: { flavour: 'GetMediaForFragmentList', fragmentNumber: '123', code: 'ResourceNotFoundException', message: 'no such fragment' },
    };
    const result = await readAll(writeKvsStream(spec).bytes);
    expect(result.fragments).toHaveLength(1);
    expect(result.error).toBeInstanceOf(KvsStreamError);
    expect(result.error).toMatchObject({ errorCode: 'ResourceNotFoundException', fragmentNumber: '123' });
    expect((result.error as Error).message).toContain('no such fragment');
  });
});

describe('readFragments: plain Matroska', () => {
  it('cuts at video key frames and keeps other frames in stream order', async () => {
    const key = (track: number, t: number) => ({
      kind: 'simple' as const,
      track,
      timeOffset: t,
      keyframe: true,
      lacing: 'none' as const,
      frames: [Uint8Array.of(t)],
    });
    const delta = (t: number) => ({ ...key(1, t), keyframe: false });
    const doc = simpleDoc({
      fragmentNumber: undefined,
      serverTimestamp: undefined,
      producerTimestamp: undefined,
      millisBehindNow: undefined,
      continuationToken: undefined,
      clusters: [
        { timecode: 0, blocks: [key(2, 0), key(1, 0), key(2, 20), delta(40), key(2, 40), key(1, 80), key(2, 60)] },
        { timecode: 100, blocks: [delta(20), key(2, 0), key(1, 40)] },
      ],
    });
    const written = writeKvsStream({ documents: [doc] });
    const { fragments, error } = await readAll(written.bytes);
    expect(error).toBeUndefined();
    const summary = fragments.map((f) => ({
      clusterTimecode: f.clusterTimecode,
      frames: f.frames.map((x) => `${x.track}@${x.timestamp}`),
    }));
    expect(summary).toEqual([
      { clusterTimecode: 0, frames: ['2@0', '1@0', '2@20', '1@40', '2@40'] },
      // A fragment cut inside a cluster starts at its key frame, not at the cluster's time.
      { clusterTimecode: 80, frames: ['1@80', '2@60', '1@120', '2@100'] },
      { clusterTimecode: 140, frames: ['1@140'] },
    ]);
    // Byte ranges tile the input.
    expect(fragments[0].byteOffset).toBe(0);
    for (let i = 1; i < fragments.length; i++) {
      expect(fragments[i].byteOffset).toBe(fragments[i - 1].byteOffset + fragments[i - 1].byteLength);
    }
    expect(fragments.at(-1)!.byteOffset + fragments.at(-1)!.byteLength).toBe(written.bytes.length);
  });

  it('spreads laced frames over BlockDuration or DefaultDuration', async () => {
    const frames = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const doc = simpleDoc({
      timecodeScale: 1_000_000,
      tracks: [{ number: 2, typeCode: 2, codecId: 'A_AAC', defaultDurationNs: 21_333_333 }],
      clusters: [
        {
          timecode: 1000,
          blocks: [
            { kind: 'group', track: 2, timeOffset: 0, keyframe: true, lacing: 'xiph', frames, duration: 60 },
            { kind: 'simple', track: 2, timeOffset: 60, keyframe: true, lacing: 'fixed', frames },
          ],
        },
      ],
    });
    const { fragments } = await readAll(writeKvsStream({ documents: [doc] }).bytes);
    const got = fragments[0].frames.map((f) => [f.timestamp, f.duration]);
    expect(got).toEqual([
      [1000, 20],
      [1020, 20],
      [1040, 20],
      [1060, 21.333333],
      [1081, 21.333333],
      [1103, 21.333333],
    ]);
  });
});

describe('readFragments: top-level elements', () => {
  it('skips an unknown one with an unknown-element warning, and Void and CRC-32 silently, for any chunking', async () => {
    const sized = { segmentSize: { width: 8 as const } };
    const first = writeKvsStream({ documents: [simpleDoc(sized)] });
    const second = writeKvsStream({ documents: [simpleDoc({ ...sized, fragmentNumber: '2', continuationToken: '2' })] });
    const between = [
      ...[0xec, 0x83, 0, 0, 0], // Void of 3 bytes
      ...[0x4f, 0x11, 0x8a, ...new Array<number>(10).fill(0xaa)], // element 0x4F11 of 10 bytes
      ...[0xbf, 0x84, 1, 2, 3, 4], // CRC-32
    ];
    const bytes = Uint8Array.from([...first.bytes, ...between, ...second.bytes]);
    await fc.assert(
      fc.asyncProperty(chunkPlan, async (plan) => {
        const result = await readAll(splitBytes(bytes, plan));
        expect(result.error).toBeUndefined();
        expect(result.fragments.map((f) => [f.fragmentNumber, f.frames.length])).toEqual([
          [simpleDoc().fragmentNumber, 3],
          ['2', 3],
        ]);
        expect(result.warnings).toEqual([
          {
            code: 'unknown-element',
            message: 'skipped top-level element 0x4F11 of 10 bytes',
            byteOffset: first.bytes.length + 5,
            fragmentIndex: 1,
          },
        ]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('readFragments: truncated input', () => {
  const noError = kvsStream.map((spec) => ({ ...spec, error: undefined }));

  it('yields every complete frame, then warns once, for a cut at any byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        noError,
        fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000),
        chunkPlan,
        async (spec, where, plan) => {
          const written = writeKvsStream(spec);
          const cut = Math.floor(where * written.bytes.length);
          const result = await readAll(splitBytes(written.bytes.subarray(0, cut), plan));
          expect(result.error).toBeUndefined();

          const expected = expectedFragments(spec, written);
          const frames = result.fragments.flatMap((f) => f.frames);
          const complete = written.frameBlocks.filter((block) => block.end <= cut).length;
          expect(frames).toEqual(expected.flatMap((f) => f.frames).slice(0, complete));
          // Documents that ended before the cut come out whole.
          for (const [i, doc] of written.documents.entries()) {
            if (doc.byteOffset + doc.byteLength <= cut) expect(result.fragments[i]).toEqual(expected[i]);
          }
          const insideFrame = written.frameOffsets.some((at, i) => at < cut && cut < at + expected.flatMap((f) => f.frames)[i].data.length);
          if (insideFrame) {
            expect(result.warnings.map((w) => w.code)).toEqual(['truncated']);
            expect(result.events.at(-1)).toBe('warning');
            expect(result.fragments.at(-1)!.partial).toBe(true);
          }
          expect(result.warnings.length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a fragment whole when the input ends in the first bytes of the next EBML header', async () => {
    // Found by the property above (seed 2054376485): one byte of the next document's header left
    // an unknown-size Segment open, and its complete fragment came out marked partial.
    for (const clusterSize of [{ unknown: false }, { unknown: true }]) {
      const doc = simpleDoc({ segmentSize: { unknown: true }, continuationToken: undefined });
      doc.clusters[0] = { ...doc.clusters[0], size: clusterSize };
      const written = writeKvsStream({ documents: [doc, simpleDoc({ fragmentNumber: '2' })] });
      const secondStart = written.documents[1].byteOffset;
      for (let extra = 1; extra <= 5; extra++) {
        const result = await readAll([written.bytes.subarray(0, secondStart + extra)]);
        expect(result.error).toBeUndefined();
        expect(result.fragments).toEqual([expectedFragments({ documents: [doc] }, writeKvsStream({ documents: [doc] }))[0]]);
        expect(result.warnings).toMatchObject([{ code: 'truncated', byteOffset: secondStart }]);
      }
    }
  });

  it('never allocates by a declared size: a 1 TB SimpleBlock with 10 bytes present is a truncation', async () => {
    const written = writeKvsStream({ documents: [simpleDoc({ continuationToken: undefined, millisBehindNow: undefined })] });
    // A cluster whose last child claims 2^40 bytes.
    const tail = Uint8Array.of(0xa3, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81, 0x00, 0x00, 0x80, 1, 2, 3);
    const bytes = new Uint8Array(written.bytes.length + tail.length);
    bytes.set(written.bytes);
    bytes.set(tail, written.bytes.length);
    const result = await readAll([bytes], { maxElementSize: 2 ** 41 });
    expect(result.error).toBeUndefined();
    expect(frameCount(result.fragments)).toBe(3);
    expect(result.warnings).toMatchObject([{ code: 'truncated', byteOffset: written.bytes.length }]);
  });
});

describe('readFragments: malformed input', () => {
  it('rejects an element larger than maxElementSize with InvalidArgumentException, after earlier fragments', async () => {
    const written = writeKvsStream({ documents: [simpleDoc(), simpleDoc({ fragmentNumber: '2' })] });
    const result = await readAll(written.bytes, { maxElementSize: 3 });
    // Tags, Tracks… are bigger than 3 bytes: the first fragment fails on its Info element.
    expect(result.error).toBeInstanceOf(InvalidArgumentException);
    expect((result.error as Error).message).toMatch(/maxElementSize/);
    expect(result.error).toMatchObject({ fragmentIndex: 0 });
  });

  it('refuses fixed-size lacing of empty frames (7 bytes must not become 256 frames)', async () => {
    const doc = simpleDoc();
    doc.clusters[0].blocks.push({
      kind: 'simple',
      track: 2,
      timeOffset: 9,
      keyframe: true,
      lacing: 'fixed',
      frames: Array.from({ length: 256 }, () => new Uint8Array(0)),
    });
    const result = await readAll(writeKvsStream({ documents: [doc] }).bytes);
    expect(result.error).toBeInstanceOf(InvalidArgumentException);
    expect((result.error as Error).message).toMatch(/empty frames/);
    expect(result.fragments.map((f) => [f.frames.length, f.partial])).toEqual([[3, true]]);
  });

  it('hands out the fragment a malformed block completes, whole, before the partial one and the error, for any chunking', async () => {
    const block = (t: number, keyframe: boolean, frames: Uint8Array[], lacing: 'none' | 'fixed' = 'none') => ({
      kind: 'simple' as const,
      track: 1,
      timeOffset: t,
      keyframe,
      lacing,
      frames,
    });
    const emptyFrames = Array.from({ length: 256 }, () => new Uint8Array(0));
    const doc = simpleDoc({
      fragmentNumber: undefined,
      serverTimestamp: undefined,
      producerTimestamp: undefined,
      millisBehindNow: undefined,
      continuationToken: undefined,
      // The third block is a video key frame, so it completes the fragment of the first two (plain
      // Matroska is cut at key frames); its 256 empty fixed-laced frames are then refused.
      clusters: [
        {
          timecode: 0,
          blocks: [block(0, true, [Uint8Array.of(1)]), block(40, false, [Uint8Array.of(2)]), block(80, true, emptyFrames, 'fixed')],
        },
      ],
    });
    const bytes = writeKvsStream({ documents: [doc] }).bytes;
    await fc.assert(
      fc.asyncProperty(chunkPlan, async (plan) => {
        const result = await readAll(splitBytes(bytes, plan));
        expect(result.events).toEqual(['fragment', 'fragment', 'error']);
        expect(result.fragments.map((f) => [f.index, f.frames.map((x) => x.timestamp), f.partial])).toEqual([
          [0, [0, 40], undefined],
          [1, [], true],
        ]);
        expect(result.error).toBeInstanceOf(InvalidArgumentException);
        expect(result.error).toMatchObject({ fragmentIndex: 1, message: expect.stringMatching(/empty frames/) });
      }),
      { numRuns: 50 },
    );
  });

  it('rejects a Cluster Timecode past 2^53 - 1, which no number holds exactly', async () => {
    const doc = simpleDoc();
    doc.clusters[0].timecode = 2 ** 53;
    const result = await readAll(writeKvsStream({ documents: [doc] }).bytes);
    expect(result.error).toBeInstanceOf(InvalidArgumentException);
    expect((result.error as Error).message).toMatch(/Cluster Timecode 9007199254740992 is larger than 2\^53 - 1/);
  });

  it('rejects input that is not Matroska', async () => {
    const mp4 = Uint8Array.of(0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 0, 0);
    const result = await readAll(mp4);
    expect(result.error).toBeInstanceOf(InvalidArgumentException);
    expect(result.error).toMatchObject({ byteOffset: 0 });
    const notMkv = writeKvsStream({ documents: [simpleDoc({ docType: 'notmatroska' })] });
    expect((await readAll(notMkv.bytes)).error).toBeInstanceOf(InvalidArgumentException);
  });

  it('rejects a bad input type or chunk type with InvalidArgumentException', async () => {
    await expect(readAll(42 as never)).resolves.toMatchObject({ error: expect.any(InvalidArgumentException) });
    await expect(readAll(['text'] as never)).resolves.toMatchObject({ error: expect.any(InvalidArgumentException) });
  });

  it('reports a block overrunning its cluster with the byte offset and fragment, after the frames before it', async () => {
    const doc = simpleDoc({ fragmentNumber: '77' });
    doc.clusters[0].size = { width: 8 };
    const written = writeKvsStream({ documents: [simpleDoc(), doc] });
    const bytes = written.bytes.slice();
    // Shrink the second document's cluster size by one: its last block then overruns it.
    const clusterAt = findLast(bytes, [0x1f, 0x43, 0xb6, 0x75]);
    bytes[clusterAt + 4 + 7] -= 1;
    const result = await readAll(bytes);
    expect(result.error).toBeInstanceOf(InvalidArgumentException);
    expect(result.error).toMatchObject({ fragmentIndex: 1, fragmentNumber: '77' });
    expect((result.error as InvalidArgumentException).byteOffset).toBeGreaterThan(clusterAt);
    expect(result.fragments.map((f) => [f.fragmentNumber, f.frames.length, f.partial])).toEqual([
      [simpleDoc().fragmentNumber, 3, undefined],
      ['77', 2, true],
    ]);
  });

  it('never fails with anything but InvalidArgumentException on corrupted bytes, and keeps earlier fragments', async () => {
    await fc.assert(
      fc.asyncProperty(
        kvsStream.map((spec) => ({ ...spec, error: undefined })),
        fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000),
        fc.integer({ min: 0, max: 255 }),
        chunkPlan,
        async (spec, where, value, plan) => {
          const written: WrittenStream = writeKvsStream(spec);
          const bytes = written.bytes.slice();
          const at = Math.floor(where * (bytes.length - 1));
          bytes[at] = value;
          const result = await readAll(splitBytes(bytes, plan));
          if (result.error !== undefined) expect(result.error).toBeInstanceOf(InvalidArgumentException);
          const expected = expectedFragments(spec, written);
          for (const [i, doc] of written.documents.entries()) {
            if (doc.byteOffset + doc.byteLength > at) break;
            expect(result.fragments[i].fragmentNumber).toBe(expected[i].fragmentNumber);
            expect(result.fragments[i].frames).toEqual(expected[i].frames);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never fails with anything but InvalidArgumentException on random bytes after an EBML header', async () => {
    const header = writeKvsStream({ documents: [simpleDoc()] }).bytes.subarray(0, 40);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (noise) => {
        const bytes = new Uint8Array(header.length + noise.length);
        bytes.set(header);
        bytes.set(noise, header.length);
        const result = await readAll(bytes);
        if (result.error !== undefined) expect(result.error).toBeInstanceOf(InvalidArgumentException);
      }),
      { numRuns: 300 },
    );
  });
});

function findLast(bytes: Uint8Array, pattern: number[]): number {
  for (let i = bytes.length - pattern.length; i >= 0; i--) {
    if (pattern.every((b, k) => bytes[i + k] === b)) return i;
  }
  return -1;
}
