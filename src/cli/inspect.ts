/**
 * `kvs-clip inspect <file|-> [--json] [--strict]`: what a KVS (or any Matroska) stream holds, fragment
 * by fragment, and what GetClip's rules make of its tracks. The table streams a row per fragment as it
 * is read; --json prints one object at the end:
 * {"tracks":[{…,"codec":"avc1.4d400d","width":320,"height":240}|{…,"error":{"name","message"}},…],
 *  "fragments":[{"fragmentNumber","producerTimestamp","serverTimestamp","frames":{"1":60},"bytes"},…]}
 *
 * Each track is run through the codec layer's checkTracks when it first appears (--strict: with
 * GetClip's exact codec pairings, as `clip --strict`). Inspect is a diagnostic tool: a track GetClip
 * would reject is listed with the KVS error it raises, and the exit code stays 0; only input that
 * cannot be read (not Matroska, an in-band KVS error) exits 1.
 */
import { AUDIO_TRACK, checkTracks, VIDEO_TRACK, type TrackConfig } from '../codecs/index.js';
import { isKvsClipError, type KvsClipError } from '../errors.js';
import { readFragments, type MkvFragment, type MkvTrack } from '../mkv/index.js';
import type { ReaderWarning } from '../warnings.js';
import { parseCommandArgs } from './args.js';
import { openInput, write, type CliIo } from './io.js';
import type { Command } from './run.js';

export const USAGE = 'kvs-clip inspect <file|-> [--json] [--strict]';

/** The command's flags (exported for the argument-parser fuzz target). */
export const options = { json: { type: 'boolean' }, strict: { type: 'boolean' } } as const;

interface InspectTrack {
  number: number;
  type: MkvTrack['type'];
  codecId: string;
  /** CodecPrivate as hex, null when absent. */
  codecPrivate: string | null;
  name?: string;
  defaultDurationNs?: number;
  video?: MkvTrack['video'];
  audio?: MkvTrack['audio'];
  /** RFC 6381 codec string, from the codec layer, when GetClip's rules accept the track. */
  codec?: string;
  /** Video: display size from the SPS (cropping applied), not Matroska's PixelWidth/Height. */
  width?: number;
  height?: number;
  /** Audio: rate and channels from the AudioSpecificConfig / WAVEFORMATEX. */
  sampleRate?: number;
  channels?: number;
  /** The KVS error GetClip's rules raise for this track (instead of a codec string). */
  error?: { name: string; message: string };
  /**
   * Why the track has neither codec nor error: a track other than 1 and 2 (GetClip leaves it out), or
   * one the check did not reach because the stream failed first (see `streamError` / track 1's error).
   */
  unchecked?: string;
}

interface InspectFragment {
  index: number;
  fragmentNumber: string | null;
  /** Epoch milliseconds, null where the stream has none. */
  producerTimestamp: number | null;
  serverTimestamp: number | null;
  clusterTimecode: number | null;
  /** Frames per track number; laced frames counted one by one. */
  frames: Record<string, number>;
  bytes: number;
  /** Present (true) when the input ended or broke inside this fragment. */
  partial?: true;
}

