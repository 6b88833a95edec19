/**
 * Groups what the reader parses into fragments. Where one fragment ends and the next begins:
 *
 * 1. every EBML header starts a new Matroska document, hence a new fragment (GetMedia sends one
 *    document per KVS fragment);
 * 2. inside a document, a Tags element carrying AWS_KINESISVIDEO_FRAGMENT_NUMBER starts a new
 *    fragment when the current one already has a number or frames (documents that hold several
 *    KVS fragments, like the parser library's merged output);
 * 3. GetMedia's trailing Tags with AWS_KINESISVIDEO_CONTINUATION_TOKEN is the last thing it sends
 *    for a fragment, so the fragment is handed out right there instead of one fragment later;
 * 4. plain Matroska (no fragment number): a video key frame starts a new fragment when the current
 *    one already holds a video frame. Other frames stay in stream order: an audio frame belongs to
 *    the fragment that is open when it arrives, as in a KVS producer's fragments. A fragment cut
 *    inside a cluster starts at its key frame's time (its `clusterTimecode`), not the cluster's: a
 *    cluster may hold many key frames (all-intra encodes, short GOPs), and each cut is a fragment
 *    of its own with its own start (docs/kvs-mkv.md, "Plain Matroska");
 * 5. an Info or Tracks element after frames of the open fragment ends it, so those frames keep the
 *    tracks and timecode scale they were read under.
 */
import { DEFAULT_TIMECODE_SCALE } from './elements.js';
import type { KvsTags } from './kvs-tags.js';
import type { MkvFragment, MkvFrame, MkvTrack, ReaderLimits } from './types.js';
import { keepLayout } from '../jit.js';
import { EbmlLimitError } from '../ebml/index.js';
import { DEFAULT_LIMITS } from './limits.js';

interface Draft {
  fragment: MkvFragment;
  /** Bytes of the blocks whose frames the fragment holds (ReaderLimits.maxFragmentBytes). */
  heldBytes: number;
  hasVideo: boolean;
  /** Opened by an EBML header: handed out even when empty, since the document exists. */
  documentStart: boolean;
}

export class FragmentAssembler {
  // #private names: the minifier shortens them (this class is in every browser bundle).
  readonly #maxFrames: number;
  readonly #maxBytes: number;
  readonly #maxTags: number;
  #draft: Draft | null = null;
  #nextIndex = 0;
  #timecodeScale = DEFAULT_TIMECODE_SCALE;
  #tracks: MkvTrack[] = [];
  readonly #videoTracks = new Set<number>();
  /** DefaultDuration per track in ticks. */
  readonly #frameDurations = new Map<number, number>();

  constructor(limits: Required<ReaderLimits>) {
    this.#maxFrames = limits.maxFramesPerFragment;
    this.#maxBytes = limits.maxFragmentBytes;
    this.#maxTags = limits.maxTagsPerFragment;
  }

  /** Index the next fragment handed out will get (the one being read, for errors). */
  get fragmentIndex(): number {
    return this.#nextIndex;
  }

  get fragmentNumber(): string | undefined {
    return this.#draft?.fragment.fragmentNumber ?? undefined;
  }

  /** Frames of the open fragment (call after beginBlock). */
  get frames(): MkvFrame[] {
    return this.#draft!.fragment.frames;
  }

  /** The open fragment as read so far (call after beginBlock). */
  get openFragment(): MkvFragment {
    return this.#draft!.fragment;
  }

