/**
 * Every codec's definition, keyed by codec: the type makes a codec without a row a compile error.
 * Adding a codec: its module (see definition.ts), a row here, and its sample entry in
 * mp4/sample-entry.ts.
 */
import type { MkvTrack } from '../mkv/types.js';
import { AAC } from './aac-codec.js';
import { H264 } from './avc-codec.js';
import type { AudioCodecDefinition, CodecDefinition, VideoCodecDefinition } from './definition.js';
import { FLAC } from './flac-codec.js';
import { ALAW, ULAW } from './g711-codec.js';
import { H265 } from './hevc-codec.js';
import { PCM } from './pcm-codec.js';
import type { Codec } from './types.js';

export const CODECS: { readonly [C in Codec]: CodecDefinition<C> } = {
  avc: H264,
  hevc: H265,
  aac: AAC,
  alaw: ALAW,
  ulaw: ULAW,
  pcm: PCM,
  flac: FLAC,
};

const ALL: readonly CodecDefinition[] = Object.values(CODECS);
export const VIDEO_CODECS = ALL.filter((d): d is VideoCodecDefinition => d.kind === 'video');
export const AUDIO_CODECS = ALL.filter((d): d is AudioCodecDefinition => d.kind === 'audio');

/** The definitions whose CodecIDs include the track's (several when an ID is shared, as A_MS/ACM). */
export function definitionsForCodecId<D extends CodecDefinition>(definitions: readonly D[], codecId: string): D[] {
  return definitions.filter((d) => d.matchesCodecId(codecId));
}

/**
 * The definition a track is read with, or undefined when no codec of `definitions` takes its
 * CodecID. Where an ID is shared, the CodecPrivate decides (and may raise the KVS error).
 */
export function definitionForTrack<D extends CodecDefinition>(definitions: readonly D[], track: MkvTrack): D | undefined {
  const candidates = definitionsForCodecId(definitions, track.codecId);
  return candidates.length <= 1 ? candidates[0] : candidates.find((d) => d.identifies!(track));
}

/** `AAC (A_AAC), G.711 (A_MS/ACM) or 16-bit PCM (A_PCM/INT/LIT)`: what a track may be, for messages. */
export function describeCodecs(definitions: readonly CodecDefinition[]): string {
  const names = [...new Set(definitions.map((d) => `${d.family} (${d.codecIds[0]})`))];
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
