/**
 * The DASH package (docs/packages.md#dash): a static MPD, one AdaptationSet per track with its own
 * init and media segments, a SegmentTimeline of exact durations, the stream's wall-clock anchor
 * (availabilityStartTime, ProducerReferenceTime), and each segment's KVS fragment number and
 * timestamp in an EventStream.
 */
import { timestampKind } from '../api/select.js';
import type { ClipInput } from '../api/types.js';
import { initSegment, mediaSegment } from '../mp4/fragmented.js';
import { withProducerReferenceTime } from '../mp4/prft.js';
import type { TimedTrack, TrackRun } from '../timeline/index.js';
import { isoTime, runDuration, seconds } from './playlist-time.js';
import { packageSegments } from './segments.js';
import type { DashPackageOptions, PackageFile } from './types.js';

/** The manifest's name in the package folder. */
export const DASH_MANIFEST = 'manifest.mpd';
/** The EventStream scheme of the per-segment fragment events (ours: KVS defines none). */
export const FRAGMENT_EVENT_SCHEME = 'urn:kvs-clip:fragment:2026';

/** One Representation's segments so far. */
export interface DashRepresentation {
  id: string;
  track: TimedTrack;
  /** SegmentTimeline entries: start and duration in the track's timescale. */
  timeline: { t: number; d: number }[];
  bytes: number;
  /** The first segment's wall-clock anchor: epoch ms of the media time `mediaTime`. */
  anchor: { epochMs: number; mediaTime: number } | null;
}

/**
 * One Period: the representations of one configuration. A video configuration that changes starts a
 * new one, with its own init segments (a Representation has one).
 */
export interface DashPeriod {
  /** Where it starts on the media timeline, in seconds: its latest track's first segment. */
  startSeconds: number;
  /** Its files' folder prefix: '' for the first Period, `period-2/`, … after it. */
  dir: string;
  representations: DashRepresentation[];
  events: DashFragmentEvent[];
}

/** One fragment event: the segment's start (ms on the media timeline), duration, fragment number and timestamp. */
export interface DashFragmentEvent {
  presentationMs: number;
  durationMs: number;
  fragmentNumber: string | null;
  timestampMs: number | null;
}

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** `S` elements; `t` only where the timeline does not continue from the previous entry, `r` for repeats. */
function segmentTimeline(entries: readonly { t: number; d: number }[]): string[] {
  const out: string[] = [];
  let i = 0;
  let next = -1;
  while (i < entries.length) {
    const { t, d } = entries[i];
    let r = 0;
    while (i + r + 1 < entries.length && entries[i + r + 1].d === d && entries[i + r + 1].t === t + (r + 1) * d) r++;
    out.push(`<S${t === next ? '' : ` t="${t}"`} d="${d}"${r > 0 ? ` r="${r}"` : ''}/>`);
    next = t + (r + 1) * d;
    i += r + 1;
  }
  return out;
}

/**
 * A static MPD (ISO/IEC 23009-1, isoff-live profile: SegmentTemplate with $Number$ and a
 * SegmentTimeline). Durations come from the representations' timelines, bandwidth from their bytes.
 * The presentation begins with the first Period's latest first segment (its video), so a player
 * starts there without a seek; each Period's SegmentTemplates carry its start on the media timeline
 * as presentationTimeOffset (in each track's timescale, §5.3.9.2), which maps every segment onto the
 * presentation at its own time less that origin.
 */
export function dashManifest(periods: readonly DashPeriod[]): string {
  const all = periods.flatMap((p) => p.representations);
  const origin = periods[0]?.startSeconds ?? 0;
  const endSeconds = Math.max(
    0,
    ...all.map((r) => {
      const last = r.timeline[r.timeline.length - 1];
      return last === undefined ? 0 : (last.t + last.d) / r.track.timescale;
    }),
  );
  // The wall-clock time of the presentation's start: the anchor's time less its distance from the origin.
  const anchored = all.find((r) => r.anchor !== null);
  const availability = anchored
    ? ` availabilityStartTime="${isoTime(anchored.anchor!.epochMs - (anchored.anchor!.mediaTime / anchored.track.timescale - origin) * 1000)}"`
    : '';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" minBufferTime="PT2S" mediaPresentationDuration="PT${seconds(Math.max(0, endSeconds - origin))}S"${availability}>`,
  ];
  periods.forEach((period, p) => lines.push(...periodLines(period, p, origin)));
  lines.push('</MPD>', '');
  return lines.join('\n');
}