  /**
   * After the frames of a block of `blockBytes` bytes at `offset` went to `frames` (which held
   * `before`): a fragment past maxFramesPerFragment or maxFragmentBytes loses that block and ends
   * the read with the limit's error, so what the reader holds stays bounded however long a
   * fragment runs (a Cluster of unknown size never ends by itself).
   */
  checkHeld(before: number, blockBytes: number, offset: number): void {
    const draft = this.#draft!;
    const frames = draft.fragment.frames;
    draft.heldBytes += blockBytes;
    let error: EbmlLimitError | null = null;
    if (frames.length > this.#maxFrames) {
      error = new EbmlLimitError(
        'maxFramesPerFragment',
        `fragment holds more than maxFramesPerFragment (${this.#maxFrames}) frames`,
        offset,
      );
    } else if (draft.heldBytes > this.#maxBytes) {
      error = new EbmlLimitError(
        'maxFragmentBytes',
        `fragment holds more than maxFragmentBytes (${this.#maxBytes}) bytes of blocks`,
        offset,
      );
    }
    if (error === null) return;
    frames.length = before;
    draft.heldBytes -= blockBytes;
    throw error;
  }

  /** DefaultDuration of a track in ticks, when the track has one. */
  frameDuration(track: number): number | undefined {
    return this.#frameDurations.get(track);
  }

  /** An EBML header at `offset`: closes the open fragment and returns it when it is to be handed out. */
  startDocument(offset: number): MkvFragment | null {
    const done = this.#close(offset);
    this.#timecodeScale = DEFAULT_TIMECODE_SCALE;
    this.#applyTracks([]);
    this.#draft = this.#open(offset, true);
    return done;
  }

  /** An Info element at `offset`; returns the fragment it ends (rule 5). */
  setTimecodeScale(scale: number, offset: number): MkvFragment | null {
    const done = this.#closeIfFramed(offset);
    this.#timecodeScale = scale;
    this.#applyTracks(this.#tracks);
    return done;
  }

  /** A Tracks element at `offset`; returns the fragment it ends (rule 5). */
  setTracks(tracks: MkvTrack[], offset: number): MkvFragment | null {
    const done = this.#closeIfFramed(offset);
    this.#applyTracks(tracks);
    return done;
  }

