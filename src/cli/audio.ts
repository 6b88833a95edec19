/**
 * `kvs-clip audio`: the audio of a KVS stream (a call, a camera's G.711) as one WAV, for
 * transcription and archives. To a file, the WAV streams to disk and its header is written last with
 * the real sizes; to stdout, the header says "until the end" (as ffmpeg writes to a pipe). On an
 * error, what was written stays, with a valid header, and the message says how much.
 */
import type { FileHandle } from 'node:fs/promises';
import { wavParts } from '../api/index.js';
import { wavHeader, streamingWavHeader, type WavFormat } from '../audio/wav.js';
import { readFragments } from '../mkv/index.js';
import { parseClipOptions, parseCommandArgs, SELECTION_HELP, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { openInputFile, stdinBytes, streamFile, write } from './io.js';
import { readFileChunks } from './file-chunks.js';
import { asWriteError, openOutput, writeAllv } from './output.js';
import { createReporter, REPORT_HELP, REPORT_OPTIONS, REPORT_USAGE } from './report.js';
import { checkStdin, checkStdout } from './terminal.js';
import type { Command } from './run.js';

export const usage = `kvs-clip audio <input|-> -o <out.wav|-> ${SELECTION_USAGE} ${REPORT_USAGE}`;

/** The command's flags (exported for the argument-parser fuzz target). */
export const options = { output: { type: 'string', short: 'o' }, ...SELECTION_OPTIONS, ...REPORT_OPTIONS } as const;

const help = `  <input>           a GetMedia / GetMediaForFragmentList body saved to a file, or any Matroska file;
                    - reads stdin
  -o, --output F    the WAV to write; - writes to stdout (refused on a terminal), with a header
                    that says "until the end". On an error, what was written stays a valid WAV
${SELECTION_HELP}
${REPORT_HELP}

G.711 and 16-bit PCM tracks become one 16-bit WAV, one channel per track (Amazon Connect: left =
from the customer, right = to the customer); gaps between fragments are silence.

Example:
  kvs-clip audio call.mkv -o call.wav`;

export const audioCommand: Command = {
  name: 'audio',
  summary: 'write the audio tracks (G.711, 16-bit PCM; Amazon Connect, Chime) as one WAV, gaps as silence',
  usage,
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    if (values.output === undefined) throw new UsageError('-o <out.wav|-> is required', usage);
    checkStdout(values.output, io, usage);
    const report = createReporter(io, values);
    const clipOptions = parseClipOptions(values, usage, (warning) => report.warning(warning));
    const [input, output] = [positionals[0], values.output];
    if (input === '-') checkStdin(io);
    const source = input === '-' ? undefined : await openInputFile(input);
    // A regular file is read into reused buffers (file-chunks.ts): memory stays flat for a call of hours.
    const reused = source !== undefined && (await source.stat()).isFile() ? readFileChunks(source.fd) : undefined;
    const bytesIn = reused ? reused.chunks : source ? streamFile(source) : stdinBytes(io);
    const parts = wavParts(readFragments(bytesIn, clipOptions), clipOptions, reused && ((offset) => reused.release(offset)));
    let format: WavFormat | null = null;
    let bytes = 0;
    let file: FileHandle | undefined;
    /** A regular file gets its header rewritten with the sizes at the end; a FIFO or device cannot seek. */
    let seekable = false;
    try {
      for await (const part of parts) {
        if (!(part instanceof Uint8Array)) {
          format = part;
          if (output === '-') await write(io.stdout, streamingWavHeader(format));
          else {
            file = await openOutput(output);
            seekable = (await file.stat()).isFile();
            writeAllv(file, [seekable ? wavHeader(format, 0) : streamingWavHeader(format)]);
          }
          continue;
        }
        if (file) writeAllv(file, [part]);
        else await write(io.stdout, part);
        bytes += part.byteLength;
      }
    } catch (thrown) {
      const error = asWriteError(thrown, output);
      if (error instanceof Error && format !== null) {
        error.message += ` (${output === '-' ? 'stdout' : output} keeps the ${seconds(bytes, format)} s of audio written before the error)`;
      }
      throw error;
    } finally {
      // The header with the sizes of what was written, also after an error: the WAV stays playable.
      if (file && format && seekable) await file.write(wavHeader(format, bytes), 0, 44, 0);
      await file?.close();
      await source?.close();
    }
    const summary = `WAV, ${format!.channels} ch, ${format!.sampleRate} Hz, ${seconds(bytes, format!)} s`;
    report.done({ output, bytes: bytes + 44, fragments: null, tracks: null, summary });
  },
};

function seconds(bytes: number, format: WavFormat): string {
  return (bytes / 2 / format.channels / format.sampleRate).toFixed(3);
}
