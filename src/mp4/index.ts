/**
 * The MP4 layer: checked fragments in, fragmented MP4 segments or a flat clip out. Timing is decided
 * by the timeline (src/timeline); this layer only writes boxes.
 */

import type { Mp4SegmentChunks } from '../api/types.js';
import { mimeType } from '../codecs/index.js';
import type { CheckedFragment } from '../codecs/types.js';
import { ResourceNotFoundException } from '../errors.js';
import { createTimeline, type TimedSegment, type TimelineOptions } from '../timeline/index.js';
import { writeFlatClip } from './flat.js';
import { initSegment, mediaSegment, reorderDelay } from './fragmented.js';
import type { FlatClip, FragmentedMuxer } from './types.js';

export type { FlatClip, FragmentedMuxer } from './types.js';

export function createFragmentedMuxer(options: TimelineOptions = {}): FragmentedMuxer {
  const timeline = createTimeline(options);
  let delays: number[] | null = null;
  let sequenceNumber = 0;
  let mime = '';
  let codecs: string[] = [];

  function toSegments(timed: TimedSegment[]): Mp4SegmentChunks[] {
    const out: Mp4SegmentChunks[] = [];
    for (const segment of timed) {
      if (delays === null) {
        const tracks = timeline.tracks!;
        // The reorder delay goes into the init segment's edit list, so it comes from the first segment.
        delays = tracks.map((track) => {
          const run = segment.runs.find((r) => r.trackId === track.id);
          return run === undefined ? 0 : reorderDelay(run);
        });
        const configs = tracks.map((t) => t.config);
        mime = mimeType(configs);
        codecs = configs.map((c) => c.codecString);
        const init = initSegment(tracks, delays);
        out.push({ type: 'init', fragmentNumber: null, producerTimestamp: null, byteOffset: null, chunks: [init], byteLength: init.byteLength, mimeType: mime, codecs });
      }
      out.push({
        type: 'media',
        fragmentNumber: segment.fragmentNumber,
        producerTimestamp: segment.producerTimestamp,
        byteOffset: segment.byteOffset,
        ...mediaSegment(++sequenceNumber, segment.runs, delays),
        mimeType: mime,
        codecs,
      });
    }
    return out;
  }

  return {
    push: (fragment) => toSegments(timeline.push(fragment)),
    end: () => toSegments(timeline.end()),
  };
}

/** GetClip's output: one MP4 file, moov first, as chunks (payloads not copied) or one buffer. */
export function buildFlatClip(fragments: Iterable<CheckedFragment>, options: TimelineOptions = {}): FlatClip {
  const timeline = createTimeline(options);
  const segments: TimedSegment[] = [];
  for (const fragment of fragments) segments.push(...timeline.push(fragment));
  segments.push(...timeline.end());
  if (timeline.tracks === null || segments.length === 0) {
    throw new ResourceNotFoundException('No media frames to write: the selected fragments hold no frames');
  }
  return writeFlatClip(timeline.tracks, segments);
}
