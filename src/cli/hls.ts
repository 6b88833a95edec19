/**
 * `kvs-clip hls`: a KVS fragment stream or Matroska file as an HLS package in a folder
 * (docs/packages.md): index.m3u8, the init segment and one fMP4 media segment per fragment.
 */
import { hlsPackage, HLS_PLAYLIST, HLS_SINGLE_FILE } from '../package/index.js';
import { packageCommand } from './package-command.js';

export const hlsCommand = packageCommand({
  name: 'hls',
  summary: 'write an HLS package (index.m3u8 + fMP4 segments) with each fragment’s wall-clock time',
  kind: 'HLS',
  manifest: HLS_PLAYLIST,
  extraOptions: { 'single-file': { type: 'boolean' } },
  extraUsage: '[--single-file]',
  extraHelp: `  --single-file     one fMP4 file (${HLS_SINGLE_FILE}) addressed by EXT-X-BYTERANGE, instead of an init
                    segment and one file per fragment (one object in S3 instead of thousands)`,
  example: `  kvs-clip hls cam.mkv -o cam-hls/   # then serve cam-hls/ from any web server or S3
  kvs-clip hls cam.mkv -o cam-hls/ --start 2023-11-14T22:13:21Z --end 2023-11-14T22:13:23Z --single-file`,
  files: (input, options, flags) => hlsPackage(input, { ...options, singleFile: flags['single-file'] === true }),
  note: (flags) => (flags['single-file'] === true ? ', single file' : ''),
});
