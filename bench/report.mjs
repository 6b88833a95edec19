// Renders bench/RESULTS.md from the figures run.mjs collected: machine, one table per input, the
// streaming memory run, the same in-process cases in Chromium, bundle sizes, the profile, and the
// goals of issue 7 marked met / not met.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './inputs.mjs';
import { median, toolVersion } from './measure.mjs';

const MiB = 2 ** 20;

export function machineInfo() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'tsup.config.ts');
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    // /proc/cpuinfo can be more precise than os.cpus() under some hypervisors
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    /* not Linux */
  }
  const mediabunny = JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'mediabunny', 'package.json'), 'utf8')).version;
  return {
    cpu: cpuModel,
    cores: cpus().length,
    ramGiB: totalmem() / 2 ** 30,
    node: process.version,
    ffmpeg: toolVersion('ffmpeg')?.replace(/ Copyright.*/, ''),
    mediabunny,
    commit: git('rev-parse', '--short', 'HEAD'),
    srcDirty: Boolean(dirty),
    loadAverage: loadavg(),
  };
}

const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
const fmt = (value, digits = 0) => (value == null || Number.isNaN(value) ? '–' : value.toFixed(digits));
const mib = (bytes) => (bytes == null ? '–' : `${fmt(bytes / MiB)}`);
const ratio = (value) => (value == null || Number.isNaN(value) ? '–' : `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`);

/** Whether a case's output has every frame of the input, as ffprobe counts them. */
function checkCell(row, reference) {
  if (!row.check) return '–';
  if (row.check.error) return `✗ unreadable: ${row.check.error}`;
  const counts = `${row.check.video} v / ${row.check.audio} a`;
  if (reference.error) return counts;
  const missing = [];
  if (row.check.video !== reference.video) missing.push(`video ${row.check.video}/${reference.video}`);
  if (row.check.audio !== reference.audio)
    missing.push(row.check.audio === 0 ? 'audio dropped' : `audio ${row.check.audio}/${reference.audio}`);
  return missing.length ? `✗ ${missing.join(', ')}` : `✓ ${counts}`;
}

const byName = (input, name) => input.rows.find((row) => row.name === name && row.medianMs != null);
/** How many times faster `ours` is than `theirs` (> 1: ours is faster), by median time or another figure. */
const speedRatio = (input, ours, theirs, figure = 'medianMs') => {
  const a = byName(input, ours)?.[figure];
  const b = byName(input, theirs)?.[figure];
  return a != null && b != null ? b / a : null;
};

