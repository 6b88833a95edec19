/**
 * codecs/ parsers and writers: real KVS records against ffprobe, round trips from random fields,
 * and mutations of real records that must end in a parse or a KVS-named error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AAC_SAMPLING_FREQUENCIES,
  annexBToLengthPrefixed,
  g711Format,
  joinLengthPrefixed,
  parseAudioSpecificConfig,
  parseAvcC,
  legacyAudioSpecificConfig,
  parseAvcSps,
  parseHevcSps,
  parseHvcC,
  parseWaveFormatEx,
  splitAnnexB,
  tilesExactly,
  writeAvcC,
  writeHvcC,
  type AvcDecoderConfig,
  type HevcDecoderConfig,
} from '../src/codecs/index.js';
import { unescapeRbsp } from '../src/codecs/bits.js';
import { isKvsClipError } from '../src/errors.js';
import { fixture, hex, tracksOf } from './support/codecs-samples.js';
import {
  avcSpsArbitrary,
  escapeRbsp,
  expectedAvcSize,
  expectedHevcSize,
  expectedSar,
  hevcSpsArbitrary,
  SyntaxWriter,
  writeAvcSps,
  writeAudioSpecificConfig,
  writeHevcSps,
  writeWaveFormatEx,
} from './support/codecs-writers.js';

/** Runs `parse`; a thrown error must be one of ours (KVS-named), never a TypeError/RangeError. */
function parsesOrKvsError(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (!isKvsClipError(error)) throw error;
    expect(error.name).toMatch(/^(InvalidCodecPrivateData|MissingCodecPrivateData|UnsupportedStreamMediaType|InvalidMediaFrame)Exception$/);
  }
}

/** Byte-level mutations of a real record: flips, overwrites, truncation, insertion, deletion. */
const mutation = (length: number) =>
  fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(length - 1), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(length - 1) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(length), value: fc.nat(255) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(length - 1) }),
  );

function mutate(bytes: Uint8Array, mutations: Array<{ kind: string; at: number; bit?: number; value?: number }>): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    const at = Math.min(m.at, Math.max(0, out.length - 1));
    if (m.kind === 'flip' && out.length > 0) out[at] ^= 1 << m.bit!;
    else if (m.kind === 'set' && out.length > 0) out[at] = m.value!;
    else if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, m.at), m.value!, ...out.subarray(m.at)]);
    else if (m.kind === 'delete') out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1)]);
  }
  return out;
}

// Records straight from the sample README (no sample files needed).
// Java AVCC set, ImageFileMediaSource.java:
const JAVA_AVCC = hex('0142001effe100222742001e898b60501ed808800013880003d0907030005dc00017705ef7c1f08846e001000428ce1f20');
// h264-aac/java, DemoTrackInfos.java (= mkv/vogels_480.mkv's):
const JAVA_DEMO_AVCC = hex('0142c028ffe1001a6742c028db0280f6c05a808080a000000300200057e401e3065c01000468ca8cb2');

