/**
 * kvs-clip/aws: GetClip's job against a live stream, with the real AWS SDK (an optional peer
 * dependency, imported on first use) and without GetClip's 100 MB / 200 fragment caps.
 *
 *   ListFragments (all pages) ─▶ GetClip's selection ─▶ GetMediaForFragmentList (batches, retries)
 *   ─▶ the offline API (clipFromFragments / fragmentedMp4FromFragments)
 *
 * Every error thrown from here is the SDK's class of its name when the SDK has one, so handlers
 * written for GetClipCommand (`err instanceof ResourceNotFoundException`) work unchanged.
 */
export { getClip, getFragmentedMp4 } from './get-clip.js';
export { fetchFragments, listFragments } from './fetch-fragments.js';
export {
  followStream,
  followStreamEvents,
  liveFragmentedMp4,
  type FollowOptions,
  type FollowStartSelector,
  type MediaClient,
} from './follow.js';
export type {
  ArchivedMediaClient,
  AwsCredentials,
  FetchOptions,
  FetchProgress,
  GetClipOptions,
  KinesisVideoControlClient,
  KvsClipInput,
  KvsOperation,
  RetryEvent,
  RetryOptions,
} from './types.js';
export type { ListedFragment, SelectedFragment } from './selection.js';
