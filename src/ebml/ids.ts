/** EBML-level element IDs (RFC 8794), written with their length marker bits as usual. */
export const EBML_HEADER = 0x1a45dfa3;
export const EBML_MAX_ID_LENGTH = 0x42f2;
export const EBML_MAX_SIZE_LENGTH = 0x42f3;
export const DOC_TYPE = 0x4282;

/** Global elements allowed anywhere, skipped by every reader. */
export const VOID = 0xec;
export const CRC32 = 0xbf;
