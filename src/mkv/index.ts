/** The Matroska/KVS reader layer: `readFragments`, `readFragmentEvents` and the types it hands out. */
export { completeFragments, readFragmentEvents, readFragments } from './reader.js';
export { DEFAULT_MAX_ELEMENT_SIZE, DEFAULT_LIMITS } from './limits.js';
export { MAX_EPOCH_MS } from './kvs-tags.js';
export type * from './types.js';
