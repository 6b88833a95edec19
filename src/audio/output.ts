/**
 * What becomes of audio tracks in MP4 output, decided apart from the transcoder itself so that a page
 * that never re-encodes does not load the FLAC encoder (api/transcoder.ts imports it on demand).
 */
import type { TrackConfig } from '../codecs/types.js';

/** `'copy'` (GetClip's output) or `'flac'` (G.711 as FLAC too). */
export type AudioOutput = 'copy' | 'flac';

/** Whether a track is written as FLAC under `output`: 16-bit PCM always, G.711 with `'flac'`. */
export function becomesFlac(config: TrackConfig, output: AudioOutput): boolean {
  return config.codec === 'pcm' || (output === 'flac' && (config.codec === 'alaw' || config.codec === 'ulaw'));
}
