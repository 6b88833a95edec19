/**
 * `kvs-clip follow`: a live stream through GetMedia (kvs-clip/aws followStreamEvents). With --fragmented,
 * fragmented MP4 written segment by segment as fragments complete (with --low-latency, a CMAF chunk
 * per block as it arrives), until --until or Ctrl-C; without
 * it, the fragments up to --until become one flat MP4 (GetClip's output).
 */
import { clipFromFragments } from '../api/index.js';
import { followStreamEvents, type FollowOptions, type FollowStartSelector } from '../aws/index.js';
import { fragmentedMp4FromEvents } from '../api/fragmented.js';
import { completeFragments } from '../mkv/index.js';
import type { FragmentEvent } from '../mkv/types.js';
import { parseAudioOutput, parseCommandArgs, parseTime, UsageError } from './args.js';
import { oneLineError } from './aws-setup.js';
import { writeFlat, writeFragmented } from './output.js';
import { createReporter, REPORT_HELP, REPORT_OPTIONS, REPORT_USAGE, type Reporter } from './report.js';
import { checkStdout } from './terminal.js';
import type { Command } from './run.js';

const usage =
  'kvs-clip follow --stream NAME [--arn ARN] [--region R] [--endpoint URL] [--start now|earliest|T] [--until T] ' +
  `-o <out.mp4|-> [--fragmented [--low-latency]] [--audio copy|flac] ${REPORT_USAGE}`;

const help = `  --stream NAME     the stream's name (or --arn ARN, its ARN)
  --region R        the AWS Region; else AWS_REGION / AWS_DEFAULT_REGION, else the profile's region.
                    Credentials: the AWS SDK's default chain (as kvs-clip fetch)
  --endpoint URL    a data endpoint (from GetDataEndpoint, or kvs-clip serve's URL), skipping discovery
  --start S         where GetMedia starts: now (default), earliest, or a producer time T (ISO 8601
                    with a zone, or epoch seconds)
  --until T         stop after the last fragment that starts at or before T; without it, follow
                    until Ctrl-C (which ends the output cleanly: what was written stays playable)
  -o, --output F    the MP4 to write (- for stdout, refused on a terminal)
  --fragmented      fragmented MP4, one media segment written as each fragment completes; without
                    it, the fragments up to --until become one flat MP4 (GetClip's output), written
                    whole or not at all
  --low-latency     with --fragmented: a CMAF chunk (moof + mdat) per block as it arrives, not a
                    segment per complete fragment (docs/kvs-mkv.md#low-latency-chunks)
  --audio copy|flac copy the audio as is (default), or make G.711 lossless FLAC
${REPORT_HELP}

On a terminal the progress line counts the fragments followed and shows the latest one's time.

Example:
  kvs-clip follow --stream front-door --start now --fragmented -o - | ffplay -
  kvs-clip follow --stream front-door --start earliest --until 2025-11-21T08:05:00Z -o door.mp4`;

export const options = {
  stream: { type: 'string' },
  arn: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  start: { type: 'string' },
  until: { type: 'string' },
  output: { type: 'string', short: 'o' },
  fragmented: { type: 'boolean' },
  'low-latency': { type: 'boolean' },
  audio: { type: 'string' },
  ...REPORT_OPTIONS,
} as const;

/** The command line checked (UsageError for a bad one), before any output or connection is opened. */
export function parseFollowArgs(args: string[]) {
  const { values } = parseCommandArgs(args, options, [], usage);
  if (values.stream === undefined && values.arn === undefined) throw new UsageError('--stream or --arn is required', usage);
  if (values.output === undefined) throw new UsageError('-o is required', usage);
  if (values['low-latency'] && !values.fragmented) throw new UsageError('--low-latency needs --fragmented', usage);
  if (!values.fragmented && values.until === undefined) throw new UsageError('a flat MP4 needs --until (or use --fragmented)', usage);
  return {
    values,
    output: values.output,
    untilMs: values.until === undefined ? Infinity : epochMs(parseTime('--until', values.until, usage)),
    startSelector: startSelector(values.start, usage),
    audio: parseAudioOutput(values.audio, usage),
  };
}

