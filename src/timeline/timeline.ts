/**
 * From checked fragments to timed samples (docs/kvs-mkv.md#timeline).
 *
 * Placement: every frame gets a time in integer ns from the clip's origin. A KVS fragment is placed by
 * its PRODUCER_TIMESTAMP (or SERVER_TIMESTAMP) and each frame by its offset from the fragment's cluster
 * Timecode, so restarting or repeated cluster timecodes do not matter. Fragments without the tag
 * (plain Matroska) are placed by cluster timecodes relative to the previous fragment. The origin is
 * the earliest frame of the first fragment, so the clip starts at 0.
 *
 * Video: Matroska stores presentation times in decode order. Decode times are the sorted presentation
 * times of each run from a key frame up to the next one; the signed difference (pts − dts) is kept in
 * `ctos` and the writers add a reorder delay so that players see dts ≤ pts.
 *
 * Audio: each frame lasts the samples its codec says it holds (AudioCodecDefinition.samplesInFrame:
 * AAC 1024/960, G.711 one per byte and channel) so decode times are a running sum; when a frame's real time drifts from the running sum
 * by more than half a frame the previous duration absorbs the difference (gaps stay gaps).
 *
 * Segments: one per KVS fragment; plain Matroska is cut at video key frames (a cluster need not start
 * with one). The last sample of a segment takes its duration from the next segment, so one segment is
 * held back; at the end it takes BlockDuration, DefaultDuration or the track's usual step. Streams
 * (closeEachSegment) give every segment's last sample that estimate at once and hold nothing back;
 * the next segment's decode times stay the real ones.
 *
 * Monotonic: a segment whose first decode time would not come after the previous one (overlapping or
 * backward timestamps) is shifted as a whole, all tracks together so audio and video stay in sync.
 *
 * Long gaps: a gap before a segment that one sample duration cannot hold on some track (more than
 * MAX_GAP_TICKS of its timescale: 6.6 h at 90 kHz) is closed on every track, the segment and all
 * later ones moved earlier together, with a 'gap-closed' warning (docs/timing.md#long-gaps).
 */

import type { AudioCodecDefinition } from '../codecs/definition.js';
import { MAX_U32, sameBytes } from '../bytes.js';
import { CODECS } from '../codecs/registry.js';
import type { CheckedFragment, TrackConfig } from '../codecs/types.js';
import { fragmentPlace, InvalidCodecPrivateDataException } from '../errors.js';
import type { MkvFrame } from '../mkv/types.js';
import { NS_PER_MS, nsToTicks, ticksToNsCeil, videoTimescale } from './timescale.js';
import { SAMPLE_DISPOSABLE, SAMPLE_SYNC, type TimedSegment, type TimedTrack, type TimelineOptions, type TrackRun } from './types.js';
import { keepLayout } from '../jit.js';
import type { ReaderWarning } from '../warnings.js';

const MIN_I32 = -0x8000_0000;
const MAX_I32 = 0x7fff_ffff;
/**
 * The longest gap a sample duration may carry: 32-bit stts/trun durations, kept below 2^31 since
 * readers differ on the top bit (ffmpeg's mov demuxer takes durations above UINT32_MAX − 480 000 as
 * errors and makes them 1; docs/timing.md#long-gaps).
 */
export const MAX_GAP_TICKS = MAX_I32;

/** Frames of one track gathered for a segment, with their times on the clip's timeline. */
interface GroupTrack {
  frames: MkvFrame[];
  times: number[];
  /** What the stream says the last frame lasts (BlockDuration / DefaultDuration), in ns. */
  lastDurationNs: number | undefined;
}

interface Group {
  /** The configs of the fragment that opened it: a group never spans two configurations. */
  configs: readonly TrackConfig[];
  fragmentNumber: string | null;
  fragmentIndex: number;
  producerTimestamp: number | null;
  serverTimestamp: number | null;
  byteOffset: number;
  /** Where its fragment's cluster Timecode lies on the clip's timeline, ns (for the wall-clock reference). */
  fragmentStartNs: number;
  /** Frames that continue the fragment of the previous push (a low-latency chunk): placed with that fragment's shift. */
  continued: boolean;
  tracks: GroupTrack[];
}

