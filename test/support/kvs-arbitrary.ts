/**
 * fast-check arbitraries for the test KVS writer: random streams (tracks, frames, timestamps,
 * lacing, BlockGroups, size widths, unknown sizes, tag spellings, fillers, in-band errors) and
 * random ways of cutting bytes into chunks.
 */
import fc from 'fast-check';
import type {
  BlockSpec,
  ClusterSpec,
  DocumentSpec,
  Filler,
  InBandErrorSpec,
  Lacing,
  SizeChoice,
  SizeWidth,
  StreamSpec,
  TagSpec,
  TrackSpec,
} from './kvs-writer.js';

const width = fc.option(fc.integer({ min: 1, max: 8 }) as fc.Arbitrary<SizeWidth>, { nil: undefined });

function sizeChoice(unknownAllowed: boolean): fc.Arbitrary<SizeChoice> {
  return fc.record({ width, unknown: unknownAllowed ? fc.boolean() : fc.constant(false) });
}

const filler: fc.Arbitrary<Filler | undefined> = fc.option(
  fc.record({ kind: fc.constantFrom<Filler['kind']>('void', 'crc', 'unknown'), length: fc.integer({ min: 0, max: 20 }) }),
  { nil: undefined, freq: 3 },
);

const digits = (max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[1-9][0-9]{0,${max - 1}}$`));

const tagValue = fc.string({ unit: 'grapheme', maxLength: 16 }).filter((s) => !s.includes('\0'));

const tag: fc.Arbitrary<TagSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/), value: tagValue }) },
  { weight: 1, arbitrary: fc.constant({ name: 'AWS_KINESISVIDEO_END_OF_FRAGMENT', value: '' }) },
);
const tagsElements = fc.array(fc.array(tag, { minLength: 1, maxLength: 3 }), { maxLength: 2 });

const epochMs = fc.option(fc.integer({ min: 0, max: 2 ** 52 }), { nil: undefined });

const track = (number: number): fc.Arbitrary<TrackSpec> =>
  fc.record(
    {
      number: fc.constant(number),
      typeCode: fc.constantFrom(1, 2, 0x11, 0x21),
      codecId: fc.constantFrom('V_MPEG4/ISO/AVC', 'V_MPEGH/ISO/HEVC', 'A_AAC', 'A_MS/ACM', 'S_TEXT/UTF8'),
      codecPrivate: fc.uint8Array({ maxLength: 40 }),
      name: fc.string({ maxLength: 12 }).filter((s) => !s.includes('\0')),
      defaultDurationNs: fc.integer({ min: 1, max: 1_000_000_000 }),
      video: fc.record({ width: fc.integer({ min: 0, max: 8192 }), height: fc.integer({ min: 0, max: 8192 }) }),
      audio: fc.record(
        {
          samplingFrequency: fc.oneof(fc.constantFrom(8000, 44100, 48000), fc.double({ min: 1, max: 200000, noNaN: true })),
          channels: fc.integer({ min: 1, max: 8 }),
          bitDepth: fc.integer({ min: 1, max: 32 }),
        },
        { requiredKeys: ['samplingFrequency', 'channels'] },
      ),
    },
    { requiredKeys: ['number', 'typeCode', 'codecId'] },
  );

const lacedFrames = (lacing: Lacing): fc.Arbitrary<Uint8Array[]> => {
  if (lacing === 'none') return fc.tuple(fc.uint8Array({ maxLength: 300 })).map((frames) => [...frames]);
  if (lacing === 'fixed') {
    return fc
      .integer({ min: 1, max: 60 }) // empty fixed-laced frames are refused (see src/mkv/block.ts)
      .chain((size) => fc.array(fc.uint8Array({ minLength: size, maxLength: size }), { minLength: 1, maxLength: 8 }));
  }
  return fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 });
};

const block = (tracks: number[]): fc.Arbitrary<BlockSpec> =>
  fc.constantFrom<Lacing>('none', 'xiph', 'ebml', 'fixed').chain((lacing) =>
    fc.record(
      {
        kind: fc.constantFrom<'simple' | 'group'>('simple', 'group'),
        // Now and then a block of a track that Tracks does not declare.
        track: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...tracks) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 20000 }) }),
        timeOffset: fc.integer({ min: -32768, max: 32767 }),
        keyframe: fc.boolean(),
        discardable: fc.boolean(),
        lacing: fc.constant(lacing),
        frames: lacedFrames(lacing),
        duration: fc.integer({ min: 0, max: 1_000_000 }),
        references: fc.array(fc.integer({ min: -100000, max: 100000 }), { minLength: 1, maxLength: 2 }),
        size: sizeChoice(false),
        before: filler,
      },
      { requiredKeys: ['kind', 'track', 'timeOffset', 'keyframe', 'lacing', 'frames'] },
    ),
  );

const cluster = (tracks: number[]): fc.Arbitrary<ClusterSpec> =>
  fc.record(
    {
      timecode: fc.integer({ min: 0, max: 2 ** 45 }),
      timecodeWidth: fc.integer({ min: 1, max: 8 }),
      size: sizeChoice(true),
      position: fc.boolean(),
      filler,
      blocks: fc.array(block(tracks), { maxLength: 5 }),
    },
    { requiredKeys: ['timecode', 'blocks'] },
  );

/** A document; every one carries a fragment number, as KVS output does. */
const kvsDocument: fc.Arbitrary<DocumentSpec> = fc
  .uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 })
  .chain((numbers) =>
    fc.record(
      {
        docType: fc.constantFrom('matroska', 'matroska\0', 'webm'),
        headerSize: sizeChoice(false),
        segmentSize: sizeChoice(true),
        sizeWidth: width,
        timecodeScale: fc.constantFrom(1_000_000, 1_000, 1, 1_000_000_000, 33_333),
        timecodeScaleWidth: fc.integer({ min: 1, max: 8 }),
        staleIndex: fc.boolean(),
        padStrings: fc.boolean(),
        fillers: fc.record({ beforeInfo: filler, beforeTracks: filler, beforeClusters: filler, insideTags: filler }),
        tracks: fc.tuple(...numbers.map(track)),
        leadingTags: tagsElements,
        fragmentNumber: digits(128),
        serverTimestamp: epochMs,
        producerTimestamp: epochMs,
        timestampSpelling: fc.constantFrom<'plain' | 'side'>('plain', 'side'),
        clusters: fc.array(cluster(numbers), { maxLength: 3 }),
        trailingTags: tagsElements,
        millisBehindNow: fc.integer({ min: 0, max: 10 ** 12 }),
        continuationToken: digits(60),
      },
      {
        requiredKeys: ['tracks', 'fragmentNumber', 'clusters', 'segmentSize', 'timestampSpelling'],
      },
    ),
  );

const inBandError: fc.Arbitrary<InBandErrorSpec> = fc.oneof(
  fc.record({
    flavour: fc.constant('GetMedia' as const),
    errorId: fc.constantFrom(3002, 4000, 4500, 4506, 5000),
    errorCode: tagValue,
  }),
  fc.record({
    flavour: fc.constant('GetMediaForFragmentList' as const),
    fragmentNumber: digits(47),
    code: fc.constantFrom('ResourceNotFoundException', 'ClientLimitExceededException'),
    message: tagValue,
  }),
);

export const kvsStream: fc.Arbitrary<StreamSpec> = fc.record(
  {
    documents: fc.array(kvsDocument, { minLength: 1, maxLength: 4 }),
    error: inBandError,
  },
  { requiredKeys: ['documents'] },
);

/** How to cut bytes: chunk lengths used in turn until the bytes run out. */
export const chunkPlan = fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 });

/** Cuts `bytes` into chunks, each copied into a buffer of its own (so views can be traced to a chunk). */
export function splitBytes(bytes: Uint8Array, plan: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const length = Math.min(plan[i % plan.length], bytes.length - at);
    chunks.push(bytes.slice(at, at + length));
    at += length;
  }
  return chunks;
}
