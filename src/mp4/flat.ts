/**
 * The flat clip, as GetClip returns it: ftyp, moov (first, so it plays while downloading), mdat.
 *
 * Layout: the mdat holds the segments in order, and within a segment each track's run as one chunk.
 * The header (ftyp + moov + mdat header) is the only buffer written; the payloads stay views of the
 * input, so the clip is a list of chunks that can be handed to writev / a Blob without copying.
 *
 * Memory: the moov needs every sample, so each segment is reduced as the timeline hands it out to
 * what the tables need (typed arrays, 13 bytes a sample) and its payload handed to a collector,
 * which by default keeps views, one per stretch of samples that lie back to back in the input.
 *
 * Timing: each track's media time starts at 0 at its first decode time. Composition offsets are
 * shifted by the track's reorder delay D so they are all ≥ 0 (ctts version 0, which every player
 * reads); an edit list then maps media time D + (first presentation) to the track's real start on
 * the clip's timeline, with an empty edit before it when the track starts after the clip does.
 */

import { MAX_U32 } from '../bytes.js';
import type { CheckedFragment, TrackConfig } from '../codecs/types.js';
import { ResourceNotFoundException } from '../errors.js';
import {
  createTimeline,
  rescale,
  SAMPLE_DISPOSABLE,
  sameConfigs,
  SAMPLE_SYNC,
  type TimedSegment,
  type TimedTrack,
  type TimelineOptions,
} from '../timeline/index.js';
import { box, boxHeader, type BoxWriter, fullBox, type Part, type PartOrNothing, serialize, table, u32 } from './boxes.js';
import { type Edit, ftyp, mvhd, trak } from './moov.js';

/** Where a flat clip's payload goes, sample by sample in mdat order. */
export interface PayloadCollector {
  /**
   * One sample's bytes, of the track with Matroska TrackNumber `trackNumber`. Each track's samples
   * come in the order of its frames in the fragments placed: a segment is a stretch of consecutive
   * frames and its run of a track keeps their order.
   */
  add(bytes: Uint8Array, trackNumber: number): void;
}

/**
 * The library's collector: views of the samples, one view for samples that lie back to back in one
 * buffer (a laced block's frames), after a place for the header at index 0.
 */
export function payloadViews(): PayloadCollector & { chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [new Uint8Array(0)];
  let last: Uint8Array | null = null;
  return {
    chunks,
    add(bytes) {
      if (bytes.byteLength === 0) return;
      if (last !== null && bytes.buffer === last.buffer && bytes.byteOffset === last.byteOffset + last.byteLength) {
        last = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + bytes.byteLength);
        chunks[chunks.length - 1] = last;
      } else chunks.push((last = bytes));
    },
  };
}

/**
 * The flat clip's header (ftyp, moov, mdat header) and total length; every sample's bytes go to
 * `payload` in mdat order, as the fragments are placed (the CLI copies them from the file instead:
 * src/cli/two-pass.ts).
 */
export function layOutFlatClip(
  fragments: Iterable<CheckedFragment>,
  options: TimelineOptions,
  payload: PayloadCollector,
): { header: Uint8Array; byteLength: number } {
  const timeline = createTimeline(options);
  const layout = newLayout();
  for (const fragment of fragments) for (const segment of timeline.push(fragment)) addSegment(layout, segment, payload);
  for (const segment of timeline.end()) addSegment(layout, segment, payload);
  if (timeline.tracks === null || layout.segments === 0) {
    throw new ResourceNotFoundException('No media frames to write: the selected fragments hold no frames');
  }
  return writeHeader(timeline.tracks, layout);
}

/** A run reduced to what the tables need: its bytes went to the payload collector. */
interface FlatRun {
  baseDts: number;
  durations: Uint32Array;
  ctos: Int32Array;
  flags: Uint8Array;
  sizes: Uint32Array;
}

/** The runs of every track so far, with where each sits in the mdat body. */
interface Layout {
  segments: number;
  runs: FlatRun[][];
  positions: number[][];
  /** The configuration each run's samples are described by. */
  runConfigs: TrackConfig[][];
  payloadSize: number;
}

function newLayout(): Layout {
  return { segments: 0, runs: [], positions: [], runConfigs: [], payloadSize: 0 };
}