interface TrackState {
  track: TimedTrack;
  video: boolean;
  /** The audio codec's definition (how many samples a frame holds), or null for video. */
  audio: AudioCodecDefinition | null;
  /** Matroska DefaultDuration of the track, ns. */
  defaultDurationNs: number | undefined;
  /** Decode time of the last placed sample, or null before the first. */
  lastDts: number | null;
  /** Audio: natural duration of the last placed sample (AAC frame length, G.711 byte count). */
  lastNatural: number;
  /** The held-back run whose last duration is still open, or null when it is final. */
  openRun: TrackRun | null;
  /** dts + duration of the last sample once final. */
  lastEnd: number;
  /** In-run frame steps of the latest video run with two or more frames (for the usual step). */
  lastSteps: Uint32Array | null;
  /**
   * The last run was closed with an estimated duration (closeEachSegment): the next segment is placed
   * as if it were still open, so its times are the ones the held-back timeline gives.
   */
  estimatedEnd: boolean;
}

/** Everything a timeline carries from one fragment to the next. */
interface TimelineState {
  useServer: boolean;
  closeEachSegment: boolean;
  states: TrackState[] | null;
  tracks: TimedTrack[] | null;
  slotOf: Map<number, number>;
  // Fragment placement anchors (ns on the clip's timeline before the origin shift).
  stampRef: { ms: number; baseNs: number } | null;
  prevFragment: { baseNs: number; clusterTimecode: number } | null;
  originNs: number | null;
  /** How much earlier than the input's every later time is placed: the sum of the gaps closed so far. */
  closedNs: number;
  onWarning: ((warning: ReaderWarning) => void) | undefined;
  open: Group | null;
  held: { segment: TimedSegment; fallbackNs: (number | undefined)[] } | null;
  /** The shift the last placed group got (see neededShiftNs), kept for the chunks that continue its fragment. */
  lastShiftNs: number;
}

/**
 * The timeline of one clip. Its methods hand the work to module-level functions on an explicit state,
 * not to closures made per clip, so their optimised code is kept from one clip to the next (src/jit.ts).
 */
export class Timeline {
  readonly #t: TimelineState;