function inputSection(input) {
  const lines = [`### ${input.id}: ${input.file} (${fmt(input.bytes / 1e6, 1)} MB)`, '', input.description, ''];
  const ref = input.reference;
  lines.push(
    ref.error
      ? `Reference frame counts unavailable: ${ref.error}`
      : `Input holds ${ref.video} video and ${ref.audio} audio frames (${ref.codecs}, ${fmt(ref.duration, 1)} s) by ffprobe${input.kind === 'kvs' ? ` of the ffmpeg source before KVS fragmenting` : ''}; the last column checks each output against that.`,
    '',
  );
  const flat = byName(input, 'kvs-clip-flat-bytes');
  const cli = byName(input, 'kvs-clip-cli-flat');
  for (const kind of ['in-process', 'process']) {
    const reference = kind === 'in-process' ? flat : cli;
    const refLabel = kind === 'in-process' ? 'kvs-clip flat (bytes)' : 'kvs-clip CLI flat';
    lines.push(
      kind === 'in-process'
        ? `In process (input already in memory; median of ${input.rows.find((r) => r.times)?.times.length ?? '?'} runs once the JIT has settled, and median of the ${input.rows.find((r) => r.firsts)?.firsts.length ?? '?'} first calls, each in a fresh process; peak RSS of the whole Node process, input buffer included):`
        : 'Whole process (read .mkv from disk, write .mp4 to a new file; wall time incl. process start; peak RSS by GNU time):',
      '',
    );
    const first = kind === 'in-process';
    lines.push(
      `| case | median ms | ${first ? 'first call ms | ' : ''}MB/s of input | peak RSS MiB | ${refLabel} speed ÷ this | frames out |`,
      `|---|---:|${first ? '---:|' : ''}---:|---:|---:|---|`,
    );
    for (const row of input.rows.filter((r) => r.kind === kind)) {
      if (row.skipped || row.error) {
        lines.push(
          `| ${row.label} | – | ${first ? '– | ' : ''}– | – | – | ${row.skipped ? `not run: ${row.skipped}` : `✗ ${row.error}`} |`,
        );
        continue;
      }
      const versus = reference ? ratio(row.medianMs / reference.medianMs) : '–';
      lines.push(
        `| ${row.label} | ${fmt(row.medianMs)} | ${first ? `${fmt(row.medianFirstMs)} | ` : ''}${fmt(mbps(input.bytes, row.medianMs))} | ${mib(row.maxRss)} | ${versus} | ${checkCell(row, ref)} |`,
      );
    }
    lines.push('');
  }
  const pairs = [
    ['kvs-clip flat (bytes) ÷ memcpy allocUnsafeSlow', 'kvs-clip-flat-bytes', 'memcpy-allocUnsafeSlow'],
    ['kvs-clip flat (bytes) ÷ memcpy new Uint8Array', 'kvs-clip-flat-bytes', 'memcpy-new-Uint8Array'],
    ['kvs-clip flat (chunks) ÷ memcpy allocUnsafeSlow', 'kvs-clip-flat-chunks', 'memcpy-allocUnsafeSlow'],
    ['kvs-clip flat (bytes) ÷ mediabunny flat', 'kvs-clip-flat-bytes', 'mediabunny-flat'],
    ['kvs-clip fMP4 ÷ mediabunny fragmented', 'kvs-clip-fmp4', 'mediabunny-fmp4'],
    ['kvs-clip fMP4 (views) ÷ mediabunny fragmented', 'kvs-clip-fmp4-chunks', 'mediabunny-fmp4'],
    ['kvs-clip CLI flat ÷ ffmpeg +faststart', 'kvs-clip-cli-flat', 'ffmpeg-faststart'],
    ['kvs-clip CLI flat ÷ ffmpeg (moov last)', 'kvs-clip-cli-flat', 'ffmpeg-flat'],
    ['kvs-clip CLI fMP4 ÷ ffmpeg fragmented', 'kvs-clip-cli-fmp4', 'ffmpeg-fragmented'],
  ]
    .map(([label, ours, theirs]) => [label, speedRatio(input, ours, theirs)])
    .filter(([, value]) => value != null);
  if (pairs.length) {
    lines.push(
      `Speed ratios (> 1× means kvs-clip is faster): ${pairs.map(([label, value]) => `${label} **${ratio(value)}**`).join('; ')}.`,
      '',
    );
  }
  return lines.join('\n');
}

