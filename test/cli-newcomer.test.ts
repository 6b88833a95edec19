/**
 * The CLI as a newcomer meets it, run as a process: help for every command, what happens when a
 * write fails (/dev/full, a full filesystem) or the process is interrupted, --json and --quiet,
 * and a closed stderr. Boxes are counted from the files themselves (top-level box sizes), not from
 * what the CLI says.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, KVS_H264_AAC, type BuiltCli } from './support/cli.js';

const FIXTURE = 'fixtures/kvs-h264-aac.mkv';
const COMMANDS = ['clip', 'audio', 'inspect', 'fetch', 'follow', 'hls', 'dash', 'serve'];
let cli: BuiltCli;
let cliPath: string;

beforeAll(() => {
  cli = buildCli();
  cliPath = join(cli.dir, 'main.js');
});
afterAll(() => cli.remove());

/** Ends of the fMP4's segments: after the init segment (ftyp+moov), then after each moof+mdat. */
function segmentEnds(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends: number[] = [];
  for (let at = 0; at + 8 <= bytes.byteLength;) {
    const size = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    at += size;
    if (type === 'moov' || type === 'mdat') ends.push(at);
  }
  return ends;
}

describe('help', () => {
  it('bare kvs-clip and --help print the command list, exit 0', () => {
    for (const args of [[], ['--help']]) {
      const run = cli.run(args);
      expect(run.status).toBe(0);
      for (const name of COMMANDS) expect(run.text).toContain(`kvs-clip ${name} `);
    }
  });

  it.each(COMMANDS)('%s --help describes every option of its usage and gives an example', (name) => {
    const run = cli.run([name, '--help']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const usage = /^usage: (.*)$/m.exec(run.text)![1];
    const flags = [...usage.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    expect(flags.length).toBeGreaterThan(1);
    const described = run.text.slice(run.text.indexOf('\n\n'));
    // Each flag on an option line of the help (a line that starts with the option itself).
    for (const flag of flags) expect(described, flag).toMatch(new RegExp(`^ {2}(?=-).*${flag}\\b`, 'm'));
    expect(run.text).toMatch(/Example:\n {2}(\w+=\S+ )?kvs-clip /);
  });

  it('usage errors still exit 2, help with other arguments exits 0', () => {
    expect(cli.run(['nope']).status).toBe(2);
    expect(cli.run(['clip', FIXTURE]).status).toBe(2);
    expect(cli.run(['clip', FIXTURE, '--bogus', '--help']).status).toBe(0);
  });
});

describe('write failures', () => {
  it('a flat clip to a full stdout is one WriteError line, exit 1', () => {
    const run = cli.shell(`$CLI clip ${FIXTURE} -o - > /dev/full`);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^WriteError: cannot write stdout: ENOSPC: no space left on device/);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('-o /dev/full: one line naming the path, and the device is left alone', () => {
    for (const extra of [[], ['--fragmented']]) {
      const run = cli.run(['clip', FIXTURE, '-o', '/dev/full', ...extra]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^WriteError: cannot write \/dev\/full: ENOSPC/);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    }
  });

  describe('on a full filesystem (a 120 KiB tmpfs)', () => {
    const mount = join('/tmp', `kvs-clip-full-${process.pid}`);
    let mounted = false;
    beforeAll(() => {
      mkdirSync(mount, { recursive: true });
      mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=120k', 'tmpfs', mount]).status === 0;
      if (!mounted) console.warn('cli-newcomer: cannot mount a tmpfs here (not root?): the full-filesystem tests are skipped');
    });
    afterAll(() => {
      if (mounted) spawnSync('umount', [mount]);
    });

    it('a fragmented clip is cut back to its last complete segment, and the message says which', ({ skip }) => {
      if (!mounted) skip();
      const out = join(mount, 'out.mp4');
      const run = cli.run(['clip', FIXTURE, '--fragmented', '-o', out]);
      expect(run.status).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      const bytes = new Uint8Array(readFileSync(out));
      const ends = segmentEnds(bytes);
      // The file ends exactly where a segment ends: init + N whole media segments.
      expect(ends.at(-1)).toBe(bytes.byteLength);
      const media = ends.length - 1;
      expect(media).toBeGreaterThan(0);
      expect(media).toBeLessThan(KVS_H264_AAC.length);
      const first = new Date(KVS_H264_AAC[0].producerTimestamp).toISOString();
      const last = new Date(KVS_H264_AAC[media - 1].producerTimestamp).toISOString();
      expect(run.stderr).toContain(`WriteError: cannot write ${out}: ENOSPC`);
      expect(run.stderr).toContain(
        `cut back to its last complete segment and holds the init segment and ${media} media segment${media === 1 ? '' : 's'}, fragments starting ${first} to ${last}`,
      );
    });

    it('a flat clip leaves no file at all, nor a temporary one', ({ skip }) => {
      if (!mounted) skip();
      const run = cli.run(['clip', FIXTURE, '-o', join(mount, 'flat.mp4')]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^WriteError: cannot write \S+flat\.mp4: ENOSPC/);
      expect(readdirSync(mount).filter((f) => f.includes('flat'))).toEqual([]);
    });
  });
});

describe('interrupted', () => {
  /** Starts the CLI with stdin open, feeds it `bytes`, and sends SIGINT once `ready()` says so. */
  async function interrupt(args: string[], bytes: Uint8Array, ready: () => boolean) {
    const child = spawn('node', [cliPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The write completes once the CLI has read all but a socket buffer's worth (about 200 KiB) of
    // it: with more than that written, the CLI is running, its handlers set.
    await new Promise((resolve) => child.stdin.write(bytes, resolve));
    // Poll the condition on the process's own progress (a file appearing), not on time.
    await new Promise<void>((resolve) => {
      const check = () => (ready() ? resolve() : setImmediate(check));
      check();
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    return { code, stderr };
  }

  it('a fragmented clip says that it is partial and ends on a segment boundary', async () => {
    const dir = join(cli.dir, 'sigint-fragmented');
    mkdirSync(dir);
    const out = join(dir, 'out.mp4');
    const fixture = readFileSync(FIXTURE);
    // Three fragments and the start of a fourth: the reader, the selection and the muxer each hold one
    // back, so the first media segment is written.
    const cut = KVS_H264_AAC[0].bytes + KVS_H264_AAC[1].bytes + KVS_H264_AAC[2].bytes + 1000;
    const { code, stderr } = await interrupt(['clip', '-', '--fragmented', '-o', out], fixture.subarray(0, cut), () => {
      return existsSync(out) && segmentEnds(new Uint8Array(readFileSync(out))).length >= 2;
    });
    expect(code).toBe(130);
    const ends = segmentEnds(new Uint8Array(readFileSync(out)));
    expect(ends.at(-1)).toBe(statSync(out).size);
    expect(stderr).toContain(
      `interrupted: ${out} is partial: it holds the init segment and ${ends.length - 1} media segment${ends.length === 2 ? '' : 's'}`,
    );
  });

  it('a flat clip leaves no output and no temporary file', async () => {
    const dir = join(cli.dir, 'sigint-flat');
    mkdirSync(dir);
    const fixture = readFileSync(FIXTURE);
    const { code } = await interrupt(['clip', '-', '-o', join(dir, 'out.mp4')], Buffer.concat(Array(8).fill(fixture)), () => true);
    expect(code).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('stdin', () => {
  it('a flat clip from stdin is spooled to a temporary file (then removed) and equals the clip of the file', () => {
    const spool = join(cli.dir, 'tmp');
    mkdirSync(spool);
    const [fromStdin, fromFile] = [join(cli.dir, 'stdin.mp4'), join(cli.dir, 'file.mp4')];
    const piped = cli.shell(`cat ${FIXTURE} | TMPDIR=${spool} $CLI clip - -o ${fromStdin}`);
    expect(piped.status, piped.stderr).toBe(0);
    expect(cli.run(['clip', FIXTURE, '-o', fromFile]).status).toBe(0);
    expect(readFileSync(fromStdin).equals(readFileSync(fromFile))).toBe(true);
    expect(readdirSync(spool)).toEqual([]);
  });
});

describe('reporting', () => {
  it('--json prints one JSON line with output, bytes, fragments, tracks and warnings, nothing else', () => {
    const out = join(cli.dir, 'json.mp4');
    const run = cli.run(['clip', FIXTURE, '--fragmented', '--max-fragments', '2', '-o', out, '--json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(report).toMatchObject({ output: out, bytes: statSync(out).size, fragments: 2 });
    expect(report.tracks).toEqual([expect.stringMatching(/^avc1\./), expect.stringMatching(/^mp4a\./)]);
    expect(report.warnings).toEqual([expect.objectContaining({ code: 'capped' })]);
    expect(segmentEnds(new Uint8Array(readFileSync(out)))).toHaveLength(3);
  });

  it('--quiet prints nothing on success; without it, the wrote line', () => {
    const out = join(cli.dir, 'quiet.mp4');
    const quiet = cli.run(['clip', FIXTURE, '-o', out, '--quiet', '--max-fragments', '1']);
    expect([quiet.status, quiet.stderr, quiet.text]).toEqual([0, '', '']);
    const loud = cli.run(['audio', 'fixtures/kvs-h264-alaw.mkv', '-o', join(cli.dir, 'a.wav')]);
    expect(loud.stderr).toMatch(/^wrote \S+a\.wav \(WAV, 1 ch, 8000 Hz, [\d.]+ s\)\n$/);
  });

  it('a closed stderr does not turn a success into a failure', async () => {
    // The reader of stderr is gone before the wrote line is written.
    const child = spawn('node', [cliPath, 'clip', FIXTURE, '-o', join(cli.dir, 'closed.mp4'), '--max-fragments', '1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(statSync(join(cli.dir, 'closed.mp4')).size).toBeGreaterThan(0);
  });

  it('`2>&1 | head -1` and `2>&1 | true`: exit 0 and a whole output, though the reader left early', () => {
    // --max-fragments 1 makes two stderr lines (the capped warning, then the wrote line): head takes
    // the first and exits, so the second meets a closed pipe; `true` is gone before the first one.
    // The exit status goes to a file, since the pipeline's own is the reader's.
    const [headOut, trueOut] = [join(cli.dir, 'head.mp4'), join(cli.dir, 'true.mp4')];
    const run = cli.shell(
      `{ $CLI clip ${FIXTURE} --fragmented --max-fragments 1 -o ${headOut} 2>&1; echo $? > ${cli.dir}/head.status; } | head -1; ` +
        `{ $CLI clip ${FIXTURE} --max-fragments 1 -o ${trueOut} 2>&1; echo $? > ${cli.dir}/true.status; } | true`,
    );
    expect(run.text).toMatch(/^warning: capped: /);
    expect(run.text.trimEnd().split('\n')).toHaveLength(1);
    expect(readFileSync(join(cli.dir, 'head.status'), 'utf8')).toBe('0\n');
    expect(readFileSync(join(cli.dir, 'true.status'), 'utf8')).toBe('0\n');
    expect(segmentEnds(new Uint8Array(readFileSync(headOut)))).toHaveLength(2); // init + 1 media segment
    // The flat clip appears only once complete (a renamed temporary file); its last box ends the file.
    expect(segmentEnds(new Uint8Array(readFileSync(trueOut))).at(-1)).toBe(statSync(trueOut).size);
  });
});

describe('hls, dash, serve: the same reporting as clip', () => {
  /** The files under `dir`, recursively. */
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));

  it.each(['hls', 'dash'])('%s --json: one JSON line whose bytes and segments are the folder’s; --quiet: nothing', (name) => {
    const dir = join(cli.dir, `${name}-json`);
    const run = cli.run([name, FIXTURE, '-o', dir, '--json']);
    expect([run.status, run.stderr]).toEqual([0, '']);
    const lines = run.text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as Record<string, unknown>;
    const files = filesUnder(dir);
    // HLS: one media segment per fragment, audio and video together; DASH: one per track per fragment.
    const segments = files.filter((f) => f.endsWith('.m4s')).length;
    expect(segments).toBe(KVS_H264_AAC.length * (name === 'hls' ? 1 : 2));
    expect(report).toEqual({
      output: dir,
      bytes: files.reduce((sum, f) => sum + statSync(f).size, 0),
      fragments: segments,
      tracks: [expect.stringMatching(/^avc1\./), expect.stringMatching(/^mp4a\./)],
      warnings: [],
    });
    const quiet = cli.run([name, FIXTURE, '-o', join(cli.dir, `${name}-quiet`), '--quiet', '--max-fragments', '1']);
    expect([quiet.status, quiet.stderr, quiet.text]).toEqual([0, '', '']);
    if (name === 'dash') return; // the wrote line is made by the same code for both (src/cli/package-command.ts)
    const loud = cli.run([name, FIXTURE, '-o', join(cli.dir, `${name}-loud`), '--max-fragments', '1']);
    expect(loud.stderr).toMatch(
      new RegExp(
        `^warning: capped: .*\nwrote \\S+${name}-loud \\(${name.toUpperCase()}, \\d+ media segments?, \\d+ bytes in \\d+ files, \\S+\\)\n$`,
      ),
    );
  });

  it('package errors stay one line: a missing input, an input that is not Matroska', () => {
    const missing = cli.run(['hls', 'no-such.mkv', '-o', join(cli.dir, 'none')]);
    expect([missing.status, missing.stderr]).toEqual([1, 'ResourceNotFoundException: input file no-such.mkv does not exist\n']);
    const notMkv = cli.run(['dash', 'package.json', '-o', join(cli.dir, 'none'), '--json']);
    expect(notMkv.status).toBe(1);
    expect(notMkv.text).toBe('');
    expect(notMkv.stderr).toMatch(/^\w+Exception: [^\n]+\n$/);
  });

  it('serve --json prints {url, dir, streams} as its one line; --quiet the URL only; both exit 0 on SIGINT', async () => {
    const streams = join(cli.dir, 'streams');
    mkdirSync(streams, { recursive: true });
    copyFileSync(FIXTURE, join(streams, 'cam.mkv'));
    const serve = async (flag: string) => {
      const child = spawn('node', [cliPath, 'serve', streams, flag]);
      let [stdout, stderr] = ['', ''];
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.endsWith('\n')) resolve();
        }),
      );
      child.kill('SIGINT');
      return { code: await exited, stdout, stderr };
    };
    const [json, quiet] = await Promise.all([serve('--json'), serve('--quiet')]);
    expect([json.code, json.stderr, quiet.code, quiet.stderr]).toEqual([0, '', 0, '']);
    expect(JSON.parse(json.stdout)).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), dir: streams, streams: ['cam'] });
    expect(quiet.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
  });
});

describe('fetch and follow: what goes wrong outside the program is one line', () => {
  beforeAll(() => {
    // The built CLI sits in a temporary folder: give it the repository's packages, the AWS SDK among them.
    if (!existsSync(join(cli.dir, 'node_modules'))) symlinkSync(join(process.cwd(), 'node_modules'), join(cli.dir, 'node_modules'));
  });

  /** The CLI with `env` as its whole environment (no AWS profile, config or instance metadata to find). */
  function runWithEnv(args: string[], env: Record<string, string>) {
    const result = spawnSync('node', [cliPath, ...args], {
      env: { PATH: process.env.PATH!, HOME: cli.dir, AWS_EC2_METADATA_DISABLED: 'true', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, stderr: result.stderr };
  }
  const range = ['--start', '2024-01-01T00:00:00Z', '--end', '2024-01-01T00:01:00Z'];

  it('no credentials: ConfigurationError with the fix; an endpoint that refuses: NetworkError; never a stack or the SDK’s Node notice', () => {
    const endpoint = 'http://127.0.0.1:9'; // the discard port: nothing listens there
    const noCredentials = runWithEnv(
      ['follow', '--stream', 'door', '--endpoint', endpoint, '--region', 'us-east-1', '--fragmented', '-o', join(cli.dir, 'f.mp4')],
      {},
    );
    expect(noCredentials.status).toBe(1);
    expect(noCredentials.stderr).toBe(
      'ConfigurationError: no AWS credentials found: set AWS_PROFILE (see `aws configure`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n',
    );
    const credentials = { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' };
    const refused = runWithEnv(
      [
        'fetch',
        '--stream',
        'door',
        '--endpoint',
        endpoint,
        '--region',
        'us-east-1',
        ...range,
        '--retries',
        '1',
        '-o',
        join(cli.dir, 'g.mp4'),
      ],
      credentials,
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('NetworkError: cannot reach the endpoint: connect ECONNREFUSED 127.0.0.1:9\n');
    const noRegion = runWithEnv(['fetch', '--stream', 'door', ...range, '-o', join(cli.dir, 'h.mp4')], credentials);
    expect(noRegion.status).toBe(1);
    expect(noRegion.stderr).toBe('ConfigurationError: no AWS Region: pass --region (e.g. --region eu-west-1) or set AWS_REGION\n');
  });
});