export const followCommand: Command = {
  name: 'follow',
  summary: 'follow a live stream (GetMedia), as fragmented MP4 while it runs or a flat MP4 up to --until',
  usage,
  help,
  async run(args, io) {
    const { values, output, untilMs, startSelector, audio } = parseFollowArgs(args);
    checkStdout(output, io, usage);
    const report = createReporter(io, values);
    // Ctrl-C ends following cleanly: what was written stays a playable file.
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once('SIGINT', onSigint);
    const follow: FollowOptions = {
      ...(values.stream !== undefined && { StreamName: values.stream }),
      ...(values.arn !== undefined && { StreamARN: values.arn }),
      StartSelector: startSelector,
      region: values.region,
      endpoint: values.endpoint,
      signal: stop.signal,
      onWarning: report.warning,
    };
    const followed = { count: 0 };
    const events = counted(upTo(followStreamEvents(follow), untilMs, stop.signal), followed, report);
    const clipOptions = { audio, onWarning: report.warning };
    try {
      if (values.fragmented) {
        let codecs: string[] | null = null;
        const segments = fragmentedMp4FromEvents(events, { ...clipOptions, lowLatency: values['low-latency'] === true });
        const counts = await writeFragmented(output, io, segments, (segment) => (codecs ??= segment.codecs));
        const summary = `fragmented MP4, init + ${counts.media} media segments, ${counts.bytes} bytes`;
        report.done({ output, bytes: counts.bytes, fragments: counts.media, tracks: codecs, summary });
      } else {
        const { Payload } = await clipFromFragments(completeFragments(events), clipOptions);
        await writeFlat(output, io, Payload.chunks());
        const bytes = Payload.byteLength;
        report.done({
          output,
          bytes,
          fragments: followed.count,
          tracks: null,
          summary: `MP4, ${followed.count} fragments, ${bytes} bytes`,
        });
      }
    } catch (error) {
      throw oneLineError(error);
    } finally {
      report.clear();
      process.off('SIGINT', onSigint);
    }
  },
};

/** --start: now (default), earliest, or a producer time. */
function startSelector(text: string | undefined, usage: string): FollowStartSelector {
  if (text === undefined || text === 'now') return { StartSelectorType: 'NOW' };
  if (text === 'earliest') return { StartSelectorType: 'EARLIEST' };
  const time = parseTime('--start', text, usage);
  return { StartSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: time instanceof Date ? time : new Date(time * 1000) };
}

function epochMs(time: Date | number): number {
  return time instanceof Date ? time.getTime() : time * 1000;
}

/** The events of fragments that start at or before `untilMs`; ends quietly when `signal` aborts (Ctrl-C). */
async function* upTo(events: AsyncGenerator<FragmentEvent>, untilMs: number, signal: AbortSignal): AsyncGenerator<FragmentEvent> {
  try {
    for await (const event of events) {
      const fragment = event.fragment;
      if (fragment.producerTimestamp !== null && fragment.producerTimestamp > untilMs) return;
      yield event;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** Passes events through, counting the complete fragments and showing the count and the latest time on the progress line. */
async function* counted(
  events: AsyncIterable<FragmentEvent>,
  followed: { count: number },
  report: Reporter,
): AsyncGenerator<FragmentEvent> {
  for await (const event of events) {
    if (event.type === 'fragment') {
      const fragment = event.fragment;
      followed.count++;
      const time = fragment.producerTimestamp === null ? '' : `, latest ${new Date(fragment.producerTimestamp).toISOString()}`;
      report.progress(`followed ${followed.count} fragment${followed.count === 1 ? '' : 's'}${time}`);
    }
    yield event;
  }
}
