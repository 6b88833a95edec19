/**
 * kvs-clip/server called from a web page of another origin, as a browser app calls KVS: the AWS SDK
 * for JavaScript v3 bundled for the browser (esbuild, platform browser) runs in headless Chromium and
 * signs its requests, so every POST is preceded by a CORS preflight naming `authorization`. The
 * oracle is Chromium's CORS enforcement (a missing or wrong header fails the call) and the SDK's own
 * parsing; the media that comes back is read in the page with kvs-clip's reader and compared with
 * the stored capture.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFragments } from '../src/mkv/index.js';
import { createKvsServer, type KvsServer } from '../src/server/index.js';
import { CHROMIUM, hasChromium, openMsePage, type MsePage } from './support/browser-mse.js';
import { FIXTURES } from './support/mp4-input.js';

if (!hasChromium) console.warn(`SKIPPED: ${CHROMIUM} not found; kvs-clip serve is not called from a browser`);

/** The page's bundle, left on window.sdk. */
type PageSdk = typeof import('@aws-sdk/client-kinesis-video-archived-media') &
  typeof import('@aws-sdk/client-kinesis-video-media') & { readFragments: typeof readFragments };

const capture = new Uint8Array(readFileSync(join(FIXTURES, 'kvs-h264-aac.mkv')));

/** What the page reports: the SDK's answers, and the media read back with kvs-clip in the page. */
interface PageResult {
  listed: string[];
  served: { fragmentNumber: string; frames: number; bytes: number }[];
  missing: { name: string; status: number | undefined; requestId: string | undefined };
}

describe.skipIf(!hasChromium)('kvs-clip serve from a browser page (CORS)', () => {
  let page: MsePage;
  let server: KvsServer;

  beforeAll(async () => {
    // The page's script: the two SDK clients and kvs-clip's reader, as a browser app would bundle them.
    const entry = [
      "export { KinesisVideoArchivedMediaClient, ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';",
      "export { KinesisVideoMediaClient, GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';",
      `export { readFragments } from ${JSON.stringify(join(FIXTURES, '..', 'src', 'mkv', 'index.ts'))};`,
    ].join('\n');
    const bundle = await build({
      stdin: { contents: entry, resolveDir: join(FIXTURES, '..'), loader: 'ts' },
      bundle: true,
      format: 'iife',
      globalName: 'sdk',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    server = createKvsServer({ streams: { cam: capture }, requireSignature: true });
    await server.start();
    page = await openMsePage();
    // A classic script that leaves the bundle's exports on window.sdk.
    await page.page.addScriptTag({ content: bundle.outputFiles[0].text });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    await server?.stop();
  });

  it('answers the SDK in the page: ListFragments, GetMedia read by kvs-clip, and an error the SDK can name', async () => {
    const result = await page.page.evaluate(
      async ({ endpoint }): Promise<PageResult> => {
        const sdk = (window as unknown as { sdk: PageSdk }).sdk;
        const config = {
          region: 'us-east-1',
          endpoint,
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
          maxAttempts: 1,
        };
        const archived = new sdk.KinesisVideoArchivedMediaClient(config);
        const listing = await archived.send(new sdk.ListFragmentsCommand({ StreamName: 'cam' }));
        const listed = (listing.Fragments ?? []).map((f) => f.FragmentNumber!);

        const media = new sdk.KinesisVideoMediaClient(config);
        const { Payload } = await media.send(
          new sdk.GetMediaCommand({ StreamName: 'cam', StartSelector: { StartSelectorType: 'EARLIEST' } }),
        );
        const served: PageResult['served'] = [];
        // GetMedia stays open for fragments still to come: stop after the ones stored.
        for await (const fragment of sdk.readFragments(Payload as ReadableStream<Uint8Array>)) {
          const bytes = fragment.frames.reduce((sum, frame) => sum + frame.data.byteLength, 0);
          served.push({ fragmentNumber: fragment.fragmentNumber!, frames: fragment.frames.length, bytes });
          if (served.length === listed.length) break;
        }

        let missing: PageResult['missing'] = { name: 'no error', status: undefined, requestId: undefined };
        try {
          await archived.send(new sdk.ListFragmentsCommand({ StreamName: 'nope' }));
        } catch (error) {
          const e = error as { name: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
          missing = { name: e.name, status: e.$metadata?.httpStatusCode, requestId: e.$metadata?.requestId };
        }
        return { listed, served, missing };
      },
      { endpoint: server.url },
    );

    const stored = [];
    for await (const fragment of readFragments(capture)) {
      stored.push({
        fragmentNumber: fragment.fragmentNumber,
        frames: fragment.frames.length,
        bytes: fragment.frames.reduce((sum, frame) => sum + frame.data.byteLength, 0),
      });
    }
    expect([...result.listed].sort()).toEqual(stored.map((f) => f.fragmentNumber).sort());
    expect(result.served).toEqual(stored);
    // The SDK names the error from x-amzn-errortype and reads the request ID: both exposed to the page.
    expect(result.missing).toEqual({ name: 'ResourceNotFoundException', status: 404, requestId: expect.stringMatching(/^kvs-clip-\d+$/) });
  }, 60_000);
});
