/**
 * `kvs-clip/mse`: what a page that plays KVS through Media Source Extensions needs, and no more: the
 * Matroska reader, the codec checks and the fragmented MP4 muxer, plus the MIME type to open a
 * SourceBuffer with. The same functions as the main entry (so the same segments, byte for byte),
 * without the flat clip, the audio export or the AWS calls, so a bundler leaves those out.
 */
export { fragmentedMp4, fragmentedMp4Chunks, fragmentedMp4Stream } from './api/index.js';
export type { ClipInput, ClipOptions, FragmentedOptions, LowLatencyOptions, Mp4Segment, Mp4SegmentChunks } from './api/types.js';
export { mimeType } from './codecs/index.js';
export type { TrackConfig } from './codecs/types.js';
export type { ReaderWarning, WarningCode } from './warnings.js';
export * from './errors.js';
