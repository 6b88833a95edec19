/**
 * GetClip's stream rules, applied per fragment of one clip (docs/getclip.md#tracks-and-pairings,
 * docs/errors.md#when): track 1 is H.264 or H.265 video, an optional track 2 is audio (AAC, G.711,
 * 16-bit PCM); outside `strict: 'getclip'` an audio-only stream uses every track. Codec private data
 * is present (or derivable) and parses, and neither the tracks nor their codec private data change
 * within the clip. What each codec accepts is its definition's (registry.ts).
 *
 * KVS names used, and for what:
 * - UnsupportedStreamMediaTypeException: no track 1 in a stream with video, track 1 not H.264/H.265,
 *   an audio track of another codec, A_MS/ACM other than G.711, AAC object types outside AAC, PCM
 *   other than 16-bit, a MimeType tag other than audio/L16; with `strict: 'getclip'` audio-only
 *   streams and the pairings GetClip does not serve.
 * - MissingCodecPrivateDataException: no CodecPrivate and nothing to derive one from; also an AAC
 *   config whose sample rate cannot be read (what KVS reports for it; see aac.ts).
 * - InvalidCodecPrivateDataException: CodecPrivate (or in-band parameter sets standing in for it)
 *   that does not parse; tracks or CodecPrivate that change between fragments.
 * - InvalidMediaFrameException: a frame that is empty, whose NAL units do not tile it, or that holds
 *   no whole number of sample frames (frames.ts).
 */
import {
  fragmentPlace,
  InvalidCodecPrivateDataException,
  KvsClipError,
  UnsupportedStreamMediaTypeException,
  type ErrorPlace,
  type KvsClipErrorOptions,
} from '../errors.js';
import { sameBytes } from '../bytes.js';
import type { MkvFragment, MkvTrack } from '../mkv/types.js';
import type { ReaderWarning } from '../warnings.js';
import { aacBrowserProblem } from './aac-codec.js';
import { checkFrames, type FramingState } from './frames.js';
import { bytesKey } from './video-config.js';
import { AUDIO_CODECS, CODECS, definitionForTrack, definitionsForCodecId, describeCodecs, VIDEO_CODECS } from './registry.js';
import { pcmFormatFromTags, pcmTrackConfig, type PcmFormat } from './pcm-codec.js';
import type { CheckedFragment, CheckOptions, Codec, TrackConfig } from './types.js';
import { keepLayout } from '../jit.js';

/** GetClip plays track 1 as video and track 2 as audio, and leaves every other track out. */
export const VIDEO_TRACK = 1;
export const AUDIO_TRACK = 2;

/** GetClip's pairings as the KVS docs list them (docs/getclip.md#pairings), by video codec. */
const GETCLIP_PAIRINGS: Partial<Record<Codec, readonly Codec[]>> = { avc: ['aac', 'alaw'], hevc: ['aac'] };

function isAudio(track: MkvTrack): boolean {
  return definitionsForCodecId(AUDIO_CODECS, track.codecId).length > 0;
}

function isVideo(track: MkvTrack): boolean {
  return definitionsForCodecId(VIDEO_CODECS, track.codecId).length > 0;
}

/** Runs `build`, giving a KVS error raised without a place (by a parser) the track and fragment. */
function atPlace<T>(place: ErrorPlace, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof KvsClipError && error.track === undefined && error.fragmentIndex === undefined) {
      const SameKind = error.constructor as new (message: string, options: KvsClipErrorOptions) => KvsClipError;
      throw new SameKind(error.message, { ...place, cause: error });
    }
    throw error;
  }
}

function describeTracks(tracks: readonly MkvTrack[]): string {
  return tracks.length === 0 ? 'no tracks' : tracks.map((t) => `track ${t.number} ${t.codecId}`).join(', ');
}

/**
 * Checks one fragment's tracks and returns the configs of the tracks a clip uses, in track order:
 * GetClip's track 1 (video) and optional track 2 (audio), or, outside `strict: 'getclip'`, every
 * track of an audio-only stream. Video CodecPrivate may be derived from the fragment's first key
 * frame of track 1. Tracks left out are reported to `options.onWarning`.
 */
