/**
 * Fragmented MP4: the init segment (ftyp + moov with empty tables and mvex) and one media segment
 * (moof + mdat) per timed segment.
 *
 * B-frames: decode times are the input's sorted presentation times, so the raw composition offsets
 * (pts − dts) can be negative. We add the video reorder delay D to every offset (so trun offsets are
 * ≥ 0 and dts ≤ pts) and put a single edit with media_time = D in the init segment, which shifts
 * presentation back to the input's exact times. That is what ffmpeg writes for fragmented output and
 * what Chromium's MSE parser supports (TrackRunIterator applies a single non-negative edit as an
 * offset); negative trun offsets without an edit would make players see dts > pts (Chromium logs
 * them, ffmpeg's mov demuxer has to invent a dts shift). D comes from the first segment (see
 * reorderDelay). A later segment that reorders deeper than D has its decode times pulled earlier
 * within the segment (withinReorderDelay) so that no offset falls below −D: ffmpeg would otherwise
 * delay the whole track by the excess (docs/timing.md#reorder-delay-in-fragmented-output).
 */

import { SAMPLE_DISPOSABLE, SAMPLE_SYNC, type TimedTrack, type TrackRun } from '../timeline/index.js';
import { keepLayout } from '../jit.js';
import { box, boxHeader, type BoxWriter, fullBox, type Part, serialize, u32, u64 } from './boxes.js';
import { ftyp, mvhd, trak } from './moov.js';

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TFHD_DEFAULT_SAMPLE_FLAGS = 0x000020;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

/** ISO BMFF sample_flags: depends_on = 2 (sync); depends_on = 1 plus is_non_sync (others). */
const FLAGS_SYNC = 0x0200_0000;
const FLAGS_NON_SYNC = 0x0101_0000;
/** is_depended_on = 2: no other sample references this one. */
const FLAGS_DISPOSABLE = 0x0080_0000;

const EMPTY_TABLES: Part[] = [
  fullBox('stts', 0, 0, u32(0)),
  fullBox('stsc', 0, 0, u32(0)),
  fullBox('stsz', 0, 0, u32(0), u32(0)),
  fullBox('stco', 0, 0, u32(0)),
];

/**
 * The reorder delay for the whole stream, judged from its first segment (it goes into the init
 * segment). The exact delay of that segment is not enough: with ms-rounded Matroska times the same
 * reorder depth costs 66 ms in one GOP and 67 ms in the next. So take the reorder depth in frames
 * (how far a frame is decoded ahead of its presentation rank) times the longest frame step, which
 * bounds every later GOP of the same structure and frame rate.
 */
export function reorderDelay(run: TrackRun): number {
  const n = run.ctos.length;
  let exact = 0;
  for (let i = 0; i < n; i++) if (-run.ctos[i] > exact) exact = -run.ctos[i];
  if (exact === 0) return 0;
  const pts = new Float64Array(n);
  let dts = 0;
  let maxStep = 0;
  for (let i = 0; i < n; i++) {
    pts[i] = dts + run.ctos[i];
    dts += run.durations[i];
    if (i + 1 < n && run.durations[i] > maxStep) maxStep = run.durations[i];
  }
  const byPts = Array.from({ length: n }, (_, i) => i).sort((a, b) => pts[a] - pts[b]);
  let depth = 0;
  byPts.forEach((i, rank) => (depth = Math.max(depth, i - rank)));
  return Math.max(exact, depth * maxStep);
}

/**
 * How each track's samples are described in every media segment, decided by the first segment: the
 * reorder delay of its video run (see reorderDelay; it goes into the init segment), and whether every
 * sample is a sync sample (audio).
 */
export function fragmentTracks(tracks: readonly TimedTrack[], first: readonly TrackRun[]): FragmentTrack[] {
  return tracks.map((track) => {
    const run = first.find((r) => r.trackId === track.id);
    return { delay: run === undefined ? 0 : reorderDelay(run), everySampleSync: track.config.kind === 'audio' };
  });
}

/**
 * The run with no composition offset below −`delay`, so that with the init segment's edit every
 * decode time is at or before its presentation time (docs/timing.md#reorder-delay-in-fragmented-output).
 * Presentation times stay exact and so do the first decode time (tfdt) and the run's end; only
 * decode times inside the run move earlier, each to the latest time that is no later than any
 * presentation time still to come plus `delay`. A run that already fits is returned as it is.
 */
export function withinReorderDelay(run: TrackRun, delay: number): TrackRun {
  const { durations, ctos } = run;
  const n = ctos.length;
  let fits = true;
  for (let i = 0; i < n && fits; i++) fits = ctos[i] >= -delay;
  if (fits) return run;
  const dts = new Float64Array(n);
  let end = 0;
  for (let i = 0; i < n; i++) {
    dts[i] = end;
    end += durations[i];
  }
  // Backwards: the latest decode time each sample may take (decode times strictly increase, so a
  // sample must decode before every later sample is presented, give or take the delay).
  const latest = new Float64Array(n);
  let bound = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    bound = Math.min(bound, dts[i] + ctos[i] + delay);
    latest[i] = Math.min(dts[i], bound, i + 1 < n ? latest[i + 1] - 1 : Infinity);
  }
  const moved = new Float64Array(n);
  for (let i = 1; i < n; i++) moved[i] = Math.max(moved[i - 1] + 1, latest[i]);
  const newDurations = new Uint32Array(n);
  const newCtos = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    newDurations[i] = (i + 1 < n ? moved[i + 1] : end) - moved[i];
    newCtos[i] = dts[i] + ctos[i] - moved[i];
  }
  return { ...run, durations: newDurations, ctos: newCtos };
}

