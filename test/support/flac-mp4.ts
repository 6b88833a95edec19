/**
 * A minimal fragmented MP4 writer for one FLAC track, test-only: enough ISO BMFF to hand our FLAC
 * frames and `dfLa` body to a browser (the real MP4 layer is src/mp4, which will get its own FLAC
 * support). Layout per the FLAC-in-ISOBMFF mapping: an `fLaC` AudioSampleEntry holding `dfLa`, one
 * FLAC frame per sample, every sample a sync sample. Init segment: ftyp + moov (mvhd, trak, mvex);
 * media segment: moof (mfhd, traf: tfhd, tfdt, trun with durations and sizes) + mdat.
 */

function box(type: string, ...parts: Uint8Array[]): Uint8Array {
  const size = 8 + parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  let at = 8;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Big-endian fields: [bytes, value] pairs. */
function fields(...pairs: [number, number][]): Uint8Array {
  const out = new Uint8Array(pairs.reduce((s, [n]) => s + n, 0));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [n, value] of pairs) {
    if (n === 1) v.setUint8(at, value);
    else if (n === 2) v.setUint16(at, value);
    else if (n === 4) v.setUint32(at, value >>> 0);
    else if (n === 8) v.setBigUint64(at, BigInt(value));
    at += n;
  }
  return out;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const MATRIX = fields([4, 0x10000], [4, 0], [4, 0], [4, 0], [4, 0x10000], [4, 0], [4, 0], [4, 0], [4, 0x40000000]);

export interface FlacTrack {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Body of the dfLa box (version/flags + metadata blocks), as dfLaPayload() returns it. */
  dfLa: Uint8Array;
}

/** ftyp + moov for one FLAC track, timescale = sample rate. */
export function flacInitSegment(t: FlacTrack): Uint8Array {
  const ftyp = box('ftyp', ascii('iso6'), fields([4, 0]), ascii('iso6isommp41'));
  const mvhd = box(
    'mvhd',
    fields([4, 0], [4, 0], [4, 0], [4, 1000], [4, 0], [4, 0x10000], [2, 0x100], [2, 0], [4, 0], [4, 0]),
    MATRIX,
    new Uint8Array(24),
    fields([4, 2]),
  );
  const tkhd = box(
    'tkhd',
    fields([4, 3], [4, 0], [4, 0], [4, 1], [4, 0], [4, 0], [4, 0], [4, 0], [2, 0], [2, 0], [2, 0x100], [2, 0]),
    MATRIX,
    fields([4, 0], [4, 0]),
  );
  const mdhd = box('mdhd', fields([4, 0], [4, 0], [4, 0], [4, t.sampleRate], [4, 0], [2, 0x55c4], [2, 0]));
  const hdlr = box('hdlr', fields([4, 0], [4, 0]), ascii('soun'), new Uint8Array(12), ascii('SoundHandler\0'));
  const rate = t.sampleRate <= 65535 ? t.sampleRate : 0; // FLAC-in-ISOBMFF §3.3.1: the real rate is in dfLa
  const fLaC = box(
    'fLaC',
    new Uint8Array(6),
    fields([2, 1], [4, 0], [4, 0], [2, t.channels], [2, t.bitsPerSample], [2, 0], [2, 0], [4, rate * 65536]),
    box('dfLa', t.dfLa),
  );
  const stsd = box('stsd', fields([4, 0], [4, 1]), fLaC);
  const empty = (type: string, extra: [number, number][] = []) => box(type, fields([4, 0], [4, 0], ...extra));
  const stbl = box('stbl', stsd, empty('stts'), empty('stsc'), box('stsz', fields([4, 0], [4, 0], [4, 0])), empty('stco'));
  const dinf = box('dinf', box('dref', fields([4, 0], [4, 1]), box('url ', fields([4, 1]))));
  const minf = box('minf', box('smhd', fields([4, 0], [2, 0], [2, 0])), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  const mvex = box('mvex', box('trex', fields([4, 0], [4, 1], [4, 1], [4, 0], [4, 0], [4, 0])));
  const moov = box('moov', mvhd, trak, mvex);
  const out = new Uint8Array(ftyp.length + moov.length);
  out.set(ftyp);
  out.set(moov, ftyp.length);
  return out;
}

/** moof + mdat holding `frames` (one FLAC frame per sample) starting at `baseTime` (in samples). */
export function flacMediaSegment(sequence: number, baseTime: number, frames: Uint8Array[], durations: number[]): Uint8Array {
  const trunEntries = frames.flatMap(
    (f, i) =>
      [
        [4, durations[i]],
        [4, f.length],
      ] as [number, number][],
  );
  const build = (dataOffset: number) => {
    const trun = box('trun', fields([4, 0x000301], [4, frames.length], [4, dataOffset], ...trunEntries));
    const traf = box('traf', box('tfhd', fields([4, 0x020000], [4, 1])), box('tfdt', fields([4, 0x01000000], [8, baseTime])), trun);
    return box('moof', box('mfhd', fields([4, 0], [4, sequence])), traf);
  };
  const moof = build(build(0).length + 8);
  const mdat = box('mdat', ...frames);
  const out = new Uint8Array(moof.length + mdat.length);
  out.set(moof);
  out.set(mdat, moof.length);
  return out;
}
