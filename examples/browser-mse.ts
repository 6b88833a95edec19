/**
 * Plays a live KVS stream in a <video> through Media Source Extensions (examples/browser-mse.html):
 * GetMedia from @aws-sdk/client-kinesis-video-media, which signs the request (SigV4) with the
 * credentials you give it, e.g. from a Cognito identity pool; its Payload is a ReadableStream in a
 * browser. Bundle with any bundler (esbuild, Vite): `esbuild examples/browser-mse.ts --bundle`.
 */
import { KinesisVideoClient, GetDataEndpointCommand } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoMediaClient, GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import { fragmentedMp4Stream } from 'kvs-clip';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export async function playLive(video: HTMLVideoElement, streamName: string, region: string, credentials: Credentials): Promise<void> {
  // GetMedia goes to the stream's data endpoint, which GetDataEndpoint gives.
  const control = new KinesisVideoClient({ region, credentials });
  const { DataEndpoint } = await control.send(new GetDataEndpointCommand({ StreamName: streamName, APIName: 'GET_MEDIA' }));
  const media = new KinesisVideoMediaClient({ region, credentials, endpoint: DataEndpoint });
  const { Payload } = await media.send(new GetMediaCommand({ StreamName: streamName, StartSelector: { StartSelectorType: 'NOW' } }));
  const body = Payload as ReadableStream<Uint8Array>; // a ReadableStream in browsers

  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  let buffer: SourceBuffer | undefined;
  // audio: 'flac' makes a G.711 camera audible: MSE plays FLAC, not A-law/µ-law.
  const reader = body.pipeThrough(fragmentedMp4Stream({ audio: 'flac' })).getReader();
  for (;;) {
    const { done, value: segment } = await reader.read();
    if (done) break;
    buffer ??= source.addSourceBuffer(segment.mimeType);
    buffer.appendBuffer(segment.data);
    await new Promise((resolve) => buffer!.addEventListener('updateend', resolve, { once: true }));
  }
  source.endOfStream();
}
