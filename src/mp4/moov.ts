/**
 * The movie header boxes shared by the fragmented init segment and the flat clip: ftyp, mvhd, and one
 * trak per track whose sample tables the caller supplies (empty for fMP4, full for the flat clip).
 */

import type { TrackConfig } from '../codecs/types.js';
import type { TimedTrack } from '../timeline/index.js';
import { box, bytes, fourcc, fullBox, MATRIX, needs64, type Part, type PartOrNothing, u16, u32, u64, zeros } from './boxes.js';
import { displayWidth, sampleEntry } from './sample-entry.js';

export function ftyp(major: string, minor: number, compatible: string[]): Part {
  return box('ftyp', fourcc(major), u32(minor), ...compatible.map(fourcc));
}

/** 32-bit or 64-bit field depending on the box version. */
const time = (v1: boolean, value: number): Part => (v1 ? u64(value) : u32(value));

export function mvhd(timescale: number, duration: number, nextTrackId: number): Part {
  const v1 = needs64(duration);
  return fullBox(
    'mvhd',
    v1 ? 1 : 0,
    0,
    time(v1, 0), // creation_time
    time(v1, 0), // modification_time
    u32(timescale),
    time(v1, duration),
    u32(0x0001_0000), // rate 1.0
    u16(0x0100), // volume 1.0
    zeros(10),
    MATRIX,
    zeros(24), // pre_defined
    u32(nextTrackId),
  );
}

/** One edit: `mediaTime` −1 is an empty edit (a gap before the track starts). */
export interface Edit {
  /** In the movie timescale. */
  duration: number;
  /** In the media timescale. */
  mediaTime: number;
}

function edts(edits: Edit[]): Part | null {
  if (edits.length === 0) return null;
  const v1 = edits.some((e) => needs64(e.duration) || e.mediaTime > 0x7fff_ffff);
  return box(
    'edts',
    fullBox('elst', v1 ? 1 : 0, 0, u32(edits.length), {
      size: edits.length * (v1 ? 20 : 12),
      write(w) {
        for (const e of edits) {
          if (v1) {
            w.u64(e.duration);
            // media_time is signed; −1 (empty edit) is all ones in both halves.
            if (e.mediaTime < 0) {
              w.u32(0xffff_ffff);
              w.u32(0xffff_ffff);
            } else w.u64(e.mediaTime);
          } else {
            w.u32(e.duration);
            w.i32(e.mediaTime);
          }
          w.u16(1); // media_rate_integer
          w.u16(0); // media_rate_fraction
        }
      },
    }),
  );
}

interface TrakSpec {
  track: TimedTrack;
  /** tkhd duration, in the movie timescale. */
  trackDuration: number;
  /** mdhd duration, in the media timescale. */
  mediaDuration: number;
  edits: Edit[];
  /** The stsd entries (the flat clip: one per configuration the samples use); `[track.config]` when absent. */
  sampleDescriptions?: readonly TrackConfig[];
  /** stbl children after stsd (stts, ctts, stss, sdtp, stsc, stsz, stco/co64). */
  sampleTables: PartOrNothing[];
}

export function trak(spec: TrakSpec): Part {
  const { track } = spec;
  const video = track.config.kind === 'video';
  const tkhdV1 = needs64(spec.trackDuration);
  const mdhdV1 = needs64(spec.mediaDuration);
  const handlerName = video ? 'VideoHandler\0' : 'SoundHandler\0';
  const descriptions = spec.sampleDescriptions ?? [track.config];
  return box(
    'trak',
    fullBox(
      'tkhd',
      tkhdV1 ? 1 : 0,
      0x000003, // enabled, in movie
      time(tkhdV1, 0),
      time(tkhdV1, 0),
      u32(track.id),
      u32(0),
      time(tkhdV1, spec.trackDuration),
      zeros(8),
      u16(0), // layer
      u16(0), // alternate_group
      u16(video ? 0 : 0x0100), // volume
      u16(0),
      MATRIX,
      u32(video ? displayWidth(track.config) * 0x1_0000 : 0),
      u32(video ? (track.config.height ?? 0) * 0x1_0000 : 0),
    ),
    edts(spec.edits),
    box(
      'mdia',
      fullBox(
        'mdhd',
        mdhdV1 ? 1 : 0,
        0,
        time(mdhdV1, 0),
        time(mdhdV1, 0),
        u32(track.timescale),
        time(mdhdV1, spec.mediaDuration),
        u16(0x55c4), // language 'und'
        u16(0),
      ),
      fullBox('hdlr', 0, 0, u32(0), fourcc(video ? 'vide' : 'soun'), zeros(12), bytes(new TextEncoder().encode(handlerName))),
      box(
        'minf',
        video ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, zeros(4)),
        box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1))),
        box(
          'stbl',
          fullBox('stsd', 0, 0, u32(descriptions.length), ...descriptions.map((c) => sampleEntry(c, track.id))),
          ...spec.sampleTables,
        ),
      ),
    ),
  );
}
