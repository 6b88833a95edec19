/**
 * `kvs-clip serve`: a local Kinesis Video Streams endpoint over a folder of MKV files
 * (docs/server.md), until SIGINT or SIGTERM.
 */
import { stat } from 'node:fs/promises';
import { InvalidArgumentException } from '../errors.js';
import { StreamCatalog } from '../server/catalog.js';
import { createKvsServer, KVS_OPERATIONS, type KvsExchange, type KvsServerFaults } from '../server/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { progressLine } from './output.js';
import { REPORT_OPTIONS } from './report.js';
import type { Command } from './run.js';

const usage =
  'kvs-clip serve <dir> [--port N] [--host 127.0.0.1] [--throttle-rate R] [--throttle-for MS] [--cut-bodies] [--json] [--quiet]';

const help = `  <dir>             a folder of MKV files: each <name>.mkv is the stream <name> (a saved GetMedia /
                    GetMediaForFragmentList body, or any Matroska file: one fragment per cluster)
  --port N          the port (default 0: any free one; the URL printed says which)
  --host H          the interface (default 127.0.0.1: the server checks no signatures)
  --throttle-rate R answer this fraction (0 to 1) of requests with ClientLimitExceededException
  --throttle-for MS answer every call of an operation within MS ms of its first call with
                    ClientLimitExceededException (a burst, as when a stream's limits are hit)
  --cut-bodies      cut every media body in the middle of a fragment, then drop the connection
  --json            print the first line as JSON instead: {"url", "dir", "streams"}
  -q, --quiet       print the URL and nothing else (no stream list, no request count)

Prints the endpoint URL as its first stdout line, then serves until Ctrl-C or SIGTERM. On stderr:
the streams served, and on a terminal a line counting the requests answered.

Example:
  kvs-clip serve ./streams --port 4567 &
  aws kinesis-video-archived-media list-fragments --endpoint-url http://127.0.0.1:4567 --stream-name cam`;

export const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'throttle-rate': { type: 'string' },
  'throttle-for': { type: 'string' },
  'cut-bodies': { type: 'boolean' },
  ...REPORT_OPTIONS,
} as const;

function parseNumber(flag: string, text: string | undefined, min: number, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${text}`, usage);
  }
  return value;
}

/** `--throttle-for MS`: every operation throttled for MS ms from its first call (docs/server.md#faults). */
function throttleForMs(ms: number | undefined): KvsServerFaults['throttleForMs'] {
  if (ms === undefined) return undefined;
  return Object.fromEntries(KVS_OPERATIONS.map((operation) => [operation, ms]));
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((stop) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      stop();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** The command line checked (UsageError for a bad one), before any file or socket is touched. */
export function parseServeArgs(args: string[]) {
  const { values, positionals } = parseCommandArgs(args, options, ['<dir>'], usage);
  return {
    dir: positionals[0],
    json: values.json === true,
    quiet: values.quiet === true,
    host: values.host,
    port: parseNumber('--port', values.port, 0, 65535, true),
    faults: {
      throttleRate: parseNumber('--throttle-rate', values['throttle-rate'], 0, 1, false),
      throttleForMs: throttleForMs(parseNumber('--throttle-for', values['throttle-for'], 0, 86_400_000, true)),
      cutBodies: values['cut-bodies'],
    } satisfies KvsServerFaults,
  };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a folder of MKV files as a local KVS endpoint for the AWS SDKs, boto3 and the AWS CLI',
  usage,
  help,
  async run(args, io) {
    const { dir, json, quiet, host, port, faults } = parseServeArgs(args);
    const stats = await stat(dir).catch(() => null);
    if (!stats?.isDirectory()) throw new InvalidArgumentException(`${dir} is not a folder`);
    // The names the server will list, by its own rule (valid stream names of regular `<name>.mkv` files).
    const streams = await new StreamCatalog(dir).names();
    const silent = json || quiet;
    const line = silent ? undefined : progressLine(io);
    const answered = { requests: 0, errors: 0 };
    const onExchange = (exchange: KvsExchange) => {
      answered.requests++;
      if (exchange.status >= 400) answered.errors++;
      line?.show(`${answered.requests} requests answered (${answered.errors} errors), last ${exchange.operation} ${exchange.status}`);
    };
    const server = createKvsServer({ dir, host, port, faults, onExchange });
    const stopped = stopSignal();
    const url = await server.start();
    io.stdout.write(json ? `${JSON.stringify({ url, dir, streams })}\n` : `${url}\n`);
    if (!silent) {
      const names =
        streams.length === 0
          ? 'no streams yet (add <name>.mkv files)'
          : `${streams.length} stream${streams.length === 1 ? '' : 's'}: ${streams.join(', ')}`;
      io.stderr.write(`serving ${dir}, ${names}; Ctrl-C stops\n`);
    }
    await stopped;
    line?.clear();
    await server.stop();
  },
};