/** Each goal of issue 7 per input where it applies: measured value, target, met or not, margin. */
function goals(results) {
  const rows = [];
  const add = (goal, where, measured, target, met, margin) => rows.push({ goal, where, measured, target, met, margin });
  for (const input of results.inputs) {
    // The flat clip comes in two forms (Payload.bytes(), Payload.chunks()): each is reported.
    for (const [form, ours] of [
      ['one buffer', 'kvs-clip-flat-bytes'],
      ['chunks', 'kvs-clip-flat-chunks'],
    ]) {
      for (const [goal, theirs, target] of [
        ['≥ 0.8× fresh-buffer memcpy (allocUnsafeSlow + set)', 'memcpy-allocUnsafeSlow', 0.8],
        ['≥ 10× mediabunny', 'mediabunny-flat', 10],
      ]) {
        const value = speedRatio(input, ours, theirs);
        if (value == null) continue;
        const cold = speedRatio(input, ours, theirs, 'medianFirstMs');
        add(
          `in-process flat clip (${form}) ${goal}`,
          input.id,
          `${ratio(value)} (first call ${ratio(cold)})`,
          `≥ ${ratio(target)}`,
          value >= target,
          `${fmt((value / target - 1) * 100)}%`,
        );
      }
    }
    const cli = byName(input, 'kvs-clip-cli-flat');
    const ff = byName(input, 'ffmpeg-faststart');
    if (cli && ff) {
      const limit = (ff.medianMs * 2) / 3;
      add(
        'CLI flat clip wall time ≤ 2/3 of ffmpeg +faststart',
        input.id,
        `${fmt(cli.medianMs)} ms`,
        `≤ ${fmt(limit)} ms`,
        cli.medianMs <= limit,
        `${fmt(limit - cli.medianMs)} ms (${ratio(cli.medianMs / limit)} the limit)`,
      );
      if (cli.maxRss != null && ff.maxRss != null) {
        const rssLimit = ff.maxRss + 64 * MiB;
        add(
          'CLI flat clip peak RSS ≤ ffmpeg +faststart + 64 MiB',
          input.id,
          `${mib(cli.maxRss)} MiB`,
          `≤ ${mib(rssLimit)} MiB`,
          cli.maxRss <= rssLimit,
          `${fmt((rssLimit - cli.maxRss) / MiB)} MiB`,
        );
      }
    }
  }
  const memory = results.memory;
  if (memory?.growth != null) {
    // "Whatever the length": the largest growth over the runs with Node's default flags, per output form.
    const sourceAlone = (memory.runs ?? []).filter((run) => run.sourceOnly && run.growth != null);
    const baseline = sourceAlone.length ? Math.max(...sourceAlone.map((run) => run.growth)) : null;
    for (const [form, chunks] of [
      ['fragmentedMp4 (segment buffers)', false],
      ['fragmentedMp4Chunks (views)', true],
    ]) {
      const runs = (memory.runs ?? [memory]).filter(
        (run) => run.growth != null && !run.nodeFlags?.length && !run.sourceOnly && !!run.chunks === chunks,
      );
      if (!runs.length) continue;
      const worst = runs.reduce((a, b) => (b.growth > a.growth ? b : a));
      const lengths = runs.map((run) => fmt(run.inputBytes / 2 ** 30, 2)).join(' / ');
      const source = baseline == null ? '' : `; the source alone: ${mib(baseline)} MiB`;
      add(
        `streaming fMP4 RSS growth ≤ 32 MiB, whatever the length: library ${form}, fresh 64 KiB chunks in`,
        `worst of ${lengths} GiB`,
        `${mib(worst.growth)} MiB${source}`,
        '≤ 32 MiB',
        worst.growth <= 32 * MiB,
        `${fmt((32 * MiB - worst.growth) / MiB)} MiB`,
      );
    }
  }
  const cliRuns = (results.cliMemory?.runs ?? []).filter((run) => run.growth != null && !run.nodeFlags?.length);
  if (cliRuns.length) {
    const worst = cliRuns.reduce((a, b) => (b.growth > a.growth ? b : a));
    const longest = cliRuns[cliRuns.length - 1];
    add(
      'streaming fMP4 RSS growth ≤ 32 MiB, whatever the length: CLI, file to file',
      `${fmt(longest.inputBytes / 2 ** 30, 2)} GiB file (worst of ${cliRuns.length} lengths)`,
      `${mib(worst.growth)} MiB`,
      '≤ 32 MiB',
      worst.growth <= 32 * MiB,
      `${fmt((32 * MiB - worst.growth) / MiB)} MiB`,
    );
  }
  // Issue 20: the goal is for what a page that plays through MSE loads, the kvs-clip/mse entry.
  const mse = results.size?.mse;
  if (mse?.gzipped != null) {
    add(
      'browser bundle ≤ 15 KiB gzipped',
      'kvs-clip/mse entry',
      `${fmt(mse.gzipped / 1024, 2)} KiB`,
      '≤ 15 KiB',
      mse.gzipped <= 15 * 1024,
      `${fmt((15 * 1024 - mse.gzipped) / 1024, 2)} KiB`,
    );
  }
  return rows;
}

