/** The Matroska/KVS reader layer: `readFragments` and the types it hands out. */
export { readFragments } from './reader.js';
export { DEFAULT_MAX_ELEMENT_SIZE, DEFAULT_LIMITS } from './limits.js';
export type * from './types.js';
