/**
 * `kvs-clip clip`: GetClip on a local GetMedia / GetMediaForFragmentList payload or Matroska file,
 * to a flat MP4 or (with --fragmented) an fMP4 of init + media segments in one file.
 */
import { stat } from 'node:fs/promises';
import { clip, fragmentedMp4Chunks } from '../api/index.js';
import { parseClipOptions, parseCommandArgs, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { fragmentedMp4OfFile } from './fragmented-file.js';
import { openInputFile, stdinBytes, streamFile } from './io.js';
import { clipFileInTwoPasses } from './two-pass.js';
import { progressLine, writeFlat, writeFragmented } from './output.js';
import type { Command } from './run.js';

export const usage = `kvs-clip clip <input|-> -o <out.mp4|-> [--fragmented] ${SELECTION_USAGE} [--strict] [--audio copy|flac]`;

/** The command's flags (exported for the argument-parser fuzz target). */
export const options = {
  output: { type: 'string', short: 'o' },
  fragmented: { type: 'boolean' },
  ...SELECTION_OPTIONS,
  strict: { type: 'boolean' },
  audio: { type: 'string' },
} as const;

export const clipCommand: Command = {
  name: 'clip',
  summary: 'remux a KVS fragment stream or Matroska file into MP4 (flat, or fragmented for MSE)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    if (values.output === undefined) throw new UsageError('-o <out.mp4|-> is required', usage);
    if (await sameFile(positionals[0], values.output))
      throw new UsageError(`-o ${values.output} is the input file: opening it for writing would destroy it`, usage);
    const progress = progressLine(io);
    const clipOptions = parseClipOptions(values, usage, (warning) => {
      progress?.clear(); // else the warning is appended to the progress text
      io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`);
    });
    const showRead = progress && ((bytes: number) => progress.show(`read ${(bytes / 1e6).toFixed(1)} MB`));
    const showWriting = (bytes: number) => progress?.show(`writing ${(bytes / 1e6).toFixed(1)} MB`);
    const [input, output] = [positionals[0], values.output];
    let summary: string;
    const file = input === '-' ? undefined : await openInputFile(input);
    try {
      // A regular file is read at known offsets into reused buffers; stdin, pipes and devices
      // (`/dev/stdin`, `<(…)`) cannot be, and are streamed as they come.
      const regular = file !== undefined && (await file.stat()).isFile();
      const stream = () => counted(file ? streamFile(file) : stdinBytes(io), showRead);
      if (values.fragmented) {
        const segments = regular
          ? fragmentedMp4OfFile(file.fd, clipOptions, { onRead: showRead })
          : fragmentedMp4Chunks(stream(), clipOptions); // fresh chunks: the payload views stay valid
        const counts = await writeFragmented(output, io, segments);
        summary = `fragmented MP4, init + ${counts.media} media segments, ${counts.bytes} bytes`;
      } else if (regular && output !== '-') {
        // A file to a file: two passes, so the process never holds the input (see two-pass.ts).
        const clipped = await clipFileInTwoPasses(input, file, clipOptions, { onRead: showRead });
        showWriting(clipped.output.Payload.byteLength);
        await clipped.writeTo(output);
        summary = `MP4, ${clipped.output.Payload.byteLength} bytes`;
      } else {
        const { Payload } = await clip(stream(), clipOptions);
        showWriting(Payload.byteLength);
        await writeFlat(output, io, Payload.chunks());
        summary = `MP4, ${Payload.byteLength} bytes`;
      }
    } finally {
      progress?.clear();
      await file?.close();
    }
    if (output !== '-') io.stderr.write(`wrote ${output} (${summary})\n`);
  },
};

/** True when both paths name one existing regular file ('-' is never one). */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === '-' || b === '-') return false;
  const [x, y] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return x !== null && y !== null && x.isFile() && x.dev === y.dev && x.ino === y.ino;
}

/** Passes chunks through, telling `onBytes` the running total (for the progress line). */
async function* counted(source: AsyncIterable<Uint8Array>, onBytes: ((total: number) => void) | undefined): AsyncGenerator<Uint8Array> {
  if (!onBytes) {
    yield* source;
    return;
  }
  let total = 0;
  let shownAt = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total - shownAt >= 8 << 20) onBytes((shownAt = total));
    yield chunk;
  }
}
