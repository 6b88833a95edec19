import { fragmentPlace, InvalidArgumentException, ResourceNotFoundException } from '../errors.js';
import type { MkvFragment, MkvFrame } from '../mkv/types.js';
import type { PackedFrames } from '../mkv/packed-frames.js';
import type { ReaderWarning } from '../warnings.js';
import type { TimestampKind } from '../timeline/types.js';
import type { ClipFragmentSelector, ClipOptions, DuplicateTimestampRule, FragmentSource, TimeRange } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What selection reads of a fragment: the flat clip selects among fragments whose frames it packed (clip.ts). */
type Selectable = Omit<MkvFragment, 'frames'> & { frames: readonly MkvFrame[] | PackedFrames };

/**
 * Checks a ClipFragmentSelector the way GetClip does (docs/getclip.md) and turns it into ms bounds.
 * Accepts Date or epoch seconds (the SDK's shapes) and rejects everything else by name.
 */
export function validateSelector(selector: ClipFragmentSelector): TimeRange {
  const type = selector?.FragmentSelectorType;
  if (type !== 'PRODUCER_TIMESTAMP' && type !== 'SERVER_TIMESTAMP') {
    throw new InvalidArgumentException(
      `1 validation error detected: Value '${String(type)}' at 'clipFragmentSelector.fragmentSelectorType' ` +
        `failed to satisfy constraint: Member must satisfy enum value set: [PRODUCER_TIMESTAMP, SERVER_TIMESTAMP]`,
    );
  }
  const range = selector.TimestampRange;
  const startMs = toEpochMs(range?.StartTimestamp, 'StartTimestamp');
  const endMs = toEpochMs(range?.EndTimestamp, 'EndTimestamp');
  if (endMs <= startMs) {
    throw new InvalidArgumentException('The EndTimestamp must be later than the StartTimestamp.');
  }
  if (endMs - startMs > DAY_MS) {
    throw new InvalidArgumentException('The time range between StartTimestamp and EndTimestamp must not exceed 24 hours.');
  }
  return { kind: type === 'PRODUCER_TIMESTAMP' ? 'producer' : 'server', startMs, endMs };
}

function toEpochMs(value: Date | number | undefined, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentException(`TimestampRange.${field} is required and must be a Date or epoch seconds.`);
  }
  return Math.round(ms);
}

/**
 * The time a fragment starts at for selection and ordering: its KVS timestamp tag, or for plain
 * Matroska (no tags) its cluster time, which is epoch ms when the producer wrote absolute times.
 */
export function fragmentStartMs(fragment: Selectable, kind: TimestampKind): number | null {
  const tagged = kvsStartMs(fragment, kind);
  if (tagged !== null) return tagged;
  if (fragment.clusterTimecode === null) return null;
  return (fragment.clusterTimecode * fragment.timecodeScale) / 1e6;
}

/**
 * The start of a KVS fragment: its timestamp tag, or null for plain Matroska. Only KVS fragments
 * can be duplicates (a re-upload of one fragment); plain Matroska fragments with equal starts are
 * all kept, in arrival order (docs/kvs-mkv.md, "Plain Matroska").
 */
function kvsStartMs(fragment: Selectable, kind: TimestampKind): number | null {
  return kind === 'producer' ? fragment.producerTimestamp : fragment.serverTimestamp;
}