/** Short pointers at what stands between a goal and its target, from the measured figures only. */
function holdBacks(results, goalRows) {
  const notes = [];
  const unmet = (part) => goalRows.some((g) => !g.met && g.goal.includes(part));
  if (unmet('memcpy')) {
    for (const input of results.inputs) {
      const bytes = byName(input, 'kvs-clip-flat-bytes');
      const chunks = byName(input, 'kvs-clip-flat-chunks');
      const memcpy = byName(input, 'memcpy-allocUnsafeSlow');
      if (!bytes || !chunks || !memcpy) continue;
      notes.push(
        `${input.id}: reading + muxing (the chunks form) takes ${fmt(chunks.medianMs)} ms, joining into one buffer another ${fmt(bytes.medianMs - chunks.medianMs)} ms, against ${fmt(memcpy.medianMs)} ms for the whole memcpy; the goal needs the total ≤ ${fmt(memcpy.medianMs / 0.8)} ms.`,
      );
    }
  }
  if (unmet('memcpy')) {
    for (const input of results.inputs) {
      const faults = byName(input, 'page-faults');
      const memcpy = byName(input, 'memcpy-allocUnsafeSlow');
      if (faults && memcpy)
        notes.push(
          `${input.id}: of the memcpy's ${fmt(memcpy.medianMs)} ms, ${fmt(faults.medianMs)} ms are the fresh buffer's page faults alone; one output buffer pays them too, whatever writes it.`,
        );
    }
  }
  if (goalRows.some((g) => !g.met && g.goal.includes('(one buffer) ≥ 10× mediabunny'))) {
    for (const input of results.inputs) {
      const mediabunny = byName(input, 'mediabunny-flat');
      const memcpy = byName(input, 'memcpy-allocUnsafeSlow');
      if (mediabunny && memcpy)
        notes.push(
          `${input.id}: one output buffer means one full copy, and mediabunny takes only ${ratio(mediabunny.medianMs / memcpy.medianMs)} as long as the memcpy of the same bytes here, so 10× mediabunny in one buffer would need a flat clip faster than that memcpy.`,
        );
    }
  }
  if (unmet('streaming fMP4 RSS growth ≤ 32 MiB, whatever the length: library')) {
    const runs = results.memory?.runs ?? [];
    const alone = runs.filter((run) => run.sourceOnly && run.growth != null);
    const share = (chunks) =>
      alone
        .flatMap((source) =>
          runs
            .filter(
              (run) =>
                !run.sourceOnly &&
                !run.nodeFlags?.length &&
                !!run.chunks === chunks &&
                run.growth != null &&
                run.inputBytes === source.inputBytes,
            )
            .map((run) => `${mib(run.growth - source.growth)} MiB at ${fmt(run.inputBytes / 2 ** 30, 2)} GiB`),
        )
        .join(', ');
    if (alone.length) {
      const capped = runs.find((run) => !run.sourceOnly && run.nodeFlags?.includes('--max-semi-space-size=1') && run.growth != null);
      const cappedNote = capped
        ? ` With the young generation capped (node --max-semi-space-size=1, a setting for the application, not the library), fragmentedMp4 grows by ${mib(capped.growth)} MiB at ${fmt(capped.inputBytes / 2 ** 30, 2)} GiB.`
        : '';
      notes.push(
        `Library streaming: the source alone, with no kvs-clip, grows by ${alone.map((run) => `${mib(run.growth)} MiB at ${fmt(run.inputBytes / 2 ** 30, 2)} GiB`).join(' and ')}, which is V8's headroom for a process that allocates a fresh chunk every 64 KiB (its young generation grows towards its default maximum, and dead chunks wait for a collection). What kvs-clip adds on top of its source (growth − the source alone, same length): fragmentedMp4 ${share(false)}; fragmentedMp4Chunks ${share(true)}.${cappedNote}`,
      );
    }
  }
  if (unmet('CLI flat clip wall')) {
    for (const input of results.inputs) {
      const start = byName(input, 'node-start');
      const cp = byName(input, 'cp');
      const read = byName(input, 'node-read');
      const ff = byName(input, 'ffmpeg-faststart');
      if (!start || !cp || !ff) continue;
      const readNote = read
        ? `; Node reading the file once takes ${fmt(read.medianMs)} ms with its start-up (${fmt(read.medianMs - start.medianMs)} ms for the reads), and a flat clip of a file with moov first reads it twice to stay within the RSS goal`
        : '';
      notes.push(
        `${input.id}: the limit is ${fmt((ff.medianMs * 2) / 3)} ms; Node starting and exiting takes ${fmt(start.medianMs)} ms and copying the file once with cp ${fmt(cp.medianMs)} ms, together ${fmt(start.medianMs + cp.medianMs)} ms before any parsing${readNote}.`,
      );
    }
  }
  if (unmet('in-process') || unmet('CLI flat clip wall')) {
    for (const profile of results.profiles ?? []) {
      if (!profile.top) continue;
      notes.push(
        `Hottest in ${profile.label}: ${profile.top
          .slice(0, 4)
          .map((h) => `${h.where} (${fmt(h.share * 100)}%)`)
          .join(', ')}.`,
      );
    }
  }
  const heaviest = results.size?.mse?.heaviest;
  if (heaviest && unmet('browser bundle')) {
    notes.push(
      `Largest modules in the minified kvs-clip/mse bundle: ${heaviest
        .slice(0, 5)
        .map((h) => `${h.file} (${fmt(h.bytes / 1024, 1)} KiB)`)
        .join(', ')}.`,
    );
  }
  return notes;
}

