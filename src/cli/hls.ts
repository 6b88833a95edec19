/**
 * `kvs-clip hls`: a KVS fragment stream or Matroska file as an HLS package in a folder
 * (docs/packages.md): index.m3u8, the init segment and one fMP4 media segment per fragment.
 */
import { hlsPackage, HLS_PLAYLIST } from '../package/index.js';
import { parseClipOptions, parseCommandArgs, SELECTION_OPTIONS, SELECTION_USAGE, UsageError } from './args.js';
import { packageInput, parseDiscontinuity, summary } from './package-input.js';
import { writePackage } from './package-output.js';
import type { Command } from './run.js';

const usage = `kvs-clip hls <input|-> -o <dir> [--single-file] [--discontinuity always|never|on-discontinuity] ${SELECTION_USAGE} [--strict] [--audio copy|flac]`;

const options = {
  output: { type: 'string', short: 'o' },
  'single-file': { type: 'boolean' },
  discontinuity: { type: 'string' },
  ...SELECTION_OPTIONS,
  strict: { type: 'boolean' },
  audio: { type: 'string' },
} as const;

export const hlsCommand: Command = {
  name: 'hls',
  summary: 'write an HLS package (index.m3u8 + fMP4 segments) with each fragment’s wall-clock time',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<input|->'], usage);
    if (values.output === undefined) throw new UsageError('-o <dir> is required', usage);
    const clipOptions = parseClipOptions(values, usage, (warning) => io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`));
    const discontinuity = parseDiscontinuity(values.discontinuity, usage);
    const singleFile = values['single-file'] === true;
    const counts = await packageInput(positionals[0], io, (input) =>
      writePackage(values.output!, hlsPackage(input, { ...clipOptions, discontinuity, singleFile }), HLS_PLAYLIST),
    );
    io.stderr.write(`wrote ${values.output} (${summary('HLS', counts, HLS_PLAYLIST)}${singleFile ? ', single file' : ''})\n`);
  },
};