/** Compares decimal fragment numbers (up to 128 digits) without converting them. */
export function compareFragmentNumbers(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/** Sum of a fragment's frame bytes: what the byte cap counts. */
function payloadBytes(fragment: Selectable): number {
  const frames = fragment.frames;
  if (!Array.isArray(frames)) return (frames as PackedFrames).byteLength;
  let total = 0;
  for (const frame of frames as readonly MkvFrame[]) total += frame.data.byteLength;
  return total;
}

/** True when `candidate` should replace `kept`, two fragments with the same start time. */
function replaces(candidate: Selectable, kept: Selectable, rule: DuplicateTimestampRule): boolean {
  if (candidate.fragmentNumber === null || kept.fragmentNumber === null) return false; // keep arrival order
  const order = compareFragmentNumbers(candidate.fragmentNumber, kept.fragmentNumber);
  return rule === 'highest-fragment-number' ? order > 0 : order < 0;
}

interface Plan {
  range: TimeRange | null;
  kind: TimestampKind;
  rule: DuplicateTimestampRule;
  maxFragments: number;
  maxBytes: number;
  warn: (warning: ReaderWarning) => void;
}

/** The timestamps a clip is placed and selected by: the selector's, else the option, else producer. */
export function timestampKind(options: ClipOptions): TimestampKind {
  const type = options.ClipFragmentSelector?.FragmentSelectorType;
  if (type) return type === 'SERVER_TIMESTAMP' ? 'server' : 'producer';
  return options.timestamps ?? 'producer';
}

function planOf(options: ClipOptions): Plan {
  return {
    range: options.ClipFragmentSelector ? validateSelector(options.ClipFragmentSelector) : null,
    kind: timestampKind(options),
    rule: options.duplicateTimestamps ?? 'first-ingested',
    maxFragments: options.maxFragments ?? Infinity,
    maxBytes: options.maxBytes ?? Infinity,
    warn: (warning) => options.onWarning?.(warning),
  };
}

/** Whether a fragment has frames and starts within [Start, End] (compared with the fragment's start only). */
function isInRange(fragment: MkvFragment, { range, kind }: Plan): boolean {
  if (fragment.frames.length === 0) return false; // a fragment with tags only has nothing to clip
  if (!range) return true;
  const start = fragmentStartMs(fragment, kind);
  if (start === null) throw new InvalidArgumentException(`fragment has no ${kind} timestamp to select by`, fragmentPlace(fragment));
  return start >= range.startMs && start <= range.endMs;
}

/** The fragments with frames whose start is within [Start, End]. */
async function* inRange(fragments: FragmentSource, plan: Plan): AsyncGenerator<MkvFragment> {
  for await (const fragment of fragments) if (isInRange(fragment, plan)) yield fragment;
}

/** GetClip's caps: a function that admits fragments in clip order until a cap is reached, then warns once. */
function capper({ maxFragments, maxBytes, warn }: Plan): (fragment: Selectable) => boolean {
  let count = 0;
  let bytes = 0;
  let capped = false;
  return (fragment) => {
    if (capped) return false;
    const size = payloadBytes(fragment);
    if (count + 1 > maxFragments || bytes + size > maxBytes) {
      capped = true;
      warn({
        code: 'capped',
        message: `clip cut after ${count} fragments (${bytes} bytes) as GetClip would (maxFragments ${maxFragments}, maxBytes ${maxBytes})`,
        fragmentIndex: fragment.index,
      });
      return false;
    }
    count++;
    bytes += size;
    return true;
  };
}

/** What GetClip answers when `options` select no fragment with frames (ResourceNotFoundException). */
export const nothingSelectedError = (options: ClipOptions): ResourceNotFoundException => nothingSelected(planOf(options));

function nothingSelected(plan: Plan): ResourceNotFoundException {
  return new ResourceNotFoundException(
    plan.range ? 'No fragments found in the stream for the clip time range.' : 'No fragments with frames found in the input.',
  );
}

/**
 * GetClip's selection for the flat clip, in two steps so that each fragment can be checked (and, in
 * the CLI, let go of its input bytes) as it arrives: `fragmentsInRange` streams the fragments in the
 * range; `finishSelection` then takes all of them, resolves duplicate start times by the rule over the
 * whole clip, puts them in time order (a GetMedia stream is in ingestion order, a
 * GetMediaForFragmentList one in request order) and applies the caps to that order, as GetClip does.
 */
export function fragmentsInRange(fragments: FragmentSource, options: ClipOptions): AsyncGenerator<MkvFragment> {
  return inRange(fragments, planOf(options));
}

export function finishSelection<T extends Selectable>(fragments: T[], options: ClipOptions): T[] {
  const plan = planOf(options);
  const startOf = (fragment: T) => fragmentStartMs(fragment, plan.kind);
  const kept = new Map<number, T>();
  const plain: T[] = [];
  const undated: T[] = [];
  for (const fragment of fragments) {
    const start = kvsStartMs(fragment, plan.kind);
    if (start === null) {
      (startOf(fragment) === null ? undated : plain).push(fragment);
      continue;
    }
    const twin = kept.get(start);
    if (twin === undefined || replaces(fragment, twin, plan.rule)) kept.set(start, fragment);
    if (twin !== undefined) {
      plan.warn({
        code: 'duplicate-timestamp',
        message: `fragments with the same ${plan.kind} timestamp ${start}: kept ${kept.get(start)!.fragmentNumber}`,
        fragmentIndex: fragment.index,
      });
    }
  }
  // Fragments with no timestamp at all (plain Matroska without clusters' times) keep arrival order, after the dated ones.
  // The sort is stable: plain fragments with equal starts stay in arrival order.
  const ordered = [...kept.values(), ...plain].sort((a, b) => startOf(a)! - startOf(b)!).concat(undated);
  const admit = capper(plan);
  const selected: T[] = [];
  for (const fragment of ordered) {
    if (!admit(fragment)) break;
    selected.push(fragment);
  }
  if (selected.length === 0) throw nothingSelected(plan);
  return selected;
}

/**
 * How many delivered start times the stream remembers to catch late twins: as many fragments as one
 * GetMediaForFragmentList request or ListFragments page holds. A bound, so that a stream of any
 * length (GetMedia can run for days) holds the same memory.
 */
const DELIVERED_MEMORY = 1000;

/** What a streaming selection does with one fragment. */
export type Admission = 'take' | 'skip' | 'stop';

/**
 * GetClip's selection as a stream, decided one fragment at a time in arrival order (for
 * `selectFragments`, and for low-latency output, which decides on a fragment's first frames):
 * `admit` says whether a fragment is taken, skipped (outside the range, no frames, a twin of one
 * delivered) or the stream stops there (a cap reached); `finish` raises ResourceNotFoundException
 * when nothing was taken. A fragment with the start time of one of the last DELIVERED_MEMORY
 * delivered fragments is dropped with a warning, since the one delivered cannot be taken back: in a
 * stream the first to arrive of two twins is kept (KVS hands them out back to back; the flat clip
 * applies `duplicateTimestamps`).
 */
export function streamSelection(options: ClipOptions): { admit(fragment: MkvFragment): Admission; finish(): void } {
  const plan = planOf(options);
  const { kind, warn } = plan;
  const admitCapped = capper(plan);
  const delivered = new Set<number>(); // in delivery order: the oldest is forgotten first
  let count = 0;
  return {
    admit(fragment) {
      if (!isInRange(fragment, plan)) return 'skip';
      // Only KVS fragments have twins to resolve (see kvsStartMs).
      const start = kvsStartMs(fragment, kind);
      if (start !== null && delivered.has(start)) {
        warn({
          code: 'duplicate-timestamp',
          message: `dropped fragment ${fragment.fragmentNumber}: its ${kind} timestamp ${start} was already delivered`,
          fragmentIndex: fragment.index,
        });
        return 'skip';
      }
      if (!admitCapped(fragment)) return 'stop';
      count++;
      if (start !== null) {
        delivered.add(start);
        if (delivered.size > DELIVERED_MEMORY) delivered.delete(delivered.values().next().value!);
      }
      return 'take';
    },
    finish() {
      if (count === 0) throw nothingSelected(plan);
    },
  };
}

/**
 * GetClip's selection as a stream, for the fragmented output: fragments in the range, caps applied,
 * each handed on as soon as it arrives (nothing is held back, so a live stream is not delayed);
 * duplicates as `streamSelection` says. Raises ResourceNotFoundException when nothing was selected.
 */
export async function* selectFragments(fragments: FragmentSource, options: ClipOptions): AsyncGenerator<MkvFragment> {
  const selection = streamSelection(options);
  for await (const fragment of fragments) {
    const admission = selection.admit(fragment);
    if (admission === 'stop') break; // capped: the rest of the input is not read
    if (admission === 'take') yield fragment;
  }
  selection.finish();
}
