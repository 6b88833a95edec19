/** Command-line arguments: node's parseArgs, with its failures turned into usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ClipFragmentSelector } from '../api/types.js';
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
function parseTime(flag: string, text: string, usage: string): Date | number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be ISO 8601 with a zone (2025-11-21T08:00:00.021Z) or epoch seconds, got ${text}`, usage);
  return new Date(ms);
}

/** --timestamps producer|server (default producer). */
export function parseTimestampKind(text: string | undefined, usage: string): TimestampKind {
  const kind = text ?? 'producer';
  if (kind !== 'producer' && kind !== 'server') throw new UsageError(`--timestamps must be producer or server, got ${kind}`, usage);
  return kind;
}

/** GetClip's selector from --start and --end, on the timestamps --timestamps chose. */
export function parseClipSelector(kind: TimestampKind, start: string, end: string, usage: string): ClipFragmentSelector {
  return {
    FragmentSelectorType: kind === 'server' ? 'SERVER_TIMESTAMP' : 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: parseTime('--start', start, usage), EndTimestamp: parseTime('--end', end, usage) },
  };
}
