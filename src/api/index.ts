/** The offline API: the flat clip, the fragmented stream, and GetClip's selection rules. */
export { clip, clipFromFragments, clipKeeping } from './clip.js';
export { audioClip, wavParts, wavStream } from './audio-clip.js';
export {
  fragmentedMp4,
  fragmentedMp4Chunks,
  fragmentedMp4FromEvents,
  fragmentedMp4FromFragments,
  fragmentedMp4Stream,
} from './fragmented.js';
export { compareFragmentNumbers, selectFragments, validateSelector } from './select.js';
export type * from './types.js';
