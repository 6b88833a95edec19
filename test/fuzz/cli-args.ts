/**
 * Fuzz target: the CLI's argument parsing (src/cli/args.ts and the flags of every command: clip,
 * audio, inspect, fetch, hls, dash, follow, serve) must refuse any command line with UsageError only,
 * never another error: arguments mixing every flag the commands
 * know (long, short, `--flag=value`, negated), values of the right shape and of none, and any text.
 */
import fc from 'fast-check';
import {
  parseAudioOutput,
  parseClipOptions,
  parseClipSelector,
  parseCommandArgs,
  parseTimestampKind,
  UsageError,
} from '../../src/cli/args.js';
import * as audio from '../../src/cli/audio.js';
import * as clip from '../../src/cli/clip.js';
import { dashCommand } from '../../src/cli/dash.js';
import * as fetch from '../../src/cli/fetch.js';
import * as follow from '../../src/cli/follow.js';
import { hlsCommand } from '../../src/cli/hls.js';
import * as inspect from '../../src/cli/inspect.js';
import { PACKAGE_OPTIONS } from '../../src/cli/package-command.js';
import * as serve from '../../src/cli/serve.js';
import type { FuzzTarget } from './targets.js';

/** Every flag of every command (`single-file` is hls's own, in its spec). */
const FLAGS = [
  ...new Set([
    ...[clip.options, audio.options, fetch.options, inspect.options, follow.options, serve.options, PACKAGE_OPTIONS].flatMap((o) =>
      Object.keys(o),
    ),
    'single-file',
  ]),
];

/** Values of the shapes the flags take, and of shapes they do not. */
const value = fc.oneof(
  fc.constantFrom(
    'producer',
    'server',
    'copy',
    'flac',
    'first-ingested',
    'highest-fragment-number',
    'always',
    'never',
    'on-discontinuity',
    'now',
    'earliest',
    '-',
    'out.mp4',
    '',
  ),
  fc.constantFrom(
    '2025-11-21T08:00:00.021Z',
    '2025-11-21T08:00:00+01:00',
    '1700000000',
    '1700000000.5',
    '9'.repeat(400),
    '-1',
    '0',
    'NaN',
    '1e309',
  ),
  fc.string(),
  fc.integer().map(String),
  fc.double().map(String),
);

const token = fc.oneof(
  fc.constantFrom(...FLAGS).map((flag) => `--${flag}`),
  fc.tuple(fc.constantFrom(...FLAGS), value).map(([flag, v]) => `--${flag}=${v}`),
  fc.constantFrom('-o', '-', '--', '-x', '--no-json', '--json=1', '-oo', '--=', '---'),
  value,
);

const argv = fc.array(token, { maxLength: 14 });

/** Parses `args` the way each command does before it touches a file or the network. */
function parseAsEveryCommand(args: string[]): void {
  const noWarnings = (): void => {};
  const commands = [
    () => parseClipOptions(parseCommandArgs(args, clip.options, ['<input|->'], clip.usage).values, clip.usage, noWarnings),
    () => parseClipOptions(parseCommandArgs(args, audio.options, ['<input|->'], audio.usage).values, audio.usage, noWarnings),
    () => parseCommandArgs(args, inspect.options, ['<file|->'], inspect.USAGE),
    () => {
      const { values } = parseCommandArgs(args, fetch.options, [], fetch.usage);
      const kind = parseTimestampKind(values.timestamps, fetch.usage);
      parseAudioOutput(values.audio, fetch.usage);
      if (values.start !== undefined && values.end !== undefined) parseClipSelector(kind, values.start, values.end, fetch.usage);
    },
    () => hlsCommand.parseArgs(args),
    () => dashCommand.parseArgs(args),
    () => follow.parseFollowArgs(args),
    () => serve.parseServeArgs(args),
  ];
  for (const parse of commands) {
    try {
      parse();
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
    }
  }
}

export const cliArgsTarget: FuzzTarget<[string[]]> = {
  name: 'cli-args',
  claim: 'every command line is parsed or refused with UsageError',
  testRuns: 300,
  arbitraries: [argv],
  check: parseAsEveryCommand,
};
