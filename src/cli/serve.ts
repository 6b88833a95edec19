/**
 * `kvs-clip serve`: a local Kinesis Video Streams endpoint over a folder of MKV files
 * (docs/server.md), until SIGINT or SIGTERM.
 */
import { stat } from 'node:fs/promises';
import { InvalidArgumentException } from '../errors.js';
import { createKvsServer, KVS_OPERATIONS, type KvsServerFaults } from '../server/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import type { Command } from './run.js';

const usage = 'kvs-clip serve <dir> [--port N] [--host 127.0.0.1] [--throttle-rate R] [--throttle-for MS] [--cut-bodies]';

const options = {
  port: { type: 'string' },
  host: { type: 'string' },
  'throttle-rate': { type: 'string' },
  'throttle-for': { type: 'string' },
  'cut-bodies': { type: 'boolean' },
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

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a folder of MKV files as a local KVS endpoint for the AWS SDKs, boto3 and the AWS CLI',
  usage,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, options, ['<dir>'], usage);
    const dir = positionals[0];
    const stats = await stat(dir).catch(() => null);
    if (!stats?.isDirectory()) throw new InvalidArgumentException(`${dir} is not a folder`);
    const server = createKvsServer({
      dir,
      host: values.host,
      port: parseNumber('--port', values.port, 0, 65535, true),
      faults: {
        throttleRate: parseNumber('--throttle-rate', values['throttle-rate'], 0, 1, false),
        throttleForMs: throttleForMs(parseNumber('--throttle-for', values['throttle-for'], 0, 86_400_000, true)),
        cutBodies: values['cut-bodies'],
      },
    });
    const stopped = stopSignal();
    const url = await server.start();
    io.stdout.write(`${url}\n`);
    await stopped;
    await server.stop();
  },
};
