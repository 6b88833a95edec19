/** The Matroska/KVS reader layer: `readFragments` and the types it hands out. */
export { readFragments, DEFAULT_MAX_ELEMENT_SIZE } from './reader.js';
export type * from './types.js';