  constructor(options: TimelineOptions = {}) {
    this.#t = {
      useServer: options.timestamps === 'server',
      closeEachSegment: options.closeEachSegment === true,
      states: null,
      tracks: null,
      slotOf: new Map(),
      stampRef: null,
      prevFragment: null,
      originNs: null,
      closedNs: 0,
      onWarning: options.onWarning,
      open: null,
      held: null,
      lastShiftNs: 0,
    };
  }

  /** Adds a fragment; returns the segments that became final (usually the previous fragment's). */
  push(fragment: CheckedFragment): TimedSegment[] {
    return push(this.#t, fragment, false);
  }

  /**
   * Adds frames that continue the fragment of the previous push or pushChunk (`fragment` holds only
   * the new frames): a low-latency chunk (docs/kvs-mkv.md#low-latency-chunks). With closeEachSegment
   * they are placed as the whole fragment's frames would be (same decode times, same shift), as a
   * segment of their own; the previous chunk's last samples keep their estimated durations.
   */
  pushChunk(fragment: CheckedFragment): TimedSegment[] {
    return push(this.#t, fragment, true);
  }

  /** Flushes the held-back segment(s). */
  end(): TimedSegment[] {
    return end(this.#t);
  }

  /** The output tracks, known once the first fragment with track configs was pushed. */
  get tracks(): readonly TimedTrack[] | null {
    return this.#t.tracks;
  }
}
keepLayout(new Timeline());

export function createTimeline(options: TimelineOptions = {}): Timeline {
  return new Timeline(options);
}

function init(t: TimelineState, fragment: CheckedFragment): void {
  const tracks = fragment.configs.map((config, i) => ({
    id: i + 1,
    config,
    // The codec layer gives audio a positive integer rate below 2^32 (AAC: table or 24 bits; G.711: a
    // non-zero uint32), so it is a valid MP4 timescale as it is.
    timescale: config.kind === 'video' ? videoTimescale(fragment.timecodeScale) : config.sampleRate!,
  }));
  t.tracks = tracks;
  t.states = tracks.map((track) => {
    const mkv = fragment.tracks.find((m) => m.number === track.config.trackNumber);
    t.slotOf.set(track.config.trackNumber, track.id - 1);
    const definition = CODECS[track.config.codec];
    return {
      track,
      video: definition.kind === 'video',
      audio: definition.kind === 'audio' ? definition : null,
      defaultDurationNs: mkv?.defaultDurationNs,
      lastDts: null,
      lastNatural: 0,
      openRun: null,
      lastEnd: 0,
      lastSteps: null,
      estimatedEnd: false,
    };
  });
}

/** Where the fragment's cluster Timecode lies on the timeline, in ns (before the origin shift). */
function fragmentBaseNs(t: TimelineState, fragment: CheckedFragment): number {
  const stamp = t.useServer ? fragment.serverTimestamp : fragment.producerTimestamp;
  const clusterTimecode = fragment.clusterTimecode ?? t.prevFragment?.clusterTimecode ?? 0;
  let baseNs: number;
  if (stamp !== null && t.stampRef !== null) baseNs = t.stampRef.baseNs + (stamp - t.stampRef.ms) * NS_PER_MS;
  else if (t.prevFragment !== null)
    baseNs = t.prevFragment.baseNs + (clusterTimecode - t.prevFragment.clusterTimecode) * fragment.timecodeScale;
  else baseNs = 0;
  if (stamp !== null && t.stampRef === null) t.stampRef = { ms: stamp, baseNs };
  // A fragment without a cluster says nothing about cluster time: keep the previous anchor.
  if (fragment.clusterTimecode !== null) t.prevFragment = { baseNs, clusterTimecode };
  return baseNs;
}

function newGroup(t: TimelineState, fragment: CheckedFragment, fragmentStartNs: number, continued: boolean): Group {
  return {
    configs: fragment.configs,
    fragmentNumber: fragment.fragmentNumber,
    fragmentIndex: fragment.index,
    producerTimestamp: fragment.producerTimestamp,
    serverTimestamp: fragment.serverTimestamp,
    byteOffset: fragment.byteOffset,
    fragmentStartNs,
    continued,
    tracks: t.states!.map(() => ({ frames: [], times: [], lastDurationNs: undefined })),
  };
}

function push(t: TimelineState, fragment: CheckedFragment, continued: boolean): TimedSegment[] {
  if (t.states === null) {
    if (fragment.configs.length === 0) return [];
    init(t, fragment);
  }
  for (const config of fragment.configs) {
    if (!t.slotOf.has(config.trackNumber)) {
      throw new InvalidCodecPrivateDataException(
        `Track ${config.trackNumber} is not in the first fragment; tracks must not change within one clip`,
        { ...fragmentPlace(fragment), track: config.trackNumber },
      );
    }
  }
  const baseNs = fragmentBaseNs(t, fragment);
  const frames = fragment.frames;
  if (frames.length === 0) return [];
  const scale = fragment.timecodeScale;
  const clusterTimecode = fragment.clusterTimecode ?? 0;
  if (t.originNs === null) {
    let min = Infinity;
    for (const f of frames) min = Math.min(min, (f.timestamp - clusterTimecode) * scale);
    t.originNs = baseNs + min;
  }
  const originNs = t.originNs;
  /** Where the fragment starts on the output timeline: closedNs may grow when a group closes within the loop below. */
  const fragmentStartNs = (): number => baseNs - originNs - t.closedNs;

  const out: TimedSegment[] = [];
  const tagged = fragment.fragmentNumber !== null || (t.useServer ? fragment.serverTimestamp : fragment.producerTimestamp) !== null;
  // A new configuration starts a new segment (the fragmented output puts a new init segment before it).
  if (t.open !== null && !sameConfigs(t.open.configs, fragment.configs)) closeOpen(t, out);
  if (tagged) {
    // A KVS fragment is one segment: it starts with a key frame by KVS's rules.
    closeOpen(t, out);
    t.open = newGroup(t, fragment, fragmentStartNs(), continued);
  }
  for (const frame of frames) {
    const slot = t.slotOf.get(frame.track);
    if (slot === undefined) continue; // the checker passes only accepted tracks; be tolerant anyway
    if (!tagged && t.states![slot].video && frame.keyframe && t.open !== null && t.open.tracks[slot].frames.length > 0) closeOpen(t, out);
    if (t.open === null) t.open = newGroup(t, fragment, fragmentStartNs(), continued);
    const gt = t.open.tracks[slot];
    gt.frames.push(frame);
    gt.times.push(fragmentStartNs() + (frame.timestamp - clusterTimecode) * scale);
    // What the stream says this frame lasts; only the group's last frame's value is used.
    gt.lastDurationNs = frame.duration !== undefined && frame.duration > 0 ? frame.duration * scale : t.states![slot].defaultDurationNs;
  }
  // A stream does not wait for the next key frame: the reader already cut the fragment there.
  if (tagged || t.closeEachSegment) closeOpen(t, out);
  return out;
}

/**
 * Whether two config lists describe the samples alike: the same objects, or per track the same codec
 * and decoder configuration bytes (callers may build a new array per fragment).
 */
export function sameConfigs(a: readonly TrackConfig[], b: readonly TrackConfig[]): boolean {
  return (
    a === b ||
    (a.length === b.length && a.every((c, i) => c === b[i] || (c.codec === b[i].codec && sameBytes(c.decoderConfig, b[i].decoderConfig))))
  );
}

function closeOpen(t: TimelineState, out: TimedSegment[]): void {
  if (t.open === null) return;
  const group = t.open;
  t.open = null;
  if (group.tracks.every((gt) => gt.frames.length === 0)) return;
  place(t, group, out);
}

/** Places a complete group: finalises the held segment with it, then holds it back in turn. */
function place(t: TimelineState, group: Group, out: TimedSegment[]): void {
  // A chunk that continues a fragment takes the fragment's reorder shift; its times already follow
  // any gap closed before the fragment (closedNs), so no gap is closed again.
  const reorderNs = group.continued ? t.lastShiftNs : neededShiftNs(t, group);
  t.lastShiftNs = reorderNs;
  const shiftNs = group.continued ? reorderNs : reorderNs - closedGapNs(t, group);
  let referenceNs: number | null = null;
  const runs: TrackRun[] = [];
  for (let slot = 0; slot < t.states!.length; slot++) {
    const st = t.states![slot];
    const gt = group.tracks[slot];
    if (gt.frames.length === 0) {
      if (st.openRun !== null) closeWithFallback(st, t.held!.fallbackNs[slot]);
      st.estimatedEnd = false;
      continue;
    }
    referenceNs ??= gt.times[0];
    runs.push(st.video ? placeVideo(st, gt, shiftNs) : placeAudio(st, gt, shiftNs));
  }
  if (t.held !== null) out.push(t.held.segment);
  const segment = {
    fragmentNumber: group.fragmentNumber,
    producerTimestamp: group.producerTimestamp,
    serverTimestamp: group.serverTimestamp,
    byteOffset: group.byteOffset,
    referenceOffsetMs: referenceNs === null ? 0 : (referenceNs - group.fragmentStartNs) / NS_PER_MS,
    runs,
    configs: group.configs,
  };
  const fallbackNs = group.tracks.map((gt) => gt.lastDurationNs);
  if (!t.closeEachSegment) {
    t.held = { segment, fallbackNs };
    return;
  }
  t.held = null;
  for (let slot = 0; slot < t.states!.length; slot++) {
    const st = t.states![slot];
    if (st.openRun === null) continue;
    closeWithFallback(st, fallbackNs[slot]);
    st.estimatedEnd = true;
  }
  out.push(segment);
}

/**
 * How far the group must move so every track's first decode time comes after what is already
 * placed: video after the last frame (then one usual step after it), audio no more than half a
 * frame before the running end.
 */
function neededShiftNs(t: TimelineState, group: Group): number {
  let shift = 0;
  for (let slot = 0; slot < t.states!.length; slot++) {
    const st = t.states![slot];
    const gt = group.tracks[slot];
    if (gt.frames.length === 0 || st.lastDts === null) continue;
    const ts = st.track.timescale;
    let firstNs = gt.times[0];
    if (st.video) for (let i = 1; i < gt.frames.length && !gt.frames[i].keyframe; i++) firstNs = Math.min(firstNs, gt.times[i]);
    const first = nsToTicks(firstNs, ts);
    let needed = 0;
    const open = st.openRun !== null || st.estimatedEnd;
    if (st.video) {
      if (open) {
        if (first <= st.lastDts) needed = st.lastDts + videoStep(st) - first;
      } else if (first < st.lastEnd) needed = st.lastEnd - first;
    } else {
      const half = st.lastNatural / 2;
      if (open) {
        if (first < st.lastDts + half) needed = st.lastDts + st.lastNatural - first;
      } else if (first < st.lastEnd - half) needed = st.lastEnd - first;
    }
    if (needed > 0) shift = Math.max(shift, ticksToNsCeil(needed, ts));
  }
  return shift;
}

/**
 * Closes a gap before the group that some track's last sample duration could not hold (MAX_GAP_TICKS):
 * returns how much earlier the group (and, through closedNs, every later one) goes, 0 when the gap is
 * kept. The amount is the smallest gap over the tracks, so no track overlaps its previous segment,
 * and every track moves by it, so they stay aligned.
 */
function closedGapNs(t: TimelineState, group: Group): number {
  let tooLong: { slot: number; ticks: number } | null = null;
  let closeNs = Infinity;
  for (let slot = 0; slot < t.states!.length; slot++) {
    const st = t.states![slot];
    const gt = group.tracks[slot];
    if (gt.frames.length === 0 || st.lastDts === null) continue;
    let firstNs = gt.times[0];
    for (let i = 1; i < gt.times.length; i++) firstNs = Math.min(firstNs, gt.times[i]);
    const ts = st.track.timescale;
    const ticks = nsToTicks(firstNs, ts) - st.lastDts;
    if (ticks > MAX_GAP_TICKS && (tooLong === null || ticks > tooLong.ticks)) tooLong = { slot, ticks };
    // Where the track would go on without a gap: one frame (its usual step) after its last one.
    const next = st.lastDts + (st.video ? videoStep(st) : st.lastNatural);
    closeNs = Math.min(closeNs, Math.max(0, firstNs - ticksToNsCeil(next, ts)));
  }
  if (tooLong === null || !(closeNs > 0)) return 0;
  t.closedNs += closeNs;
  const track = t.states![tooLong.slot].track;
  const where = group.fragmentNumber !== null ? `fragment ${group.fragmentNumber}` : `fragment #${group.fragmentIndex}`;
  const stamp = group.producerTimestamp ?? group.serverTimestamp;
  t.onWarning?.({
    code: 'gap-closed',
    message:
      `${where}${stamp === null ? '' : ` (${new Date(stamp).toISOString()})`}: the ${(tooLong.ticks / track.timescale).toFixed(3)} s gap before it on track ${track.id} (${track.config.kind}) ` +
      `is longer than one MP4 sample duration holds (${(MAX_GAP_TICKS / track.timescale).toFixed(0)} s at ${track.timescale} Hz); ` +
      `closed on every track: from here on the clip's times are ${(closeNs / 1e9).toFixed(3)} s earlier than the input's (${(t.closedNs / 1e9).toFixed(3)} s in all)`,
    byteOffset: group.byteOffset,
    fragmentIndex: group.fragmentIndex,
  });
  return closeNs;
}

/** The track's usual frame step: the median step of its latest run, else DefaultDuration, else 30 fps. */
function videoStep(st: TrackState): number {
  if (st.lastSteps !== null) return median(st.lastSteps);
  if (st.defaultDurationNs !== undefined && st.defaultDurationNs > 0)
    return Math.max(1, nsToTicks(st.defaultDurationNs, st.track.timescale));
  // Nothing known about the frame rate yet (single-frame segments): assume 30 fps.
  return Math.max(1, Math.round(st.track.timescale / 30));
}

function closeWithFallback(st: TrackState, fallbackNs: number | undefined): void {
  const run = st.openRun!;
  let d: number;
  if (!st.video) d = st.lastNatural;
  else if (fallbackNs !== undefined && fallbackNs > 0) d = Math.max(1, nsToTicks(fallbackNs, st.track.timescale));
  else d = videoStep(st);
  closeRun(st, run, d);
}

function closeRun(st: TrackState, run: TrackRun, duration: number): void {
  const d = Math.min(Math.max(1, duration), MAX_U32);
  run.durations[run.durations.length - 1] = d;
  st.lastEnd = st.lastDts! + d;
  st.openRun = null;
}

function placeVideo(st: TrackState, gt: GroupTrack, shiftNs: number): TrackRun {
  const n = gt.frames.length;
  const ts = st.track.timescale;
  const pts = new Float64Array(n);
  for (let i = 0; i < n; i++) pts[i] = nsToTicks(gt.times[i] + shiftNs, ts);
  // Decode times: the sorted presentation times of each run up to the next key frame.
  const dts = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && !gt.frames[end].keyframe) end++;
    let sorted = true;
    for (let i = start + 1; i < end && sorted; i++) sorted = pts[i] >= pts[i - 1];
    dts.set(pts.subarray(start, end), start);
    if (!sorted) dts.subarray(start, end).sort();
    start = end;
  }
  // Strictly increasing decode times even for repeated or backward input times.
  let prev = st.openRun !== null || st.estimatedEnd ? st.lastDts! : st.lastDts === null ? -Infinity : st.lastEnd - 1;
  const afterEstimate = st.estimatedEnd;
  st.estimatedEnd = false;
  for (let i = 0; i < n; i++) {
    if (dts[i] <= prev) dts[i] = prev + 1;
    prev = dts[i];
  }
  if (st.openRun !== null) closeRun(st, st.openRun, dts[0] - st.lastDts!);

  const durations = new Uint32Array(n);
  const ctos = new Int32Array(n);
  const flags = new Uint8Array(n);
  const data = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const frame = gt.frames[i];
    data[i] = frame.data;
    if (i + 1 < n) durations[i] = Math.min(dts[i + 1] - dts[i], MAX_U32);
    ctos[i] = Math.min(Math.max(pts[i] - dts[i], MIN_I32), MAX_I32);
    flags[i] = (frame.keyframe ? SAMPLE_SYNC : 0) | (frame.discardable ? SAMPLE_DISPOSABLE : 0);
  }
  if (n >= 2) st.lastSteps = durations.subarray(0, n - 1);
  // One frame after an estimated end (a low-latency chunk): its real step from the previous frame is
  // the usual step the next estimate takes.
  else if (afterEstimate) st.lastSteps = Uint32Array.of(Math.min(dts[0] - st.lastDts!, MAX_U32));
  const run: TrackRun = { trackId: st.track.id, baseDts: dts[0], data, durations, ctos, flags };
  st.lastDts = dts[n - 1];
  st.openRun = run;
  return run;
}

