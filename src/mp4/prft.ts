/**
 * The ProducerReferenceTimeBox (ISO/IEC 14496-12 §8.16.5) that precedes each media segment's moof:
 * it ties the segment's media time to the wall-clock time of its KVS fragment (docs/packages.md#prft).
 */
import type { TrackRun } from '../timeline/index.js';
import type { TimestampKind } from '../timeline/types.js';
import { bytes, fullBox, type Part, serialize, u32, u64 } from './boxes.js';

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;
const TWO_32 = 0x1_0000_0000;

/**
 * NTP 64-bit time (32.32 fixed point seconds since 1900) of an epoch-ms time (fractions of a ms
 * allowed): seconds and the fraction, rounded to the nearest 2^-32 s, so a whole ms comes back as
 * `round(fraction × 1000 / 2^32)`.
 */
export function ntpTime(epochMs: number): { seconds: number; fraction: number } {
  let wholeSeconds = Math.floor(epochMs / 1000);
  let fraction = Math.round(((epochMs - wholeSeconds * 1000) * TWO_32) / 1000);
  if (fraction === TWO_32) [wholeSeconds, fraction] = [wholeSeconds + 1, 0];
  return { seconds: wholeSeconds + NTP_UNIX_OFFSET_S, fraction };
}

/**
 * What the prft's time means, as ISO/IEC 14496-12 (2022, §8.16.5.3) defines its flags
 * (docs/packages.md#prft). A producer timestamp is the time the producer gave the fragment's first
 * frame: its capture by the camera's clock, so 24 (bits 8 and 16: "the UTC time has a consistent,
 * small (ideally zero), offset from the real-time of the experience depicted in the media at
 * media_time"). A server timestamp is the time KVS received and stored the fragment, so 4 ("the
 * time at which the following MovieFragmentBox was written to file"; media_time is then the
 * earliest presentation time of the reference track in the fragment, which a fragment's first
 * frame, a key frame, is).
 */
export const PRFT_FLAGS: Readonly<Record<TimestampKind, number>> = { producer: 0x18, server: 0x04 };

/**
 * prft version 1 (64-bit media_time): `epochMs` is the wall-clock time, of the kind `kind`, of the
 * sample of track `referenceTrackId` presented at `mediaTime` (that track's timescale).
 */
export function prft(referenceTrackId: number, epochMs: number, mediaTime: number, kind: TimestampKind): Part {
  const { seconds, fraction } = ntpTime(epochMs);
  return fullBox('prft', 1, PRFT_FLAGS[kind], u32(referenceTrackId), u32(seconds), u32(fraction), u64(mediaTime));
}

/**
 * A media segment (moof + mdat header, then payload views) with a prft in front of its moof, tied
 * to the first run's track (video when the segment has video) at the presentation time of that
 * run's first sample (its decode time plus composition offset: the key frame the fragment's
 * timestamp dates). Nothing changes when the segment has no wall-clock time (plain Matroska). The
 * moof's data offsets count from the moof (default-base-is-moof), so a box before it moves nothing.
 */
export function withProducerReferenceTime(
  segment: { chunks: Uint8Array[]; byteLength: number },
  firstRun: TrackRun | undefined,
  epochMs: number | null,
  kind: TimestampKind,
): { chunks: Uint8Array[]; byteLength: number } {
  if (epochMs === null || firstRun === undefined) return segment;
  const box = prft(firstRun.trackId, epochMs, firstRun.baseDts + (firstRun.ctos[0] ?? 0), kind);
  const chunks = segment.chunks.slice();
  chunks[0] = serialize(box, bytes(segment.chunks[0]));
  return { chunks, byteLength: segment.byteLength + box.size };
}
