/**
 * `kvs-clip fetch`: GetClip against a live stream through kvs-clip/aws. Region and credentials come
 * from the SDK's default chain (environment, profile, instance role) unless --region is given.
 */
import { getClip, getFragmentedMp4, type FetchProgress, type KvsClipInput } from '../aws/index.js';
import { parseAudioOutput, parseClipSelector, parseCommandArgs, parseTimestampKind, positiveInteger, UsageError } from './args.js';
import { oneLineError } from './aws-setup.js';
import { writeFlat, writeFragmented } from './output.js';
import { createReporter, REPORT_HELP, REPORT_OPTIONS, REPORT_USAGE } from './report.js';
import { checkStdout } from './terminal.js';
import type { Command } from './run.js';

export const usage =
  'kvs-clip fetch --stream NAME [--arn ARN] [--region R] [--endpoint URL] --start T --end T ' +
  `[--timestamps producer|server] -o <out.mp4|-> [--fragmented] [--audio copy|flac] [--retries N] ${REPORT_USAGE}`;

const help = `  --stream NAME     the stream's name (or --arn ARN, its ARN)
  --region R        the AWS Region; else AWS_REGION / AWS_DEFAULT_REGION, else the profile's region
                    (AWS_PROFILE, ~/.aws/config). Credentials: the AWS SDK's default chain
                    (environment, AWS_PROFILE and ~/.aws/credentials, SSO, web identity, instance
                    or container role)
  --endpoint URL    a data endpoint (from GetDataEndpoint), skipping endpoint discovery
  --start T --end T fragments whose start time is within [T, T] (GetClip's rule, at most 24 h);
                    T is ISO 8601 with a zone (2025-11-21T08:00:00.021Z) or epoch seconds
  --timestamps K    producer (default) or server
  -o, --output F    the MP4 to write (- for stdout, refused on a terminal); a flat clip is
                    written whole or not at all
  --fragmented      fragmented MP4 (init + one media segment per fragment), streamed as fetched
  --audio copy|flac copy the audio as is (default), or make G.711 lossless FLAC
  --retries N       attempts per request before giving up (default 10; backoff from 250 ms to 5 s)
${REPORT_HELP}

Unlike GetClip, no 100 MB / 200 fragment cap: every fragment in the range is fetched.

Example:
  AWS_REGION=eu-west-1 kvs-clip fetch --stream front-door -o door.mp4 \\
    --start 2025-11-21T08:00:00Z --end 2025-11-21T08:05:00Z`;

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
  ...REPORT_OPTIONS,
} as const;

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'clip a time range of a live stream (ListFragments + GetMediaForFragmentList), uncapped',
  usage,
  help,
  async run(args, io) {
    const { values } = parseCommandArgs(args, options, [], usage);
    if (values.stream === undefined && values.arn === undefined) throw new UsageError('--stream or --arn is required', usage);
    if (values.start === undefined || values.end === undefined) throw new UsageError('--start and --end are required', usage);
    if (values.output === undefined) throw new UsageError('-o is required', usage);
    checkStdout(values.output, io, usage);
    const timestamps = parseTimestampKind(values.timestamps, usage);
    const input: KvsClipInput = {
      ...(values.stream !== undefined && { StreamName: values.stream }),
      ...(values.arn !== undefined && { StreamARN: values.arn }),
      ClipFragmentSelector: parseClipSelector(timestamps, values.start, values.end, usage),
    };
    const report = createReporter(io, values);
    const output = values.output;
    let listed = 0;
    const onProgress = (progress: FetchProgress) => {
      listed = progress.listed;
      const percent = progress.listed > 0 ? ` (${Math.floor((100 * progress.fetched) / progress.listed)}%)` : '';
      report.progress(`fetched ${progress.fetched} of ${progress.listed} fragments${percent}`);
    };
    // --retries N: attempts per request (the retry policy's maxAttempts, docs/errors.md#retries).
    const retry = values.retries === undefined ? undefined : { maxAttempts: positiveInteger('--retries', values.retries, usage) };
    const fetchOptions = {
      region: values.region,
      endpoint: values.endpoint,
      onProgress,
      onWarning: report.warning,
      audio: parseAudioOutput(values.audio, usage),
      retry,
    };
    try {
      if (values.fragmented) {
        let codecs: string[] | null = null;
        const counts = await writeFragmented(output, io, getFragmentedMp4(input, fetchOptions), (segment) => (codecs ??= segment.codecs));
        const summary = `fragmented MP4, init + ${counts.media} media segments, ${counts.bytes} bytes`;
        report.done({ output, bytes: counts.bytes, fragments: counts.media, tracks: codecs, summary });
      } else {
        const clip = await getClip(input, fetchOptions);
        await writeFlat(output, io, clip.Payload.chunks());
        const bytes = clip.Payload.byteLength;
        report.done({ output, bytes, fragments: listed, tracks: null, summary: `MP4, ${listed} fragments, ${bytes} bytes` });
      }
    } catch (error) {
      throw oneLineError(error);
    } finally {
      report.clear();
    }
  },
};
