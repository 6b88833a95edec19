// Whether the hot methods keep their optimised code through a full GC (src/jit.ts). Run by
// test/jit.test.ts in a plain node process, since the %-natives need a flag vitest's workers lack:
//
//   node --allow-natives-syntax --expose-gc test/jit/after-gc.mjs <bundle of probe-entry.ts> <input.mkv>
//
// Prints one JSON line of %GetOptimizationStatus values (bit meanings in test/jit.test.ts): each hot
// method's once optimised, after a full GC with no clip's objects alive, and after one more clip;
// and the same for a canary method whose instances all die, which must lose its code in that GC.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundlePath, inputPath] = process.argv.slice(2);
const { clip, fragmentedMp4, hotMethods } = await import(pathToFileURL(bundlePath).href);
const file = readFileSync(inputPath);
const input = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);

/** The input in 4 KiB chunks, so elements straddle chunks and ChunkReader.read joins them. */
function chunks() {
  const out = [];
  for (let at = 0; at < input.length; at += 4096) out.push(input.subarray(at, at + 4096));
  return out;
}

/** A flat clip and a fragmented MP4 of the input: every hot method runs. */
async function clipTwice() {
  await clip(chunks());
  for await (const segment of fragmentedMp4(chunks())) void segment;
}

/** Its field is added in the constructor, as the library's are: the instances' layout dies with them. */
class Canary {
  constructor() {
    this.count = 0;
  }
  bump(by) {
    this.count += by;
    return this.count;
  }
}
function useCanary() {
  const canary = new Canary();
  for (let i = 0; i < 10; i++) canary.bump(i);
}

const status = (fn) => %GetOptimizationStatus(fn);
const statuses = () => Object.fromEntries(Object.entries(hotMethods).map(([name, fn]) => [name, status(fn)]));

const methods = [...Object.values(hotMethods), Canary.prototype.bump];
for (const fn of methods) %PrepareFunctionForOptimization(fn);
for (let i = 0; i < 3; i++) {
  await clipTwice();
  useCanary();
}
for (const fn of methods) %OptimizeFunctionOnNextCall(fn);
await clipTwice();
useCanary();
const optimised = { hot: statuses(), canary: status(Canary.prototype.bump) };

gc();
const afterGc = { hot: statuses(), canary: status(Canary.prototype.bump) };

await clipTwice();
const afterClip = { hot: statuses() };

process.stdout.write(`${JSON.stringify({ optimised, afterGc, afterClip })}\n`);
