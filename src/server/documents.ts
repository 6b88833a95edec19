/**
 * Cuts a stored Matroska document into the parts the server re-assembles for each API
 * (docs/server.md#what-the-server-writes): the document's head (EBML header, a Segment header of
 * unknown size, Info, Tracks, producer Tags) and its clusters, each with whatever follows it up to
 * the next cluster. KVS's own Tags (any SimpleTag named AWS_KINESISVIDEO_*) are dropped, since each
 * API writes them in its own spelling; SeekHead and Cues are dropped, since their byte offsets are
 * stale once documents are cut apart. Everything else is passed on byte for byte.
 *
 * The walk is flat: element IDs are unique across Matroska levels, so an unknown-size Segment or
 * Cluster is entered by copying its header and reading on (docs/kvs-mkv.md#unknown-sizes).
 */
import { EBML_HEADER, readElementHeader, UNKNOWN_SIZE, type ElementHeader } from '../ebml/index.js';
import { CLUSTER, CUES, SEEK_HEAD, SEGMENT, TAGS } from '../mkv/ids.js';
import { UNKNOWN_SIZE_SEGMENT } from './ebml-write.js';

export interface DocumentParts {
  /** EBML header through the producer's header elements (when the range started inside a Segment: the elements before its first cluster). */
  head: Uint8Array[];
  /** Whether the range started with an EBML header (a document of its own), not inside another document's Segment. */
  startsDocument: boolean;
  /** One entry per Cluster: the cluster's bytes and the elements after it, up to the next cluster. */
  clusters: Uint8Array[][];
}

const KVS_TAG_PREFIX = new TextEncoder().encode('AWS_KINESISVIDEO_');

/** Whether `bytes` holds the text AWS_KINESISVIDEO_ anywhere (a Tags element with a KVS tag name). */
function holdsKvsTag(bytes: Uint8Array): boolean {
  const first = KVS_TAG_PREFIX[0];
  for (let i = bytes.indexOf(first); i !== -1 && i + KVS_TAG_PREFIX.byteLength <= bytes.byteLength; i = bytes.indexOf(first, i + 1)) {
    let j = 1;
    while (j < KVS_TAG_PREFIX.byteLength && bytes[i + j] === KVS_TAG_PREFIX[j]) j++;
    if (j === KVS_TAG_PREFIX.byteLength) return true;
  }
  return false;
}

/** Splits `bytes[start, end)` (one or more documents' worth of elements) into head and clusters. */
export function splitDocument(bytes: Uint8Array, start = 0, end = bytes.byteLength): DocumentParts {
  const head: Uint8Array[] = [];
  const clusters: Uint8Array[][] = [];
  const header: ElementHeader = { id: 0, size: 0 };
  const current = () => clusters[clusters.length - 1] ?? head;
  let startsDocument = false;
  let pos = start;
  while (pos < end) {
    const length = readElementHeader(bytes, pos, end, header);
    if (length <= 0) {
      current().push(bytes.subarray(pos, end)); // not an element header: passed on as it is
      break;
    }
    const dataEnd = header.size === UNKNOWN_SIZE ? end : Math.min(end, pos + length + header.size);
    if (header.id === SEGMENT) {
      head.push(UNKNOWN_SIZE_SEGMENT);
      pos += length;
      continue;
    }
    if (header.id === CLUSTER) clusters.push([]);
    if (header.size === UNKNOWN_SIZE) {
      // An unknown-size Cluster (or anything else): its header now, its children as the walk meets them.
      current().push(bytes.subarray(pos, pos + length));
      pos += length;
      continue;
    }
    const whole = bytes.subarray(pos, dataEnd);
    pos = dataEnd;
    if (header.id === SEEK_HEAD || header.id === CUES) continue;
    if (header.id === TAGS && holdsKvsTag(whole)) continue;
    if (header.id === EBML_HEADER) {
      if (clusters.length > 0) break; // a second document: the caller cuts ranges per document
      startsDocument = true;
    }
    current().push(whole);
  }
  return { head, clusters, startsDocument };
}
