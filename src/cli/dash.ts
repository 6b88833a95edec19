/**
 * `kvs-clip dash`: a KVS fragment stream or Matroska file as a DASH package in a folder
 * (docs/packages.md): manifest.mpd, and per track an init segment and one media segment per fragment.
 */
import { dashPackage, DASH_MANIFEST } from '../package/index.js';
import { parseClipOptions, parseCommandArgs, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { packageInput, parseDiscontinuity, summary } from './package-input.js';
import { writePackage } from './package-output.js';
import type { Command } from './run.js';

const usage = `kvs-clip dash <input|-> -o <dir> [--discontinuity always|never|on-discontinuity] ${SELECTION_USAGE} [--strict] [--audio copy|flac]`;

const options = {
  output: { type: 'string', short: 'o' },
  discontinuity: { type: 'string' },
  ...SELECTION_OPTIONS,
  strict: { type: 'boolean' },
  audio: { type: 'string' },
} as const;

export const dashCommand: Command = {
  name: 'dash',
  summary: 'write a DASH package (manifest.mpd + per-track fMP4 segments) with each fragment’s wall-clock time',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    if (values.output === undefined) throw new UsageError('-o <dir> is required', usage);
    const clipOptions = parseClipOptions(values, usage, (warning) => io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`));
    const discontinuity = parseDiscontinuity(values.discontinuity, usage);
    const counts = await packageInput(positionals[0], io, (input) =>
      writePackage(values.output!, dashPackage(input, { ...clipOptions, discontinuity }), DASH_MANIFEST),
    );
    io.stderr.write(`wrote ${values.output} (${summary('DASH', counts, DASH_MANIFEST)})\n`);
  },
};
