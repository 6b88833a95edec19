/**
 * RFC 6381 codec strings, as MediaSource.isTypeSupported and HLS/DASH manifests expect them.
 */
import type { HevcProfileTierLevel } from './hevc.js';
import type { TrackConfig } from './types.js';

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

/** `avc1.PPCCLL`: profile_idc, the constraint byte, level_idc from the avcC header, in lowercase hex. */
export function avcCodecString(profileIndication: number, profileCompatibility: number, levelIndication: number): string {
  return `avc1.${hex2(profileIndication)}${hex2(profileCompatibility)}${hex2(levelIndication)}`;
}

/**
 * ISO/IEC 14496-15 Annex E: `hvc1.[A-C]?profile.compat.{L|H}level[.constraint…]` where compat is the
 * 32 compatibility flags in reverse bit order in hex without leading zeros, and the 6 constraint
 * bytes are hex with trailing zero bytes left out. Uppercase, as in the Annex's examples.
 */
export function hevcCodecString(sampleEntry: 'hvc1' | 'hev1', ptl: HevcProfileTierLevel): string {
  const space = ['', 'A', 'B', 'C'][ptl.profileSpace];
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) if ((ptl.compatibilityFlags >>> bit) & 1) reversed |= 1 << (31 - bit);
  const constraints = Array.from(ptl.constraintFlags.subarray(0, 6));
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [
    sampleEntry,
    `${space}${ptl.profileIdc}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${ptl.tierFlag ? 'H' : 'L'}${ptl.levelIdc}`,
    ...constraints.map((byte) => byte.toString(16).toUpperCase()),
  ];
  return parts.join('.');
}

/** `mp4a.40.N`: object type indication 0x40 (MPEG-4 audio) and the first audioObjectType. */
export function aacCodecString(objectType: number): string {
  return `mp4a.40.${objectType}`;
}

/** The MIME type with codecs for MediaSource, e.g. `video/mp4; codecs="avc1.64001f,mp4a.40.2"`. */
export function mimeType(configs: readonly TrackConfig[]): string {
  const type = configs.every((config) => config.kind === 'audio') ? 'audio' : 'video';
  return `${type}/mp4; codecs="${configs.map((config) => config.codecString).join(',')}"`;
}
