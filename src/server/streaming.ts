/**
 * GetHLSStreamingSessionURL and GetDASHStreamingSessionURL (kinesis-video-archived-media
 * 2017-09-30) and the files their session URLs point to, made by the library's `hlsPackage` /
 * `dashPackage` (docs/server.md#hls-and-dash-sessions).
 */
import { randomBytes } from 'node:crypto';
import { dashPackage, DASH_MANIFEST, hlsPackage, HLS_PLAYLIST, type DiscontinuityMode, type PackageFile } from '../package/index.js';
import type { ClipInput } from '../api/types.js';
import { listTags, type StoredFragment, type StreamCatalog } from './catalog.js';
import { ServiceError } from './errors.js';
import { boundedInteger, streamNameOf, timestampMs, type Body } from './request.js';

const PLAYBACK_MODES = ['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'];
const DISCONTINUITY_MODES: Record<string, DiscontinuityMode> = { ALWAYS: 'always', NEVER: 'never', ON_DISCONTINUITY: 'on-discontinuity' };

/** A session's files, by path relative to its URL's folder. */
export interface StreamingSession {
  files: Map<string, Uint8Array[]>;
  expiresAt: number;
}

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidArgumentException', message);
}

function oneOf(body: Body, member: string, values: string[], fallback: string): string {
  const value = body[member] ?? fallback;
  if (typeof value !== 'string' || !values.includes(value)) {
    throw invalid(
      `1 validation error detected: Value '${String(JSON.stringify(value)).slice(0, 60)}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
    );
  }
  return value;
}

/**
 * The fragments a session plays (the models' PlaybackMode descriptions): ON_DEMAND those starting
 * in the selector's range (both ends required); LIVE_REPLAY those from its start on (End optional);
 * LIVE the newest ones. At most `max` of them, the earliest for ON_DEMAND and LIVE_REPLAY.
 */
function sessionFragments(
  fragments: StoredFragment[],
  mode: string,
  selector: unknown,
  selectorMember: string,
  max: number,
): { chosen: StoredFragment[]; byServer: boolean } {
  if (mode === 'LIVE') return { chosen: fragments.slice(-max), byServer: false };
  if (typeof selector !== 'object' || selector === null) throw invalid(`${selectorMember} is required for ${mode}.`);
  const { FragmentSelectorType: type, TimestampRange: range } = selector as {
    FragmentSelectorType?: unknown;
    TimestampRange?: Record<string, unknown>;
  };
  if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP')
    throw invalid(`${selectorMember}.FragmentSelectorType must be PRODUCER_TIMESTAMP or SERVER_TIMESTAMP.`);
  const byServer = type === 'SERVER_TIMESTAMP';
  const startMs = timestampMs(range?.StartTimestamp, `${selectorMember}.TimestampRange.StartTimestamp`);
  const endMs =
    mode === 'ON_DEMAND' || range?.EndTimestamp !== undefined
      ? timestampMs(range?.EndTimestamp, `${selectorMember}.TimestampRange.EndTimestamp`)
      : Infinity;
  if (endMs <= startMs) throw invalid('The EndTimestamp must be later than the StartTimestamp.');
  const start = (fragment: StoredFragment) => (byServer ? fragment.serverMs : fragment.producerMs);
  return { chosen: fragments.filter((f) => start(f) >= startMs && start(f) <= endMs).slice(0, max), byServer };
}

/** Collects a package's files (a file may come in several appended pieces). */
async function collect(files: AsyncIterable<PackageFile>): Promise<Map<string, Uint8Array[]>> {
  const out = new Map<string, Uint8Array[]>();
  for await (const file of files) {
    const parts = file.append ? (out.get(file.path) ?? []) : [];
    parts.push(...file.chunks);
    out.set(file.path, parts);
  }
  return out;
}

/** What both session operations share: the stream, the mode, the chosen fragments as input to a package. */
async function prepare(body: Body, catalog: StreamCatalog, selectorMember: string, maxMember: string) {
  const index = await catalog.open(streamNameOf(body));
  const mode = oneOf(body, 'PlaybackMode', PLAYBACK_MODES, 'LIVE');
  const expires = boundedInteger(body, 'Expires', 300, 43_200, 300);
  const max = boundedInteger(body, maxMember, 1, 5000, mode === 'ON_DEMAND' ? 1000 : 5);
  const { chosen, byServer } = sessionFragments(index.fragments, mode, body[selectorMember], selectorMember, max);
  if (chosen.length === 0) throw new ServiceError('ResourceNotFoundException', 'No fragments found in the stream for the requested range.');
  const input: ClipInput = chosen.flatMap((fragment) => [...fragment.head, listTags(fragment), ...fragment.body]);
  return { input, timestamps: byServer ? ('server' as const) : ('producer' as const), expiresAt: Date.now() + expires * 1000 };
}

export async function hlsSession(body: Body, catalog: StreamCatalog): Promise<{ session: StreamingSession; entry: string }> {
  const { input, timestamps, expiresAt } = await prepare(body, catalog, 'HLSFragmentSelector', 'MaxMediaPlaylistFragmentResults');
  if (oneOf(body, 'ContainerFormat', ['FRAGMENTED_MP4', 'MPEG_TS'], 'FRAGMENTED_MP4') === 'MPEG_TS') {
    throw invalid('ContainerFormat MPEG_TS is not served by kvs-clip; use FRAGMENTED_MP4.');
  }
  const discontinuity = DISCONTINUITY_MODES[oneOf(body, 'DiscontinuityMode', Object.keys(DISCONTINUITY_MODES), 'ALWAYS')];
  const showTimestamps = oneOf(body, 'DisplayFragmentTimestamp', ['ALWAYS', 'NEVER'], 'NEVER') === 'ALWAYS';
  const files = await collect(hlsPackage(input, { timestamps, discontinuity }));
  if (!showTimestamps) {
    // DisplayFragmentTimestamp NEVER (the default): no EXT-X-PROGRAM-DATE-TIME in the playlist.
    const playlist = Buffer.concat(files.get(HLS_PLAYLIST) ?? []).toString('utf8');
    files.set(HLS_PLAYLIST, [
      Buffer.from(
        playlist
          .split('\n')
          .filter((line) => !line.startsWith('#EXT-X-PROGRAM-DATE-TIME'))
          .join('\n'),
      ),
    ]);
  }
  return { session: { files, expiresAt }, entry: HLS_PLAYLIST };
}

export async function dashSession(body: Body, catalog: StreamCatalog): Promise<{ session: StreamingSession; entry: string }> {
  const { input, timestamps, expiresAt } = await prepare(body, catalog, 'DASHFragmentSelector', 'MaxManifestFragmentResults');
  oneOf(body, 'DisplayFragmentTimestamp', ['ALWAYS', 'NEVER'], 'NEVER');
  oneOf(body, 'DisplayFragmentNumber', ['ALWAYS', 'NEVER'], 'NEVER');
  const files = await collect(dashPackage(input, { timestamps }));
  return { session: { files, expiresAt }, entry: DASH_MANIFEST };
}

/** Session tokens: 128 random bits, as URL path segments. */
export function sessionToken(): string {
  return randomBytes(16).toString('hex');
}

/** Content-Type by file name. */
export function contentTypeOf(path: string): string {
  if (path.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (path.endsWith('.mpd')) return 'application/dash+xml';
  return 'video/mp4';
}
