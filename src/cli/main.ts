/** The kvs-clip command: a dispatcher over one module per command, each loaded only when it runs. */
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';
import packageJson from '../../package.json';
import { processIo } from './io.js';
import { cleanUpAfterInterrupt } from './output.js';
import { runCli, type Command } from './run.js';

// Node 22.1+ keeps V8's compiled code of the modules loaded after this call on disk, so later runs
// skip parsing and compiling them; Node 20 has no such call, and then this does nothing.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// V8 doubles the young generation each time the bytes surviving its collections add up to its size.
// A stream converted for hours keeps a few fragments alive at every collection, so the young
// generation would grow to its 16 MiB × 2 maximum and the process's memory with the stream's length.
// Kept at its starting size, memory stays flat; collections stay cheap, since little survives them
// (bench/RESULTS.md: the CLI streaming at four lengths). V8 reads this flag whenever it would grow.
setFlagsFromString('--semi-space-growth-factor=1');

// The AWS SDK (fetch, follow) tells every run under Node 20 that its releases from 2027 will need
// Node 22: a notice for whoever keeps this package's dependencies, not for someone clipping a stream.
// Its own switch turns it off (@aws-sdk/core emitWarningIfUnsupportedVersion); a user's choice stands.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Every command, in the order `--help` lists them. Each is a chunk of its own (dynamic imports), so
 * `kvs-clip clip` does not load and compile the code of the others (bench/RESULTS.md: start-up).
 */
const loaders: Record<string, () => Promise<Command>> = {
  clip: () => import('./clip.js').then((m) => m.clipCommand),
  audio: () => import('./audio.js').then((m) => m.audioCommand),
  inspect: () => import('./inspect.js').then((m) => m.inspectCommand),
  fetch: () => import('./fetch.js').then((m) => m.fetchCommand),
  follow: () => import('./follow.js').then((m) => m.followCommand),
  hls: () => import('./hls.js').then((m) => m.hlsCommand),
  dash: () => import('./dash.js').then((m) => m.dashCommand),
  serve: () => import('./serve.js').then((m) => m.serveCommand),
};

const argv = process.argv.slice(2);
// A known command needs only its own module, --version none; help, a typo or no command list them all.
const version = argv[0] === '--version' || argv[0] === '-v';
const chosen = Object.hasOwn(loaders, argv[0] ?? '') ? [loaders[argv[0]]] : version ? [] : Object.values(loaders);
const commands = await Promise.all(chosen.map((load) => load()));
// Nobody reads stderr any more (`2>&1 | head -1`): messages are lost, but the outcome stands.
process.stderr.on('error', () => {});

// Ctrl-C or a kill mid-write: a flat clip's temporary file is removed (its output never existed), a
// fragmented output says it is partial; then the exit code a shell expects (128 + signal number).
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    // A command that listens for the signal itself (serve, follow) ends in its own way.
    if (process.listenerCount(signal) > 1) return;
    cleanUpAfterInterrupt();
    process.exit(code);
  });
}

process.exitCode = await runCli(argv, commands, processIo(), packageJson.version);