export function checkTracks(fragment: MkvFragment, options: CheckOptions = {}): TrackConfig[] {
  const configs = trackConfigs(fragment, options.strict);
  for (const track of otherTracks(fragment.tracks, configs))
    options.onWarning?.(ignoredTrackWarning(track.number, track.codecId, fragment));
  warnNotBrowserPlayable(configs, fragment, options.onWarning);
  return configs;
}

/** Tracks without a config: GetClip's rule leaves them out. */
function otherTracks(tracks: readonly MkvTrack[], configs: readonly TrackConfig[]): MkvTrack[] {
  return tracks.filter((t) => !configs.some((c) => c.trackNumber === t.number));
}

/** A 'not-browser-playable' warning for each config a browser will refuse. */
function warnNotBrowserPlayable(configs: readonly TrackConfig[], fragment: MkvFragment, onWarning: CheckOptions['onWarning']): void {
  for (const config of configs) {
    const problem = aacBrowserProblem(config);
    if (problem !== undefined) onWarning?.({ code: 'not-browser-playable', message: problem, fragmentIndex: fragment.index });
  }
}

function ignoredTrackWarning(track: number, codecId: string | undefined, fragment: MkvFragment): ReaderWarning {
  return {
    code: 'ignored-track',
    message: `Track ${track}${codecId ? ` (${codecId})` : ''} is left out: GetClip plays tracks 1 and 2 only`,
    fragmentIndex: fragment.index,
  };
}

/**
 * Whether the clip is of an audio-only stream: no track is video and every track is audio (by its
 * CodecID). GetClip refuses those; outside `strict: 'getclip'` every track is used.
 */
function isAudioOnly(tracks: readonly MkvTrack[], strict: CheckOptions['strict']): boolean {
  return strict !== 'getclip' && tracks.length > 0 && tracks.every(isAudio);
}

/** The numbers of the tracks a clip of these tracks uses (before their codecs are checked). */
function usedTrackNumbers(tracks: readonly MkvTrack[], strict: CheckOptions['strict']): number[] {
  return isAudioOnly(tracks, strict) ? tracks.map((t) => t.number) : [VIDEO_TRACK, AUDIO_TRACK];
}

function trackConfigs(fragment: MkvFragment, strict: CheckOptions['strict']): TrackConfig[] {
  const place = fragmentPlace(fragment);
  const pcm = atPlace(place, () => pcmFormatFromTags(fragment.tags));
  if (isAudioOnly(fragment.tracks, strict)) {
    return [...fragment.tracks]
      .sort((a, b) => a.number - b.number)
      .map((track) => audioConfig(track, pcm, { ...place, track: track.number }));
  }
  const video = fragment.tracks.find((t) => t.number === VIDEO_TRACK);
  if (!video) {
    const audioOnly = fragment.tracks.length > 0 && fragment.tracks.every(isAudio);
    throw new UnsupportedStreamMediaTypeException(
      `${audioOnly ? 'Audio-only stream' : 'Stream has no track 1'} (${describeTracks(fragment.tracks)}); track 1 must be H.264 or H.265 video`,
      place,
    );
  }
  const videoPlace = { ...place, track: VIDEO_TRACK };
  refuseUndecoded(video, videoPlace);
  const videoCodec = definitionForTrack(VIDEO_CODECS, video);
  if (!videoCodec) {
    const audioOnly = isAudio(video) && !fragment.tracks.some(isVideo);
    throw new UnsupportedStreamMediaTypeException(
      `${audioOnly ? 'Audio-only stream: track 1' : 'Track 1'} has codec ${JSON.stringify(video.codecId)}; it must be ${describeCodecs(VIDEO_CODECS)}`,
      videoPlace,
    );
  }
  const source = {
    trackNumber: VIDEO_TRACK,
    codecPrivate: video.codecPrivate && video.codecPrivate.length > 0 ? video.codecPrivate : undefined,
    firstKeyFrame: fragment.frames.find((f) => f.track === VIDEO_TRACK && f.keyframe)?.data,
  };
  const configs = [atPlace(videoPlace, () => videoCodec.configure(source))];

  const audio = fragment.tracks.find((t) => t.number === AUDIO_TRACK);
  if (audio) configs.push(audioConfig(audio, pcm, { ...place, track: AUDIO_TRACK }));
  if (strict === 'getclip') checkGetClipPairing(configs, place);
  return configs;
}

