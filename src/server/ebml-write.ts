/**
 * The few EBML elements the server writes itself (docs/server.md#what-the-server-writes): the
 * unknown-size Segment header that starts every served document, and KVS's Tags elements. Element
 * layout per RFC 8794 §4 (ID, then the size as an 8-byte variable-size integer); tag names per
 * docs/kvs-mkv.md#tags.
 */
import { concatBytes } from '../bytes.js';
import { SEGMENT, SIMPLE_TAG, TAG, TAG_NAME, TAG_STRING, TAGS } from '../mkv/ids.js';

const utf8 = new TextEncoder();

/** A Segment header with the 8-byte "unknown size" KVS sends (docs/kvs-mkv.md#segment). */
export const UNKNOWN_SIZE_SEGMENT = new Uint8Array([...idBytes(SEGMENT), 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

function idBytes(id: number): number[] {
  const out: number[] = [];
  for (let rest = id; rest > 0; rest = Math.floor(rest / 256)) out.unshift(rest % 256);
  return out;
}

/** One element with an 8-byte size field (0x01 marker, then 7 bytes big-endian). */
function element(id: number, body: Uint8Array): Uint8Array {
  const head = idBytes(id);
  const size = [0x01, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 7, rest = body.byteLength; i > 0; i--, rest = Math.floor(rest / 256)) size[i] = rest % 256;
  return concatBytes([new Uint8Array([...head, ...size]), body], head.length + 8 + body.byteLength);
}

function elements(id: number, children: Uint8Array[]): Uint8Array {
  return element(
    id,
    concatBytes(
      children,
      children.reduce((sum, child) => sum + child.byteLength, 0),
    ),
  );
}

/** A Tags element holding one Tag with these SimpleTags, in order (the shape KVS writes). */
export function kvsTags(tags: readonly (readonly [name: string, value: string])[]): Uint8Array {
  const simpleTags = tags.map(([name, value]) =>
    elements(SIMPLE_TAG, [element(TAG_NAME, utf8.encode(name)), element(TAG_STRING, utf8.encode(value))]),
  );
  return elements(TAGS, [elements(TAG, simpleTags)]);
}

/** Epoch ms as KVS writes timestamps in tags: seconds with three decimals (docs/kvs-mkv.md#tags). */
export function tagSeconds(epochMs: number): string {
  return (epochMs / 1000).toFixed(3);
}
