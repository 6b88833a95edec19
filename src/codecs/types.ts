/**
 * Checked, normalised codec configuration: what the MP4 writer needs to write a sample entry,
 * and what a browser needs for MediaSource.isTypeSupported.
 */

/** The codecs kvs-clip reads and writes; each has one definition (definition.ts, registry.ts). */
export type Codec = 'avc' | 'hevc' | 'aac' | 'alaw' | 'ulaw' | 'pcm' | 'flac';
/** The MP4 sample entry a track is written with (`stsd`): its four-character code. */
export type SampleEntryType = 'avc1' | 'hvc1' | 'hev1' | 'mp4a' | 'alaw' | 'ulaw' | 'sowt' | 'fLaC';

/** One track as the codec checks accept it: what the MP4 writers need to describe it (docs/codecs.md). */
export interface TrackConfig {
  /** Matroska track number this config belongs to. */
  trackNumber: number;
  /** Video (track 1 in KVS streams) or audio (track 2). */
  kind: 'video' | 'audio';
  /** The codec, as the Matroska CodecID names it (V_MPEG4/ISO/AVC → `'avc'`, A_MS/ACM with G.711 → `'alaw'`/`'ulaw'`, …). */
  codec: Codec;
  /** RFC 6381 codec string, e.g. avc1.64001f, hvc1.1.6.L93.B0, mp4a.40.2, alaw, ulaw. */
  codecString: string;
  /** The MP4 sample entry written for it (H.265: `hvc1` when the record holds every kind of parameter set, else `hev1`). */
  sampleEntry: SampleEntryType;
  /**
   * The decoder configuration box body: avcC / hvcC record bytes for video, AudioSpecificConfig for
   * AAC, absent for G.711.
   */
  decoderConfig?: Uint8Array;
  /** Video: NAL unit length prefix size of frames after normalisation (1, 2 or 4). */
  nalLengthSize?: 1 | 2 | 4;
  /** Video: display size from the SPS, cropping applied. */
  width?: number;
  /** Video: display height in pixels from the SPS, cropping applied. */
  height?: number;
  /** Video: sample aspect ratio from the SPS VUI (1:1 when absent). */
  sarWidth?: number;
  /** Video: the sample aspect ratio's vertical part (see sarWidth). */
  sarHeight?: number;
  /** Audio: output sample rate (for AAC with SBR the core rate; see samplesPerFrame). */
  sampleRate?: number;
  /** Audio: channel count, from the codec's own config where it has one (AAC), else the Matroska track's. */
  channels?: number;
  /** Audio: samples per access unit (AAC 1024 or 960; G.711 undefined: bytes × 8 / bitsPerSample / channels). */
  samplesPerFrame?: number;
  /** Audio: bits per sample as stored (G.711: 8). */
  bitsPerSample?: number;
  /** Readable details (profile, level, tier, chroma format, bit depth, object type…). */
  details: Record<string, string | number | boolean>;
}

/** Options of the codec checks (`createCodecChecker`, and every clip call through ClipOptions). */
export interface CheckOptions {
  /**
   * 'getclip' applies GetClip's pairings exactly (A-law only with H.264, AAC only with H.265, per the
   * KVS docs); the default accepts every pairing kvs-clip can write correctly.
   */
  strict?: 'getclip' | false;
  /**
   * Told about tracks other than 1 and 2 (and frames of tracks the fragment does not declare): GetClip
   * plays track 1 and 2 only, so their frames are left out of CheckedFragment.frames. Once per track.
   */
  onWarning?: (warning: ReaderWarning) => void;
}

import type { MkvFragment } from '../mkv/types.js';
import type { ReaderWarning } from '../warnings.js';

/**
 * A fragment whose tracks passed the stream rules: `configs` holds the accepted tracks (video first,
 * then the optional audio track), and `frames` only frames of those tracks, with video payloads in
 * length-prefixed form (views of the input where no conversion was needed).
 */
export interface CheckedFragment extends MkvFragment {
  /** The accepted tracks' configs, video first, then the optional audio track. */
  configs: TrackConfig[];
}
