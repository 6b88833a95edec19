import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { fragmentedMp4 } from '../src/index.js';
import { openMsePage } from './support/browser-mse.js';
it('exp', async () => {
  const page = await openMsePage();
  try {
    const segs = [];
    for await (const s of fragmentedMp4(new Uint8Array(readFileSync('/tmp/rwtest/quad.mkv')))) segs.push(s);
    console.log('ours mime', segs[0].mimeType);
    const r1 = await page.play({
      urls: page.serve(
        'ours',
        segs.map((s) => s.data),
      ),
      mime: segs[0].mimeType,
      element: 'video',
      timeoutMs: 10000,
    });
    console.log('ours', JSON.stringify(r1));
    for (const [n, mime] of [
      ['quad-ff-frag', 'video/mp4; codecs="avc1.64000b,mp4a.40.2"'],
      ['quad-ff-audio', 'audio/mp4; codecs="mp4a.40.2"'],
    ]) {
      const r = await page.play({
        urls: page.serve(n, [new Uint8Array(readFileSync(`/tmp/rwtest/${n}.mp4`))]),
        mime,
        element: n.includes('audio') ? 'audio' : 'video',
        timeoutMs: 10000,
      });
      console.log(n, JSON.stringify(r));
    }
  } finally {
    await page.close();
  }
}, 60000);