function addSegment(layout: Layout, segment: TimedSegment, payload: PayloadCollector): void {
  layout.segments++;
  for (const run of segment.runs) {
    const slot = run.trackId - 1;
    while (layout.runs.length <= slot) {
      layout.runs.push([]);
      layout.positions.push([]);
      layout.runConfigs.push([]);
    }
    const sizes = new Uint32Array(run.data.length);
    // segment.configs is in track id order.
    const config = segment.configs[slot];
    layout.positions[slot].push(layout.payloadSize);
    layout.runConfigs[slot].push(config);
    for (let i = 0; i < sizes.length; i++) {
      const bytes = run.data[i];
      sizes[i] = bytes.byteLength;
      layout.payloadSize += bytes.byteLength;
      payload.add(bytes, config.trackNumber);
    }
    layout.runs[slot].push({ baseDts: run.baseDts, durations: run.durations, ctos: run.ctos, flags: run.flags, sizes });
  }
}

/** Everything one pass over a track's samples learns before its tables are written. */
interface TrackSummary {
  track: TimedTrack;
  runs: FlatRun[];
  /** Byte position of each run (chunk) within the mdat body. */
  chunkPositions: number[];
  /** The track's sample descriptions (stsd entries), one per configuration, in order of first use. */
  descriptions: TrackConfig[];
  /** The 1-based stsd entry of each run (stsc's sample_description_index). */
  descriptionIndex: number[];
  sampleCount: number;
  totalDuration: number;
  sttsEntries: number;
  cttsEntries: number;
  stscEntries: number;
  syncCount: number;
  anyDisposable: boolean;
  /** The size every sample has, or 0 when sizes differ. */
  constantSize: number;
  /** Reorder delay added to every composition offset. */
  delay: number;
  maxCto: number;
  /** Earliest presentation and latest presentation end, in media time before the delay. */
  minPts: number;
  maxPtsEnd: number;
  firstDts: number;
}

function summarize(track: TimedTrack, runs: FlatRun[], chunkPositions: number[], runConfigs: TrackConfig[]): TrackSummary {
  const { descriptions, descriptionIndex } = sampleDescriptions(runConfigs);
  const s: TrackSummary = {
    track,
    runs,
    chunkPositions,
    descriptions,
    descriptionIndex,
    sampleCount: 0,
    totalDuration: 0,
    sttsEntries: 0,
    cttsEntries: 0,
    stscEntries: 0,
    syncCount: 0,
    anyDisposable: false,
    constantSize: runs[0].sizes[0],
    delay: 0,
    maxCto: -Infinity,
    minPts: Infinity,
    maxPtsEnd: -Infinity,
    firstDts: runs[0].baseDts,
  };
  let minCto = 0;
  let prevDuration = -1;
  let prevCto = NaN;
  let prevRunLength = -1;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    const n = run.sizes.length;
    const next = runs[r + 1];
    if (next !== undefined) {
      // A gap before the next run (the track was absent from some segments): stts cannot skip
      // time, so the run's last sample lasts until the next one starts.
      let end = run.baseDts;
      for (let i = 0; i < n; i++) end += run.durations[i];
      if (next.baseDts > end) run.durations[n - 1] = Math.min(run.durations[n - 1] + next.baseDts - end, MAX_U32);
    }
    if (n !== prevRunLength || descriptionIndex[r] !== descriptionIndex[r - 1]) s.stscEntries++;
    prevRunLength = n;
    // Media time: decode time relative to the track's first sample (gaps were closed above).
    let dts = s.totalDuration;
    for (let i = 0; i < n; i++) {
      const duration = run.durations[i];
      const cto = run.ctos[i];
      if (duration !== prevDuration) s.sttsEntries++;
      if (cto !== prevCto) s.cttsEntries++;
      prevDuration = duration;
      prevCto = cto;
      if (run.flags[i] & SAMPLE_SYNC) s.syncCount++;
      if (run.flags[i] & SAMPLE_DISPOSABLE) s.anyDisposable = true;
      if (run.sizes[i] !== s.constantSize) s.constantSize = 0;
      if (cto < minCto) minCto = cto;
      if (cto > s.maxCto) s.maxCto = cto;
      const pts = dts + cto;
      if (pts < s.minPts) s.minPts = pts;
      if (pts + duration > s.maxPtsEnd) s.maxPtsEnd = pts + duration;
      dts += duration;
    }
    s.sampleCount += n;
    s.totalDuration = dts;
  }
  s.delay = -minCto;
  return s;
}

