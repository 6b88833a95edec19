/**
 * Warnings: recoverable problems that every layer (the Matroska reader, the codec checks, clip
 * selection, the AWS client) reports to the caller's `onWarning` and then goes on. They live here,
 * below all of those layers, so that each one can emit them without importing another.
 */

/**
 * What a warning is about. Every code that is emitted anywhere, and when:
 *
 * - `'truncated'`: the input ended inside an element, or inside a Cluster or Segment of known size.
 *   Every complete frame before the cut has been delivered; the fragment the cut fell in is marked
 *   `partial`. Emitted once, after the last fragment, by the Matroska reader.
 * - `'unknown-element'`: a top-level element other than an EBML header, Segment, Void or CRC-32 was
 *   skipped unread (Matroska reader).
 * - `'ignored-track'`: a track numbered other than 1 and 2 is left out of the output, as GetClip
 *   plays tracks 1 (video) and 2 (audio) only (codec checks).
 * - `'duplicate-timestamp'`: two fragments have the same producer (or server) timestamp; one of them
 *   is kept by the `duplicateTimestamps` rule, or, in streaming output, a late twin of a fragment
 *   already delivered is dropped (clip selection).
 * - `'capped'`: `maxFragments` or `maxBytes` was reached, so the clip was cut where GetClip would cut
 *   it. Emitted once (clip selection).
 * - `'not-browser-playable'`: a track is written as it is, but browsers will not play it: AAC whose
 *   channels a program_config_element declares with no channelConfiguration equivalent (e.g. quad);
 *   Chromium refuses channelConfiguration 0 (codec checks; docs/codecs.md).
 * - `'unexpected-fragment'`: GetMediaForFragmentList sent a fragment that was not asked for, or sent
 *   one twice; it is skipped (AWS client).
 * - `'fragment-size-mismatch'`: GetMediaForFragmentList sent a fragment with fewer bytes than
 *   ListFragments' FragmentSizeInBytes twice in a row with the same length; it is kept as sent
 *   (AWS client, docs/errors.md#short-fragments).
 * - `'gap-closed'`: the gap before a fragment is longer than one MP4 sample duration holds on some
 *   track (2^31 − 1 ticks: 6.6 h at 90 kHz); it is closed on every track alike, and the message says
 *   where (fragment, time, track) and by how much the later times moved (timeline;
 *   docs/timing.md#long-gaps).
 */
export type WarningCode =
  | 'truncated'
  | 'unknown-element'
  | 'ignored-track'
  | 'duplicate-timestamp'
  | 'capped'
  | 'unexpected-fragment'
  | 'fragment-size-mismatch'
  | 'not-browser-playable'
  | 'gap-closed';

/** A recoverable problem, handed to `onWarning`. */
export interface ReaderWarning {
  /** What kind of problem (see {@link WarningCode} for each code and when it is emitted). */
  code: WarningCode;
  /** What happened, for people: names the element, track, fragment or limit involved. */
  message: string;
  /** Input offset of the element the warning is about, when it is about one. */
  byteOffset?: number;
  /** Index of the fragment it is about (MkvFragment.index), when it is about one. */
  fragmentIndex?: number;
}
