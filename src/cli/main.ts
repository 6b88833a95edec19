/** The kvs-clip command: a dispatcher over one module per command. */
import packageJson from '../../package.json';
import { fetchCommand } from './fetch.js';
import { inspectCommand } from './inspect.js';
import { processIo } from './io.js';
import { runCli, type Command } from './run.js';

/** Every command, in the order `--help` lists them. */
const commands: Command[] = [inspectCommand, fetchCommand];

process.exitCode = await runCli(process.argv.slice(2), commands, processIo(), packageJson.version);
