/**
 * `kvs-clip dash`: a KVS fragment stream or Matroska file as a DASH package in a folder
 * (docs/packages.md): manifest.mpd, and per track an init segment and one media segment per fragment.
 */
import { dashPackage, DASH_MANIFEST } from '../package/index.js';
import { packageCommand } from './package-command.js';

export const dashCommand = packageCommand({
  name: 'dash',
  summary: 'write a DASH package (manifest.mpd + per-track fMP4 segments) with each fragment’s wall-clock time',
  kind: 'DASH',
  manifest: DASH_MANIFEST,
  extraOptions: {},
  extraUsage: '',
  extraHelp: '',
  example: `  kvs-clip dash cam.mkv -o cam-dash/ --audio flac   # G.711 audio as FLAC, which browsers play`,
  files: (input, options) => dashPackage(input, options),
});
