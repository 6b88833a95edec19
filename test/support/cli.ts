/**
 * Running kvs-clip's CLI in tests: the built CLI as a process (tsup builds src/cli/main.ts into a
 * temporary folder, so the shared dist/ is left alone), or one command in-process with in-memory
 * streams. Plus the facts about fixtures/kvs-h264-aac.mkv that both CLI test files check against.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';
import { runCli, type Command } from '../../src/cli/run.js';
import { bundle, root } from './bundle.js';

export interface ProcessRun {
  status: number | null;
  /** stdout as bytes (an MP4 with `-o -`); `text` has it as UTF-8. */
  stdout: Buffer;
  text: string;
  stderr: string;
}

export interface BuiltCli {
  /** Scratch folder for the test's own files; removed with the build. */
  dir: string;
  /** Runs `node <built cli> ...args` from the repository root, `input` on stdin. */
  run(args: string[], input?: Uint8Array): ProcessRun;
  /** Runs a shell command line with `$CLI` set to `node <built cli>`, from the repository root. */
  shell(line: string): ProcessRun;
  remove(): void;
}

/** Builds the CLI as `npm run build` would (ESM, node20), into a fresh temporary folder. */
export function buildCli(): BuiltCli {
  const dir = mkdtempSync(join(tmpdir(), 'kvs-clip-cli-'));
  const cli = bundle('src/cli/main.ts', dir);
  const result = (r: ReturnType<typeof spawnSync>): ProcessRun => {
    const stdout = r.stdout as Buffer;
    return { status: r.status, stdout, text: stdout.toString('utf8'), stderr: (r.stderr as Buffer).toString('utf8') };
  };
  return {
    dir,
    run: (args, input) => result(spawnSync('node', [cli, ...args], { cwd: root, input, maxBuffer: 256 << 20 })),
    shell: (line) =>
      result(spawnSync('sh', ['-c', line], { cwd: root, env: { ...process.env, CLI: `node ${cli}` }, maxBuffer: 256 << 20 })),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface InProcessRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `argv` through runCli with `commands`, stdin from `stdin`, in-memory stdout/stderr. `tty`
 * makes stderr claim to be a terminal (what the progress line looks for).
 */
export async function runInProcess(
  commands: Command[],
  argv: string[],
  options: { stdin?: Uint8Array; tty?: boolean } = {},
): Promise<InProcessRun> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), options.tty ? { isTTY: true } : {});
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const io = { stdin: Readable.from([options.stdin ?? new Uint8Array()]), stdout, stderr } as unknown as CliIo;
  const code = await runCli(argv, commands, io, '0.0.0');
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

/**
 * fixtures/kvs-h264-aac.mkv, fragment by fragment, from tools other than ours:
 * `bash test/support/kvs-oracle.sh kvs fixtures/kvs-h264-aac.mkv` (mkvinfo: tag values, frames per
 * track) and bytes from the EBML header offsets: LC_ALL=C grep -obUaP '\x1a\x45\xdf\xa3'
 * fixtures/kvs-h264-aac.mkv → 0 49015 95705 148552, file size 202254 (stat -c %s).
 */
export const KVS_H264_AAC = [
  {
    fragmentNumber: '91343852333181432392682062607743920146159169392',
    producerTimestamp: 1700000000021,
    serverTimestamp: 1700000000201,
    frames: { 1: 25, 2: 48 },
    bytes: 49015,
  },
  {
    fragmentNumber: '91343852333181432397633822764885441725874549018',
    producerTimestamp: 1700000001021,
    serverTimestamp: 1700000001238,
    frames: { 1: 25, 2: 47 },
    bytes: 46690,
  },
  {
    fragmentNumber: '91343852333181432402585582922026963305589928644',
    producerTimestamp: 1700000002021,
    serverTimestamp: 1700000002275,
    frames: { 1: 25, 2: 47 },
    bytes: 52847,
  },
  {
    fragmentNumber: '91343852333181432407537343079168484885305308270',
    producerTimestamp: 1700000003021,
    serverTimestamp: 1700000003222,
    frames: { 1: 25, 2: 47 },
    bytes: 53702,
  },
];