const browserLabels = {
  'memcpy-new-Uint8Array': 'memcpy: new Uint8Array + set',
  'kvs-clip-flat-bytes': 'kvs-clip clip() → Payload.bytes() (one buffer)',
  'kvs-clip-flat-chunks': 'kvs-clip clip() → Payload.chunks()',
  'kvs-clip-fmp4-chunks': 'kvs-clip fragmentedMp4Chunks() stream (header + payload views)',
  'mediabunny-flat': "mediabunny Conversion, fastStart 'in-memory' (moov first)",
};

/** The in-process cases as a web page runs them (bench/browser.mjs), one table per input. */
function browserSection(results) {
  const lines = ['## In a browser (headless Chromium)', ''];
  const browser = results.browser;
  if (!browser) return [...lines, 'Not run (--no-browser).'];
  if (browser.skipped) return [...lines, `Not run: ${browser.skipped}.`];
  lines.push(
    `${browser.browser}, the same inputs already in memory (fetched from a local server first), timed as in Node: the first call in a fresh page, warm-up until the JIT has settled, then timed runs with a full GC (--js-flags=--expose-gc) before each; median of ${results.rounds} rounds × ${results.iterations} runs, each round in a fresh browser.`,
    '',
  );
  for (const input of browser.inputs) {
    const cases = Object.fromEntries(
      Object.entries(input.cases).map(([name, c]) => [
        name,
        c.error ? c : { ...c, medianMs: median(c.times), medianFirstMs: median(c.first) },
      ]),
    );
    const node = results.inputs.find((i) => i.id === input.id);
    lines.push(
      `### ${input.id}`,
      '',
      '| case | median ms | first call ms | MB/s of input | kvs-clip chunks speed ÷ this | kvs-clip bytes speed ÷ this | output bytes as in Node |',
      '|---|---:|---:|---:|---:|---:|---|',
    );
    const chunks = cases['kvs-clip-flat-chunks'];
    const flat = cases['kvs-clip-flat-bytes'];
    for (const [name, c] of Object.entries(cases)) {
      if (c.error) {
        lines.push(`| ${browserLabels[name] ?? name} | ✗ ${c.error} | | | | | |`);
        continue;
      }
      const versus = (ours) => (ours?.medianMs ? ratio(c.medianMs / ours.medianMs) : '–');
      const inNode = node?.rows.find((row) => row.name === name)?.outputBytes;
      const same = inNode == null ? '–' : inNode === c.outputBytes ? `✓ ${c.outputBytes}` : `✗ ${c.outputBytes}, Node ${inNode}`;
      lines.push(
        `| ${browserLabels[name] ?? name} | ${fmt(c.medianMs)} | ${fmt(c.medianFirstMs)} | ${node ? fmt(mbps(node.bytes, c.medianMs)) : '–'} | ${versus(chunks)} | ${versus(flat)} | ${same} |`,
      );
    }
    lines.push('');
  }
  return lines;
}

