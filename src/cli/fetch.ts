/**
 * `kvs-clip fetch`: GetClip against a live stream through kvs-clip/aws. Region and credentials come
 * from the SDK's default chain (environment, profile, instance role) unless --region is given.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { ClipFragmentSelector } from '../api/types.js';
import { getClip, getFragmentedMp4, type FetchProgress, type KvsClipInput } from '../aws/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { write, type CliIo } from './io.js';
import type { Command } from './run.js';

const usage =
  'kvs-clip fetch --stream NAME [--arn ARN] [--region R] [--endpoint URL] --start T --end T ' +
  '[--timestamps producer|server] -o <out.mp4|-> [--fragmented]';

const options = {
  stream: { type: 'string' },
  arn: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  timestamps: { type: 'string' },
  output: { type: 'string', short: 'o' },
  fragmented: { type: 'boolean' },
} as const;

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'clip a time range of a live stream (ListFragments + GetMediaForFragmentList), uncapped',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, options, [], usage);
    if (values.stream === undefined && values.arn === undefined) throw new UsageError('--stream or --arn is required', usage);
    if (values.start === undefined || values.end === undefined) throw new UsageError('--start and --end are required', usage);
    if (values.output === undefined) throw new UsageError('-o is required', usage);
    const timestamps = values.timestamps ?? 'producer';
    if (timestamps !== 'producer' && timestamps !== 'server') {
      throw new UsageError(`--timestamps must be producer or server, got ${timestamps}`, usage);
    }
    const selector: ClipFragmentSelector = {
      FragmentSelectorType: timestamps === 'server' ? 'SERVER_TIMESTAMP' : 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: parseTime('--start', values.start), EndTimestamp: parseTime('--end', values.end) },
    };
    const input: KvsClipInput = {
      ...(values.stream !== undefined && { StreamName: values.stream }),
      ...(values.arn !== undefined && { StreamARN: values.arn }),
      ClipFragmentSelector: selector,
    };
    const progress = progressLine(io);
    const fetchOptions = { region: values.region, endpoint: values.endpoint, onProgress: progress?.show };
    try {
      if (values.fragmented) await writeFragmented(values.output, io, getFragmentedMp4(input, fetchOptions));
      else {
        const clip = await getClip(input, fetchOptions);
        await writeAll(values.output, io, clip.Payload.chunks());
      }
    } finally {
      progress?.clear();
    }
  },
};

/** ISO 8601 (with a zone or Z) or epoch seconds, as the SDK takes them. */
export function parseTime(flag: string, text: string): Date | number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be ISO 8601 (2025-11-21T08:00:00.021Z) or epoch seconds, got ${text}`, usage);
  return new Date(ms);
}

interface Output {
  stream: NodeJS.WritableStream;
  close(): Promise<void>;
  discard(): Promise<void>;
}

function openOutput(path: string, io: CliIo): Output {
  if (path === '-') return { stream: io.stdout, close: async () => {}, discard: async () => {} };
  const stream = createWriteStream(path);
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  closed.catch(() => {}); // also reported by the write that failed
  return {
    stream,
    close: () => {
      stream.end();
      return closed;
    },
    discard: async () => {
      stream.destroy();
      await rm(path, { force: true });
    },
  };
}

/** The flat clip is complete before the file is opened; a failed write leaves no partial file. */
async function writeAll(path: string, io: CliIo, chunks: Uint8Array[]): Promise<void> {
  const output = openOutput(path, io);
  try {
    for (const chunk of chunks) await write(output.stream, chunk);
    await output.close();
  } catch (error) {
    await output.discard();
    throw error;
  }
}

/** Segments go out as they come; on an error what was written stays, and the message says how much. */
async function writeFragmented(path: string, io: CliIo, segments: AsyncIterable<{ type: string; data: Uint8Array }>): Promise<void> {
  let output: Output | undefined;
  let media = 0;
  try {
    for await (const segment of segments) {
      output ??= openOutput(path, io);
      await write(output.stream, segment.data);
      if (segment.type === 'media') media++;
    }
  } catch (error) {
    if (output && error instanceof Error) {
      error.message += ` (${path} keeps the init segment and ${media} media segment${media === 1 ? '' : 's'} written before the error)`;
    }
    throw error;
  } finally {
    await output?.close();
  }
}

/** "fetched 12/40 fragments" on one rewritten stderr line, only when stderr is a terminal. */
function progressLine(io: CliIo): { show(progress: FetchProgress): void; clear(): void } | undefined {
  if (!(io.stderr as { isTTY?: boolean }).isTTY) return undefined;
  let shown = false;
  return {
    show({ listed, fetched }) {
      io.stderr.write(`\rfetched ${fetched}/${listed} fragments`);
      shown = true;
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