function periodLines({ startSeconds, dir, representations, events }: DashPeriod, index: number, origin: number): string[] {
  const offset = (timescale: number): string =>
    startSeconds === 0 ? '' : ` presentationTimeOffset="${Math.round(startSeconds * timescale)}"`;
  const lines = [`  <Period id="${index}" start="PT${seconds(startSeconds - origin)}S">`];
  if (events.length > 0) {
    lines.push(`    <EventStream schemeIdUri="${FRAGMENT_EVENT_SCHEME}" timescale="1000"${offset(1000)}>`);
    events.forEach((e, i) => {
      const value = [
        e.fragmentNumber === null ? '' : `fragmentNumber=${e.fragmentNumber}`,
        e.timestampMs === null ? '' : `timestamp=${isoTime(e.timestampMs)}`,
      ];
      lines.push(
        `      <Event id="${i + 1}" presentationTime="${Math.round(e.presentationMs)}" duration="${Math.round(e.durationMs)}" messageData="${xml(value.filter(Boolean).join(';'))}"/>`,
      );
    });
    lines.push('    </EventStream>');
  }
  representations.forEach((r, i) => {
    const { config, timescale } = r.track;
    const durationSeconds = r.timeline.reduce((sum, e) => sum + e.d, 0) / timescale;
    const bandwidth = Math.max(1, Math.round((r.bytes * 8) / Math.max(durationSeconds, 1e-3)));
    const size = config.kind === 'video' ? ` width="${config.width}" height="${config.height}"` : '';
    const audio = config.kind === 'audio' ? ` audioSamplingRate="${config.sampleRate}"` : '';
    lines.push(
      `    <AdaptationSet id="${i + 1}" contentType="${config.kind}" mimeType="${config.kind}/mp4" segmentAlignment="true" startWithSAP="1">`,
    );
    if (r.anchor !== null) {
      lines.push(
        `      <ProducerReferenceTime id="${i + 1}" type="encoder" wallClockTime="${isoTime(r.anchor.epochMs)}" presentationTime="${r.anchor.mediaTime}"/>`,
      );
    }
    lines.push(`      <Representation id="${r.id}" codecs="${xml(config.codecString)}" bandwidth="${bandwidth}"${size}${audio}>`);
    lines.push(
      `        <SegmentTemplate timescale="${timescale}"${offset(timescale)} initialization="${dir}${r.id}/init.mp4" media="${dir}${r.id}/$Number%05d$.m4s" startNumber="1">`,
    );
    lines.push(
      '          <SegmentTimeline>',
      ...segmentTimeline(r.timeline).map((s) => `            ${s}`),
      '          </SegmentTimeline>',
    );
    lines.push('        </SegmentTemplate>', '      </Representation>', '    </AdaptationSet>');
  });
  lines.push('  </Period>');
  return lines;
}

/** The presentation time of a run's first sample (the one a prft dates: src/mp4/prft.ts). */
const presentationStart = (run: TrackRun): number => run.baseDts + (run.ctos[0] ?? 0);

/**
 * The DASH package of a KVS fragment stream or Matroska file: per track an init segment and its
 * media segments (`video/…`, `audio/…`; after a video configuration change a Period of their own in
 * `period-2/…`), then `manifest.mpd`. Streams like hlsPackage, and like it
 * writes the manifest for what was delivered before throwing an input error.
 */
export async function* dashPackage(input: ClipInput, options: DashPackageOptions = {}): AsyncGenerator<PackageFile> {
  const kind = timestampKind(options);
  const periods: DashPeriod[] = [];
  let failure: { error: unknown } | null = null;
  try {
    for await (const segment of packageSegments(input, options)) {
      const { runs } = segment.timed;
      if (segment.init !== null) {
        // The first configuration, or a new one: a Period of its own (docs/packages.md#configuration-changes).
        const period: DashPeriod = {
          startSeconds: Math.max(...runs.map((run) => run.baseDts / segment.init![run.trackId - 1].timescale)),
          dir: periods.length === 0 ? '' : `period-${periods.length + 1}/`,
          representations: [],
          events: [],
        };
        periods.push(period);
        for (const [i, track] of segment.init.entries()) {
          // Each representation is a file of its own: its track is track 1 there.
          const id =
            segment.init.filter((t) => t.config.kind === track.config.kind).length > 1
              ? `${track.config.kind}${track.id}`
              : track.config.kind;
          period.representations.push({ id, track, timeline: [], bytes: 0, anchor: null });
          const init = initSegment([{ ...track, id: 1 }], [segment.tracks[i].delay]);
          period.representations[i].bytes += init.byteLength;
          yield {
            path: `${period.dir}${id}/init.mp4`,
            chunks: [init],
            byteLength: init.byteLength,
            append: false,
            codecs: [track.config.codecString],
          };
        }
      }
      const period = periods[periods.length - 1];
      const { representations } = period;
      const first = runs[0];
      const timescale = representations[first.trackId - 1].track.timescale;
      for (const run of runs) {
        const r = representations[run.trackId - 1];
        const own = { ...run, trackId: 1 };
        // The timestamp dates the first run's first frame; another track's run starts a little before or after it.
        const epochMs =
          segment.timestampMs === null
            ? null
            : segment.timestampMs + (presentationStart(run) / r.track.timescale - presentationStart(first) / timescale) * 1000;
        const media = withProducerReferenceTime(
          mediaSegment(r.timeline.length + 1, [own], [segment.tracks[run.trackId - 1]]),
          own,
          epochMs,
          kind,
        );
        r.timeline.push({ t: run.baseDts, d: runDuration(run.durations) });
        r.bytes += media.byteLength;
        if (r.anchor === null && epochMs !== null) r.anchor = { epochMs, mediaTime: presentationStart(run) };
        yield {
          path: `${period.dir}${r.id}/${String(r.timeline.length).padStart(5, '0')}.m4s`,
          chunks: media.chunks,
          byteLength: media.byteLength,
          append: false,
        };
      }
      period.events.push({
        presentationMs: (first.baseDts / timescale) * 1000,
        durationMs: (runDuration(first.durations) / timescale) * 1000,
        fragmentNumber: segment.timed.fragmentNumber,
        timestampMs: segment.timestampMs,
      });
    }
  } catch (error) {
    failure = { error };
  }
  if (periods.length > 0 || failure === null) {
    const text = new TextEncoder().encode(dashManifest(periods));
    yield { path: DASH_MANIFEST, chunks: [text], byteLength: text.byteLength, append: false };
  }
  if (failure !== null) throw failure.error;
}
