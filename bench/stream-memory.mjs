// Streaming memory: fragmentedMp4() over a GetMedia-style stream of about 1 GiB that is never held
// in memory. The KVS stream input is repeated as an async iterable of fresh 64 KiB chunks (as a
// network body would deliver them); each repetition moves the AWS fragment numbers and timestamps
// forward so the stream reads as one long recording, not the same fragments again.
// Peak RSS growth = the kernel's RSS high-water mark at the end − RSS before the first byte. A run
// of the source alone (no kvs-clip) shows how much of that growth the source's chunks cause.
//
//   node bench/stream-memory.mjs [GiB]     (default 1)

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distDir, ensureInputs, inputsDir } from './inputs.mjs';
import { haveTime, runProcess } from './measure.mjs';

const chunkSize = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Finds every value of the named SimpleTags in the stream: after the TagName's text comes the
 * TagString element (ID 44 87, a size vint, the text). Returns { offset, length, text } per value.
 */
function findTagValues(bytes, name) {
  const needle = encoder.encode(name);
  const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength); // Buffer#indexOf finds byte strings
  const found = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) {
    let p = at + needle.length;
    // The name must be the whole TagName (next byte starts TagString), not a prefix of a longer name.
    if (bytes[p] !== 0x44 || bytes[p + 1] !== 0x87) continue;
    p += 2;
    const width = Math.clz32(bytes[p]) - 23; // vint width from its leading zeros (8-bit value)
    let size = bytes[p] & (0xff >> width);
    for (let i = 1; i < width; i++) size = size * 256 + bytes[p + i];
    p += width;
    found.push({ offset: p, length: size, text: decoder.decode(bytes.subarray(p, p + size)) });
  }
  return found;
}

const timestampNames = [
  'AWS_KINESISVIDEO_PRODUCER_TIMESTAMP',
  'AWS_KINESISVIDEO_SERVER_TIMESTAMP',
  'AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP',
  'AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP',
];
const numberNames = ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', 'AWS_KINESISVIDEO_CONTINUATION_TOKEN'];

/** The values to rewrite per repetition, and how far one repetition moves them. */
function planRepetition(template) {
  const timestamps = timestampNames.flatMap((name) =>
    findTagValues(template, name).map((site) => ({ ...site, name, ms: Math.round(Number(site.text) * 1000) })),
  );
  const numbers = numberNames.flatMap((name) => findTagValues(template, name)).map((site) => ({ ...site, value: BigInt(site.text) }));
  const fragments = findTagValues(template, 'AWS_KINESISVIDEO_FRAGMENT_NUMBER').length;
  if (!fragments || !timestamps.length) throw new Error('the KVS stream has no AWS fragment numbers / timestamps to move');
  // Span of one kind of timestamp (producer if present): mixing kinds would add their clock offset.
  const kind = timestamps[0].name;
  const times = timestamps.filter((t) => t.name === kind).map((t) => t.ms);
  const first = Math.min(...times);
  const last = Math.max(...times);
  // One repetition spans the recording plus one mean fragment interval, so timestamps keep rising.
  const shiftMs = last - first + Math.round((last - first) / Math.max(1, fragments - 1));
  return { sites: [...timestamps, ...numbers].sort((a, b) => a.offset - b.offset), fragments, shiftMs };
}

/** The text of a site in repetition `k`, the same length as the original (fails loudly if not). */
function siteText(site, k, plan) {
  const text =
    site.ms !== undefined
      ? ((site.ms + k * plan.shiftMs) / 1000).toFixed(3)
      : (site.value + BigInt(k * plan.fragments)).toString().padStart(site.length, '0');
  if (text.length !== site.length) throw new Error(`repeated tag value ${text} does not fit in ${site.length} bytes`);
  return encoder.encode(text);
}

