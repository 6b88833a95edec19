import type { TrackConfig } from '../codecs/types.js';

/** One output track: its configuration and the timescale its sample times are in. */
export interface Mp4Track {
  /** MP4 track_ID (1-based, in output order: video first). */
  id: number;
  config: TrackConfig;
  /** Ticks per second of this track's times (video: 90 000 or the Matroska tick rate; audio: sample rate). */
  timescale: number;
}

/** One sample, with times already in its track's timescale (integers). */
export interface Mp4Sample {
  /** View of the (normalised) frame bytes. */
  data: Uint8Array;
  /** Decode time, ≥ 0, non-decreasing within a track. */
  dts: number;
  /** Presentation minus decode time; may be negative only where the writer says it can carry it. */
  cto: number;
  /** > 0. */
  duration: number;
  sync: boolean;
  /** ISO BMFF sample_depends_on: 1 = depends on others (non-sync), 2 = independent (sync); 0 unknown. */
  dependsOn?: 0 | 1 | 2;
}

/** The samples of one track within one media segment (one KVS fragment). */
export interface TrackRun {
  trackId: number;
  /** Decode time of the first sample (tfdt baseMediaDecodeTime). */
  baseDts: number;
  samples: Mp4Sample[];
}