export interface InspectReport {
  tracks: InspectTrack[];
  fragments: InspectFragment[];
  warnings: ReaderWarning[];
  /** A rule failure that belongs to no one track (e.g. no track 1), when there was one. */
  streamError?: { name: string; message: string };
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the tracks (codec, size, rate, or the KVS error GetClip raises) and fragments of a KVS stream or Matroska file',
  usage: USAGE,
  help: `  <file>            a GetMedia / GetMediaForFragmentList body saved to a file, or any Matroska file;
                    - reads stdin
  --json            print the tracks and fragments as one JSON object instead of tables
  --strict          check the tracks with GetClip's exact codec pairings (as clip --strict)

One row per fragment: number, producer and server timestamps, frames per track, bytes. The
timestamps are what clip --start/--end select by.

Example:
  kvs-clip inspect cam.mkv
  kvs-clip inspect cam.mkv --json | jq '.fragments[0].producerTimestamp'`,
  async run(args: string[], io: CliIo): Promise<void> {
    const { values, positionals } = parseCommandArgs(args, options, ['<file|->'], USAGE);
    const source = await openInput(positionals[0], io);
    const report: InspectReport = { tracks: [], fragments: [], warnings: [] };
    const onWarning = (warning: ReaderWarning): void => {
      report.warnings.push(warning);
      io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`);
    };
    const table = values.json !== true;
    const strict = values.strict === true ? 'getclip' : false;
    for await (const fragment of readFragments(source, { onWarning })) {
      const newTracks = addTracks(report.tracks, fragment.tracks);
      if (newTracks.length > 0) {
        const streamError = checkNewTracks(fragment, newTracks, strict);
        if (streamError) report.streamError ??= streamError;
        if (table)
          await write(io.stdout, trackLines(newTracks) + (streamError ? `stream: ${streamError.name}: ${streamError.message}\n` : ''));
      }
      const row = summarise(fragment);
      report.fragments.push(row);
      if (table) {
        if (report.fragments.length === 1) await write(io.stdout, HEADER);
        await write(io.stdout, fragmentLine(row));
      }
    }
    await write(io.stdout, table ? totalsLine(report.fragments) : `${JSON.stringify(report, null, 2)}\n`);
  },
};

/** Adds tracks not seen before (by number) and returns them. */
function addTracks(known: InspectTrack[], tracks: MkvTrack[]): InspectTrack[] {
  const added: InspectTrack[] = [];
  for (const track of tracks) {
    if (known.some((k) => k.number === track.number)) continue;
    const entry: InspectTrack = {
      number: track.number,
      type: track.type,
      codecId: track.codecId,
      codecPrivate: track.codecPrivate === undefined ? null : hex(track.codecPrivate),
      ...(track.name === undefined ? {} : { name: track.name }),
      ...(track.defaultDurationNs === undefined ? {} : { defaultDurationNs: track.defaultDurationNs }),
      ...(track.video === undefined ? {} : { video: track.video }),
      ...(track.audio === undefined ? {} : { audio: track.audio }),
    };
    known.push(entry);
    added.push(entry);
  }
  return added;
}

/**
 * Runs the codec layer's checkTracks on the fragment that introduced `added` and writes its verdict
 * into them: codec string and size or rate for accepted tracks, the KVS error for the track it names.
 * checkTracks checks track 1 before track 2 and stops at the first failure: when track 2 fails
 * (codec, CodecPrivate, or with --strict the pairing), track 1 passed, and a second check without
 * track 2 gives its config; when track 1 or the stream fails, track 2 stays unchecked (with the
 * reason). Returns the error when it names no track (a stream without track 1).
 */
function checkNewTracks(fragment: MkvFragment, added: InspectTrack[], strict: 'getclip' | false): InspectTrack['error'] {
  const checked = tryCheckTracks(fragment, strict);
  const { failure } = checked;
  const configs =
    failure?.track === AUDIO_TRACK
      ? tryCheckTracks({ ...fragment, tracks: fragment.tracks.filter((t) => t.number !== AUDIO_TRACK) }, strict).configs
      : checked.configs;
  const failed = failure && { name: failure.name, message: failure.message };
  for (const track of added) {
    const config = configs.find((c) => c.trackNumber === track.number);
    if (failure && failure.track === track.number) track.error = failed;
    else if (config) Object.assign(track, codecFields(config));
    else if (track.number !== VIDEO_TRACK && track.number !== AUDIO_TRACK) track.unchecked = 'GetClip plays tracks 1 and 2 only';
    else if (failure)
      track.unchecked = `not reached: ${failure.track === undefined ? 'the stream' : `track ${failure.track}`} failed first`;
  }
  return failure && failure.track === undefined ? failed : undefined;
}

function tryCheckTracks(fragment: MkvFragment, strict: 'getclip' | false): { configs: TrackConfig[]; failure?: KvsClipError } {
  try {
    return { configs: checkTracks(fragment, { strict }) };
  } catch (error) {
    if (!isKvsClipError(error)) throw error;
    return { configs: [], failure: error };
  }
}

function codecFields(config: TrackConfig): Pick<InspectTrack, 'codec' | 'width' | 'height' | 'sampleRate' | 'channels'> {
  const { codecString: codec, width, height, sampleRate, channels } = config;
  return config.kind === 'video' ? { codec, width, height } : { codec, sampleRate, channels };
}

function summarise(fragment: MkvFragment): InspectFragment {
  const frames: Record<string, number> = {};
  for (const frame of fragment.frames) frames[frame.track] = (frames[frame.track] ?? 0) + 1;
  return {
    index: fragment.index,
    fragmentNumber: fragment.fragmentNumber,
    producerTimestamp: fragment.producerTimestamp,
    serverTimestamp: fragment.serverTimestamp,
    clusterTimecode: fragment.clusterTimecode,
    frames,
    bytes: fragment.byteLength,
    ...(fragment.partial === true ? { partial: true as const } : {}),
  };
}

function hex(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

/** `track 1: video V_MPEG4/ISO/AVC 320x240, CodecPrivate 37 B → avc1.4d400d 320x240`: Matroska's view, then the codec layer's. */
function trackLines(tracks: InspectTrack[]): string {
  return tracks
    .map((t) => {
      const media = t.video
        ? ` ${t.video.width}x${t.video.height}`
        : t.audio
          ? ` ${t.audio.samplingFrequency} Hz ${t.audio.channels} ch`
          : '';
      const privateData = t.codecPrivate === null ? 'no CodecPrivate' : `CodecPrivate ${t.codecPrivate.length / 2} B`;
      return `track ${t.number}: ${t.type} ${t.codecId}${media}, ${privateData} → ${verdict(t)}\n`;
    })
    .join('');
}

function verdict(t: InspectTrack): string {
  if (t.codec !== undefined)
    return t.width !== undefined ? `${t.codec} ${t.width}x${t.height}` : `${t.codec} ${t.sampleRate} Hz ${t.channels} ch`;
  if (t.error) return `${t.error.name}: ${t.error.message}`;
  return t.unchecked ?? 'not checked';
}

const COLUMNS = [5, 48, 25, 25, 16, 10];
const HEADER = row(['#', 'fragment number', 'producer time', 'server time', 'frames', 'bytes']);

function row(cells: string[]): string {
  return `${cells.map((cell, i) => (i === cells.length - 1 ? cell.padStart(COLUMNS[i]) : cell.padEnd(COLUMNS[i]))).join(' ')}\n`;
}

function fragmentLine(f: InspectFragment): string {
  // The reader refuses KVS timestamps past what a Date holds (src/mkv/kvs-tags.ts).
  const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const frames =
    Object.entries(f.frames)
      .map(([track, n]) => `${track}:${n}`)
      .join(' ') || '-';
  return row([
    String(f.index),
    f.fragmentNumber ?? '-',
    time(f.producerTimestamp),
    time(f.serverTimestamp),
    frames,
    String(f.bytes) + (f.partial ? '*' : ''),
  ]);
}

function totalsLine(fragments: InspectFragment[]): string {
  const frames = fragments.reduce((n, f) => n + Object.values(f.frames).reduce((a, b) => a + b, 0), 0);
  const bytes = fragments.reduce((n, f) => n + f.bytes, 0);
  const partial = fragments.some((f) => f.partial) ? ' (* cut short)' : '';
  return `${fragments.length} fragments, ${frames} frames, ${bytes} bytes${partial}\n`;
}
