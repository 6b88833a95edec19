// Load test of `kvs-clip serve` (kvs-clip/server): requests per second and the server's memory for
// ListFragments and GetClip. The server runs in a child process (so its RSS is its own) over a
// folder holding fixtures/kvs-h264-aac.mkv as the stream "cam"; this process sends plain HTTP
// requests (what the SDKs send, without their signing cost) from `concurrency` loops for `seconds`
// per operation, and checks every answer's status.
//
//   npm run build && node bench/serve.mjs [seconds] [concurrency]     (defaults 5 and 8)
// Writes bench/SERVE.md.

import { execSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 8);

if (process.argv[2] === '--server') {
  // The child: a server on the folder; answers "rss" on stdin with its memory.
  const { createKvsServer } = await import('../dist/server.js');
  const server = createKvsServer({ dir: process.argv[3] });
  process.stdout.write(`${await server.start()}\n`);
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50).unref();
  process.stdin.on('data', () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss, peak })}\n`);
  });
  process.stdin.on('end', () => void server.stop());
} else {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-serve-bench-'));
  copyFileSync('fixtures/kvs-h264-aac.mkv', join(dir, 'cam.mkv'));
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--server', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiting = null;
  let buffered = '';
  child.stdout.on('data', (data) => {
    buffered += data.toString();
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      lines.push(buffered.slice(0, at));
      buffered = buffered.slice(at + 1);
      waiting?.();
    }
  });
  const nextLine = async () => {
    while (lines.length === 0) await new Promise((wake) => (waiting = wake));
    return lines.shift();
  };
  const memory = async () => {
    child.stdin.write('rss\n');
    return JSON.parse(await nextLine());
  };
  const url = await nextLine();

  const post = async (path, body) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const bytes = await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${Buffer.from(bytes).toString()}`);
    return bytes;
  };
  const listed = JSON.parse(Buffer.from(await post('/listFragments', { StreamName: 'cam' })).toString()).Fragments;
  const range = {
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: listed[0].ProducerTimestamp, EndTimestamp: listed[listed.length - 1].ProducerTimestamp },
  };
  const pageToken = JSON.parse(Buffer.from(await post('/listFragments', { StreamName: 'cam', MaxResults: 1 })).toString()).NextToken;
  const operations = [
    { name: 'ListFragments (all 4 fragments)', run: () => post('/listFragments', { StreamName: 'cam' }) },
    {
      name: 'ListFragments (MaxResults 1, 2nd page)',
      run: () => post('/listFragments', { StreamName: 'cam', MaxResults: 1, NextToken: pageToken }),
    },
    {
      name: `GetClip (${listed.length} fragments, whole stream)`,
      run: () => post('/getClip', { StreamName: 'cam', ClipFragmentSelector: range }),
    },
  ];

  const rows = [];
  const before = await memory();
  for (const operation of operations) {
    let count = 0;
    let bytes = 0;
    const end = performance.now() + seconds * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          bytes += (await operation.run()).byteLength;
          count++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const after = await memory();
    rows.push({
      name: operation.name,
      count,
      perSecond: count / elapsed,
      mbPerSecond: bytes / elapsed / 1e6,
      rss: after.rss,
      peak: after.peak,
    });
  }
  child.stdin.end();
  await new Promise((done) => child.on('exit', done));
  rmSync(dir, { recursive: true, force: true });

  const mib = (n) => (n / 2 ** 20).toFixed(1);
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
  const report = `# kvs-clip serve: load test

Run ${new Date().toISOString()} by \`node bench/serve.mjs ${seconds} ${concurrency}\`.

- Machine: ${cpus()[0].model.trim()}, ${cpus().length} logical CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; load average at the end ${load}.
  **The machine was shared** with other jobs while this ran: figures are noisy and low, compare runs on an idle machine.
- Node ${process.version}; kvs-clip at ${commit}.
- Server: \`createKvsServer\` in a child process over one stream (fixtures/kvs-h264-aac.mkv, ${listed.length} fragments, 202 KB); client: this process, ${concurrency} loops of plain HTTP POSTs (no SigV4 signing), ${seconds} s per operation. Every answer was checked to be 200.
- Memory: the server process's RSS after each operation, and its peak (sampled every 50 ms); before the first request: ${mib(before.rss)} MiB.

| Operation | Requests | Requests/s | MB/s out | Server RSS after (MiB) | Server peak RSS (MiB) |
|---|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.name} | ${r.count} | ${r.perSecond.toFixed(0)} | ${r.mbPerSecond.toFixed(1)} | ${mib(r.rss)} | ${mib(r.peak)} |`).join('\n')}
`;
  writeFileSync('bench/SERVE.md', report);
  process.stdout.write(report);
}
