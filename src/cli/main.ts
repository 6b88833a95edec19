/** The kvs-clip command: a dispatcher over one module per command. */
import packageJson from '../../package.json';
import { clipCommand } from './clip.js';
import { fetchCommand } from './fetch.js';
import { inspectCommand } from './inspect.js';
import { processIo } from './io.js';
import { runCli, type Command } from './run.js';

/** Every command, in the order `--help` lists them. */
const commands: Command[] = [clipCommand, inspectCommand, fetchCommand];

// A reader that stops early (`| head`, a player that has seen enough) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), commands, processIo(), packageJson.version);
