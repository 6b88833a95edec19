/**
 * The HLS package (docs/packages.md#hls): a VOD media playlist over fMP4 segments, one per KVS
 * fragment, each with its fragment's wall-clock time (EXT-X-PROGRAM-DATE-TIME) and discontinuity
 * markers by KVS's DiscontinuityMode.
 */
import { timestampKind } from '../api/select.js';
import type { ClipInput } from '../api/types.js';
import { initSegment, mediaSegment } from '../mp4/fragmented.js';
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
  /** The init segment this entry and the ones after it use (EXT-X-MAP), when it changes here. */
  map: HlsMap | null;
}

/** The init segment's reference (EXT-X-MAP). */
export interface HlsMap {
  uri: string;
  byteRange: { length: number; offset: number } | null;
}

/**
 * A VOD media playlist (RFC 8216): version 7 for fMP4 with EXT-X-MAP; EXT-X-TARGETDURATION is the
 * longest EXTINF rounded to the nearest integer (§4.3.3.1); EXT-X-ENDLIST always, since a package is
 * only written when its segments are final. A new EXT-X-MAP (a new video configuration) comes with
 * EXT-X-DISCONTINUITY, which §4.3.2.3 requires for a change of encoding parameters.
 */
export function hlsPlaylist(entries: readonly HlsEntry[]): string {
  const target = Math.max(1, ...entries.map((e) => Math.round(e.durationSeconds)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  // KVS fragments start with a key frame (docs/kvs-mkv.md), so every segment decodes on its own.
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  entries.forEach((entry, i) => {
    if (entry.discontinuity || (entry.map !== null && i > 0)) lines.push('#EXT-X-DISCONTINUITY');
    const { map } = entry;
    if (map !== null)
      lines.push(`#EXT-X-MAP:URI="${map.uri}"${map.byteRange ? `,BYTERANGE="${map.byteRange.length}@${map.byteRange.offset}"` : ''}`);
    if (entry.timestampMs !== null) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${isoTime(entry.timestampMs)}`);
    lines.push(`#EXTINF:${seconds(entry.durationSeconds)},`);
    if (entry.byteRange) lines.push(`#EXT-X-BYTERANGE:${entry.byteRange.length}@${entry.byteRange.offset}`);
    lines.push(entry.uri);
  });
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
 * lines are kept. A new video configuration mid-stream gets an init segment of its own (`init-2.mp4`,
 * …; in the single file, appended where it comes), referenced by a new EXT-X-MAP. When the input
 * breaks, the playlist still comes out for the segments delivered (so the package stays playable),
 * then the error is thrown.
 */
export async function* hlsPackage(input: ClipInput, options: HlsPackageOptions = {}): AsyncGenerator<PackageFile> {
  const single = options.singleFile === true;
  const kind = timestampKind(options);
  const entries: HlsEntry[] = [];
  let inits = 0;
  /** The tracks of the last init segment (their timescales, for the EXTINF durations). */
  let tracks: readonly TimedTrack[] = [];
  let offset = 0;
  let failure: { error: unknown } | null = null;
  try {
    for await (const segment of packageSegments(input, options)) {
      const { runs } = segment.timed;
      let map: HlsMap | null = null;
      if (segment.init !== null) {
        const init = initSegment(
          segment.init,
          segment.tracks.map((t) => t.delay),
        );
        inits++;
        tracks = segment.init;
        const uri = single ? HLS_SINGLE_FILE : inits === 1 ? INIT_FILE : INIT_FILE.replace('.mp4', `-${inits}.mp4`);
        map = { uri, byteRange: single ? { length: init.byteLength, offset } : null };
        const codecs = segment.init.map((t) => t.config.codecString);
        yield { path: uri, chunks: [init], byteLength: init.byteLength, append: single && inits > 1, codecs };
        offset += init.byteLength;
      }
      const media = withProducerReferenceTime(mediaSegment(segment.number, runs, segment.tracks), runs[0], segment.timestampMs, kind);
      const uri = single ? HLS_SINGLE_FILE : segmentName(segment.number, segment.timed.fragmentNumber, 'm4s');
      entries.push({
        uri,
        // The first run is the video's when the segment has video: the timeline every player follows.
        durationSeconds: runDuration(runs[0].durations) / tracks[runs[0].trackId - 1].timescale,
        timestampMs: segment.timestampMs,
        discontinuity: segment.discontinuity,
        byteRange: single ? { length: media.byteLength, offset } : null,
        map,
      });
      yield { path: uri, chunks: media.chunks, byteLength: media.byteLength, append: single };
      offset += media.byteLength;
    }
  } catch (error) {
    failure = { error };
  }
  if (entries.length > 0 || failure === null) {
    const text = new TextEncoder().encode(hlsPlaylist(entries));
    yield { path: HLS_PLAYLIST, chunks: [text], byteLength: text.byteLength, append: false };
  }
  if (failure !== null) throw failure.error;
}
