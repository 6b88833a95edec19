/** Matroska element IDs the reader acts on (RFC 9559). Everything else is skipped unread. */
export const SEGMENT = 0x18538067;

// Segment children
export const SEEK_HEAD = 0x114d9b74;
export const INFO = 0x1549a966;
export const TRACKS = 0x1654ae6b;
export const CLUSTER = 0x1f43b675;
export const CUES = 0x1c53bb6b;
export const TAGS = 0x1254c367;
export const CHAPTERS = 0x1043a770;
export const ATTACHMENTS = 0x1941a469;

// Info
export const TIMECODE_SCALE = 0x2ad7b1;

// Tracks
export const TRACK_ENTRY = 0xae;
export const TRACK_NUMBER = 0xd7;
export const TRACK_TYPE = 0x83;
export const CODEC_ID = 0x86;
export const CODEC_PRIVATE = 0x63a2;
export const NAME = 0x536e;
export const DEFAULT_DURATION = 0x23e383;
export const VIDEO = 0xe0;
export const PIXEL_WIDTH = 0xb0;
export const PIXEL_HEIGHT = 0xba;
export const AUDIO = 0xe1;
export const SAMPLING_FREQUENCY = 0xb5;
export const CHANNELS = 0x9f;
export const BIT_DEPTH = 0x6264;
// ContentEncodings inside a TrackEntry (RFC 9559 §5.1.4.1.31)
export const CONTENT_ENCODINGS = 0x6d80;
export const CONTENT_ENCODING = 0x6240;
export const CONTENT_ENCODING_SCOPE = 0x5032;
export const CONTENT_ENCODING_TYPE = 0x5033;
export const CONTENT_COMPRESSION = 0x5034;
export const CONTENT_COMP_ALGO = 0x4254;
export const CONTENT_COMP_SETTINGS = 0x4255;
export const CONTENT_ENCRYPTION = 0x5035;
export const CONTENT_ENC_ALGO = 0x47e1;

// Cluster
export const TIMECODE = 0xe7;
export const SIMPLE_BLOCK = 0xa3;
export const BLOCK_GROUP = 0xa0;
export const BLOCK = 0xa1;
export const BLOCK_DURATION = 0x9b;
export const REFERENCE_BLOCK = 0xfb;

// Tags
export const TAG = 0x7373;
export const SIMPLE_TAG = 0x67c8;
export const TAG_NAME = 0x45a3;
export const TAG_STRING = 0x4487;

/** Top-level elements of a Segment: any of them ends an unknown-size Cluster (RFC 8794 §6.2). */
export function isSegmentChild(id: number): boolean {
  return (
    id === CLUSTER ||
    id === TAGS ||
    id === CUES ||
    id === INFO ||
    id === TRACKS ||
    id === SEEK_HEAD ||
    id === CHAPTERS ||
    id === ATTACHMENTS
  );
}
