/** EBML: element headers, values and chunked reading, with no Matroska knowledge. */
export * from './ids.js';
export * from './header.js';
export * from './values.js';
export * from './children.js';
export * from './errors.js';
export * from './chunk-reader.js';
