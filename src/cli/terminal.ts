/**
 * What a terminal needs that a pipe does not: no MP4 bytes dumped onto it, and a word when a command
 * sits waiting for input typed on it.
 */
import { UsageError } from './args.js';
import type { CliIo } from './io.js';

const isTty = (stream: unknown): boolean => (stream as { isTTY?: boolean }).isTTY === true;

/** `-o -` to a terminal would print binary media on it: a usage error instead. */
export function checkStdout(output: string, io: CliIo, usage: string): void {
  if (output === '-' && isTty(io.stdout)) {
    throw new UsageError('-o - writes the media to stdout, which is a terminal: redirect it (> out.mp4, | ffplay -) or give a file', usage);
  }
}

/** `-` with stdin on a terminal waits for bytes nobody will type: say so, once, on stderr. */
export function checkStdin(io: CliIo): void {
  if (isTty(io.stdin)) io.stderr.write('reading the stream from stdin (a terminal): pipe a file in, or press Ctrl-D to end\n');
}
