/**
 * Low-latency fragmented MP4 (docs/kvs-mkv.md#low-latency-chunks): the reader's block events
 * (readFragmentEvents) become pieces of the open KVS fragment, each piece one CMAF chunk (a moof +
 * mdat of its frames) sent at once instead of waiting for the fragment to end. A piece is a fragment
 * holding only some of its frames, so the selection, the codec checks and the audio output choice
 * are the ones whole fragments go through; the timeline times a piece's frames as the whole
 * fragment's would be timed (Timeline.pushChunk).
 */
import { InvalidArgumentException } from '../errors.js';
import type { FragmentEvent, MkvFragment, MkvFrame } from '../mkv/types.js';
import type { LowLatencyOptions } from './types.js';

/** Part of a fragment's frames, in order: `continues` when an earlier piece of the same fragment went before it. */
export interface FragmentPiece {
  /** The fragment as read so far, with only this piece's frames. */
  fragment: MkvFragment;
  continues: boolean;
}

/** When a chunk is cut: frame count and media time span of the frames waiting (at least one of each). */
interface ChunkPolicy {
  frames: number;
  ms: number;
}

/** The chunking that `lowLatency` asks for, checked; null when it is off. */
export function chunkPolicy(lowLatency: boolean | LowLatencyOptions | undefined): ChunkPolicy | null {
  if (lowLatency === undefined || lowLatency === false) return null;
  if (lowLatency === true) return { frames: 1, ms: Infinity };
  const { frames, ms } = lowLatency;
  if (frames !== undefined && !(Number.isInteger(frames) && frames >= 1)) {
    throw new InvalidArgumentException(`lowLatency.frames must be a positive integer, got ${String(frames)}`);
  }
  if (ms !== undefined && !(typeof ms === 'number' && ms > 0)) {
    throw new InvalidArgumentException(`lowLatency.ms must be a positive number, got ${String(ms)}`);
  }
  // Only ms given: cut by time alone; neither: every block.
  return { frames: frames ?? (ms === undefined ? 1 : Infinity), ms: ms ?? Infinity };
}

/**
 * The pieces of the fragments the events describe. A piece is cut when the policy says so, and the
 * rest of a fragment when it completes (so a piece never spans two fragments).
 *
 * Decode times of video come from sorting the presentation times of each run between key frames
 * (docs/kvs-mkv.md#timeline), which needs the whole run. Frames in presentation order (no B-frames,
 * as in every KVS capture) need nothing more; once a video track shows a frame presented before an
 * earlier one of its run, the frames it sends are held until their fragment is complete from then on,
 * so that reordered runs are sorted whole (the frames of that first run already sent keep their times).
 */
export async function* fragmentPieces(events: AsyncIterable<FragmentEvent>, policy: ChunkPolicy): AsyncGenerator<FragmentPiece> {
  let open: MkvFragment | null = null;
  /** Frames of `open` already sent in pieces, and those waiting. */
  let sent = 0;
  let waiting: MkvFrame[] = [];
  const reorder = new ReorderWatch();
  const piece = (fragment: MkvFragment, frames: MkvFrame[]): FragmentPiece => {
    const out = { fragment: { ...fragment, frames }, continues: sent > 0 };
    sent += frames.length;
    return out;
  };
  for await (const event of events) {
    const fragment = event.fragment;
    if (event.type === 'fragment') {
      // The rest of the fragment (all of it when no block event came, as from readFragments' view).
      const rest = fragment === open ? fragment.frames.slice(sent) : fragment.frames;
      if (fragment !== open) sent = 0;
      if (rest.length > 0) yield piece(fragment, rest);
      open = null;
      sent = 0;
      waiting = [];
      continue;
    }
    if (fragment !== open) {
      open = fragment;
      sent = 0;
      waiting = [];
    }
    for (const frame of event.frames) {
      reorder.see(fragment, frame);
      waiting.push(frame);
    }
    if (!reorder.seen && due(waiting, fragment.timecodeScale, policy)) {
      const frames = waiting;
      waiting = [];
      yield piece(fragment, frames);
    }
  }
}

function due(waiting: MkvFrame[], timecodeScale: number, policy: ChunkPolicy): boolean {
  if (waiting.length >= policy.frames) return true;
  return ((waiting[waiting.length - 1].timestamp - waiting[0].timestamp) * timecodeScale) / 1e6 >= policy.ms;
}

/** Whether a video track has shown frames out of presentation order within a run (B-frames). */
class ReorderWatch {
  seen = false;
  /** Latest presentation time of the current run, per video track number, in `#fragment` (cluster times may restart). */
  readonly #runMax = new Map<number, number>();
  #fragment: MkvFragment | null = null;

  see(fragment: MkvFragment, frame: MkvFrame): void {
    if (this.seen) return;
    if (fragment !== this.#fragment) {
      this.#fragment = fragment;
      this.#runMax.clear();
    }
    const track = fragment.tracks.find((t) => t.number === frame.track);
    if (track?.type !== 'video') return;
    const max = this.#runMax.get(frame.track);
    if (!frame.keyframe && max !== undefined && frame.timestamp < max) this.seen = true;
    this.#runMax.set(frame.track, frame.keyframe || max === undefined ? frame.timestamp : Math.max(max, frame.timestamp));
  }
}
