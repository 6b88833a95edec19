/**
 * The MP4 layer: checked fragments in, fragmented MP4 segments or a flat clip out. Samples are timed
 * by the timeline (src/timeline); this layer writes boxes.
 */
export { createFragmentedMuxer } from './segment-muxer.js';
export { layOutFlatClip, payloadViews, type PayloadCollector } from './flat.js';
export type { FragmentedMuxer, Mp4Segment, Mp4SegmentChunks } from './types.js';
