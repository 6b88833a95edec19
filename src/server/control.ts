/**
 * The control-plane operations (kinesisvideo 2017-09-30 in the service model): GetDataEndpoint
 * answers with this server itself, ListStreams and DescribeStream describe the folder's files
 * (docs/server.md#operations).
 */
import { ServiceError } from './errors.js';
import { boundedInteger, decodeToken, encodeToken, streamNameOf, type Body } from './request.js';
import type { StreamCatalog, StreamIndex } from './catalog.js';

/** APIName's enum in the model. */
const API_NAMES = [
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
];

/** Data retention we report: the longest the service allows (87 600 hours), since a file keeps its fragments. */
const RETENTION_HOURS = 87_600;

export interface ControlContext {
  catalog: StreamCatalog;
  /** Base URL of this server, for GetDataEndpoint. */
  url: string;
}

/** The ARN a stream is given here: a fixed account and region, the creation time (ms) as the last part, like the service's. */
export function streamArn(index: StreamIndex): string {
  return `arn:aws:kinesisvideo:us-east-1:000000000000:stream/${index.name}/${creationMs(index)}`;
}

function creationMs(index: StreamIndex): number {
  return index.fragments[0]?.serverMs ?? Math.round(index.mtimeMs);
}

function streamInfo(index: StreamIndex) {
  return {
    DeviceName: 'kvs-clip-serve',
    StreamName: index.name,
    StreamARN: streamArn(index),
    Version: String(index.size),
    Status: 'ACTIVE',
    CreationTime: creationMs(index) / 1000,
    DataRetentionInHours: RETENTION_HOURS,
  };
}

/** GetDataEndpoint: this server's own URL, for any known stream and any APIName of the model's enum. */
export async function getDataEndpoint(body: Body, context: ControlContext) {
  if (typeof body.APIName !== 'string' || !API_NAMES.includes(body.APIName)) {
    throw new ServiceError(
      'InvalidArgumentException',
      `1 validation error detected: Value '${String(body.APIName).slice(0, 60)}' at 'aPIName' failed to satisfy constraint: Member must satisfy enum value set: [${API_NAMES.join(', ')}]`,
    );
  }
  await context.catalog.open(streamNameOf(body));
  return { DataEndpoint: context.url };
}

/** DescribeStream: the StreamInfo of one file. */
export async function describeStream(body: Body, context: ControlContext) {
  return { StreamInfo: streamInfo(await context.catalog.open(streamNameOf(body))) };
}

function isAfterToken(value: unknown): value is { after: string } {
  return typeof value === 'object' && value !== null && typeof (value as { after?: unknown }).after === 'string';
}

/** ListStreams: the folder's streams in name order, paged, filtered by a BEGINS_WITH condition. */
export async function listStreams(body: Body, context: ControlContext) {
  const max = boundedInteger(body, 'MaxResults', 1, 10_000, 10_000);
  const token = decodeToken(body.NextToken === '' ? undefined : body.NextToken, isAfterToken);
  const condition = body.StreamNameCondition as { ComparisonOperator?: unknown; ComparisonValue?: unknown } | undefined;
  let prefix = '';
  if (condition !== undefined && condition !== null) {
    if (condition.ComparisonOperator !== undefined && condition.ComparisonOperator !== 'BEGINS_WITH') {
      throw new ServiceError('InvalidArgumentException', 'StreamNameCondition.ComparisonOperator must be BEGINS_WITH.');
    }
    prefix = typeof condition.ComparisonValue === 'string' ? condition.ComparisonValue : '';
  }
  const names = (await context.catalog.names()).filter((name) => name.startsWith(prefix) && (!token || name > token.after));
  const page = names.slice(0, max);
  const infos = [];
  for (const name of page) {
    // A file removed or unreadable since the listing is left out rather than failing the list.
    const index = await context.catalog.open(name).catch(() => null);
    if (index) infos.push(streamInfo(index));
  }
  return { StreamInfoList: infos, ...(names.length > max && { NextToken: encodeToken({ after: page[page.length - 1] }) }) };
}
