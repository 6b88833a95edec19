/**
 * GetMedia-style documents from fragments read out of plain Matroska, laid out the way the KVS C
 * producer and GetMedia write them (see fixtures/make-kvs.ts, which makes the kvs-*.mkv fixtures
 * with them; tests use them to build longer streams).
 */
import type { MkvFragment, MkvFrame, MkvTrack } from '../../src/mkv/index.js';
import type { BlockSpec, DocumentSpec, TrackSpec } from './kvs-writer.js';

/** Where the fixtures' timeline starts: 2023-11-14T22:13:20Z, as absolute producer time. */
const EPOCH_MS = 1_700_000_000_000;
/** Fragment numbers shaped like real ones (47 digits, increasing in uneven steps). */
const FIRST_FRAGMENT_NUMBER = 91343852333181432392682062607743920146159169392n;
const FRAGMENT_NUMBER_STEP = 4951760157141521579715379626n;

/** A TrackSpec that writes `track` back as it was read. */
export function trackSpec(track: MkvTrack): TrackSpec {
  return {
    number: track.number,
    typeCode: track.typeCode,
    codecId: track.codecId,
    name: track.type === 'video' ? 'kinesis_video' : 'kinesis_audio',
    ...(track.codecPrivate === undefined ? {} : { codecPrivate: track.codecPrivate }),
    ...(track.defaultDurationNs === undefined ? {} : { defaultDurationNs: track.defaultDurationNs }),
    ...(track.video === undefined ? {} : { video: track.video }),
    ...(track.audio === undefined ? {} : { audio: track.audio }),
  };
}

/** Frames read back as unlaced SimpleBlocks, each at its timestamp less `timecode` (its cluster's). */
export function simpleBlocks(frames: readonly MkvFrame[], timecode = 0): BlockSpec[] {
  return frames.map((f) => ({
    kind: 'simple',
    track: f.track,
    timeOffset: f.timestamp - timecode,
    keyframe: f.keyframe,
    lacing: 'none',
    frames: [f.data],
  }));
}

export function kvsDocument(fragment: MkvFragment, index: number, count: number): DocumentSpec {
  if (fragment.timecodeScale !== 1_000_000) throw new Error('fixtures are expected in 1 ms ticks');
  const start =
    fragment.frames.find((f) => f.keyframe && fragment.tracks.find((t) => t.number === f.track)?.type === 'video') ?? fragment.frames[0];
  const timecode = EPOCH_MS + start.timestamp;
  const blocks = fragment.frames.map((frame): BlockSpec => {
    const timeOffset = EPOCH_MS + frame.timestamp - timecode;
    if (timeOffset < -32768 || timeOffset > 32767) throw new Error(`frame at ${frame.timestamp} ms is too far from its cluster`);
    return {
      kind: 'simple',
      track: frame.track,
      timeOffset,
      keyframe: frame.keyframe,
      discardable: frame.discardable,
      lacing: 'none',
      frames: [frame.data],
      size: { width: 8 },
    };
  });
  const fragmentNumber = String(FIRST_FRAGMENT_NUMBER + BigInt(index) * FRAGMENT_NUMBER_STEP);
  return {
    sizeWidth: 8,
    segmentSize: { unknown: true, width: 8 },
    timecodeScale: fragment.timecodeScale,
    timecodeScaleWidth: 8,
    tracks: fragment.tracks.map(trackSpec),
    fragmentNumber,
    producerTimestamp: timecode,
    // The service stamps arrival a little after the producer's time.
    serverTimestamp: timecode + 180 + ((index * 37) % 90),
    clusters: [{ timecode, timecodeWidth: 8, size: { unknown: true, width: 8 }, position: true, blocks }],
    millisBehindNow: (count - 1 - index) * 1000 + 420,
    continuationToken: fragmentNumber,
  };
}