export function renderResults(results) {
  const m = results.machine;
  const lines = [
    '# kvs-clip benchmarks',
    '',
    'Written by `npm run bench` (bench/run.mjs); raw figures in bench/out/results.json (git-ignored). Goals are those of issue 7; they are reported here, never asserted in tests.',
    '',
    `- Date: ${results.started.toISOString()} (run took ${fmt((results.finished - results.started) / 60000, 1)} min)`,
    `- Commit: ${m.commit ?? 'unknown'}${m.srcDirty ? ' with uncommitted changes in src/ (the working tree was measured)' : ''}`,
    `- Machine: ${m.cpu}, ${m.cores} cores, ${fmt(m.ramGiB, 1)} GiB RAM, shared with other work: load average ${m.loadAverage.map((l) => fmt(l, 1)).join(' / ')} (1/5/15 min) at the start, ${results.loadAverageAfter?.map((l) => fmt(l, 1)).join(' / ') ?? '?'} at the end; cases take turns so the load falls on all of them alike`,
    `- Node ${m.node}; ${m.ffmpeg}; mediabunny ${m.mediabunny}`,
    `- MB = 10^6 bytes, MiB = 2^20 bytes; MB/s is input bytes over median time. Each case ran in ${results.rounds} rounds (cases taking turns), each round in a fresh process: in process, the first call is timed, then warm-up runs until the JIT has settled (≥ 1.5 s and ≥ 3 runs, at most 40), then ${results.iterations} timed runs; whole processes, ${results.processIterations} runs per round (after one warm-up run in the first round), each writing a new output file. Goals are judged on the settled medians; first-call ratios are shown beside them.`,
    results.haveTime ? '' : '- /usr/bin/time is missing: no peak RSS for whole-process cases.',
    '',
    '## Goals',
    '',
  ];
  const goalRows = goals(results);
  if (goalRows.length) {
    lines.push('| goal | where | measured | target | status | margin |', '|---|---|---:|---:|---|---:|');
    for (const g of goalRows)
      lines.push(`| ${g.goal} | ${g.where} | ${g.measured} | ${g.target} | ${g.met ? '**met**' : '**not met**'} | ${g.margin} |`);
  } else {
    lines.push('No goal could be evaluated yet (kvs-clip not built).');
  }
  lines.push('', 'Margin: how far past the target (positive) or short of it (negative).', '');
  const notes = holdBacks(results, goalRows);
  if (notes.length)
    lines.push('What holds back the goals not met (derived from the figures below):', '', ...notes.map((n) => `- ${n}`), '');
  lines.push('## Speed per input', '');
  for (const input of results.inputs) lines.push(inputSection(input), '');

  lines.push('## Streaming memory', '');
  const memory = results.memory;
  if (!memory) lines.push('Not run.');
  else if (memory.skipped || memory.error) lines.push(`Not measured: ${memory.skipped ?? memory.error}`);
  else {
    lines.push(
      memory.description,
      '',
      '| run | input streamed | segments out | time | MB/s | RSS before | peak RSS | growth (peak − before) | kept after GC (heap / buffers) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const run of memory.runs ?? [memory]) {
      const goalRun = !run.nodeFlags?.length && !run.sourceOnly && run.inputBytes === memory.inputBytes;
      const form = run.chunks ? 'fragmentedMp4Chunks' : 'fragmentedMp4';
      const label = run.sourceOnly
        ? 'the source alone, no kvs-clip'
        : `${form}${run.nodeFlags?.length ? `, node ${run.nodeFlags.join(' ')}` : ''}`;
      if (run.error) {
        lines.push(`| ${label} | ✗ ${run.error} | | | | | | | |`);
        continue;
      }
      const growth = goalRun ? `**${mib(run.growth)} MiB**` : `${mib(run.growth)} MiB`;
      lines.push(
        `| ${label} | ${fmt(run.inputBytes / 2 ** 30, 2)} GiB | ${run.segments} | ${fmt(run.ms / 1000, 1)} s | ${fmt(mbps(run.inputBytes, run.ms))} | ${mib(run.rssBefore)} MiB | ${mib(run.maxRss)} MiB | ${growth} | ${fmt(run.retained.heap / MiB, 1)} / ${fmt(run.retained.buffers / MiB, 1)} MiB |`,
      );
    }
  }
  const cli = results.cliMemory;
  if (cli) {
    lines.push('', '### The CLI streaming a file', '');
    if (cli.skipped || cli.error) lines.push(`Not measured: ${cli.skipped ?? cli.error}`);
    else {
      lines.push(
        `\`kvs-clip clip <repeated KVS stream>.mkv -o out.mp4 --fragmented\` (the same stream written to a file, bench/inputs), one run each. Growth = the process's peak RSS (GNU time) − the peak of \`kvs-clip --help\` (${mib(cli.startUpRss)} MiB: Node and the CLI loaded).`,
        '',
        '| run | input | time | MB/s | peak RSS | growth |',
        '|---|---:|---:|---:|---:|---:|',
      );
      for (const run of cli.runs) {
        const label = run.nodeFlags?.length ? `node ${run.nodeFlags.join(' ')}` : 'default';
        if (run.error) {
          lines.push(`| ${label} | ✗ ${run.error} | | | | |`);
          continue;
        }
        lines.push(
          `| ${label} | ${fmt(run.inputBytes / 2 ** 30, 2)} GiB | ${fmt(run.medianMs / 1000, 2)} s | ${fmt(mbps(run.inputBytes, run.medianMs))} | ${mib(run.maxRss)} MiB | ${mib(run.growth)} MiB |`,
        );
      }
    }
  }
  lines.push('', ...browserSection(results));
  lines.push('', '## Browser bundle', '');
  const size = results.size;
  if (!size) lines.push('Not run.');
  else if (size.error) lines.push(`Not measured: ${size.error}`);
  else {
    lines.push(
      'esbuild --bundle --minify --format=esm --platform=browser, then gzip level 9 (node:zlib).',
      '',
      '| entry | minified | gzipped | heaviest modules (bytes in minified output) |',
      '|---|---:|---:|---|',
    );
    for (const entry of Object.values(size)) {
      if (entry.error) {
        lines.push(`| ${entry.label} | – | – | ✗ ${entry.error} |`);
        continue;
      }
      const heaviest = entry.heaviest
        .slice(0, 5)
        .map(({ file, bytes }) => `${file} ${bytes}`)
        .join(', ');
      lines.push(`| ${entry.label} | ${entry.minified} B | **${entry.gzipped} B (${fmt(entry.gzipped / 1024, 2)} KiB)** | ${heaviest} |`);
    }
  }
  lines.push('', '## CPU profiles', '');
  const profiles = results.profiles ?? [];
  if (!profiles.length) lines.push('Not run (kvs-clip not built, or --no-profile).');
  for (const profile of profiles) {
    if (profile.error) {
      lines.push(`${profile.label}: ✗ ${profile.error}`, '');
      continue;
    }
    lines.push(
      `\`node --cpu-prof\`, ${profile.label} (whole process, start-up included): self time per function, bundle lines mapped to their src/ module.`,
      '',
      '| self time | share | module:function |',
      '|---:|---:|---|',
    );
    for (const hot of profile.top.slice(0, 12)) lines.push(`| ${fmt(hot.selfMs)} ms | ${fmt(hot.share * 100, 1)}% | ${hot.where} |`);
    lines.push('');
  }
  lines.push('');
  return lines.join('\n');
}

// `node bench/report.mjs [results.json] [RESULTS.md]` re-renders a report from saved raw figures.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [from = join(repoRoot, 'bench', 'out', 'results.json'), to = join(repoRoot, 'bench', 'RESULTS.md')] = process.argv.slice(2);
  const results = JSON.parse(readFileSync(from, 'utf8'));
  results.started = new Date(results.started);
  results.finished = new Date(results.finished);
  writeFileSync(to, renderResults(results));
}
