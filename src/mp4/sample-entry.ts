/**
 * Sample entries (stsd children) for the codecs KVS carries: avc1/hvc1/hev1 with avcC/hvcC (and pasp
 * for non-square pixels), mp4a with esds, and the QuickTime-style alaw/ulaw entries for G.711.
 */

import { CODECS } from '../codecs/registry.js';
import type { Codec, TrackConfig } from '../codecs/types.js';
import { UnsupportedStreamMediaTypeException } from '../errors.js';
import { box, bytes, fullBox, type Part, u16, u32, u8, zeros } from './boxes.js';

/**
 * The sample entry of each codec: a codec without one is a compile error (with its definition in
 * codecs/registry.ts, the only other table keyed by codec).
 */
const SAMPLE_ENTRIES: { readonly [C in Codec]: ((config: TrackConfig, trackId: number) => Part) | null } = {
  avc: (config) => visualEntry(config, 'avcC'),
  // hvc1 or hev1, as the config says (hev1 when the frames carry parameter sets the record lacks).
  hevc: (config) => visualEntry(config, 'hvcC'),
  aac: (config, trackId) => box('mp4a', ...audioEntryFields(config, 16), esds(config, trackId)),
  // QuickTime sound description v0: sample size is the decoded width (16), as ffmpeg writes it.
  alaw: (config) => box('alaw', ...audioEntryFields(config, 16)),
  ulaw: (config) => box('ulaw', ...audioEntryFields(config, 16)),
  // MP4 players take no raw PCM: the api writes PCM tracks as FLAC (audio/transcode.ts).
  pcm: null,
  // FLAC in ISOBMFF: the config holds the dfLa body (version, flags, metadata blocks).
  flac: (config) => box('fLaC', ...audioEntryFields(config, config.bitsPerSample ?? 16), box('dfLa', bytes(config.decoderConfig!))),
};

export function sampleEntry(config: TrackConfig, trackId: number): Part {
  const write = SAMPLE_ENTRIES[config.codec];
  if (write === null)
    throw new UnsupportedStreamMediaTypeException(`${CODECS[config.codec].name} is not written to MP4 as is (track ${config.trackNumber})`);
  return write(config, trackId);
}

/** The display width in tkhd: the coded width stretched by the sample aspect ratio. */
export function displayWidth(config: TrackConfig): number {
  const sarW = config.sarWidth ?? 1;
  const sarH = config.sarHeight ?? 1;
  return Math.round(((config.width ?? 0) * sarW) / (sarH || 1));
}

function visualEntry(config: TrackConfig, configBox: 'avcC' | 'hvcC'): Part {
  const sarW = config.sarWidth ?? 1;
  const sarH = config.sarHeight ?? 1;
  const compressor = zeros(32);
  return box(
    config.sampleEntry,
    zeros(6),
    u16(1), // data_reference_index
    zeros(16), // pre_defined, reserved, pre_defined[3]
    u16(config.width ?? 0),
    u16(config.height ?? 0),
    u32(0x0048_0000), // 72 dpi
    u32(0x0048_0000),
    u32(0),
    u16(1), // frame_count
    compressor,
    u16(0x0018), // depth
    u16(0xffff), // pre_defined = -1
    config.decoderConfig && box(configBox, bytes(config.decoderConfig)),
    sarW !== sarH && sarW > 0 && sarH > 0 && box('pasp', u32(sarW), u32(sarH)),
  );
}

function audioEntryFields(config: TrackConfig, sampleSize: number): Part[] {
  const rate = config.sampleRate ?? 0;
  return [
    zeros(6),
    u16(1), // data_reference_index
    zeros(8), // version, revision, vendor
    u16(config.channels ?? 1),
    u16(sampleSize),
    zeros(4), // pre_defined, reserved
    // 16.16 fixed point; rates above 65535 do not fit and are written as 0 (the mdhd timescale has it).
    u32(rate <= 0xffff ? rate * 0x1_0000 : 0),
  ];
}

/** MPEG-4 descriptor: tag and a size in 7-bit groups (the minimal form). */
function descriptor(tag: number, ...parts: Part[]): Part {
  let bodySize = 0;
  for (const p of parts) bodySize += p.size;
  const sizeBytes: number[] = [];
  let s = bodySize;
  do {
    sizeBytes.unshift(s & 0x7f);
    s >>>= 7;
  } while (s > 0);
  for (let i = 0; i < sizeBytes.length - 1; i++) sizeBytes[i] |= 0x80;
  return {
    size: 1 + sizeBytes.length + bodySize,
    write(w) {
      w.u8(tag);
      for (const b of sizeBytes) w.u8(b);
      for (const p of parts) p.write(w);
    },
  };
}

function esds(config: TrackConfig, trackId: number): Part {
  const asc = config.decoderConfig ?? new Uint8Array(0);
  return fullBox(
    'esds',
    0,
    0,
    descriptor(
      0x03, // ES_Descriptor
      u16(trackId),
      u8(0), // no stream dependence, URL or OCR
      descriptor(
        0x04, // DecoderConfigDescriptor
        u8(0x40), // objectTypeIndication: MPEG-4 Audio
        u8((0x05 << 2) | 1), // streamType audio, upStream 0, reserved 1
        zeros(3), // bufferSizeDB (unknown)
        u32(0), // maxBitrate (unknown)
        u32(0), // avgBitrate (unknown)
        descriptor(0x05, bytes(asc)), // DecoderSpecificInfo: the AudioSpecificConfig
      ),
      descriptor(0x06, u8(0x02)), // SLConfigDescriptor: predefined MP4
    ),
  );
}
