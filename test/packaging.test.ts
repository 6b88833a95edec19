/**
 * The package as users get it: built as `npm pack` builds it (the `prepare` script), packed, installed
 * from the tarball into a fresh project that has neither the AWS SDK nor the DOM library, then
 * type-checked under each common tsconfig without skipLibCheck and run as ESM and as CommonJS.
 *
 * Slow (a full tsup build with declarations): run by `npm run test:package`, not by `npm test`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { root } from './support/bundle.js';

let dir: string;
let project: string;
let tarball: string;

/** One tsconfig per variant; `files` names the snippet each type-checks. */
const variants: Record<string, { compilerOptions: Record<string, unknown>; files: string[] }> = {
  // Node ESM: no DOM; @types/node supplies ReadableStream, Blob and friends.
  nodenext: { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['ES2022'], types: ['node'] }, files: ['esm.mts'] },
  node16: {
    compilerOptions: { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'] },
    files: ['esm.mts', 'cjs.cts'],
  },
  // A browser bundle: DOM, no Node types; segment.data goes to appendBuffer and a Blob.
  bundler: {
    compilerOptions: {
      module: 'esnext',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable', 'DOM.AsyncIterable'],
      types: [],
    },
    files: ['browser.ts'],
  },
  // The old resolution (no `exports`): typesVersions finds the subpaths.
  node10: { compilerOptions: { module: 'commonjs', moduleResolution: 'node', lib: ['ES2022'], types: ['node'] }, files: ['node10.ts'] },
};

const esmSnippet = `
import { readFile } from 'node:fs/promises';
import { clip, fragmentedMp4, isKvsClipError, InvalidArgumentException, type ClipOptions, type Mp4Segment, type TimeRange, type TimestampKind } from 'kvs-clip';
import { getClip, type GetClipOptions } from 'kvs-clip/aws';
import { expandUlaw } from 'kvs-clip/audio';

const kind: TimestampKind = 'producer';
const options: ClipOptions = { timestamps: kind, maxElementSize: 1 << 20 };
const range: TimeRange | undefined = undefined;
const body = await readFile(process.argv[2]);
const { Payload } = await clip(body, options);
const blob = new Blob([Payload.bytes()]);
const segments: Mp4Segment[] = [];
for await (const segment of fragmentedMp4(body)) segments.push(segment);
const aws: GetClipOptions = { region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
// The SDK is not installed here: getClip says so with the library's own error class.
const error = await getClip({ StreamName: 'cam', ClipFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: 1, EndTimestamp: 2 } } }, aws).catch((e: unknown) => e);
console.log(JSON.stringify({ bytes: blob.size, segments: segments.length, sameClass: error instanceof InvalidArgumentException && isKvsClipError(error), ulaw: expandUlaw(new Uint8Array([0xff])).length, range: range ?? null }));
`;

const cjsSnippet = `
import kvs = require('kvs-clip');
import kvsAws = require('kvs-clip/aws');
import { readFileSync } from 'node:fs';

async function main(): Promise<void> {
  const body = readFileSync(process.argv[2]);
  // A G.711 stream made FLAC: the encoder is loaded on demand, from the shared chunk.
  const { Payload } = await kvs.clip(body, { audio: 'flac' });
  const error = await kvsAws.getClip({ StreamName: 'bad name!', ClipFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: 1, EndTimestamp: 2 } } }).catch((e: unknown) => e);
  console.log(JSON.stringify({ bytes: Payload.byteLength, sameClass: error instanceof kvs.InvalidArgumentException && error instanceof kvs.KvsClipError }));
}
void main();
`;

const browserSnippet = `
import { fragmentedMp4Stream, clip } from 'kvs-clip';

export async function play(video: HTMLVideoElement, response: Response): Promise<void> {
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  let buffer: SourceBuffer | undefined;
  for await (const segment of response.body!.pipeThrough(fragmentedMp4Stream({ audio: 'flac' }))) {
    buffer ??= source.addSourceBuffer(segment.mimeType);
    buffer.appendBuffer(segment.data);
  }
  const { Payload } = await clip(await response.arrayBuffer());
  video.src = URL.createObjectURL(new Blob([Payload.bytes()], { type: 'video/mp4' }));
}
`;

const node10Snippet = `
import { clip } from 'kvs-clip';
import { getClip, type FetchOptions } from 'kvs-clip/aws';
import { wavHeader } from 'kvs-clip/audio';
export const used: [typeof clip, typeof getClip, FetchOptions, typeof wavHeader] | null = null;
`;

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvs-clip-pack-'));
  // The package's own files, built by its prepare script as npm pack would, away from the shared dist/.
  const pkg = join(dir, 'pkg');
  mkdirSync(pkg);
  for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'tsup.config.ts', 'tsconfig.json'])
    cpSync(join(root, file), join(pkg, file));
  cpSync(join(root, 'src'), join(pkg, 'src'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: pkg, stdio: 'pipe' });
  tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;

  project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', join(dir, tarball)], { cwd: project, stdio: 'pipe' });
  // The compiler and Node's types come from this repository (no network); no AWS SDK on purpose.
  mkdirSync(join(project, 'node_modules/@types'));
  symlinkSync(join(root, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));
  for (const [name, source] of Object.entries({
    'esm.mts': esmSnippet,
    'cjs.cts': cjsSnippet,
    'browser.ts': browserSnippet,
    'node10.ts': node10Snippet,
  })) {
    writeFileSync(join(project, name), source);
  }
  for (const [name, { compilerOptions, files }] of Object.entries(variants)) {
    const options = { target: 'ES2022', strict: true, noEmit: name !== 'node16', outDir: 'out', skipLibCheck: false, ...compilerOptions };
    writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: options, files }));
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  test('ships the build, the license and the changelog, and no sources', () => {
    const files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n');
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/aws.d.ts',
      'dist/aws.d.cts',
      'dist/cli.js',
      'LICENSE',
      'CHANGELOG.md',
      'README.md',
    ])
      expect(files).toContain(`package/${file}`);
    expect(files.filter((f) => f.startsWith('package/src/'))).toEqual([]);
  });

  test('type-checks under every tsconfig variant, without skipLibCheck and without the AWS SDK', async () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const results = await Promise.all(Object.keys(variants).map((name) => run('node', [tsc, '-p', `tsconfig.${name}.json`], project)));
    const failures = Object.keys(variants).flatMap((name, i) => (results[i].code === 0 ? [] : [`${name}:\n${results[i].output}`]));
    expect(failures).toEqual([]);
  });

  test('runs as ESM and as CommonJS, with one copy of the library across entries', async () => {
    // tsconfig.node16 emitted the snippets (esm.mjs, cjs.cjs) in the type-check above.
    const [esm, cjs] = await Promise.all([
      run('node', ['out/esm.mjs', join(root, 'fixtures/kvs-h264-aac.mkv')], project),
      run('node', ['out/cjs.cjs', join(root, 'fixtures/kvs-h264-alaw.mkv')], project),
    ]);
    expect(esm.code, esm.output).toBe(0);
    expect(JSON.parse(esm.output)).toMatchObject({ segments: 5, sameClass: true, ulaw: 1 });
    expect(cjs.code, cjs.output).toBe(0);
    expect(JSON.parse(cjs.output)).toMatchObject({ sameClass: true });
    expect(JSON.parse(cjs.output).bytes).toBeGreaterThan(1000);
  });
});
