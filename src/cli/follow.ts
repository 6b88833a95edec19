/**
 * `kvs-clip follow`: a live stream through GetMedia (kvs-clip/aws followStreamEvents). With --fragmented,
 * fragmented MP4 written segment by segment as fragments complete (with --low-latency, a CMAF chunk
 * per block as it arrives), until --until or Ctrl-C; without
 * it, the fragments up to --until become one flat MP4 (GetClip's output).
 */
import { clipFromFragments } from '../api/index.js';
import { followStreamEvents, type FollowOptions, type FollowStartSelector } from '../aws/index.js';
import { fragmentedMp4FromEvents } from '../api/fragmented.js';
import type { FragmentEvent, MkvFragment } from '../mkv/types.js';
import { parseAudioOutput, parseCommandArgs, parseTime, UsageError } from './args.js';
import { writeFlat, writeFragmented } from './output.js';
import type { Command } from './run.js';

const usage =
  'kvs-clip follow --stream NAME [--arn ARN] [--region R] [--endpoint URL] [--start now|earliest|T] [--until T] ' +
  '-o <out.mp4|-> [--fragmented [--low-latency]] [--audio copy|flac]';

const options = {
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
} as const;

export const followCommand: Command = {
  name: 'follow',
  summary: 'follow a live stream (GetMedia), as fragmented MP4 while it runs or a flat MP4 up to --until',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs(args, options, [], usage);
    if (values.stream === undefined && values.arn === undefined) throw new UsageError('--stream or --arn is required', usage);
    if (values.output === undefined) throw new UsageError('-o is required', usage);
    if (values['low-latency'] && !values.fragmented) throw new UsageError('--low-latency needs --fragmented', usage);
    if (!values.fragmented && values.until === undefined) throw new UsageError('a flat MP4 needs --until (or use --fragmented)', usage);
    const untilMs = values.until === undefined ? Infinity : epochMs(parseTime('--until', values.until, usage));
    // Ctrl-C ends following cleanly: what was written stays a playable file.
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once('SIGINT', onSigint);
    const follow: FollowOptions = {
      ...(values.stream !== undefined && { StreamName: values.stream }),
      ...(values.arn !== undefined && { StreamARN: values.arn }),
      StartSelector: startSelector(values.start, usage),
      region: values.region,
      endpoint: values.endpoint,
      signal: stop.signal,
    };
    const audio = parseAudioOutput(values.audio, usage);
    try {
      if (values.fragmented) {
        const events = upTo(followStreamEvents(follow), untilMs, stop.signal);
        await writeFragmented(values.output, io, fragmentedMp4FromEvents(events, { audio, lowLatency: values['low-latency'] === true }));
      } else {
        const fragments = fragmentsOf(upTo(followStreamEvents(follow), untilMs, stop.signal));
        await writeFlat(values.output, io, (await clipFromFragments(fragments, { audio })).Payload.chunks());
      }
    } finally {
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

async function* fragmentsOf(events: AsyncIterable<FragmentEvent>): AsyncGenerator<MkvFragment> {
  for await (const event of events) if (event.type === 'fragment') yield event.fragment;
}
