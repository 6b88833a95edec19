/**
 * `node clip-file.js <in.mkv> <out.mp4>`: the library's flat clip of a file read whole into memory,
 * for tests that run it in a process of its own (under a heap limit, say).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { clip } from '../../src/api/index.js';

const [input, output] = process.argv.slice(2);
const { Payload } = await clip(readFileSync(input));
writeFileSync(output, Payload.bytes());