  /**
   * Rule 5: Info or Tracks after frames of the open fragment (Matroska allows one of each per Segment,
   * before its Clusters, so this is a second one or damage) ends that fragment. Its frames keep the
   * tracks and timecode scale they were read under, instead of being re-labelled by what follows them.
   */
  #closeIfFramed(offset: number): MkvFragment | null {
    return this.#draft !== null && this.#draft.fragment.frames.length > 0 ? this.#close(offset) : null;
  }

  #applyTracks(tracks: MkvTrack[]): void {
    this.#tracks = tracks;
    this.#videoTracks.clear();
    this.#frameDurations.clear();
    for (const track of tracks) {
      if (track.type === 'video') this.#videoTracks.add(track.number);
      if (track.defaultDurationNs !== undefined) this.#frameDurations.set(track.number, track.defaultDurationNs / this.#timecodeScale);
    }
    if (this.#draft !== null) {
      this.#draft.fragment.tracks = tracks;
      this.#draft.fragment.timecodeScale = this.#timecodeScale;
    }
  }

  /**
   * A Tags element spanning [offset, end). Returns the fragments it completes (rules 2 and 3).
   * Tags with an in-band error must go to closeBeforeError instead.
   */
  addTags(tags: KvsTags, offset: number, end: number): MkvFragment[] {
    const done: MkvFragment[] = [];
    const current = this.#draft?.fragment;
    if (tags.fragmentNumber !== undefined && current !== undefined && (current.fragmentNumber !== null || current.frames.length > 0)) {
      pushIf(done, this.#close(offset));
    }
    const fragment = this.#ensureOpen(offset).fragment;
    if (fragment.tags.length + tags.other.length > this.#maxTags) {
      throw new EbmlLimitError('maxTagsPerFragment', `fragment has more than maxTagsPerFragment (${this.#maxTags}) SimpleTags`, offset);
    }
    if (tags.fragmentNumber !== undefined) fragment.fragmentNumber = tags.fragmentNumber;
    if (tags.serverTimestamp !== undefined) fragment.serverTimestamp = tags.serverTimestamp;
    if (tags.producerTimestamp !== undefined) fragment.producerTimestamp = tags.producerTimestamp;
    if (tags.millisBehindNow !== undefined) fragment.millisBehindNow = tags.millisBehindNow;
    for (const tag of tags.other) fragment.tags.push(tag);
    if (tags.continuationToken !== undefined) {
      fragment.continuationToken = tags.continuationToken;
      pushIf(done, this.#close(end));
    }
    return done;
  }

  beginCluster(offset: number): void {
    this.#ensureOpen(offset);
  }

  setClusterTimecode(timecode: number): void {
    const fragment = this.#draft?.fragment;
    if (fragment !== undefined && fragment.clusterTimecode === null) fragment.clusterTimecode = timecode;
  }

  /**
   * A block of `track` at `offset`, with time `time` in ticks, is next; returns the fragment it
   * completes under rule 4. Its frames then go to `frames`.
   */
  beginBlock(track: number, keyframe: boolean, time: number, offset: number): MkvFragment | null {
    let done: MkvFragment | null = null;
    let draft = this.#ensureOpen(offset);
    if (this.#videoTracks.has(track)) {
      if (keyframe && draft.hasVideo && draft.fragment.fragmentNumber === null) {
        done = this.#close(offset);
        draft = this.#ensureOpen(offset);
        // The cut starts at its key frame: fragments cut from one cluster must not share a start time.
        draft.fragment.clusterTimecode = time;
      }
      draft.hasVideo = true;
    }
    return done;
  }

  /** End of input at `offset`; `partial` when it ended inside an element of the open fragment. */
  finish(offset: number, partial: boolean): MkvFragment | null {
    if (partial && this.#draft !== null && hasContent(this.#draft.fragment)) this.#draft.fragment.partial = true;
    return this.#close(offset);
  }

  /** Before an in-band error: the open fragment, if anything of it came before the error tags. */
  closeBeforeError(offset: number): MkvFragment | null {
    const draft = this.#draft;
    if (draft === null) return null;
    this.#draft = null;
    return hasContent(draft.fragment) ? this.#handOut(draft.fragment, offset) : null;
  }

  /** Before a malformed-input error: the open fragment with the frames read so far, marked partial. */
  closeBeforeFailure(offset: number): MkvFragment | null {
    const fragment = this.closeBeforeError(offset);
    if (fragment !== null) fragment.partial = true;
    return fragment;
  }

  #ensureOpen(offset: number): Draft {
    this.#draft ??= this.#open(offset, false);
    return this.#draft;
  }

  #open(offset: number, documentStart: boolean): Draft {
    const fragment: MkvFragment = {
      // The index it is handed out with: drafts dropped empty take none (readFragmentEvents shows open fragments).
      index: this.#nextIndex,
      fragmentNumber: null,
      producerTimestamp: null,
      serverTimestamp: null,
      millisBehindNow: undefined,
      continuationToken: undefined,
      timecodeScale: this.#timecodeScale,
      clusterTimecode: null,
      tracks: this.#tracks,
      frames: [],
      tags: [],
      byteOffset: offset,
      byteLength: 0,
      partial: undefined,
    };
    return { fragment, heldBytes: 0, hasVideo: false, documentStart };
  }

  #close(offset: number): MkvFragment | null {
    const draft = this.#draft;
    if (draft === null) return null;
    this.#draft = null;
    return draft.documentStart || hasContent(draft.fragment) ? this.#handOut(draft.fragment, offset) : null;
  }

  #handOut(fragment: MkvFragment, end: number): MkvFragment {
    fragment.index = this.#nextIndex++;
    fragment.byteLength = end - fragment.byteOffset;
    return fragment;
  }
}
keepLayout(new FragmentAssembler(DEFAULT_LIMITS));

function hasContent(fragment: MkvFragment): boolean {
  return (
    fragment.frames.length > 0 ||
    fragment.clusterTimecode !== null ||
    fragment.fragmentNumber !== null ||
    fragment.producerTimestamp !== null ||
    fragment.serverTimestamp !== null ||
    fragment.tags.length > 0
  );
}

function pushIf(list: MkvFragment[], fragment: MkvFragment | null): void {
  if (fragment !== null) list.push(fragment);
}
