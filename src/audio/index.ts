/**
 * `kvs-clip/audio`: the audio building blocks the clip pipeline uses, for callers who want them on
 * their own: G.711 expansion, a FLAC encoder (frames, STREAMINFO, `dfLa`), WAV headers and 16-bit PCM
 * layout helpers. Pure TypeScript, no Node built-ins. See docs/audio.md.
 */
export { ALAW_TO_PCM16, expandAlaw, expandG711, expandUlaw, ULAW_TO_PCM16, type G711Law } from './g711.js';
export { FlacEncoder, type FlacEncoderOptions } from './flac/encoder.js';
export {
  dfLaPayload,
  FlacBlockType,
  flacStreamHeader,
  metadataBlockHeader,
  STREAMINFO_SIZE,
  streamInfoBytes,
  type FlacMetadataBlock,
  type FlacStreamInfo,
} from './flac/metadata.js';
export { deinterleavePcm16, interleavePcm16, readPcm16le } from './pcm.js';
export { streamingWavHeader, WAV_HEADER_SIZE, WAV_MAX_DATA_BYTES, wavFile, wavHeader, type WavFormat } from './wav.js';
