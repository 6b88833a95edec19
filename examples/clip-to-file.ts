/**
 * A clip of a live stream to a file, with no GetClip caps: `node --experimental-strip-types
 * examples/clip-to-file.ts front-door 2025-11-21T08:00:00Z 2025-11-21T08:05:00Z clip.mp4`, or compile
 * it. Region and credentials come from the AWS SDK's default chain (AWS_REGION, AWS_PROFILE…).
 * Needs `npm install kvs-clip @aws-sdk/client-kinesis-video-archived-media @aws-sdk/client-kinesis-video`.
 */
import { open } from 'node:fs/promises';
import { getClip } from 'kvs-clip/aws';
import { isKvsClipError } from 'kvs-clip';

export async function clipToFile(stream: string, start: Date, end: Date, path: string): Promise<number> {
  const { Payload } = await getClip(
    {
      StreamName: stream,
      ClipFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: start, EndTimestamp: end } },
    },
    { onProgress: ({ fetched, listed }) => process.stderr.write(`\rfetched ${fetched} of ${listed} fragments`) },
  );
  const file = await open(path, 'w');
  try {
    await file.writev(Payload.chunks()); // views of the fetched fragments: nothing copied
  } finally {
    await file.close();
  }
  return Payload.byteLength;
}

const [stream, start, end, path] = process.argv.slice(2);
if (stream !== undefined && start !== undefined && end !== undefined && path !== undefined) {
  clipToFile(stream, new Date(start), new Date(end), path).then(
    (bytes) => process.stderr.write(`\nwrote ${path} (${bytes} bytes)\n`),
    (error: unknown) => {
      // KVS's exception names (ResourceNotFoundException when nothing is in the range, …).
      process.stderr.write(`\n${isKvsClipError(error) || error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