/** The template repeated `repetitions` times as fresh chunks, with the AWS tags moved forward. */
async function* repeatedStream(template, repetitions, plan) {
  for (let k = 0; k < repetitions; k++) {
    const patches = plan.sites.map((site) => ({ offset: site.offset, bytes: siteText(site, k, plan) }));
    let next = 0;
    for (let start = 0; start < template.byteLength; start += chunkSize) {
      const end = Math.min(start + chunkSize, template.byteLength);
      const chunk = template.slice(start, end); // a fresh buffer, like a network read
      while (next < patches.length && patches[next].offset < end) {
        const { offset, bytes } = patches[next];
        // A value may straddle two chunks: write the part that falls in this one, keep the rest.
        for (let i = 0; i < bytes.length; i++) {
          const at = offset + i - start;
          if (at >= 0 && at < chunk.length) chunk[at] = bytes[i];
        }
        if (offset + bytes.length <= end) next++;
        else break;
      }
      yield chunk;
    }
  }
}

/** The source alone, with no kvs-clip: each chunk is counted and dropped (the garbage it leaves is the baseline). */
async function* sourceOnly(chunks) {
  for await (const chunk of chunks) yield { data: chunk };
}

async function child(templatePath, totalBytes, withoutKvsClip, asChunks) {
  const { fragmentedMp4, fragmentedMp4Chunks } = await import(pathToFileURL(join(distDir, 'index.js')).href);
  const file = readFileSync(templatePath);
  const template = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const plan = planRepetition(template);
  const repetitions = Math.ceil(totalBytes / template.byteLength);
  // Buffers are released by V8's sweeper after a GC, so collect twice with a turn of the event loop between.
  const live = async () => {
    for (let i = 0; i < 2; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const usage = process.memoryUsage();
    return { heap: usage.heapUsed, buffers: usage.external };
  };
  const liveBefore = await live();
  const rssBefore = process.memoryUsage.rss();
  let segments = 0;
  let outputBytes = 0;
  let sampledMax = rssBefore;
  const started = performance.now();
  const source = repeatedStream(template, repetitions, plan);
  const segmentsOut = withoutKvsClip ? sourceOnly(source) : asChunks ? fragmentedMp4Chunks(source) : fragmentedMp4(source);
  for await (const segment of segmentsOut) {
    segments++;
    outputBytes += segment.byteLength ?? segment.data.byteLength; // dropped right away, as a consumer feeding MSE would
    const rss = process.memoryUsage.rss();
    if (rss > sampledMax) sampledMax = rss;
  }
  const ms = performance.now() - started;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  // JS heap and buffers still reachable after a full GC, against before: a leak shows here.
  const liveAfter = await live();
  const retained = { heap: liveAfter.heap - liveBefore.heap, buffers: liveAfter.buffers - liveBefore.buffers };
  return {
    retained,
    inputBytes: repetitions * template.byteLength,
    repetitions,
    fragmentsPerRepetition: plan.fragments,
    segments,
    outputBytes,
    ms,
    rssBefore,
    maxRss,
    growth: maxRss - rssBefore,
    sampledGrowth: sampledMax - rssBefore,
  };
}

/** Runs the streaming measurement in a fresh process (with extra Node flags) and returns its figures. */
function runOnce(kvs, totalBytes, nodeFlags = [], { sourceOnly = false, chunks = false } = {}) {
  const args = ['--expose-gc', ...nodeFlags, fileURLToPath(import.meta.url), '--child', kvs.path, String(totalBytes)];
  if (sourceOnly) args.push('--source-only');
  if (chunks) args.push('--chunks');
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const line = result.stdout.trim().split('\n').pop();
  try {
    return { nodeFlags, sourceOnly, chunks, ...JSON.parse(line) };
  } catch {
    return {
      nodeFlags,
      sourceOnly,
      chunks,
      error: `stream-memory child exited ${result.status}: ${(result.stderr || result.stdout).trim().slice(-400)}`,
    };
  }
}

/**
 * The streaming run of `totalBytes` (the goal's figure), plus shorter and longer runs to show whether
 * growth depends on length, and one with V8's young generation capped at 1 MiB per semi-space to
 * show how much of the growth is garbage-collector headroom rather than data kept.
 */
export function runStreamMemory(totalBytes = 2 ** 30) {
  const [kvs] = ensureInputs({ only: ['kvs-stream'] });
  const main = runOnce(kvs, totalBytes);
  if (main.error) return main;
  const runs = [
    runOnce(kvs, totalBytes / 4),
    main,
    runOnce(kvs, totalBytes * 3),
    runOnce(kvs, totalBytes, ['--max-semi-space-size=1']),
    // fragmentedMp4Chunks: the same segments as header + payload views, no segment buffer allocated.
    runOnce(kvs, totalBytes / 4, [], { chunks: true }),
    runOnce(kvs, totalBytes, [], { chunks: true }),
    runOnce(kvs, totalBytes * 3, [], { chunks: true }),
    // How much of the growth the source's own fresh chunks cause before V8 collects them.
    runOnce(kvs, totalBytes, [], { sourceOnly: true }),
    runOnce(kvs, totalBytes * 3, [], { sourceOnly: true }),
  ];
  return {
    ...main,
    runs,
    description: `fragmentedMp4() over ${kvs.file} (${(kvs.bytes / 1e6).toFixed(1)} MB, ${main.fragmentsPerRepetition} fragments) repeated as fresh 64 KiB chunks from an async generator, fragment numbers and timestamps moved forward each time, so the stream reads as one long recording; segments are counted and dropped (fragmentedMp4: each segment one new buffer; fragmentedMp4Chunks: header + views of the input chunks). The template (${(kvs.bytes / 2 ** 20).toFixed(0)} MiB) is loaded before "RSS before". Growth = the kernel's peak RSS at the end − RSS before; "kept after GC" = JS heap + buffers still reachable after a full GC at the end, against before (a leak would show there). "The source alone" consumes the same chunks without kvs-clip (its "segments out" are the chunks): the growth that remains with no kvs-clip at all is V8 leaving dead buffers for a later collection.`,
  };
}

/** The repeated stream written to a file once (git-ignored bench/inputs), for the CLI's streaming run. */
async function repeatedFile(kvs, totalBytes) {
  const template = new Uint8Array(readFileSync(kvs.path));
  const plan = planRepetition(template);
  const repetitions = Math.ceil(totalBytes / template.byteLength);
  const path = join(inputsDir, `kvs-getmedia-repeated-${repetitions}x.mkv`);
  if (existsSync(path) && statSync(path).size === repetitions * template.byteLength) return path;
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  for await (const chunk of repeatedStream(template, repetitions, plan)) writeSync(fd, chunk);
  closeSync(fd);
  renameSync(partial, path);
  return path;
}

/**
 * The CLI streaming the same kind of stream from a file to a fragmented MP4 file, at four lengths
 * (and once with V8's young generation capped at 1 MiB per semi-space): its peak RSS (GNU time)
 * against the CLI's peak when it only starts and prints its usage.
 */
export async function runCliStreamMemory(cli, totalBytes = 2 ** 30) {
  if (!haveTime) return { skipped: '/usr/bin/time is missing' };
  const [kvs] = ensureInputs({ only: ['kvs-stream'] });
  const startUp = await runProcess(process.execPath, [cli, '--help'], 1);
  if (startUp.error) return startUp;
  const out = join(inputsDir, '..', 'out', 'stream-memory-cli.mp4');
  const runs = [];
  const plan = [[totalBytes / 16], [totalBytes / 4], [totalBytes], [totalBytes * 3], [totalBytes, ['--max-semi-space-size=1']]];
  for (const [bytes, nodeFlags = []] of plan) {
    const input = await repeatedFile(kvs, bytes);
    const args = [...nodeFlags, cli, 'clip', input, '-o', out, '--fragmented'];
    const result = await runProcess(process.execPath, args, 1, { warmUp: false, before: () => rmSync(out, { force: true }) });
    rmSync(out, { force: true });
    runs.push({
      inputBytes: statSync(input).size,
      nodeFlags,
      ...result,
      growth: result.maxRss == null ? null : result.maxRss - startUp.maxRss,
    });
  }
  return { startUpRss: startUp.maxRss, runs };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--child') {
    child(process.argv[3], Number(process.argv[4]), process.argv.includes('--source-only'), process.argv.includes('--chunks'))
      .then((figures) => process.stdout.write(`${JSON.stringify(figures)}\n`))
      .catch((error) => {
        process.stdout.write(`${JSON.stringify({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` })}\n`);
        process.exitCode = 1;
      });
  } else {
    const gib = Number(process.argv[2] ?? 1);
    console.log(JSON.stringify(runStreamMemory(Math.round(gib * 2 ** 30)), null, 2));
  }
}