/**
 * An audio track's config: PCM when the fragment's MimeType tag says so (Amazon Connect writes
 * A_AAC for PCM), else by its CodecID.
 */
function audioConfig(track: MkvTrack, pcm: PcmFormat | undefined, place: ErrorPlace): TrackConfig {
  refuseUndecoded(track, place);
  return atPlace(place, () => {
    if (pcm !== undefined) return pcmTrackConfig(track, pcm);
    const codec = definitionForTrack(AUDIO_CODECS, track);
    if (!codec) {
      // Opus is what MediaRecorder records with H.264 or VP8/VP9: say plainly that it is not remuxed (docs/codecs.md#opus).
      const opus = track.codecId === 'A_OPUS' ? " (Opus, MediaRecorder's audio, is not remuxed by kvs-clip)" : '';
      throw new UnsupportedStreamMediaTypeException(
        `Track ${track.number} has codec ${JSON.stringify(track.codecId)}; it must be ${describeCodecs(AUDIO_CODECS)}${opus}`,
      );
    }
    return codec.configure(track);
  });
}

/**
 * A used track whose frames the reader could not decode (encrypted, bzlib, lzo1x, …) is refused
 * here, before any of its bytes is written (docs/kvs-mkv.md, "ContentEncoding").
 */
function refuseUndecoded(track: MkvTrack, place: ErrorPlace): void {
  if (track.contentEncoding?.kind !== 'unsupported') return;
  throw new UnsupportedStreamMediaTypeException(
    `Track ${track.number} (${track.codecId}) is ${track.contentEncoding.description}; kvs-clip decodes zlib compression and header stripping of frames only`,
    place,
  );
}

/**
 * GetClip's pairings as the KVS docs list them: H.264 alone, with AAC or with G.711 A-law; H.265
 * alone or with AAC. µ-law is not among them.
 */
function checkGetClipPairing(configs: readonly TrackConfig[], place: ErrorPlace): void {
  const [video, audio] = configs;
  if (!audio || GETCLIP_PAIRINGS[video.codec]?.includes(audio.codec)) return;
  throw new UnsupportedStreamMediaTypeException(
    `GetClip does not serve ${CODECS[video.codec].name} with ${CODECS[audio.codec].name} (strict: 'getclip'): G.711 A-law goes only with H.264, H.265 only with AAC`,
    { ...place, track: AUDIO_TRACK },
  );
}

/** What a checker keeps from the fragment that established the clip's configs. */
interface Established {
  configs: TrackConfig[];
  /** Track 1 and 2 as first seen: codec ID and CodecPrivate. */
  tracks: Map<number, { codecId: string; codecPrivate?: Uint8Array }>;
  /** For video configs built from in-band parameter sets: the sets, to compare later key frames with. */
  inBandSets?: Uint8Array[];
}

/** What `CodecChecker.checkPartial` returns: the valid part of a fragment, and the error that ended it. */
export interface PartialCheck {
  /**
   * The checked fragment, with its frames up to the first bad one; null when its tracks failed
   * (then nothing of it can be used).
   */
  fragment: CheckedFragment | null;
  /** What was wrong, or null. */
  error: KvsClipError | null;
}

/**
 * The codec checks of one stream (`createCodecChecker`): each fragment's tracks against KVS's rules
 * and the clip's configs so far, each frame parsed and normalised to length-prefixed NAL units.
 */
export interface CodecChecker {
  /** Checks and normalises one fragment; throws the KVS-named error for the first problem. */
  check(fragment: MkvFragment): CheckedFragment;
  /**
   * Like check, but returns what was valid before a bad frame together with the error, so a
   * streaming caller can deliver everything up to the bad spot.
   */
  checkPartial(fragment: MkvFragment): PartialCheck;
  /** The clip's configs, once a fragment with tracks has been checked. */
  readonly configs: readonly TrackConfig[] | null;
}

