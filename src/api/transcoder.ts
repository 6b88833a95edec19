/**
 * The audio transcoder a clip needs, if any, loaded on demand: most clips (video with AAC, or G.711
 * under `audio: 'copy'`) never re-encode, and a page that plays them should not download the FLAC
 * encoder (bench/size.mjs measures both).
 */
import { becomesFlac, type AudioOutput } from '../audio/output.js';
import type { AudioTranscoder } from '../audio/transcode.js';
import type { CheckedFragment } from '../codecs/types.js';

/** What to do with checked fragments: re-encode with the transcoder, or pass them through (null). */
export async function transcoderFor(output: AudioOutput, fragment: CheckedFragment): Promise<AudioTranscoder | null> {
  if (!fragment.configs.some((config) => becomesFlac(config, output))) return null;
  const { AudioTranscoder } = await import('../audio/transcode.js');
  return new AudioTranscoder(output);
}
