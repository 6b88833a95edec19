export { createTimeline, sameConfigs, type Timeline } from './timeline.js';
export { rescale, videoTimescale } from './timescale.js';
export {
  SAMPLE_DISPOSABLE,
  SAMPLE_SYNC,
  type TimedSegment,
  type TimedTrack,
  type TimelineOptions,
  type TimestampKind,
  type TrackRun,
} from './types.js';
