/** The kvs-clip command: a dispatcher over one module per command. */
import { setFlagsFromString } from 'node:v8';
import packageJson from '../../package.json';
import { audioCommand } from './audio.js';
import { clipCommand } from './clip.js';
import { fetchCommand } from './fetch.js';
import { inspectCommand } from './inspect.js';
import { processIo } from './io.js';
import { cleanUpAfterInterrupt } from './output.js';
import { runCli, type Command } from './run.js';

// V8 doubles the young generation each time the bytes surviving its collections add up to its size.
// A stream converted for hours keeps a few fragments alive at every collection, so the young
// generation would grow to its 16 MiB × 2 maximum and the process's memory with the stream's length.
// Kept at its starting size, memory stays flat; collections stay cheap, since little survives them
// (bench/RESULTS.md: the CLI streaming at four lengths). V8 reads this flag whenever it would grow.
setFlagsFromString('--semi-space-growth-factor=1');

/** Every command, in the order `--help` lists them. */
const commands: Command[] = [clipCommand, audioCommand, inspectCommand, fetchCommand];

// A reader that stops early (`| head`, a player that has seen enough) is not an error of ours. Other
// stdout errors (a full disk) reach the write that failed, which reports them as a WriteError.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
// Nobody reads stderr any more (`2>&1 | head -1`): messages are lost, but the outcome stands.
process.stderr.on('error', () => {});

// Ctrl-C or a kill mid-write: a flat clip's temporary file is removed (its output never existed), a
// fragmented output says it is partial; then the exit code a shell expects (128 + signal number).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    cleanUpAfterInterrupt();
    process.exit(code);
  });
}

process.exitCode = await runCli(process.argv.slice(2), commands, processIo(), packageJson.version);