/**
 * One sample description per configuration a track's runs use (outside strict mode the configuration
 * may change mid-stream: docs/codecs.md#codec-private-data-that-changes), and each run's 1-based
 * index into them. A configuration that comes back reuses its entry.
 */
function sampleDescriptions(runConfigs: readonly TrackConfig[]): { descriptions: TrackConfig[]; descriptionIndex: number[] } {
  const descriptions: TrackConfig[] = [];
  const descriptionIndex = runConfigs.map((config) => {
    let k = descriptions.findIndex((d) => sameConfigs([d], [config]));
    if (k < 0) k = descriptions.push(config) - 1;
    return k + 1;
  });
  return { descriptions, descriptionIndex };
}

// The per-sample loops below are module-level functions, not closures made per clip (src/jit.ts).

/** A per-sample column of a run. */
type Column = (run: FlatRun) => ArrayLike<number>;
const durationsOf: Column = (run) => run.durations;
const ctosOf: Column = (run) => run.ctos;

/** Run-length entries (count, value + add) of a per-sample column across runs (stts, ctts). */
function runLengthTable(type: string, s: TrackSummary, entries: number, column: Column, add: number): Part {
  return fullBox(
    type,
    0,
    0,
    u32(entries),
    table(entries, 8, (w) => writeRunLengths(w, s.runs, column, add)),
  );
}

function writeRunLengths(w: BoxWriter, runs: readonly FlatRun[], column: Column, add: number): void {
  let count = 0;
  let current = NaN;
  for (const run of runs) {
    const values = column(run);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] + add;
      if (v !== current && count > 0) {
        w.u32(count);
        w.u32(current);
        count = 0;
      }
      current = v;
      count++;
    }
  }
  w.u32(count);
  w.u32(current);
}

/** stss rows: the 1-based numbers of the sync samples. */
function writeSyncNumbers(w: BoxWriter, runs: readonly FlatRun[]): void {
  let number = 1;
  for (const run of runs) for (let i = 0; i < run.flags.length; i++, number++) if (run.flags[i] & SAMPLE_SYNC) w.u32(number);
}

/** sdtp rows: depends-on (2 for sync samples, else 1) and is-depended-on (2 when disposable). */
function writeDependencies(w: BoxWriter, runs: readonly FlatRun[]): void {
  for (const run of runs) {
    for (let i = 0; i < run.flags.length; i++) {
      const f = run.flags[i];
      w.u8(((f & SAMPLE_SYNC ? 2 : 1) << 4) | ((f & SAMPLE_DISPOSABLE ? 2 : 0) << 2));
    }
  }
}

/** stsc rows: a new entry wherever the samples-per-chunk count or the sample description changes (one chunk per run). */
function writeChunkRuns(w: BoxWriter, runs: readonly FlatRun[], descriptionIndex: readonly number[]): void {
  let prev = -1;
  for (let chunk = 0; chunk < runs.length; chunk++) {
    const n = runs[chunk].sizes.length;
    if (n === prev && descriptionIndex[chunk] === descriptionIndex[chunk - 1]) continue;
    prev = n;
    w.u32(chunk + 1);
    w.u32(n);
    w.u32(descriptionIndex[chunk]);
  }
}

function writeSampleSizes(w: BoxWriter, runs: readonly FlatRun[]): void {
  for (const run of runs) for (let i = 0; i < run.sizes.length; i++) w.u32(run.sizes[i]);
}

function writeChunkOffsets(w: BoxWriter, positions: readonly number[], base: number, co64: boolean): void {
  for (const p of positions) {
    if (co64) w.u64(base + p);
    else w.u32(base + p);
  }
}

