/**
 * A live KVS stream in a <video> at low latency (examples/live.html): GetMedia's body through
 * `fragmentedMp4Stream({ lowLatency: true })`, so every frame is appended to the SourceBuffer as a CMAF
 * chunk as soon as its block arrives instead of once its fragment (1–10 s) is complete. The page
 * keeps to the live edge, keeps the SourceBuffer bounded (what is far behind the playhead is
 * removed), and shows the wall-clock time of the frame on screen from the fragments' producer
 * timestamps. Bundle with any bundler: `esbuild examples/live.ts --bundle --format=esm --outfile=examples/live.js`.
 */
import { fragmentedMp4Stream, type Mp4Segment } from 'kvs-clip';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Seconds of media kept behind the playhead by default; older media is removed from the SourceBuffer. */
const KEEP_BEHIND_S = 30;
/** How far behind the buffered end the playhead may fall before it jumps back to the live edge. */
const MAX_BEHIND_EDGE_S = 0.5;

/**
 * GetMedia's body for a stream, from NOW, signed by the SDK with the credentials given. `endpoint`:
 * another control-plane endpoint than the Region's, e.g. `kvs-clip serve`'s URL for a local test.
 */
export async function getMediaBody(
  streamName: string,
  region: string,
  credentials: Credentials,
  endpoint?: string,
): Promise<ReadableStream<Uint8Array>> {
  // Loaded only here: a page playing a feed of its own (?url=) does not load the SDK.
  const { KinesisVideoClient, GetDataEndpointCommand } = await import('@aws-sdk/client-kinesis-video');
  const { KinesisVideoMediaClient, GetMediaCommand } = await import('@aws-sdk/client-kinesis-video-media');
  const control = new KinesisVideoClient({ region, credentials, endpoint });
  const { DataEndpoint } = await control.send(new GetDataEndpointCommand({ StreamName: streamName, APIName: 'GET_MEDIA' }));
  const media = new KinesisVideoMediaClient({ region, credentials, endpoint: DataEndpoint });
  const { Payload } = await media.send(new GetMediaCommand({ StreamName: streamName, StartSelector: { StartSelectorType: 'NOW' } }));
  return Payload as ReadableStream<Uint8Array>; // a ReadableStream in browsers
}

/**
 * Plays a GetMedia body (or any KVS / Matroska byte stream) live; `clock` shows the frame's wall-clock
 * time. `keepBehindS`: seconds of media kept behind the playhead (what is older is removed).
 */
export async function playLive(
  video: HTMLVideoElement,
  body: ReadableStream<Uint8Array>,
  clock: HTMLElement,
  { keepBehindS = KEEP_BEHIND_S } = {},
): Promise<void> {
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  let buffer: SourceBuffer | undefined;
  /** Epoch ms of media time 0: the first fragment's producer timestamp (kvs-clip places fragments by it). */
  let epochOfZero: number | null = null;

  // The wall-clock time of the frame on screen, once per presented frame.
  const showClock = (_now: number, frame: VideoFrameCallbackMetadata) => {
    if (epochOfZero !== null) clock.textContent = new Date(epochOfZero + frame.mediaTime * 1000).toISOString();
    video.requestVideoFrameCallback(showClock);
  };
  video.requestVideoFrameCallback(showClock);

  const append = async (segment: Mp4Segment) => {
    buffer ??= source.addSourceBuffer(segment.mimeType);
    buffer.appendBuffer(segment.data);
    await new Promise((resolve) => buffer!.addEventListener('updateend', resolve, { once: true }));
    const buffered = buffer.buffered;
    if (buffered.length === 0) return;
    const end = buffered.end(buffered.length - 1);
    // Start-up and stalls leave the playhead behind: jump to just before the live edge.
    if (end - video.currentTime > MAX_BEHIND_EDGE_S) video.currentTime = end - 0.05;
    if (video.paused) video.play().catch(() => undefined);
    // Bounded memory: what lies far behind the playhead is removed (a whole range at a time).
    const start = buffered.start(0);
    if (video.currentTime - start > 2 * keepBehindS) {
      buffer.remove(start, video.currentTime - keepBehindS);
      await new Promise((resolve) => buffer!.addEventListener('updateend', resolve, { once: true }));
    }
  };

  // audio: 'flac' makes a G.711 camera audible: MSE plays FLAC, not A-law/µ-law.
  const reader = body.pipeThrough(fragmentedMp4Stream({ lowLatency: true, audio: 'flac' })).getReader();
  for (;;) {
    const { done, value: segment } = await reader.read();
    if (done) break;
    if (segment.type === 'media' && epochOfZero === null) epochOfZero = segment.producerTimestamp;
    await append(segment);
  }
  if (source.readyState === 'open') source.endOfStream();
}