/**
 * A checker for the fragments of one clip, in order: the first fragment with tracks establishes the
 * configs; later fragments must have the same tracks and codec private data. A fragment without a
 * Tracks element keeps the clip's configs; one with neither Tracks nor frames before any configs are
 * known (a Tags-only segment) passes with `configs: []`.
 */
export function createCodecChecker(options: CheckOptions = {}): CodecChecker {
  return new FragmentChecker(options);
}

// A class rather than closures made per clip (src/jit.ts).
class FragmentChecker implements CodecChecker {
  readonly #options: CheckOptions;
  #established: Established | null = null;
  readonly #framing: FramingState = { video: undefined };
  readonly #warnedTracks = new Set<number>();

  constructor(options: CheckOptions) {
    this.#options = options;
  }

  get configs(): readonly TrackConfig[] | null {
    return this.#established?.configs ?? null;
  }

  check(fragment: MkvFragment): CheckedFragment {
    const { fragment: checked, error } = this.checkPartial(fragment);
    if (error) throw error;
    return checked!;
  }

  checkPartial(fragment: MkvFragment): PartialCheck {
    let clip = this.#established;
    try {
      if (fragment.tracks.length === 0) {
        if (!clip && fragment.frames.length > 0) {
          throw new UnsupportedStreamMediaTypeException(
            'Fragment has frames but no Tracks, and no earlier fragment had any',
            fragmentPlace(fragment),
          );
        }
      } else if (!clip) {
        clip = this.#established = this.#establish(fragment);
      } else {
        clip = this.#compareOrChange(fragment, clip);
      }
    } catch (error) {
      if (error instanceof KvsClipError) return { fragment: null, error };
      throw error;
    }
    const configs = clip?.configs ?? [];
    const result = checkFrames(fragment.frames, configs, fragmentPlace(fragment), this.#framing, (track) =>
      this.#warnOnce(fragment, track),
    );
    return { fragment: { ...fragment, configs, frames: result.frames }, error: result.error };
  }

