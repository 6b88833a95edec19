/**
 * kvs-clip's main entry: browser-safe, no Node built-ins, no AWS SDK (that is `kvs-clip/aws`).
 */
export {
  audioClip,
  clip,
  clipFromFragments,
  fragmentedMp4,
  fragmentedMp4Chunks,
  fragmentedMp4FromEvents,
  fragmentedMp4FromFragments,
  fragmentedMp4Stream,
  validateSelector,
  wavStream,
} from './api/index.js';
export type {
  AudioOutput,
  ClipFragmentSelector,
  ClipInput,
  ClipOptions,
  ClipOutput,
  ClipPayload,
  DuplicateTimestampRule,
  FragmentedOptions,
  FragmentSource,
  LowLatencyOptions,
  Mp4Segment,
  Mp4SegmentChunks,
  ReadProgress,
  TimeRange,
} from './api/types.js';
export type { TimestampKind } from './timeline/types.js';
export * from './package/index.js';
export { readFragmentEvents, readFragments } from './mkv/index.js';
export type {
  FragmentEvent,
  MkvFragment,
  MkvFrame,
  MkvTrack,
  MkvTag,
  ReadOptions,
  ReaderLimits,
  ByteSource,
  TrackContentEncoding,
  TrackType,
} from './mkv/types.js';
export type { ReaderWarning, WarningCode } from './warnings.js';
export { createCodecChecker, mimeType, type CodecChecker, type PartialCheck } from './codecs/index.js';
export type { TrackConfig, CheckedFragment, CheckOptions, Codec, SampleEntryType } from './codecs/types.js';
export * from './errors.js';
