/** Command-line arguments: node's parseArgs, with its failures turned into usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AudioOutput, ClipFragmentSelector, ClipOptions } from '../api/types.js';
import type { ReaderWarning } from '../warnings.js';
import type { TimestampKind } from '../timeline/types.js';

/** Bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The usage line of the command that was misused, if known. */
    readonly usage?: string,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `args` against `options` and checks the positional arguments by their `names` (all
 * required). Throws UsageError with `usage` on anything unexpected.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T, names: string[], usage: string) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, usage);
  }
  const { positionals } = parsed;
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).join(', ')}`, usage);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument ${positionals[names.length]}`, usage);
  return parsed;
}

/** A time flag: ISO 8601 with a zone (2025-11-21T08:00:00.021Z) or epoch seconds, as the SDK takes them. */
export function parseTime(flag: string, text: string, usage: string): Date | number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`${flag} must be ISO 8601 with a zone (2025-11-21T08:00:00.021Z) or epoch seconds, got ${text}`, usage);
  return new Date(ms);
}

/** --timestamps producer|server (default producer). */
export function parseTimestampKind(text: string | undefined, usage: string): TimestampKind {
  const kind = text ?? 'producer';
  if (kind !== 'producer' && kind !== 'server') throw new UsageError(`--timestamps must be producer or server, got ${kind}`, usage);
  return kind;
}

/** --audio copy|flac (default copy). */
export function parseAudioOutput(text: string | undefined, usage: string): AudioOutput {
  const output = text ?? 'copy';
  if (output !== 'copy' && output !== 'flac') throw new UsageError(`--audio must be copy or flac, got ${output}`, usage);
  return output;
}

/** GetClip's selector from --start and --end, on the timestamps --timestamps chose. */
export function parseClipSelector(kind: TimestampKind, start: string, end: string, usage: string): ClipFragmentSelector {
  return {
    FragmentSelectorType: kind === 'server' ? 'SERVER_TIMESTAMP' : 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: parseTime('--start', start, usage), EndTimestamp: parseTime('--end', end, usage) },
  };
}

/** The flags that choose fragments, shared by the commands that write media (parseClipOptions reads them). */
export const SELECTION_OPTIONS = {
  start: { type: 'string' },
  end: { type: 'string' },
  timestamps: { type: 'string' },
  'max-fragments': { type: 'string' },
  'max-bytes': { type: 'string' },
  duplicates: { type: 'string' },
} as const;

/** Their usage text. */
export const SELECTION_USAGE =
  '[--start T] [--end T] [--timestamps producer|server] [--max-fragments N] [--max-bytes N] [--duplicates first-ingested|highest-fragment-number]';

/** Their help lines. */
export const SELECTION_HELP = `  --start T --end T fragments whose start time is within [T, T] (GetClip's rule); T is ISO 8601
                    with a zone (2025-11-21T08:00:00.021Z) or epoch seconds. Both or neither.
  --timestamps K    producer (default) or server: the timestamps that select and place fragments
  --max-fragments N stop before the fragment that would exceed N (GetClip stops at 200), with a warning
  --max-bytes N     stop before the fragment that would exceed N frame bytes (GetClip: 100 MB)
  --duplicates R    which of two fragments with one start time to keep: first-ingested (default)
                    or highest-fragment-number`;

/** The clip options flags the media-writing commands share; each command takes the ones it offers. */
interface ClipFlags {
  timestamps?: string;
  start?: string;
  end?: string;
  'max-fragments'?: string;
  'max-bytes'?: string;
  duplicates?: string;
  strict?: boolean;
  audio?: string;
}

/** ClipOptions from the command's flags; bad values are usage errors. */
export function parseClipOptions(values: ClipFlags, usage: string, onWarning: (warning: ReaderWarning) => void): ClipOptions {
  const timestamps = parseTimestampKind(values.timestamps, usage);
  const result: ClipOptions = { timestamps, onWarning, audio: parseAudioOutput(values.audio, usage) };
  if ((values.start === undefined) !== (values.end === undefined))
    throw new UsageError('--start and --end go together (GetClip needs both)', usage);
  if (values.start !== undefined && values.end !== undefined) {
    result.ClipFragmentSelector = parseClipSelector(timestamps, values.start, values.end, usage);
  }
  if (values['max-fragments'] !== undefined) result.maxFragments = positiveInteger('--max-fragments', values['max-fragments'], usage);
  if (values['max-bytes'] !== undefined) result.maxBytes = positiveInteger('--max-bytes', values['max-bytes'], usage);
  if (values.duplicates !== undefined) {
    if (values.duplicates !== 'first-ingested' && values.duplicates !== 'highest-fragment-number') {
      throw new UsageError(`--duplicates must be first-ingested or highest-fragment-number, got ${values.duplicates}`, usage);
    }
    result.duplicateTimestamps = values.duplicates;
  }
  if (values.strict) result.strict = 'getclip';
  return result;
}

export function positiveInteger(flag: string, text: string, usage: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive whole number, got ${text}`, usage);
  return value;
}