  /**
   * A later fragment against the clip's configs. Outside strict mode a new video configuration (new
   * CodecPrivate or new in-band parameter sets, e.g. MediaRecorder after a resize) is taken: the
   * fragment establishes new configs, which the fragmented output announces with a new init segment
   * (docs/codecs.md#codec-private-data-that-changes). Only when the same tracks remain and every
   * audio config is unchanged (the timeline keeps its timescales); GetClip refuses any change.
   */
  #compareOrChange(fragment: MkvFragment, clip: Established): Established {
    try {
      compare(fragment, clip, this.#options.strict);
      return clip;
    } catch (error) {
      if (this.#options.strict === 'getclip' || !(error instanceof InvalidCodecPrivateDataException)) throw error;
      let next: Established;
      try {
        next = this.#establish(fragment);
      } catch {
        throw error;
      }
      const sameTracks =
        next.configs.length === clip.configs.length &&
        next.configs.every((c, i) => {
          const before = clip.configs[i];
          return c.trackNumber === before.trackNumber && c.codec === before.codec && (c.kind === 'video' || sameConfig(c, before));
        });
      if (!sameTracks) throw error;
      this.#established = next;
      return next;
    }
  }

  #warnOnce(fragment: MkvFragment, track: number, codecId?: string): void {
    if (this.#warnedTracks.has(track)) return;
    this.#warnedTracks.add(track);
    this.#options.onWarning?.(ignoredTrackWarning(track, codecId, fragment));
  }

  #establish(fragment: MkvFragment): Established {
    const configs = trackConfigs(fragment, this.#options.strict);
    for (const track of otherTracks(fragment.tracks, configs)) this.#warnOnce(fragment, track.number, track.codecId);
    warnNotBrowserPlayable(configs, fragment, this.#options.onWarning);
    const tracks = new Map<number, { codecId: string; codecPrivate?: Uint8Array }>();
    for (const track of fragment.tracks) {
      if (configs.some((c) => c.trackNumber === track.number)) {
        // Copied for the same reason as the configs' bytes: no view may pin an input chunk for the clip.
        tracks.set(track.number, { codecId: track.codecId, codecPrivate: track.codecPrivate?.slice() });
      }
    }
    const video = configs[0];
    const inBandSets = video.details.parameterSets === 'first-key-frame' ? recordParameterSets(video) : undefined;
    return { configs, tracks, inBandSets };
  }
}
keepLayout(new FragmentChecker({}));

/** A later fragment's tracks against the clip's: same tracks, codecs and configuration. */
function compare(fragment: MkvFragment, clip: Established, strict: CheckOptions['strict']): void {
  const place = fragmentPlace(fragment);
  const used = usedTrackNumbers(fragment.tracks, strict);
  const now = fragment.tracks.filter((t) => used.includes(t.number));
  const before = [...clip.tracks.keys()].sort();
  if (now.length !== before.length || now.some((t) => !clip.tracks.has(t.number))) {
    throw new InvalidCodecPrivateDataException(
      `Tracks changed within the clip: this fragment has ${describeTracks(now)}, the clip started with ${before
        .map((n) => `track ${n} ${clip.tracks.get(n)?.codecId}`)
        .join(', ')}`,
      place,
    );
  }
  // Amazon Connect's MimeType tag, not the Tracks, says what a PCM track holds: read it in every fragment.
  let recheck = clip.configs.some((c) => c.codec === 'pcm') || fragment.tags.some((t) => t.name === 'MimeType');
  for (const track of now) {
    const first = clip.tracks.get(track.number)!;
    if (track.codecId !== first.codecId) {
      throw new InvalidCodecPrivateDataException(
        `Track ${track.number} changed codec within the clip, from ${first.codecId} to ${track.codecId}`,
        { ...place, track: track.number },
      );
    }
    if (!sameBytes(track.codecPrivate, first.codecPrivate)) recheck = true;
  }
  if (recheck) {
    // Different bytes may still be the same configuration (an Annex-B CodecPrivate now sent as avcC).
    const configs = trackConfigs(fragment, strict);
    for (const config of configs) {
      const original = clip.configs.find((c) => c.trackNumber === config.trackNumber)!;
      if (!sameConfig(config, original)) {
        throw new InvalidCodecPrivateDataException(
          `CodecPrivate of track ${config.trackNumber} changed within the clip (${original.codecString} → ${config.codecString})`,
          { ...place, track: config.trackNumber },
        );
      }
    }
  }
  if (clip.inBandSets) compareInBandSets(fragment, clip.configs[0], clip.inBandSets, place);
}

function sameConfig(a: TrackConfig, b: TrackConfig): boolean {
  return a.codec === b.codec && a.sampleRate === b.sampleRate && a.channels === b.channels && sameBytes(a.decoderConfig, b.decoderConfig);
}

/** The parameter sets in a video config's record. */
function recordParameterSets(config: TrackConfig): Uint8Array[] {
  const definition = CODECS[config.codec];
  return definition.kind === 'video' ? definition.recordParameterSets(config) : [];
}

/**
 * A config derived from in-band parameter sets has no CodecPrivate to compare: compare the parameter
 * sets later key frames carry instead. A key frame without any is fine (they need not repeat).
 */
function compareInBandSets(fragment: MkvFragment, video: TrackConfig, sets: readonly Uint8Array[], place: ErrorPlace): void {
  const keyFrame = fragment.frames.find((f) => f.track === VIDEO_TRACK && f.keyframe);
  if (!keyFrame) return;
  const definition = CODECS[video.codec];
  if (definition.kind !== 'video') return;
  const known = new Set(sets.map(bytesKey));
  for (const unit of definition.inBandParameterSets(keyFrame.data, video.nalLengthSize ?? 4)) {
    if (!known.has(bytesKey(unit))) {
      throw new InvalidCodecPrivateDataException(
        'Track 1 has no CodecPrivate and its key frame carries parameter sets other than the ones the clip started with',
        { ...place, track: VIDEO_TRACK },
      );
    }
  }
}
