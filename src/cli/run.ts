/**
 * Runs one command and turns what it throws into the CLI contract: the first stderr line is
 * `<ErrorName>: <message>`; exit code 1 for errors, 2 for usage errors.
 */
import { isKvsClipError } from '../errors.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

export interface Command {
  name: string;
  /** One line for `kvs-clip --help`. */
  summary: string;
  /** e.g. `kvs-clip inspect <file|-> [--json]`. */
  usage: string;
  /** What `kvs-clip <name> --help` prints after the usage: every option described, then an example. */
  help?: string;
  run(args: string[], io: CliIo): Promise<void>;
}

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_USAGE = 2;

/** Dispatches `argv` (without node and script) to one of `commands`; resolves to the exit code. */
export async function runCli(argv: string[], commands: Command[], io: CliIo, version: string): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const asked = name === 'help' ? commands.find((c) => c.name === args[0]) : undefined;
    io.stdout.write(asked ? commandHelp(asked) : helpText(commands));
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (command === undefined) {
      const usages = commands.map((c) => c.usage).join('\n       ');
      throw new UsageError(`unknown command ${name} (kvs-clip --help lists them)`, usages);
    }
    // --help anywhere before a `--` asks for help, whatever else is on the line.
    const beforeDashes = args.indexOf('--') === -1 ? args : args.slice(0, args.indexOf('--'));
    if (beforeDashes.includes('--help') || beforeDashes.includes('-h')) {
      io.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    await command.run(args, io);
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(errorText(error));
    return error instanceof UsageError ? EXIT_USAGE : EXIT_ERROR;
  }
}

/** `<ErrorName>: <message>` first; usage for usage errors; the stack for errors nobody meant to throw. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return `Error: ${String(error)}\n`;
  const lines = [`${error.name}: ${error.message}`];
  if (error instanceof UsageError) {
    if (error.usage !== undefined) lines.push(`usage: ${error.usage}`);
  } else if (!isKvsClipError(error) && !('$fault' in error) && !isExpected(error) && error.stack !== undefined) {
    // Errors with $fault are the SDK's service exceptions: expected, so no stack.
    lines.push(...error.stack.split('\n').slice(1));
  }
  return `${lines.join('\n')}\n`;
}

/** Errors that come from the world, not from a bug: a failed write, a missing region, no credentials, no network. */
function isExpected(error: Error): boolean {
  return ['WriteError', 'ConfigurationError', 'NetworkError', 'AbortError'].includes(error.name);
}

function commandHelp(command: Command): string {
  return `usage: ${command.usage}\n\n${command.summary}\n${command.help === undefined ? '' : `\n${command.help.trimEnd()}\n`}`;
}

function helpText(commands: Command[]): string {
  // Usages are long: each command gets its summary, then its usage on a line of its own.
  const entries = commands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}\n           ${c.usage}`);
  return `kvs-clip: Kinesis Video Streams GetClip, in process\n\n${entries.join('\n\n')}\n\nkvs-clip <command> --help describes a command's options, with an example.\nErrors: first stderr line <ErrorName>: <message>, exit 1; usage errors exit 2.\n`;
}
