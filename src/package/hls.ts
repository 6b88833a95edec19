/**
 * The HLS package (docs/packages.md#hls): a VOD media playlist over fMP4 segments, one per KVS
 * fragment, each with its fragment's wall-clock time (EXT-X-PROGRAM-DATE-TIME) and discontinuity
 * markers by KVS's DiscontinuityMode.
 */
import type { ClipInput } from '../api/types.js';
import { fragmentTracks, initSegment, mediaSegment, type FragmentTrack } from '../mp4/fragmented.js';
import { withProducerReferenceTime } from '../mp4/prft.js';
import type { TimedTrack } from '../timeline/index.js';
import { isoTime, runDuration, seconds } from './playlist-time.js';
import { packageSegments } from './segments.js';
import type { HlsPackageOptions, PackageFile } from './types.js';

/** The playlist's name in the package folder. */
export const HLS_PLAYLIST = 'index.m3u8';
/** The single file of `singleFile` packages. */
export const HLS_SINGLE_FILE = 'media.mp4';
const INIT_FILE = 'init.mp4';

/** One media segment's lines in the playlist. */
export interface HlsEntry {
  uri: string;
  durationSeconds: number;
  /** Epoch ms for EXT-X-PROGRAM-DATE-TIME, or null. */
  timestampMs: number | null;
  discontinuity: boolean;
  /** EXT-X-BYTERANGE within a single file, or null. */
  byteRange: { length: number; offset: number } | null;
}

/** The init segment's reference (EXT-X-MAP). */
export interface HlsMap {
  uri: string;
  byteRange: { length: number; offset: number } | null;
}

/**
 * A VOD media playlist (RFC 8216): version 7 for fMP4 with EXT-X-MAP; EXT-X-TARGETDURATION is the
 * longest EXTINF rounded to the nearest integer (§4.3.3.1); EXT-X-ENDLIST always, since a package is
 * only written when its segments are final.
 */
export function hlsPlaylist(map: HlsMap | null, entries: readonly HlsEntry[]): string {
  const target = Math.max(1, ...entries.map((e) => Math.round(e.durationSeconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  // KVS fragments start with a key frame (docs/kvs-mkv.md), so every segment decodes on its own.
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  if (map !== null)
    lines.push(`#EXT-X-MAP:URI="${map.uri}"${map.byteRange ? `,BYTERANGE="${map.byteRange.length}@${map.byteRange.offset}"` : ''}`);
  for (const entry of entries) {
    if (entry.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (entry.timestampMs !== null) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${isoTime(entry.timestampMs)}`);
    lines.push(`#EXTINF:${seconds(entry.durationSeconds)},`);
    if (entry.byteRange) lines.push(`#EXT-X-BYTERANGE:${entry.byteRange.length}@${entry.byteRange.offset}`);
    lines.push(entry.uri);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** A media segment's file name: its position, and its KVS fragment number when it has one. */
export function segmentName(number: number, fragmentNumber: string | null, extension: string): string {
  const position = String(number).padStart(5, '0');
  return fragmentNumber === null ? `${position}.${extension}` : `${position}-${fragmentNumber}.${extension}`;
}

/**
 * The HLS package of a KVS fragment stream or Matroska file: the init segment, the media segments,
 * then `index.m3u8`. Streams: each segment comes out as soon as it is final, and only the playlist's
 * lines are kept. When the input breaks, the playlist still comes out for the segments delivered
 * (so the package stays playable), then the error is thrown.
 */
export async function* hlsPackage(input: ClipInput, options: HlsPackageOptions = {}): AsyncGenerator<PackageFile> {
  const single = options.singleFile === true;
  const entries: HlsEntry[] = [];
  let map: HlsMap | null = null;
  let timedTracks: readonly TimedTrack[] = [];
  let tracks: FragmentTrack[] | null = null;
  let offset = 0;
  let failure: { error: unknown } | null = null;
  try {
    for await (const event of packageSegments(input, options)) {
      if (event.type === 'tracks') {
        timedTracks = event.tracks;
        continue;
      }
      const { segment } = event;
      const { runs } = segment.timed;
      if (tracks === null) {
        tracks = fragmentTracks(timedTracks, runs);
        const init = initSegment(
          timedTracks,
          tracks.map((t) => t.delay),
        );
        map = { uri: single ? HLS_SINGLE_FILE : INIT_FILE, byteRange: single ? { length: init.byteLength, offset: 0 } : null };
        yield {
          path: map.uri,
          chunks: [init],
          byteLength: init.byteLength,
          append: false,
          codecs: timedTracks.map((t) => t.config.codecString),
        };
        offset = init.byteLength;
      }
      const media = withProducerReferenceTime(mediaSegment(segment.number, runs, tracks), runs[0], segment.timestampMs);
      const uri = single ? HLS_SINGLE_FILE : segmentName(segment.number, segment.timed.fragmentNumber, 'm4s');
      entries.push({
        uri,
        // The first run is the video's when the segment has video: the timeline every player follows.
        durationSeconds: runDuration(runs[0].durations) / timedTracks[runs[0].trackId - 1].timescale,
        timestampMs: segment.timestampMs,
        discontinuity: segment.discontinuity,
        byteRange: single ? { length: media.byteLength, offset } : null,
      });
      yield { path: uri, chunks: media.chunks, byteLength: media.byteLength, append: single };
      offset += media.byteLength;
    }
  } catch (error) {
    failure = { error };
  }
  if (map !== null || failure === null) {
    const text = new TextEncoder().encode(hlsPlaylist(map, entries));
    yield { path: HLS_PLAYLIST, chunks: [text], byteLength: text.byteLength, append: false };
  }
  if (failure !== null) throw failure.error;
}
