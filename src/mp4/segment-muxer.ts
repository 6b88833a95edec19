/**
 * The streaming fragmented-MP4 writer: checked fragments go through the timeline (src/timeline),
 * which times their samples and holds one segment back; each timed segment becomes a media segment,
 * the first one preceded by the init segment.
 */
import { mimeType } from '../codecs/codec-string.js';
import { CODECS } from '../codecs/registry.js';
import type { CheckedFragment } from '../codecs/types.js';
import { keepLayout } from '../jit.js';
import { createTimeline, type TimedSegment, type Timeline, type TimelineOptions } from '../timeline/index.js';
import { initSegment, mediaSegment, reorderDelay, type FragmentTrack } from './fragmented.js';
import type { FragmentedMuxer, Mp4SegmentChunks } from './types.js';

export function createFragmentedMuxer(options: TimelineOptions = {}): FragmentedMuxer {
  return new SegmentMuxer(options);
}

// A class rather than closures made per stream: its compiled methods are kept (src/jit.ts).
class SegmentMuxer implements FragmentedMuxer {
  readonly #timeline: Timeline;
  #tracks: FragmentTrack[] | null = null;
  #sequenceNumber = 0;
  #mime = '';
  #codecs: string[] = [];

  constructor(options: TimelineOptions) {
    // A stream's segment leaves as soon as its fragment is complete (docs/kvs-mkv.md#timeline).
    this.#timeline = createTimeline({ ...options, closeEachSegment: true });
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
        const init = initSegment(
          tracks,
          this.#tracks.map((t) => t.delay),
        );
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
