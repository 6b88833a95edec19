/** The kvs-clip command: a dispatcher over one module per command. */
import { setFlagsFromString } from 'node:v8';
import packageJson from '../../package.json';
import { audioCommand } from './audio.js';
import { clipCommand } from './clip.js';
import { dashCommand } from './dash.js';
import { fetchCommand } from './fetch.js';
import { hlsCommand } from './hls.js';
import { followCommand } from './follow.js';
import { inspectCommand } from './inspect.js';
import { processIo } from './io.js';
import { runCli, type Command } from './run.js';
import { serveCommand } from './serve.js';

// V8 doubles the young generation each time the bytes surviving its collections add up to its size.
// A stream converted for hours keeps a few fragments alive at every collection, so the young
// generation would grow to its 16 MiB × 2 maximum and the process's memory with the stream's length.
// Kept at its starting size, memory stays flat; collections stay cheap, since little survives them
// (bench/RESULTS.md: the CLI streaming at four lengths). V8 reads this flag whenever it would grow.
setFlagsFromString('--semi-space-growth-factor=1');

/** Every command, in the order `--help` lists them. */
const commands: Command[] = [clipCommand, audioCommand, inspectCommand, fetchCommand, followCommand, hlsCommand, dashCommand, serveCommand];

// A reader that stops early (`| head`, a player that has seen enough) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), commands, processIo(), packageJson.version);
