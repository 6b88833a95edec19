/**
 * `kvs-clip clip`: GetClip on a local GetMedia / GetMediaForFragmentList payload or Matroska file,
 * to a flat MP4 or (with --fragmented) an fMP4 of init + media segments in one file.
 */
import { stat } from 'node:fs/promises';
import { clip, fragmentedMp4Chunks } from '../api/index.js';
import { parseClipOptions, parseCommandArgs, SELECTION_HELP, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { fragmentedMp4OfFile } from './fragmented-file.js';
import { openInputFile, stdinBytes, streamFile } from './io.js';
import { clipFileInTwoPasses } from './two-pass.js';
import { withSpooledInput } from './spool.js';
import { writeFlat, writeFragmented } from './output.js';
import { amountText, countedBytes, createReporter, REPORT_HELP, REPORT_OPTIONS, REPORT_USAGE } from './report.js';
import { checkStdin, checkStdout } from './terminal.js';
import type { Command } from './run.js';

export const usage = `kvs-clip clip <input|-> -o <out.mp4|-> [--fragmented [--low-latency]] ${SELECTION_USAGE} [--strict] [--audio copy|flac] ${REPORT_USAGE}`;

/** The command's flags (exported for the argument-parser fuzz target). */
export const options = {
  output: { type: 'string', short: 'o' },
  fragmented: { type: 'boolean' },
  'low-latency': { type: 'boolean' },
  ...SELECTION_OPTIONS,
  strict: { type: 'boolean' },
  audio: { type: 'string' },
  ...REPORT_OPTIONS,
} as const;

const help = `  <input>           a GetMedia / GetMediaForFragmentList body saved to a file, or any Matroska file;
                    - reads stdin
  -o, --output F    the MP4 to write; - writes to stdout (refused when stdout is a terminal).
                    A flat clip is written to a temporary file and renamed when complete: F never
                    holds part of a clip
  --fragmented      write fragmented MP4 (init + one media segment per fragment, for MSE) instead
                    of GetClip's flat MP4; it streams, and an interrupted one says it is partial
  --low-latency     with --fragmented: one CMAF chunk (moof + mdat) per block as it arrives,
                    inside each fragment, instead of one media segment per fragment
${SELECTION_HELP}
  --strict          GetClip's codec pairings exactly (A-law only with H.264, AAC only with H.265)
  --audio copy|flac copy the audio as is (default), or make G.711 lossless FLAC that browsers play
${REPORT_HELP}

Example:
  kvs-clip inspect cam.mkv        # the fragments' producer timestamps
  kvs-clip clip cam.mkv -o clip.mp4 --start 2023-11-14T22:13:21Z --end 2023-11-14T22:13:23Z`;

export const clipCommand: Command = {
  name: 'clip',
  summary: 'remux a KVS fragment stream or Matroska file into MP4 (flat, or fragmented for MSE)',
  usage,
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    if (values.output === undefined) throw new UsageError('-o <out.mp4|-> is required', usage);
    if (await sameFile(positionals[0], values.output))
      throw new UsageError(`-o ${values.output} is the input file: opening it for writing would destroy it`, usage);
    checkStdout(values.output, io, usage);
    const report = createReporter(io, values);
    const clipOptions = parseClipOptions(values, usage, (warning) => report.warning(warning));
    const [input, output] = [positionals[0], values.output];
    const file = input === '-' ? undefined : await openInputFile(input);
    if (input === '-') checkStdin(io);
    try {
      // A regular file is read at known offsets into reused buffers; stdin, pipes and devices
      // (`/dev/stdin`, `<(…)`) cannot be, and are streamed as they come.
      const info = file && (await file.stat());
      const regular = file !== undefined && info !== undefined && info.isFile();
      const total = regular ? info.size : null;
      const showRead = (bytes: number) => report.progress(amountText('read', bytes, total));
      const stream = () => countedBytes(file ? streamFile(file) : stdinBytes(io), showRead);
      if (values['low-latency'] && !values.fragmented) throw new UsageError('--low-latency needs --fragmented', usage);
      if (values.fragmented) {
        const options = { ...clipOptions, lowLatency: values['low-latency'] === true };
        const segments =
          regular && file ? fragmentedMp4OfFile(file.fd, options, { onRead: showRead }) : fragmentedMp4Chunks(stream(), options); // fresh chunks: the payload views stay valid
        let codecs: string[] | null = null;
        const counts = await writeFragmented(output, io, segments, (segment) => (codecs ??= segment.codecs));
        const summary = `fragmented MP4, init + ${counts.media} media segments, ${counts.bytes} bytes`;
        report.done({ output, bytes: counts.bytes, fragments: counts.media, tracks: codecs, summary });
        return;
      }
      let byteLength: number;
      if (regular && file && output !== '-') {
        // A file to a file: two passes, so the process never holds the input (see two-pass.ts).
        const clipped = await clipFileInTwoPasses(input, file, clipOptions, { onRead: showRead });
        byteLength = clipped.byteLength;
        report.progress(amountText('writing', byteLength, null));
        await clipped.writeTo(output);
      } else if (output !== '-') {
        // Stdin or a pipe to a file: spooled to a temporary file first, then the same two passes, so
        // memory stays flat whatever the input's size (spool.ts).
        byteLength = await withSpooledInput(stream(), async (spooled, path) => {
          const clipped = await clipFileInTwoPasses(path, spooled, clipOptions);
          report.progress(amountText('writing', clipped.byteLength, null));
          await clipped.writeTo(output);
          return clipped.byteLength;
        });
      } else {
        const { Payload } = await clip(stream(), clipOptions);
        byteLength = Payload.byteLength;
        report.progress(amountText('writing', byteLength, null));
        await writeFlat(output, io, Payload.chunks());
      }
      report.done({ output, bytes: byteLength, fragments: null, tracks: null, summary: `MP4, ${byteLength} bytes` });
    } finally {
      report.clear();
      await file?.close();
    }
  },
};

/** True when both paths name one existing regular file ('-' is never one). */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (a === '-' || b === '-') return false;
  const [x, y] = await Promise.all([stat(a).catch(() => null), stat(b).catch(() => null)]);
  return x !== null && y !== null && x.isFile() && x.dev === y.dev && x.ino === y.ino;
}
