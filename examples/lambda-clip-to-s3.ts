/**
 * An AWS Lambda handler that clips a stream's time range and stores the MP4 in S3: what GetClip
 * does, without its 100 MB / 200 fragment caps. Deploy with kvs-clip, @aws-sdk/client-s3 and the
 * two KVS SDK clients bundled (the Node.js runtime ships the SDK v3 too). The role needs
 * kinesisvideo:GetDataEndpoint, ListFragments, GetMediaForFragmentList and s3:PutObject.
 *
 * @aws-sdk/client-s3 is not a dependency of this repository: the two members used are declared
 * below, so the example type-checks without it.
 */
import { getClip } from 'kvs-clip/aws';

/** The parts of @aws-sdk/client-s3 this handler uses. */
interface S3Module {
  S3Client: new (config: { region?: string }) => { send(command: unknown): Promise<unknown> };
  PutObjectCommand: new (input: { Bucket: string; Key: string; Body: Uint8Array; ContentType: string }) => unknown;
}

/** The event: which stream, which range (ISO 8601), where to put the clip. */
export interface ClipEvent {
  streamName: string;
  start: string;
  end: string;
  bucket: string;
  key: string;
}

export async function handler(event: ClipEvent): Promise<{ bucket: string; key: string; bytes: number }> {
  const s3Package = '@aws-sdk/client-s3';
  const { S3Client, PutObjectCommand } = (await import(s3Package)) as S3Module;
  const { ContentType, Payload } = await getClip({
    StreamName: event.streamName,
    ClipFragmentSelector: {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(event.start), EndTimestamp: new Date(event.end) },
    },
  });
  // One buffer for PutObject (a clip over 5 GB would need a multipart upload instead).
  await new S3Client({}).send(new PutObjectCommand({ Bucket: event.bucket, Key: event.key, Body: Payload.bytes(), ContentType }));
  return { bucket: event.bucket, key: event.key, bytes: Payload.byteLength };
}
