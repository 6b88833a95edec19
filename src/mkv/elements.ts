/**
 * The small master elements read whole from memory: EBML header, Info, Tracks and Tags.
 * `base` is the input offset of `body[0]`, for error offsets. Payload-like values (CodecPrivate)
 * are views of `body`.
 */
import {
  DOC_TYPE,
  EBML_MAX_ID_LENGTH,
  EBML_MAX_SIZE_LENGTH,
  EbmlError,
  EbmlLimitError,
  forEachChild,
  readFloat,
  readSafeUint,
  readString,
} from '../ebml/index.js';
import { readContentEncodings } from './content-encoding.js';
import * as ID from './ids.js';
import type { MkvTag, MkvTrack, TrackType } from './types.js';

/** Matroska's default tick: 1 ms. */
export const DEFAULT_TIMECODE_SCALE = 1_000_000;

/** Checks an EBML header describes a Matroska (or WebM) document we can read. */
export function checkEbmlHeader(body: Uint8Array, base: number): void {
  let docType = 'matroska'; // the EBML default DocType is unspecified; absent in practice means Matroska
  forEachChild(body, 0, body.length, base, (id, start, end) => {
    if (id === DOC_TYPE) docType = readString(body, start, end);
    else if (id === EBML_MAX_ID_LENGTH && readSafeUint(body, start, end, base + start, 'EBMLMaxIDLength') > 4) {
      throw new EbmlError('EBMLMaxIDLength above 4 is not Matroska', base + start);
    } else if (id === EBML_MAX_SIZE_LENGTH && readSafeUint(body, start, end, base + start, 'EBMLMaxSizeLength') > 8) {
      throw new EbmlError('EBMLMaxSizeLength above 8 is not supported', base + start);
    }
  });
  if (docType !== 'matroska' && docType !== 'webm') {
    throw new EbmlError(`EBML DocType "${docType}" is not matroska`, base);
  }
}

/** Info/TimecodeScale in nanoseconds per tick. */
export function readTimecodeScale(body: Uint8Array, base: number): number {
  let scale = DEFAULT_TIMECODE_SCALE;
  forEachChild(body, 0, body.length, base, (id, start, end) => {
    if (id !== ID.TIMECODE_SCALE) return;
    scale = readSafeUint(body, start, end, base + start, 'TimecodeScale');
    if (scale === 0) throw new EbmlError('TimecodeScale is 0', base + start);
  });
  return scale;
}

export function readTracks(body: Uint8Array, base: number): MkvTrack[] {
  const tracks: MkvTrack[] = [];
  forEachChild(body, 0, body.length, base, (id, start, end) => {
    if (id === ID.TRACK_ENTRY) tracks.push(readTrackEntry(body, start, end, base));
  });
  return tracks;
}

function readTrackEntry(body: Uint8Array, entryStart: number, entryEnd: number, base: number): MkvTrack {
  // Every field in the literal, the optional ones too (src/jit.ts).
  const track: MkvTrack = {
    number: 0,
    type: 'other',
    typeCode: 0,
    codecId: '',
    codecPrivate: undefined,
    name: undefined,
    defaultDurationNs: undefined,
    video: undefined,
    audio: undefined,
    contentEncoding: undefined,
  };
  forEachChild(body, entryStart, entryEnd, base, (id, start, end) => {
    switch (id) {
      case ID.TRACK_NUMBER:
        track.number = readSafeUint(body, start, end, base + start, 'TrackNumber');
        break;
      case ID.TRACK_TYPE:
        track.typeCode = readSafeUint(body, start, end, base + start, 'TrackType');
        track.type = trackType(track.typeCode);
        break;
      case ID.CODEC_ID:
        track.codecId = readString(body, start, end);
        break;
      case ID.CODEC_PRIVATE:
        // A copy, unlike frame payloads: a few bytes of config kept for the whole clip must not keep
        // the input chunk they arrived in alive (or stop a reader from reusing it). Not `slice`: on a
        // Node Buffer input that is a view, not a copy.
        track.codecPrivate = new Uint8Array(body.subarray(start, end));
        break;
      case ID.NAME:
        track.name = readString(body, start, end);
        break;
      case ID.DEFAULT_DURATION:
        track.defaultDurationNs = readSafeUint(body, start, end, base + start, 'DefaultDuration');
        break;
      case ID.VIDEO:
        track.video = readVideo(body, start, end, base);
        break;
      case ID.AUDIO:
        track.audio = readAudio(body, start, end, base);
        break;
      case ID.CONTENT_ENCODINGS:
        track.contentEncoding = readContentEncodings(body, start, end, base);
        break;
    }
  });
  if (track.number === 0) throw new EbmlError('TrackEntry without a TrackNumber', base + entryStart);
  return track;
}

