/**
 * `kvs-clip inspect <file|-> [--json]`: what a KVS (or any Matroska) stream holds, fragment by
 * fragment. The table streams a row per fragment as it is read; --json prints one object at the end:
 * {"tracks":[…],"fragments":[{"fragmentNumber","producerTimestamp","serverTimestamp","frames":{"1":60},"bytes"},…]}
 */
import { readFragments, type MkvFragment, type MkvTrack, type ReaderWarning } from '../mkv/index.js';
import { parseCommandArgs } from './args.js';
import { openInput, write, type CliIo } from './io.js';
import type { Command } from './run.js';

const USAGE = 'kvs-clip inspect <file|-> [--json]';

export interface InspectTrack {
  number: number;
  type: MkvTrack['type'];
  codecId: string;
  /** CodecPrivate as hex, null when absent. */
  codecPrivate: string | null;
  name?: string;
  defaultDurationNs?: number;
  video?: MkvTrack['video'];
  audio?: MkvTrack['audio'];
}

export interface InspectFragment {
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
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'list the tracks and fragments of a KVS GetMedia stream or Matroska file',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<void> {
    const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } }, ['<file|->'], USAGE);
    const source = await openInput(positionals[0], io);
    const report: InspectReport = { tracks: [], fragments: [], warnings: [] };
    const onWarning = (warning: ReaderWarning): void => {
      report.warnings.push(warning);
      io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`);
    };
    const table = values.json !== true;
    for await (const fragment of readFragments(source, { onWarning })) {
      const newTracks = addTracks(report.tracks, fragment.tracks);
      const row = summarise(fragment);
      report.fragments.push(row);
      if (table) {
        if (newTracks.length > 0) await write(io.stdout, trackLines(newTracks));
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

function trackLines(tracks: InspectTrack[]): string {
  return tracks
    .map((t) => {
      const media = t.video ? ` ${t.video.width}x${t.video.height}` : t.audio ? ` ${t.audio.samplingFrequency} Hz ${t.audio.channels} ch` : '';
      const privateData = t.codecPrivate === null ? 'no CodecPrivate' : `CodecPrivate ${t.codecPrivate.length / 2} B`;
      return `track ${t.number}: ${t.type} ${t.codecId}${media}, ${privateData}\n`;
    })
    .join('');
}

/** The largest epoch ms a Date can show. */
const MAX_DATE_MS = 8.64e15;

const COLUMNS = [5, 48, 25, 25, 16, 10];
const HEADER = row(['#', 'fragment number', 'producer time', 'server time', 'frames', 'bytes']);

function row(cells: string[]): string {
  return `${cells.map((cell, i) => (i === cells.length - 1 ? cell.padStart(COLUMNS[i]) : cell.padEnd(COLUMNS[i]))).join(' ')}\n`;
}

function fragmentLine(f: InspectFragment): string {
  const time = (ms: number | null) => (ms === null ? '-' : Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms`);
  const frames = Object.entries(f.frames).map(([track, n]) => `${track}:${n}`).join(' ') || '-';
  return row([String(f.index), f.fragmentNumber ?? '-', time(f.producerTimestamp), time(f.serverTimestamp), frames, String(f.bytes) + (f.partial ? '*' : '')]);
}

function totalsLine(fragments: InspectFragment[]): string {
  const frames = fragments.reduce((n, f) => n + Object.values(f.frames).reduce((a, b) => a + b, 0), 0);
  const bytes = fragments.reduce((n, f) => n + f.bytes, 0);
  const partial = fragments.some((f) => f.partial) ? ' (* cut short)' : '';
  return `${fragments.length} fragments, ${frames} frames, ${bytes} bytes${partial}\n`;
}