function sampleTables(s: TrackSummary, chunkBase: { offset: number }, co64: boolean): PartOrNothing[] {
  const video = s.track.config.kind === 'video';
  return [
    runLengthTable('stts', s, s.sttsEntries, durationsOf, 0),
    s.maxCto + s.delay > 0 && runLengthTable('ctts', s, s.cttsEntries, ctosOf, s.delay),
    s.syncCount < s.sampleCount &&
      fullBox(
        'stss',
        0,
        0,
        u32(s.syncCount),
        table(s.syncCount, 4, (w) => writeSyncNumbers(w, s.runs)),
      ),
    // sdtp only says more than stss when some frames are known to be disposable.
    video &&
      s.anyDisposable &&
      fullBox(
        'sdtp',
        0,
        0,
        table(s.sampleCount, 1, (w) => writeDependencies(w, s.runs)),
      ),
    fullBox(
      'stsc',
      0,
      0,
      u32(s.stscEntries),
      table(s.stscEntries, 12, (w) => writeChunkRuns(w, s.runs, s.descriptionIndex)),
    ),
    s.constantSize > 0
      ? fullBox('stsz', 0, 0, u32(s.constantSize), u32(s.sampleCount))
      : fullBox(
          'stsz',
          0,
          0,
          u32(0),
          u32(s.sampleCount),
          table(s.sampleCount, 4, (w) => writeSampleSizes(w, s.runs)),
        ),
    fullBox(
      co64 ? 'co64' : 'stco',
      0,
      0,
      u32(s.runs.length),
      table(s.runs.length, co64 ? 8 : 4, (w) => writeChunkOffsets(w, s.chunkPositions, chunkBase.offset, co64)),
    ),
  ];
}

interface TrackTiming {
  edits: Edit[];
  trackDuration: number;
}

/** Edit list placing the track's first presented sample at its time on the clip's timeline. */
function timing(s: TrackSummary, movieTimescale: number): TrackTiming {
  const ts = s.track.timescale;
  const startOnClip = s.firstDts + s.minPts;
  const empty = rescale(startOnClip, ts, movieTimescale);
  const mediaTime = s.minPts + s.delay;
  const presented = rescale(s.maxPtsEnd - s.minPts, ts, movieTimescale);
  const edits: Edit[] = [];
  if (empty > 0) edits.push({ duration: empty, mediaTime: -1 });
  if (empty > 0 || mediaTime > 0) edits.push({ duration: presented, mediaTime });
  return { edits, trackDuration: empty + presented };
}

function writeHeader(tracks: readonly TimedTrack[], layout: Layout): { header: Uint8Array; byteLength: number } {
  const { runs, positions, runConfigs, payloadSize } = layout;
  const summaries: TrackSummary[] = [];
  for (let i = 0; i < runs.length; i++) if (runs[i].length > 0) summaries.push(summarize(tracks[i], runs[i], positions[i], runConfigs[i]));
  const movieTimescale = tracks[0].timescale;
  const timings = summaries.map((s) => timing(s, movieTimescale));
  const movieDuration = Math.max(...timings.map((t) => t.trackDuration));
  const video = tracks[0].config;
  const brands = ['isom', 'iso2', 'mp41', ...(video.sampleEntry === 'avc1' ? ['avc1'] : [])];
  const mdatHeader = boxHeader('mdat', payloadSize);
  const chunkBase = { offset: 0 };

  const header = (co64: boolean): Part[] => [
    ftyp('isom', 0x200, brands),
    box(
      'moov',
      mvhd(movieTimescale, movieDuration, tracks.length + 1),
      ...summaries.map((s, i) =>
        trak({
          track: s.track,
          trackDuration: timings[i].trackDuration,
          mediaDuration: s.totalDuration,
          edits: timings[i].edits,
          sampleDescriptions: s.descriptions,
          sampleTables: sampleTables(s, chunkBase, co64),
        }),
      ),
    ),
    mdatHeader,
  ];
  let parts = header(false);
  let headerSize = parts.reduce((n, p) => n + p.size, 0);
  const lastChunk = Math.max(...summaries.map((s) => s.chunkPositions[s.chunkPositions.length - 1]));
  if (headerSize + lastChunk > MAX_U32) {
    // Chunk offsets past 4 GiB: 64-bit offsets (co64) make the moov larger, so size it again.
    parts = header(true);
    headerSize = parts.reduce((n, p) => n + p.size, 0);
  }
  chunkBase.offset = headerSize;
  return { header: serialize(...parts), byteLength: headerSize + payloadSize };
}
