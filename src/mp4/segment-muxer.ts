/**
 * The streaming fragmented-MP4 writer: checked fragments go through the timeline (src/timeline),
 * which times their samples and holds one segment back; each timed segment becomes a media segment,
 * the first one preceded by the init segment.
 */
import { mimeType } from '../codecs/codec-string.js';
import type { CheckedFragment, TrackConfig } from '../codecs/types.js';
import { keepLayout } from '../jit.js';
import { createTimeline, sameConfigs, type TimedSegment, type Timeline, type TimelineOptions } from '../timeline/index.js';
import { fragmentTracks, initSegment, mediaSegment, type FragmentTrack } from './fragmented.js';
import { withProducerReferenceTime } from './prft.js';
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
  readonly #useServer: boolean;
  /** The configs of the last init segment. */
  #configs: readonly TrackConfig[] | null = null;

  constructor(options: TimelineOptions) {
    // A stream's segment leaves as soon as its fragment is complete (docs/kvs-mkv.md#timeline).
    this.#timeline = createTimeline({ ...options, closeEachSegment: true });
    this.#useServer = options.timestamps === 'server';
  }

  push(fragment: CheckedFragment): Mp4SegmentChunks[] {
    return this.#toSegments(this.#timeline.push(fragment));
  }

  pushChunk(fragment: CheckedFragment): Mp4SegmentChunks[] {
    return this.#toSegments(this.#timeline.pushChunk(fragment));
  }

  end(): Mp4SegmentChunks[] {
    return this.#toSegments(this.#timeline.end());
  }

  #toSegments(timed: TimedSegment[]): Mp4SegmentChunks[] {
    const out: Mp4SegmentChunks[] = [];
    for (const segment of timed) {
      if (this.#tracks === null || !sameConfigs(segment.configs, this.#configs!)) {
        // The segment's own configs: a new configuration (outside strict mode) gets an init segment of its own.
        const tracks = this.#timeline.tracks!.map((track, i) => ({ ...track, config: segment.configs[i] ?? track.config }));
        // The reorder delay goes into the init segment's edit list, so it comes from the first segment
        // and stays: later init segments keep it, as the media segments' offsets were shifted by it.
        this.#tracks ??= fragmentTracks(tracks, segment.runs);
        this.#configs = segment.configs;
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
          serverTimestamp: null,
          byteOffset: null,
          chunks: [init],
          byteLength: init.byteLength,
          mimeType: this.#mime,
          codecs: this.#codecs,
        });
      }
      const stamp = this.#useServer ? segment.serverTimestamp : segment.producerTimestamp;
      const { chunks, byteLength } = withProducerReferenceTime(
        mediaSegment(++this.#sequenceNumber, segment.runs, this.#tracks),
        segment.runs[0],
        stamp === null ? null : stamp + segment.referenceOffsetMs,
        this.#useServer ? 'server' : 'producer',
      );
      out.push({
        type: 'media',
        fragmentNumber: segment.fragmentNumber,
        producerTimestamp: segment.producerTimestamp,
        serverTimestamp: segment.serverTimestamp,
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
