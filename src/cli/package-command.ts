/**
 * What `kvs-clip hls` and `kvs-clip dash` share: their flags, help and usage, their input (a file
 * or stdin, read with a progress line), the folder they write, and the closing report (the same
 * `wrote …` line, --json and --quiet as clip, audio and fetch: report.ts).
 */
import type { ParseArgsConfig } from 'node:util';
import type { DiscontinuityMode, PackageFile, PackageOptions } from '../package/types.js';
import { parseClipOptions, parseCommandArgs, SELECTION_HELP, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { checkStdin } from './terminal.js';
import { openInputFile, stdinBytes, streamFile, type CliIo } from './io.js';
import { writePackage, type PackageCounts } from './package-output.js';
import { amountText, countedBytes, createReporter, REPORT_HELP, REPORT_OPTIONS, REPORT_USAGE } from './report.js';
import type { Command } from './run.js';

/** The flags both package commands take (the command adds its own, e.g. hls's --single-file). */
export const PACKAGE_OPTIONS = {
  output: { type: 'string', short: 'o' },
  discontinuity: { type: 'string' },
  ...SELECTION_OPTIONS,
  strict: { type: 'boolean' },
  audio: { type: 'string' },
  ...REPORT_OPTIONS,
} as const;

/** Their usage text, after `<input|-> -o <dir>` and the command's own flags. */
export const PACKAGE_USAGE = `[--discontinuity always|never|on-discontinuity] ${SELECTION_USAGE} [--strict] [--audio copy|flac] ${REPORT_USAGE}`;

/** Their help lines, after the command's own. */
const PACKAGE_HELP = `  --discontinuity M where a discontinuity goes, as KVS's DiscontinuityMode: always (between every two
                    fragments), never, or on-discontinuity (default: where one fragment's end and
                    the next one's start are more than 50 ms apart); at a marker the media timeline
                    closes up, so players neither stall on a gap nor jump back
${SELECTION_HELP}
  --strict          GetClip's codec pairings exactly (A-law only with H.264, AAC only with H.265)
  --audio copy|flac copy the audio as is (default), or make G.711 lossless FLAC that browsers play
${REPORT_HELP}`;

/** --discontinuity always|never|on-discontinuity (default on-discontinuity, as KVS's HLS sessions). */
export function parseDiscontinuity(text: string | undefined, usage: string): DiscontinuityMode {
  const mode = text ?? 'on-discontinuity';
  if (mode !== 'always' && mode !== 'never' && mode !== 'on-discontinuity')
    throw new UsageError(`--discontinuity must be always, never or on-discontinuity, got ${mode}`, usage);
  return mode;
}

type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** The parsed flags: the shared ones by name, the command's own by its names. */
type PackageFlags = { [K in keyof typeof PACKAGE_OPTIONS]?: (typeof PACKAGE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** One package command: what differs between hls and dash. */
export interface PackageCommandSpec {
  name: string;
  summary: string;
  /** `HLS` or `DASH`, for the closing line. */
  kind: string;
  /** The playlist's or manifest's file name. */
  manifest: string;
  /** The command's own flags, their usage and help lines. */
  extraOptions: CommandOptions;
  extraUsage: string;
  extraHelp: string;
  /** The example at the end of the help. */
  example: string;
  /** The package's files, from the input and the parsed options; `flags` holds the command's own flags. */
  files(
    input: AsyncIterable<Uint8Array>,
    options: PackageOptions,
    flags: Record<string, string | boolean | undefined>,
  ): AsyncIterable<PackageFile>;
  /** Words after the summary, e.g. `, single file`. */
  note?(flags: Record<string, string | boolean | undefined>): string;
}

/** A package command, with its command-line check on its own (what the CLI-arguments fuzz target calls). */
export interface PackageCommand extends Command {
  /** The command line checked (UsageError for a bad one), before any file is touched. */
  parseArgs(args: string[]): {
    input: string;
    output: string;
    flags: PackageFlags & Record<string, string | boolean | undefined>;
    /** The package's options, warnings going to `onWarning` once run sets it. */
    options: PackageOptions;
  };
}

/** A package command (`hls`, `dash`) from its spec. */
export function packageCommand(spec: PackageCommandSpec): PackageCommand {
  const usage = `kvs-clip ${spec.name} <input|-> -o <dir> ${spec.extraUsage === '' ? '' : `${spec.extraUsage} `}${PACKAGE_USAGE}`;
  const options = { ...PACKAGE_OPTIONS, ...spec.extraOptions };
  const help = `  <input>           a GetMedia / GetMediaForFragmentList body saved to a file, or any Matroska file;
                    - reads stdin
  -o, --output DIR  the folder to write (created if missing); ${spec.manifest} is written last. On an
                    error, DIR keeps the segments written so far, and ${spec.manifest} for them
${spec.extraHelp === '' ? '' : `${spec.extraHelp}\n`}${PACKAGE_HELP}

Example:
${spec.example}`;
  const parseArgs: PackageCommand['parseArgs'] = (args) => {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    const flags = values as PackageFlags & Record<string, string | boolean | undefined>;
    if (flags.output === undefined) throw new UsageError('-o <dir> is required', usage);
    const clipOptions = parseClipOptions(flags, usage, () => {});
    return {
      input: positionals[0],
      output: flags.output,
      flags,
      options: { ...clipOptions, discontinuity: parseDiscontinuity(flags.discontinuity, usage) },
    };
  };
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    help,
    parseArgs,
    async run(args, io) {
      const { input, output, flags, options: parsed } = parseArgs(args);
      const report = createReporter(io, flags);
      const packageOptions: PackageOptions = { ...parsed, onWarning: (warning) => report.warning(warning) };
      let tracks: string[] | null = null;
      const onFile = (file: PackageFile) => {
        if (file.codecs !== undefined) tracks = [...new Set([...(tracks ?? []), ...file.codecs])];
      };
      try {
        const counts = await packageInput(input, io, (bytes, total) =>
          writePackage(
            output,
            spec.files(
              countedBytes(bytes, (read) => report.progress(amountText('read', read, total))),
              packageOptions,
              flags,
            ),
            spec.manifest,
            onFile,
          ),
        );
        const summary = `${summaryText(spec.kind, counts, spec.manifest)}${spec.note?.(flags) ?? ''}`;
        report.done({ output, bytes: counts.bytes, fragments: counts.mediaSegments, tracks, summary });
      } finally {
        report.clear();
      }
    },
  };
}

/**
 * Streams the input ('-' is stdin) into `write`, with the input's size when it is a regular file
 * (for the progress line's percent). Each read is a fresh buffer, so the segments' payload views stay
 * valid while they are written; nothing holds more than a fragment.
 */
async function packageInput<T>(
  path: string,
  io: CliIo,
  write: (input: AsyncIterable<Uint8Array>, total: number | null) => Promise<T>,
): Promise<T> {
  if (path === '-') {
    checkStdin(io);
    return write(stdinBytes(io), null);
  }
  const file = await openInputFile(path);
  try {
    const info = await file.stat();
    return await write(streamFile(file), info.isFile() ? info.size : null);
  } finally {
    await file.close();
  }
}

/** e.g. `HLS, 4 media segments, 123456 bytes in 6 files, index.m3u8`. */
function summaryText(kind: string, counts: PackageCounts, manifest: string): string {
  return `${kind}, ${counts.mediaSegments} media segment${counts.mediaSegments === 1 ? '' : 's'}, ${counts.bytes} bytes in ${counts.files} files, ${manifest}`;
}
