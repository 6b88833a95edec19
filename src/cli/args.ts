/** Command-line arguments: node's parseArgs, with its failures turned into usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

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
