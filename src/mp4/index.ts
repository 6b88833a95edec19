/**
 * The MP4 layer: checked fragments in, fragmented MP4 segments or a flat clip out. Timing is decided
 * by the timeline (src/timeline); this layer only writes boxes.
 */

import type { Mp4SegmentChunks } from '../api/types.js';
import { mimeType } from '../codecs/codec-string.js';
import { CODECS } from '../codecs/registry.js';
import type { CheckedFragment } from '../codecs/types.js';
import { ResourceNotFoundException } from '../errors.js';
import { createTimeline, type TimedSegment, type Timeline, type TimelineOptions } from '../timeline/index.js';
import { keepLayout } from '../jit.js';
import { writeFlatClip } from './flat.js';
import { initSegment, mediaSegment, reorderDelay, type FragmentTrack } from './fragmented.js';
import type { FlatClip, FragmentedMuxer } from './types.js';

export type { FlatClip, FragmentedMuxer } from './types.js';

export function createFragmentedMuxer(options: TimelineOptions = {}): FragmentedMuxer {
  return new SegmentMuxer(options);
}

// A class rather than closures made per stream (src/jit.ts).
class SegmentMuxer implements FragmentedMuxer {
  readonly #timeline: Timeline;
  #tracks: FragmentTrack[] | null = null;
  #sequenceNumber = 0;
  #mime = '';
  #codecs: string[] = [];

  constructor(options: TimelineOptions) {
    this.#timeline = createTimeline(options);
  }

  push(fragment: CheckedFragment): Mp4SegmentChunks[] {
    return this.#toSegments(this.#timeline.push(fragment));
  }

  end(): Mp4SegmentChunks[] {
    return this.#toSegments(this.#timeline.end());
  }

  #toSegments(timed: TimedSegment[]): Mp4SegmentChunks[] {
    const out: Mp4SegmentChunks[] = [];
    for (const segment of timed) {
      if (this.#tracks === null) {
        const tracks = this.#timeline.tracks!;
        // The reorder delay goes into the init segment's edit list, so it comes from the first segment.
        this.#tracks = tracks.map((track) => {
          const run = segment.runs.find((r) => r.trackId === track.id);
          return { delay: run === undefined ? 0 : reorderDelay(run), everySampleSync: CODECS[track.config.codec].kind === 'audio' };
        });
        const configs = tracks.map((t) => t.config);
        this.#mime = mimeType(configs);
        this.#codecs = configs.map((c) => c.codecString);
        const init = initSegment(tracks, this.#tracks.map((t) => t.delay));
        out.push({
          type: 'init',
          fragmentNumber: null,
          producerTimestamp: null,
          byteOffset: null,
          chunks: [init],
          byteLength: init.byteLength,
          mimeType: this.#mime,
          codecs: this.#codecs,
        });
      }
      const { chunks, byteLength } = mediaSegment(++this.#sequenceNumber, segment.runs, this.#tracks);
      out.push({
        type: 'media',
        fragmentNumber: segment.fragmentNumber,
        producerTimestamp: segment.producerTimestamp,
        byteOffset: segment.byteOffset,
        chunks,
        byteLength,
        mimeType: this.#mime,
        codecs: this.#codecs,
      });
    }
    return out;
  }
}
keepLayout(new SegmentMuxer({}));

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