function placeAudio(st: TrackState, gt: GroupTrack, shiftNs: number): TrackRun {
  const n = gt.frames.length;
  const ts = st.track.timescale;
  const config = st.track.config;
  const audio = st.audio!;
  const durations = new Uint32Array(n);
  const data = new Array<Uint8Array>(n);
  const flags = new Uint8Array(n).fill(SAMPLE_SYNC);

  const t0 = nsToTicks(gt.times[0] + shiftNs, ts);
  let dts: number;
  if (st.openRun !== null) {
    closeRun(st, st.openRun, absorbed(st.lastNatural, t0 - st.lastDts!));
    dts = st.lastEnd;
  } else if (st.estimatedEnd) {
    // Where the held-back timeline would have started it; the sent duration stays the estimate.
    dts = st.lastDts! + absorbed(st.lastNatural, t0 - st.lastDts!);
    st.estimatedEnd = false;
  } else if (st.lastDts !== null) {
    // The previous run was closed without us (a segment without this track): continue or leave the gap.
    dts = Math.abs(t0 - st.lastEnd) <= st.lastNatural / 2 ? st.lastEnd : Math.max(t0, st.lastEnd);
  } else dts = t0;
  const baseDts = dts;

  let natural = 0;
  for (let i = 0; i < n; i++) {
    const frame = gt.frames[i];
    data[i] = frame.data;
    if (i > 0) {
      // Laced frames may all carry their block's time: only a new time is a drift measurement.
      const d = gt.times[i] === gt.times[i - 1] ? natural : absorbed(natural, nsToTicks(gt.times[i] + shiftNs, ts) - dts);
      durations[i - 1] = d;
      dts += d;
    }
    natural = audio.samplesInFrame(config, frame.data);
  }
  st.lastDts = dts;
  st.lastNatural = natural;
  const run: TrackRun = { trackId: st.track.id, baseDts, data, durations, ctos: new Int32Array(n), flags };
  st.openRun = run;
  return run;
}

function end(t: TimelineState): TimedSegment[] {
  const out: TimedSegment[] = [];
  closeOpen(t, out);
  if (t.held !== null) {
    for (let slot = 0; slot < t.states!.length; slot++) {
      if (t.states![slot].openRun !== null) closeWithFallback(t.states![slot], t.held.fallbackNs[slot]);
    }
    out.push(t.held.segment);
    t.held = null;
  }
  return out;
}

/**
 * A sample's duration given its natural length and the real distance to the next sample: the
 * natural one unless they differ by more than half of it; then the real distance, kept above half a
 * frame so that backward times cannot produce zero or tiny durations.
 */
function absorbed(natural: number, real: number): number {
  if (Math.abs(real - natural) <= natural / 2) return natural;
  return Math.min(Math.max(real, Math.ceil(natural / 2), 1), MAX_U32);
}

function median(values: Uint32Array): number {
  const sorted = values.slice().sort();
  return sorted[sorted.length >> 1];
}
