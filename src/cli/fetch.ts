/**
 * `kvs-clip fetch`: GetClip against a live stream through kvs-clip/aws. Region and credentials come
 * from the SDK's default chain (environment, profile, instance role) unless --region is given.
 */
import { getClip, getFragmentedMp4, type FetchProgress, type KvsClipInput } from '../aws/index.js';
import { parseAudioOutput, parseClipSelector, parseCommandArgs, parseTimestampKind, positiveInteger, UsageError } from './args.js';
import { progressLine, writeFlat, writeFragmented } from './output.js';
import type { Command } from './run.js';

export const usage =
  'kvs-clip fetch --stream NAME [--arn ARN] [--region R] [--endpoint URL] --start T --end T ' +
  '[--timestamps producer|server] -o <out.mp4|-> [--fragmented] [--audio copy|flac] [--retries N]';

/** The command's flags (exported for the argument-parser fuzz target). */
export const options = {
  stream: { type: 'string' },
  arn: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  timestamps: { type: 'string' },
  output: { type: 'string', short: 'o' },
  fragmented: { type: 'boolean' },
  audio: { type: 'string' },
  retries: { type: 'string' },
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
    const timestamps = parseTimestampKind(values.timestamps, usage);
    const input: KvsClipInput = {
      ...(values.stream !== undefined && { StreamName: values.stream }),
      ...(values.arn !== undefined && { StreamARN: values.arn }),
      ClipFragmentSelector: parseClipSelector(timestamps, values.start, values.end, usage),
    };
    const progress = progressLine(io);
    const onProgress = progress && (({ listed, fetched }: FetchProgress) => progress.show(`fetched ${fetched}/${listed} fragments`));
    // --retries N: attempts per request (the retry policy's maxAttempts, docs/errors.md#retries).
    const retry = values.retries === undefined ? undefined : { maxAttempts: positiveInteger('--retries', values.retries, usage) };
    const fetchOptions = {
      region: values.region,
      endpoint: values.endpoint,
      onProgress,
      audio: parseAudioOutput(values.audio, usage),
      retry,
    };
    try {
      if (values.fragmented) await writeFragmented(values.output, io, getFragmentedMp4(input, fetchOptions));
      else {
        const clip = await getClip(input, fetchOptions);
        await writeFlat(values.output, io, clip.Payload.chunks());
      }
    } finally {
      progress?.clear();
    }
  },
};