/** ftyp + moov for MSE; `delays[i]` is the composition offset shift of track i (0 for audio). */
export function initSegment(tracks: readonly TimedTrack[], delays: readonly number[]): Uint8Array {
  return serialize(
    ftyp('iso6', 0, ['iso6', 'iso5', 'isom', 'mp41']),
    box(
      'moov',
      mvhd(tracks[0].timescale, 0, tracks.length + 1),
      ...tracks.map((track, i) =>
        trak({
          track,
          trackDuration: 0,
          mediaDuration: 0,
          // Duration 0: the edit lasts as long as the fragments do.
          edits: delays[i] > 0 ? [{ duration: 0, mediaTime: delays[i] }] : [],
          sampleTables: EMPTY_TABLES,
        }),
      ),
      box('mvex', ...tracks.map((track) => fullBox('trex', 0, 0, u32(track.id), u32(1), u32(0), u32(0), u32(0)))),
    ),
  );
}

function sampleFlags(flags: number): number {
  return (flags & SAMPLE_SYNC ? FLAGS_SYNC : FLAGS_NON_SYNC) | (flags & SAMPLE_DISPOSABLE ? FLAGS_DISPOSABLE : 0);
}

/** How a track's samples are described in every media segment. */
export interface FragmentTrack {
  /** Composition offset shift (the init segment's edit, see reorderDelay); 0 for audio. */
  delay: number;
  /**
   * Every sample is a sync sample presented at its decode time (an audio codec's frames): the sample
   * flags go once into tfhd, and trun rows carry duration and size only.
   */
  everySampleSync: boolean;
}

/**
 * A trun's sample rows. Written by a method rather than a closure made per segment, so its compiled
 * code is kept from one stream to the next (src/jit.ts).
 */
class TrunRows implements Part {
  readonly size: number;
  constructor(
    readonly run: TrackRun,
    readonly track: FragmentTrack,
  ) {
    this.size = run.data.length * (track.everySampleSync ? 8 : 16);
  }

  write(w: BoxWriter): void {
    const { data, durations, flags, ctos } = this.run;
    const { delay, everySampleSync } = this.track;
    for (let i = 0; i < data.length; i++) {
      w.u32(durations[i]);
      w.u32(data[i].byteLength);
      if (!everySampleSync) {
        w.u32(sampleFlags(flags[i]));
        w.i32(ctos[i] + delay);
      }
    }
  }
}
keepLayout(
  new TrunRows(
    { trackId: 0, baseDts: 0, data: [], durations: new Uint32Array(0), ctos: new Int32Array(0), flags: new Uint8Array(0) },
    { delay: 0, everySampleSync: true },
  ),
);

/** trun's data_offset: known only once the moof's size is, so it is set after the boxes are built. */
class DataOffset implements Part {
  readonly size = 4;
  value = 0;
  write(w: BoxWriter): void {
    w.u32(this.value);
  }
}
keepLayout(new DataOffset());

/**
 * moof + mdat for one segment. `tracks` is indexed by track id − 1. Returns the header (moof and the
 * mdat header) followed by views of each run's payloads: joining them is the caller's choice (the API
 * copies them into one buffer per segment; the CLI hands the views to writev).
 */
export function mediaSegment(
  sequenceNumber: number,
  runs: readonly TrackRun[],
  tracks: readonly FragmentTrack[],
): { chunks: Uint8Array[]; byteLength: number } {
  const dataOffsets: DataOffset[] = [];
  let payloadSize = 0;
  const trafs: Part[] = [];
  for (const given of runs) {
    const track = tracks[given.trackId - 1];
    const run = withinReorderDelay(given, track.delay);
    for (let i = 0; i < run.data.length; i++) payloadSize += run.data[i].byteLength;
    const compact = track.everySampleSync;
    const dataOffset = new DataOffset();
    dataOffsets.push(dataOffset);
    trafs.push(
      box(
        'traf',
        compact
          ? fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF | TFHD_DEFAULT_SAMPLE_FLAGS, u32(run.trackId), u32(FLAGS_SYNC))
          : fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(run.trackId)),
        fullBox('tfdt', 1, 0, u64(run.baseDts)),
        fullBox(
          'trun',
          1,
          TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | (compact ? 0 : TRUN_FLAGS | TRUN_CTO),
          u32(run.data.length),
          dataOffset,
          new TrunRows(run, track),
        ),
      ),
    );
  }
  const moof = box('moof', fullBox('mfhd', 0, 0, u32(sequenceNumber)), ...trafs);
  const mdatHeader = boxHeader('mdat', payloadSize);
  // Data offsets are relative to the moof's first byte (default-base-is-moof).
  const headerSize = moof.size + mdatHeader.size;
  let offset = headerSize;
  const chunks: Uint8Array[] = [new Uint8Array(0)];
  for (let r = 0; r < runs.length; r++) {
    dataOffsets[r].value = offset;
    for (const d of runs[r].data) {
      chunks.push(d);
      offset += d.byteLength;
    }
  }
  chunks[0] = serialize(moof, mdatHeader);
  return { chunks, byteLength: headerSize + payloadSize };
}