function trackType(code: number): TrackType {
  return code === 1 ? 'video' : code === 2 ? 'audio' : code === 0x11 ? 'subtitle' : 'other';
}

function readVideo(body: Uint8Array, videoStart: number, videoEnd: number, base: number): { width: number; height: number } {
  const video = { width: 0, height: 0 };
  forEachChild(body, videoStart, videoEnd, base, (id, start, end) => {
    if (id === ID.PIXEL_WIDTH) video.width = readSafeUint(body, start, end, base + start, 'PixelWidth');
    else if (id === ID.PIXEL_HEIGHT) video.height = readSafeUint(body, start, end, base + start, 'PixelHeight');
  });
  return video;
}

function readAudio(body: Uint8Array, audioStart: number, audioEnd: number, base: number): NonNullable<MkvTrack['audio']> {
  // Matroska defaults: 8000 Hz, 1 channel.
  const audio: NonNullable<MkvTrack['audio']> = { samplingFrequency: 8000, channels: 1, bitDepth: undefined };
  forEachChild(body, audioStart, audioEnd, base, (id, start, end) => {
    if (id === ID.SAMPLING_FREQUENCY) audio.samplingFrequency = readFloat(body, start, end, base + start);
    else if (id === ID.CHANNELS) audio.channels = readSafeUint(body, start, end, base + start, 'Channels');
    else if (id === ID.BIT_DEPTH) audio.bitDepth = readSafeUint(body, start, end, base + start, 'BitDepth');
  });
  return audio;
}

/** SimpleTags nest by recursion: a bound keeps a hostile Tags element from overflowing the stack. */
const MAX_SIMPLE_TAG_DEPTH = 64;

/**
 * Every SimpleTag of a Tags element as name/value pairs, nested SimpleTags flattened in order. A
 * name or value longer than `maxLength` bytes, or more than `maxCount` tags, is the limit's error
 * (ReaderLimits.maxTagLength, maxTagsPerFragment), raised before the string is decoded.
 */
export function readSimpleTags(body: Uint8Array, base: number, maxLength: number, maxCount: number): MkvTag[] {
  const tags: MkvTag[] = [];
  const limits: TagLimits = { maxLength, maxCount };
  forEachChild(body, 0, body.length, base, (id, start, end) => {
    if (id !== ID.TAG) return;
    forEachChild(body, start, end, base, (childId, childStart, childEnd) => {
      if (childId === ID.SIMPLE_TAG) readSimpleTag(body, base, tags, childStart, childEnd, 1, limits);
    });
  });
  return tags;
}

interface TagLimits {
  maxLength: number;
  maxCount: number;
}

function readSimpleTag(
  body: Uint8Array,
  base: number,
  tags: MkvTag[],
  tagStart: number,
  tagEnd: number,
  depth: number,
  limits: TagLimits,
): void {
  if (depth > MAX_SIMPLE_TAG_DEPTH) throw new EbmlError(`SimpleTags nested more than ${MAX_SIMPLE_TAG_DEPTH} deep`, base + tagStart);
  if (tags.length >= limits.maxCount) {
    throw new EbmlLimitError(
      'maxTagsPerFragment',
      `fragment has more than maxTagsPerFragment (${limits.maxCount}) SimpleTags`,
      base + tagStart,
    );
  }
  const tag: MkvTag = { name: '', value: '' };
  tags.push(tag);
  forEachChild(body, tagStart, tagEnd, base, (id, start, end) => {
    if (id === ID.TAG_NAME) tag.name = readTagString(body, base, start, end, 'TagName', limits.maxLength);
    else if (id === ID.TAG_STRING) tag.value = readTagString(body, base, start, end, 'TagString', limits.maxLength);
    else if (id === ID.SIMPLE_TAG) readSimpleTag(body, base, tags, start, end, depth + 1, limits);
  });
}

function readTagString(body: Uint8Array, base: number, start: number, end: number, what: string, maxLength: number): string {
  if (end - start > maxLength) {
    throw new EbmlLimitError('maxTagLength', `${what} of ${end - start} bytes is longer than maxTagLength (${maxLength})`, base + start);
  }
  return readString(body, start, end);
}
