/**
 * The AWS SDK packages are optional peer dependencies: they are imported here, on first use only,
 * so `kvs-clip/aws` can be bundled and imported without them until a fetch actually runs.
 */
import { InvalidArgumentException } from '../errors.js';

export type ArchivedMediaSdk = typeof import('@aws-sdk/client-kinesis-video-archived-media');
type KinesisVideoSdk = typeof import('@aws-sdk/client-kinesis-video');
export type MediaSdk = typeof import('@aws-sdk/client-kinesis-video-media');

let archivedMedia: Promise<ArchivedMediaSdk> | undefined;
let kinesisVideo: Promise<KinesisVideoSdk> | undefined;
let media: Promise<MediaSdk> | undefined;

export function loadArchivedMediaSdk(): Promise<ArchivedMediaSdk> {
  archivedMedia ??= import('@aws-sdk/client-kinesis-video-archived-media').catch((cause: unknown) => {
    archivedMedia = undefined;
    throw missingPackage('@aws-sdk/client-kinesis-video-archived-media', cause);
  });
  return archivedMedia;
}

export function loadKinesisVideoSdk(): Promise<KinesisVideoSdk> {
  kinesisVideo ??= import('@aws-sdk/client-kinesis-video').catch((cause: unknown) => {
    kinesisVideo = undefined;
    throw missingPackage('@aws-sdk/client-kinesis-video', cause);
  });
  return kinesisVideo;
}

export function loadMediaSdk(): Promise<MediaSdk> {
  media ??= import('@aws-sdk/client-kinesis-video-media').catch((cause: unknown) => {
    media = undefined;
    throw missingPackage('@aws-sdk/client-kinesis-video-media', cause);
  });
  return media;
}

function missingPackage(name: string, cause: unknown): InvalidArgumentException {
  return new InvalidArgumentException(`kvs-clip/aws needs the optional peer dependency ${name}: install it (npm install ${name})`, {
    cause,
  });
}