describe('avcC and H.264 SPS', () => {
  it('parses a record with zeroed reserved bits (03 01, as in output_get_media.mkv) by masking them', () => {
    const record = parseAvcC(
      hex('014d401e03010027274d401eb9101405ff2e02d4040407c0000003004000000f38a0003d090007a13bdee03e1108d401000428fe3c80'),
    );
    expect(record.nalLengthSize).toBe(4);
    expect(record.sps).toHaveLength(1);
    expect(record.pps).toHaveLength(1);
    const sps = parseAvcSps(record.sps[0]);
    // ffprobe -v quiet -select_streams v:0 -show_entries stream=profile,level,width,height,sample_aspect_ratio -of csv=p=0 mkv/output_get_media.mkv
    // → Main,640,360,1:1,30
    expect([sps.profileIdc, sps.levelIdc, sps.width, sps.height, sps.sarWidth, sps.sarHeight]).toEqual([77, 30, 640, 360, 1, 1]);
  });

  it('parses the Java producer records of the README', () => {
    // python3 -c '<avcC SPS/PPS + AVCC frames → Annex-B, see below>' <avcC hex> frames/h264/java-avcc/frame-00{1,2,3}.h264 \
    //   | ffprobe -v error -f h264 -select_streams v:0 -show_entries stream=profile,level,width,height,sample_aspect_ratio -of csv=p=0 -
    // → Baseline,640,480,1:1,30
    // where the python is:
    //   import sys
    //   c=bytes.fromhex(sys.argv[1]); n=int.from_bytes(c[6:8],"big"); m=int.from_bytes(c[9+n:11+n],"big")
    //   o=b"\0\0\0\1"+c[8:8+n]+b"\0\0\0\1"+c[11+n:11+n+m]
    //   for f in sys.argv[2:]:
    //     d=open(f,"rb").read(); i=0
    //     while i<len(d): l=int.from_bytes(d[i:i+4],"big"); o+=b"\0\0\0\1"+d[i+4:i+4+l]; i+=4+l
    //   sys.stdout.buffer.write(o)
    const java = parseAvcSps(parseAvcC(JAVA_AVCC).sps[0]);
    expect([java.profileIdc, java.levelIdc, java.width, java.height, java.sarWidth, java.sarHeight]).toEqual([66, 30, 640, 480, 1, 1]);
    // Same command with the DemoTrackInfos avcC and frames/h264-aac/java/1549577161726573000-video-true-frame
    // → Constrained Baseline,640,480,1:1,40
    const demo = parseAvcSps(parseAvcC(JAVA_DEMO_AVCC).sps[0]);
    expect([demo.profileIdc, demo.constraintFlags & 0x40, demo.levelIdc, demo.width, demo.height]).toEqual([66, 0x40, 40, 640, 480]);
  });

  it('rejects lengthSizeMinusOne 2 and a wrong version with InvalidCodecPrivateDataException', () => {
    const threeByte = Uint8Array.from(JAVA_AVCC);
    threeByte[4] = 0xfe;
    expect(() => parseAvcC(threeByte)).toThrow(expect.objectContaining({ name: 'InvalidCodecPrivateDataException' }));
    const version = Uint8Array.from(JAVA_AVCC);
    version[0] = 2;
    expect(() => parseAvcC(version)).toThrow(/configurationVersion 2/);
  });

  it('round-trips avcC records written from random fields', () => {
    const nal = (type: number) => fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Uint8Array.from([0x60 | type, ...b]));
    const config = fc.record({
      profileIndication: fc.nat(255),
      profileCompatibility: fc.nat(255),
      levelIndication: fc.nat(255),
      nalLengthSize: fc.constantFrom(1 as const, 2 as const, 4 as const),
      sps: fc.array(nal(7), { maxLength: 31 }),
      pps: fc.array(nal(8), { maxLength: 40 }),
      high: fc.option(
        fc.record({
          chromaFormat: fc.nat(3),
          bitDepthLuma: fc.integer({ min: 8, max: 15 }),
          bitDepthChroma: fc.integer({ min: 8, max: 15 }),
          spsExt: fc.array(nal(13), { maxLength: 3 }),
        }),
      ),
    });
    fc.assert(
      fc.property(config, ({ high, ...fields }) => {
        // The trailer is only read for the profiles that define it.
        const trailer = high !== null && [100, 110, 122, 144].includes(fields.profileIndication);
        const record: AvcDecoderConfig = trailer ? { ...fields, highProfile: high } : fields;
        expect(parseAvcC(writeAvcC(record))).toEqual(record);
      }),
    );
  });

  it('round-trips SPS written from random fields (size with cropping, SAR, chroma, bit depth)', () => {
    fc.assert(
      fc.property(avcSpsArbitrary, (fields) => {
        const nal = writeAvcSps(fields);
        const size = expectedAvcSize(fields);
        if (size.width <= 0 || size.height <= 0) {
          expect(() => parseAvcSps(nal)).toThrow(expect.objectContaining({ name: 'InvalidCodecPrivateDataException' }));
          return;
        }
        const sps = parseAvcSps(nal);
        const [sarWidth, sarHeight] = expectedSar(fields.sar);
        expect(sps).toMatchObject({
          profileIdc: fields.profileIdc,
          constraintFlags: fields.constraintFlags,
          levelIdc: fields.levelIdc,
          spsId: fields.spsId,
          chromaFormatIdc: fields.chromaFormatIdc,
          separateColourPlane: fields.separateColourPlane,
          bitDepthLuma: fields.bitDepthLuma,
          bitDepthChroma: fields.bitDepthChroma,
          frameMbsOnly: fields.frameMbsOnly,
          ...size,
          sarWidth,
          sarHeight,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('turns random mutations of real avcC records into a parse or a KVS-named error', () => {
    const records = [JAVA_AVCC, JAVA_DEMO_AVCC, hex('01640028ffe1000e27640028ac2b40501ed00f1226a001000428ee1f2c')];
    fc.assert(
      fc.property(fc.constantFrom(...records), fc.array(mutation(60), { minLength: 1, maxLength: 4 }), (record, mutations) => {
        const mutated = mutate(record, mutations);
        parsesOrKvsError(() => {
          const avc = parseAvcC(mutated);
          avc.sps.forEach(parseAvcSps);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hvcC and H.265 SPS', () => {
  // fixtures/hevc-bframes-aac.mkv's CodecPrivate (x265 via ffmpeg).
  const fixtureHvcC = (): Uint8Array => tracksOf(fixture('hevc-bframes-aac.mkv'))[0][0].codecPrivate!;

  it('parses the ffmpeg fixture record like ffprobe', () => {
    const record = parseHvcC(fixtureHvcC());
    expect(record.arrays.map((a) => a.nalType)).toEqual([32, 33, 34, 39]);
    const sps = parseHevcSps(record.arrays[1].units[0]);
    // ffprobe -v quiet -select_streams v:0 -show_entries stream=profile,level,width,height,sample_aspect_ratio -of csv=p=0 fixtures/hevc-bframes-aac.mkv
    // → Main,320,240,1:1,60
    expect([sps.profileTierLevel.profileIdc, sps.profileTierLevel.levelIdc, sps.width, sps.height, sps.sarWidth, sps.sarHeight]).toEqual([
      1, 60, 320, 240, 1, 1,
    ]);
    expect(record.profileTierLevel.profileIdc).toBe(1);
    expect(record.profileTierLevel.levelIdc).toBe(60);
    expect(record.nalLengthSize).toBe(4);
    // Written back byte for byte (ffmpeg sets the reserved bits).
    expect(writeHvcC(record.header, record.arrays)).toEqual(fixtureHvcC());
  });

  it('round-trips hvcC records written from random fields', () => {
    const unit = (type: number) => fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => Uint8Array.from([type << 1, ...b]));
    const array = fc
      .nat(63)
      .chain((nalType) =>
        fc.record({ nalType: fc.constant(nalType), complete: fc.boolean(), units: fc.array(unit(nalType), { maxLength: 4 }) }),
      );
    const fields = fc.record({
      configurationVersion: fc.constantFrom(0, 1),
      profileSpace: fc.nat(3),
      tierFlag: fc.boolean(),
      profileIdc: fc.nat(31),
      compatibilityFlags: fc.nat({ max: 0xffffffff }),
      constraintFlags: fc.uint8Array({ minLength: 6, maxLength: 6 }),
      levelIdc: fc.nat(255),
      minSpatialSegmentationIdc: fc.nat(4095),
      parallelismType: fc.nat(3),
      chromaFormat: fc.nat(3),
      bitDepthLuma: fc.integer({ min: 8, max: 15 }),
      bitDepthChroma: fc.integer({ min: 8, max: 15 }),
      avgFrameRate: fc.nat(0xffff),
      constantFrameRate: fc.nat(3),
      numTemporalLayers: fc.nat(7),
      temporalIdNested: fc.boolean(),
      nalLengthSize: fc.constantFrom(1 as const, 2 as const, 4 as const),
      arrays: fc.array(array, { maxLength: 5 }),
    });
    fc.assert(
      fc.property(fields, (f) => {
        // The header as 14496-15 §8.3.3.1 lays it out, reserved bits set.
        const flags = f.compatibilityFlags;
        const header = Uint8Array.from([
          f.configurationVersion,
          (f.profileSpace << 6) | (f.tierFlag ? 0x20 : 0) | f.profileIdc,
          flags >>> 24,
          (flags >>> 16) & 0xff,
          (flags >>> 8) & 0xff,
          flags & 0xff,
          ...f.constraintFlags,
          f.levelIdc,
          0xf0 | (f.minSpatialSegmentationIdc >> 8),
          f.minSpatialSegmentationIdc & 0xff,
          0xfc | f.parallelismType,
          0xfc | f.chromaFormat,
          0xf8 | (f.bitDepthLuma - 8),
          0xf8 | (f.bitDepthChroma - 8),
          f.avgFrameRate >> 8,
          f.avgFrameRate & 0xff,
          (f.constantFrameRate << 6) | (f.numTemporalLayers << 3) | (f.temporalIdNested ? 4 : 0) | (f.nalLengthSize - 1),
        ]);
        const written = writeHvcC(header, f.arrays);
        const record: HevcDecoderConfig = parseHvcC(written);
        expect(record.header).toEqual(header);
        expect(record.nalLengthSize).toBe(f.nalLengthSize);
        expect(record.arrays).toEqual(f.arrays);
        expect(record.profileTierLevel).toEqual({
          profileSpace: f.profileSpace,
          tierFlag: f.tierFlag,
          profileIdc: f.profileIdc,
          compatibilityFlags: f.compatibilityFlags,
          constraintFlags: f.constraintFlags,
          levelIdc: f.levelIdc,
          bytes: header.subarray(1, 13),
        });
        // Reserved bits written as zero come back as ones.
        const cleared = header.slice();
        for (const [at, mask] of [
          [13, 0xf0],
          [15, 0xfc],
          [16, 0xfc],
          [17, 0xf8],
          [18, 0xf8],
        ])
          cleared[at] &= ~mask;
        expect(writeHvcC(cleared, f.arrays)).toEqual(written);
      }),
    );
  });

  it('round-trips SPS written from random fields (PTL, sub-layers, scaling lists, RPS, VUI SAR)', () => {
    fc.assert(
      fc.property(hevcSpsArbitrary, (fields) => {
        const sps = parseHevcSps(writeHevcSps(fields));
        const [sarWidth, sarHeight] = expectedSar(fields.sar);
        expect(sps).toEqual({
          vpsId: fields.vpsId,
          maxSubLayers: fields.maxSubLayersMinus1 + 1,
          temporalIdNesting: fields.temporalIdNesting,
          profileTierLevel: {
            profileSpace: fields.profileSpace,
            tierFlag: fields.tierFlag,
            profileIdc: fields.profileIdc,
            compatibilityFlags: fields.compatibilityFlags,
            constraintFlags: Uint8Array.from(fields.constraintFlags),
            levelIdc: fields.levelIdc,
            bytes: expect.any(Uint8Array),
          },
          spsId: fields.spsId,
          chromaFormatIdc: fields.chromaFormatIdc,
          separateColourPlane: fields.separateColourPlane,
          codedWidth: fields.width,
          codedHeight: fields.height,
          ...expectedHevcSize(fields),
          bitDepthLuma: fields.bitDepthLuma,
          bitDepthChroma: fields.bitDepthChroma,
          sarWidth,
          sarHeight,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('turns random mutations of a real hvcC into a parse or a KVS-named error', () => {
    const record = fixtureHvcC();
    fc.assert(
      fc.property(fc.array(mutation(record.length), { minLength: 1, maxLength: 4 }), (mutations) => {
        parsesOrKvsError(() => {
          const hevc = parseHvcC(mutate(record, mutations));
          for (const array of hevc.arrays) if (array.nalType === 33) array.units.forEach(parseHevcSps);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('AudioSpecificConfig', () => {
  it('parses the real configs like ffprobe', () => {
    // ffprobe -v quiet -select_streams a:0 -show_entries stream=profile,sample_rate,channels -of csv=p=0 mkv/vogels_480.mkv
    // → LC,48000,2   (CodecPrivate 1190; also the producer-c and Java demo AAC config)
    expect(parseAudioSpecificConfig(hex('1190'))).toEqual({
      objectType: 2,
      coreObjectType: 2,
      samplingFrequencyIndex: 3,
      samplingFrequency: 48000,
      channelConfiguration: 2,
      channels: 2,
      frameLength: 1024,
    });
    // ffprobe … fixtures/h264-bframes-aac.mkv → LC,44100,2; CodecPrivate 121056e500 carries ffmpeg's
    // explicit "no SBR" sync extension (0x2b7, object type 5, sbrPresentFlag 0).
    expect(parseAudioSpecificConfig(hex('121056e500'))).toMatchObject({ objectType: 2, samplingFrequency: 44100, channels: 2, sbr: false });
    // ffprobe … fixtures/hevc-bframes-aac.mkv → LC,48000,1
    expect(parseAudioSpecificConfig(hex('118856e500'))).toMatchObject({ objectType: 2, samplingFrequency: 48000, channels: 1, sbr: false });
  });

  it('reads escaped object types, explicit rates, HE-AAC signalling and program config elements', () => {
    // AOT 39 (ER AAC ELD) is 11111 000111 (31, then 39 − 32); then 0011 (48 kHz), 0010 (stereo): f8 e6 40.
    expect(parseAudioSpecificConfig(hex('f8e640'))).toMatchObject({ objectType: 39, samplingFrequency: 48000, channels: 2 });
    // Frequency index 15 with an explicit 24-bit rate.
    const eld = parseAudioSpecificConfig(writeAudioSpecificConfig({ objectType: 39, samplingFrequency: 48001, channelConfiguration: 2 }));
    expect(eld).toMatchObject({ objectType: 39, samplingFrequencyIndex: 15, samplingFrequency: 48001 });
    expect(eld.frameLength).toBeUndefined(); // not an object type with a GASpecificConfig
    // HE-AAC, explicit hierarchical signalling: AOT 5, 22050 Hz core, stereo, SBR at 44100 Hz, AOT 2.
    expect(parseAudioSpecificConfig(hex('2b920800'))).toMatchObject({
      objectType: 5,
      coreObjectType: 2,
      samplingFrequency: 22050,
      channels: 2,
      sbr: true,
      ps: false,
      extensionSamplingFrequency: 44100,
      frameLength: 1024,
    });
    // channelConfiguration 0: the channels come from the program_config_element (§4.4.1.1).
    const w = new SyntaxWriter();
    w.bits(2, 5).bits(3, 4).bits(0, 4); // AAC LC, 48 kHz, channelConfiguration 0
    w.bits(0, 3); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
    w.bits(0, 4).bits(1, 2).bits(3, 4); // element_instance_tag, object_type, sampling_frequency_index
    w.bits(2, 4).bits(0, 4).bits(1, 4).bits(1, 2).bits(0, 3).bits(0, 4); // front 2, side 0, back 1, lfe 1, assoc 0, cc 0
    w.bits(0, 3); // no mixdowns
    w.bits(1, 1).bits(0, 4).bits(0, 1).bits(1, 4); // front: CPE, SCE
    w.bits(1, 1).bits(1, 4); // back: CPE
    w.bits(0, 4); // LFE tag
    const pce = w.bytes(); // byte_alignment() then comment_field_bytes = 0 (the zero padding)
    expect(parseAudioSpecificConfig(Uint8Array.from([...pce, 0]))).toMatchObject({ channelConfiguration: 0, channels: 2 + 1 + 2 + 1 });
  });

  it('reports a reserved frequency index as MissingCodecPrivateDataException, like KVS', () => {
    // 1190 with samplingFrequencyIndex 3 → 13 (reserved): 0001 0|110 1|001 0000 = 16 90.
    expect(() => parseAudioSpecificConfig(hex('1690'))).toThrow(expect.objectContaining({ name: 'MissingCodecPrivateDataException' }));
    expect(() => parseAudioSpecificConfig(hex('11'))).toThrow(expect.objectContaining({ name: 'InvalidCodecPrivateDataException' }));
  });

  it('round-trips configs written from random fields', () => {
    const fields = fc.record({
      objectType: fc.oneof(
        fc.constantFrom(1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23),
        fc.integer({ min: 8, max: 95 }).filter((t) => t !== 29 && t !== 31),
      ),
      samplingFrequency: fc.oneof(fc.constantFrom(...AAC_SAMPLING_FREQUENCIES), fc.integer({ min: 1, max: 2 ** 24 - 1 })),
      channelConfiguration: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14),
      shortFrames: fc.boolean(),
      sbr: fc.option(fc.record({ extensionSamplingFrequency: fc.constantFrom(...AAC_SAMPLING_FREQUENCIES), ps: fc.boolean() })),
    });
    const channelsOf: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 8, 11: 7, 12: 8, 13: 24, 14: 8 };
    fc.assert(
      fc.property(fields, ({ shortFrames, sbr, ...f }) => {
        fc.pre(f.objectType !== 5);
        const aac = [1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23].includes(f.objectType);
        const longFrame = f.objectType === 23 ? 512 : 1024;
        const frameLength = aac ? (shortFrames ? (longFrame * 15) / 16 : longFrame) : undefined;
        const written = writeAudioSpecificConfig({ ...f, frameLength, sbr: sbr ?? undefined });
        const parsed = parseAudioSpecificConfig(written);
        expect(parsed).toMatchObject({
          objectType: sbr ? (sbr.ps ? 29 : 5) : f.objectType,
          coreObjectType: f.objectType,
          samplingFrequency: f.samplingFrequency,
          channelConfiguration: f.channelConfiguration,
          channels: channelsOf[f.channelConfiguration],
        });
        expect(parsed.frameLength).toBe(frameLength);
        if (sbr) expect(parsed).toMatchObject({ sbr: true, ps: sbr.ps, extensionSamplingFrequency: sbr.extensionSamplingFrequency });
      }),
      { numRuns: 1000 },
    );
  });

  it('writes the configs of legacy codec IDs (Main/LC/SSR/LTP, optional SBR) like the general writer', () => {
    expect(legacyAudioSpecificConfig(2, 48000, 2)).toEqual(hex('1190'));
    expect(legacyAudioSpecificConfig(2, 22050, 2, 44100)).toEqual(hex('2b920800'));
    const fields = fc.record({
      objectType: fc.constantFrom(1, 2, 3, 4),
      samplingFrequency: fc.oneof(fc.constantFrom(...AAC_SAMPLING_FREQUENCIES), fc.integer({ min: 1, max: 2 ** 23 - 1 })),
      channelConfiguration: fc.integer({ min: 1, max: 7 }),
      sbr: fc.boolean(),
    });
    fc.assert(
      fc.property(fields, ({ sbr, ...f }) => {
        const sbrFrequency = sbr ? f.samplingFrequency * 2 : undefined;
        expect(legacyAudioSpecificConfig(f.objectType, f.samplingFrequency, f.channelConfiguration, sbrFrequency)).toEqual(
          writeAudioSpecificConfig({ ...f, sbr: sbrFrequency ? { extensionSamplingFrequency: sbrFrequency, ps: false } : undefined }),
        );
      }),
    );
  });

  it('turns random mutations of real configs into a parse or a KVS-named error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(hex('1190'), hex('121056e500'), hex('2b920800')),
        fc.array(mutation(6), { minLength: 1, maxLength: 4 }),
        (config, m) => parsesOrKvsError(() => parseAudioSpecificConfig(mutate(config, m))),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('WAVEFORMATEX (G.711)', () => {
  it('accepts ffmpeg’s and the KVS C producer’s forms', () => {
    // fixtures/h264-alaw.mkv's CodecPrivate; ffprobe -v quiet -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels -of csv=p=0 fixtures/h264-alaw.mkv → pcm_alaw,8000,1
    expect(g711Format(parseWaveFormatEx(hex('06000100401f0000401f0000010008000000')))).toEqual({
      codec: 'alaw',
      sampleRate: 8000,
      channels: 1,
    });
    // mkvgenGeneratePcmCpd (amazon-kinesis-video-streams-pic, MkvGenerator.c): µ-law 8 kHz mono →
    // blockAlign = channels, avgBytesPerSec = blockAlign × rate / 8 = 1000, bitsPerSample left 0.
    const producer = writeWaveFormatEx({
      formatTag: 7,
      channels: 1,
      samplesPerSec: 8000,
      avgBytesPerSec: 1000,
      blockAlign: 1,
      bitsPerSample: 0,
      cbSize: 0,
    });
    expect(g711Format(parseWaveFormatEx(producer))).toEqual({ codec: 'ulaw', sampleRate: 8000, channels: 1 });
  });

  it('round-trips random fields and rejects other format tags as unsupported', () => {
    const fields = fc.record({
      formatTag: fc.nat(0xffff),
      channels: fc.integer({ min: 1, max: 8 }),
      samplesPerSec: fc.integer({ min: 1, max: 192000 }),
      producerStyle: fc.boolean(),
      cbSize: fc.option(fc.nat(4), { nil: undefined }),
    });
    fc.assert(
      fc.property(fields, ({ producerStyle, ...f }) => {
        const wave = {
          ...f,
          avgBytesPerSec: producerStyle ? Math.floor((f.samplesPerSec * f.channels) / 8) : f.samplesPerSec * f.channels,
          blockAlign: f.channels,
          bitsPerSample: producerStyle ? 0 : 8,
        };
        const parsed = parseWaveFormatEx(writeWaveFormatEx(wave));
        expect(parsed).toEqual(wave);
        if (f.formatTag === 6 || f.formatTag === 7) {
          expect(g711Format(parsed)).toEqual({
            codec: f.formatTag === 6 ? 'alaw' : 'ulaw',
            sampleRate: f.samplesPerSec,
            channels: f.channels,
          });
        } else {
          expect(() => g711Format(parsed)).toThrow(expect.objectContaining({ name: 'UnsupportedStreamMediaTypeException' }));
        }
      }),
    );
  });

  it('turns random mutations into a parse or a KVS-named error', () => {
    const record = hex('06000100401f0000401f0000010008000000');
    fc.assert(
      fc.property(fc.array(mutation(record.length), { minLength: 1, maxLength: 4 }), (m) =>
        parsesOrKvsError(() => g711Format(parseWaveFormatEx(mutate(record, m)))),
      ),
      { numRuns: 1000 },
    );
  });
});

describe('NAL framing', () => {
  const nalUnits = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 8 });

  it('length-prefixed frames tile exactly; one byte more or less does not', () => {
    fc.assert(
      fc.property(nalUnits, fc.constantFrom(1 as const, 2 as const, 4 as const), (units, size) => {
        fc.pre(size > 1 || units.every((u) => u.length < 256));
        const frame = joinLengthPrefixed(units, size);
        expect(tilesExactly(frame, size)).toBe(true);
        expect(tilesExactly(frame.subarray(0, frame.length - 1), size)).toBe(false);
        expect(tilesExactly(Uint8Array.from([...frame, 0]), size)).toBe(size === 1 ? true : false);
      }),
    );
  });

  it('Annex-B with 3- or 4-byte start codes and trailing zeros converts to the same NAL units', () => {
    // A NAL unit never contains 00 00 0x (x ≤ 3) after emulation prevention, and never ends in 00.
    const escaped = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => escapeRbsp(Uint8Array.from([...b, 0x80])));
    fc.assert(
      fc.property(fc.array(fc.tuple(escaped, fc.boolean(), fc.nat(2)), { minLength: 1, maxLength: 6 }), (parts) => {
        const annexB = Uint8Array.from(
          parts.flatMap(([unit, long, zeros]) => [...(long ? [0, 0, 0, 1] : [0, 0, 1]), ...unit, ...Array(zeros).fill(0)]),
        );
        const units = parts.map(([unit]) => unit);
        expect(splitAnnexB(annexB)).toEqual(units);
        expect(annexBToLengthPrefixed(annexB, 4)).toEqual(joinLengthPrefixed(units, 4));
      }),
    );
  });

  it('emulation prevention: unescapeRbsp undoes the escaping, and returns the same view when there is none', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (rbsp) => {
        const escaped = escapeRbsp(rbsp);
        expect(unescapeRbsp(escaped)).toEqual(rbsp);
        if (escaped.length === rbsp.length) expect(unescapeRbsp(escaped)).toBe(escaped);
      }),
    );
  });
});
