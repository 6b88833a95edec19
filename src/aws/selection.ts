/**
 * Which fragments a GetClip-shaped request covers: ListFragments, every page, then GetClip's rule.
 * ListFragments returns fragments that overlap the range, in no order (not even across pages), and
 * may repeat one across pages; GetClip takes a fragment when its *start* timestamp is ≥ Start and
 * ≤ End (docs/getclip.md).
 */
import type { FragmentSelector, KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { compareFragmentNumbers, validateSelector } from '../api/index.js';
import type { ClipFragmentSelector, TimeRange } from '../api/types.js';
import { InvalidArgumentException, KvsStreamError } from '../errors.js';
import type { ArchivedMediaSdk } from './sdk.js';
import { listPage, fromSdkFailure } from './response.js';
import { backoffDelay, withRetries, type RetrySettings } from './retry.js';

export interface StreamId {
  StreamName?: string;
  StreamARN?: string;
}

const streamNamePattern = /^[a-zA-Z0-9_.-]{1,256}$/;
const streamArnPattern = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;

/** The stream part of the input, checked as the service checks it. */
export function streamId(input: StreamId): StreamId {
  const { StreamName, StreamARN } = input;
  if (StreamName === undefined && StreamARN === undefined) {
    throw new InvalidArgumentException('Either StreamName or StreamARN must be specified');
  }
  if (StreamName !== undefined && !streamNamePattern.test(StreamName)) {
    throw new InvalidArgumentException(
      `1 validation error detected: Value '${StreamName}' at 'streamName' failed to satisfy constraint: ` +
        'Member must have length between 1 and 256 and match pattern [a-zA-Z0-9_.-]+',
    );
  }
  if (StreamARN !== undefined && (StreamARN.length > 1024 || !streamArnPattern.test(StreamARN))) {
    throw new InvalidArgumentException(
      `1 validation error detected: Value '${StreamARN}' at 'streamARN' failed to satisfy constraint: ` +
        'Member must be a Kinesis Video stream ARN',
    );
  }
  return { ...(StreamName !== undefined && { StreamName }), ...(StreamARN !== undefined && { StreamARN }) };
}

/** ListFragments' selector for a GetClip selector's validated range. */
function listSelector(type: ClipFragmentSelector['FragmentSelectorType'], range: TimeRange): FragmentSelector {
  return {
    FragmentSelectorType: type,
    TimestampRange: { StartTimestamp: new Date(range.startMs), EndTimestamp: new Date(range.endMs) },
  };
}

/** Fragments asked for per ListFragments page (the service's maximum). */
const PAGE_SIZE = 1000;

function paginationError(message: string): KvsStreamError {
  return new KvsStreamError(`${message}; giving up rather than paging forever`, { errorCode: 'EndlessPagination' });
}

/** A fragment as ListFragments describes it (the SDK's `Fragment`, by the fields it has). */
export interface ListedFragment {
  /** The fragment's number, a decimal string of up to 128 digits. */
  FragmentNumber?: string;
  /** Its size in bytes. */
  FragmentSizeInBytes?: number;
  /** Its producer timestamp. */
  ProducerTimestamp?: Date;
  /** When KVS received it. */
  ServerTimestamp?: Date;
  /** How long it lasts. */
  FragmentLengthInMilliseconds?: number;
}

/** A fragment GetClip's rule selected. */
export interface SelectedFragment {
  /** The fragment's number. */
  fragmentNumber: string;
  /** The selected timestamp (producer or server), epoch ms. */
  timestamp: number;
  /** As ListFragments described it. */
  listed: ListedFragment;
}

/** Every fragment GetClip would take for this selector, in timestamp order, each once. */
export async function listSelectedFragments(
  sdk: ArchivedMediaSdk,
  client: KinesisVideoArchivedMediaClient,
  stream: StreamId,
  selector: ClipFragmentSelector,
  retry: RetrySettings,
): Promise<SelectedFragment[]> {
  const range = validateSelector(selector);
  const FragmentSelector = listSelector(selector.FragmentSelectorType, range);
  const byNumber = new Map<string, SelectedFragment>();
  const seenNumbers = new Set<string>();
  // A service that pages forever must not keep us looping (docs/errors.md#pagination): a token seen
  // before ends the listing with an error; pages that bring nothing new are backed off like a retry
  // and given up after maxAttempts in a row; and the pages are bounded by the range, at one
  // fragment per millisecond of it, far beyond any camera.
  const seenTokens = new Set<string>();
  const maxPages = 2 + Math.ceil((range.endMs - range.startMs + 1) / PAGE_SIZE);
  let pages = 0;
  let pagesWithoutNews = 0;
  let NextToken: string | undefined;
  do {
    const page = listPage(
      await withRetries('ListFragments', retry, (abortSignal) =>
        client
          .send(new sdk.ListFragmentsCommand({ ...stream, FragmentSelector, MaxResults: PAGE_SIZE, NextToken }), { abortSignal })
          .catch((error: unknown) => {
            throw fromSdkFailure('ListFragments', error);
          }),
      ),
    );
    pages++;
    let news = false;
    for (const listed of page.Fragments) {
      const fragmentNumber = listed.FragmentNumber;
      if (fragmentNumber === undefined || seenNumbers.has(fragmentNumber)) continue;
      seenNumbers.add(fragmentNumber);
      news = true;
      // The service always sends both; a fragment without a number could not be fetched anyway.
      const time = selector.FragmentSelectorType === 'SERVER_TIMESTAMP' ? listed.ServerTimestamp : listed.ProducerTimestamp;
      if (time === undefined) continue;
      const timestamp = time.getTime();
      if (timestamp >= range.startMs && timestamp <= range.endMs) byNumber.set(fragmentNumber, { fragmentNumber, timestamp, listed });
    }
    NextToken = page.NextToken;
    if (NextToken === undefined) break;
    if (seenTokens.has(NextToken)) throw paginationError(`ListFragments returned the same NextToken twice, after ${pages} pages`);
    seenTokens.add(NextToken);
    if (pages >= maxPages)
      throw paginationError(`ListFragments kept paging: ${pages} pages for a range of ${range.endMs - range.startMs} ms`);
    pagesWithoutNews = news ? 0 : pagesWithoutNews + 1;
    if (pagesWithoutNews >= retry.maxAttempts)
      throw paginationError(`ListFragments returned ${pagesWithoutNews} pages in a row with no new fragment`);
    if (pagesWithoutNews > 0) await retry.sleep(backoffDelay(pagesWithoutNews, retry), retry.signal);
  } while (NextToken !== undefined);
  // Equal timestamps keep ingestion order (fragment numbers grow with it), which the offline API's
  // duplicate-timestamp rule then sees as it would in a GetMedia stream.
  return [...byNumber.values()].sort((a, b) => a.timestamp - b.timestamp || compareFragmentNumbers(a.fragmentNumber, b.fragmentNumber));
}
