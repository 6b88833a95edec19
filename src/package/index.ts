/** HLS and DASH packages of KVS fragment streams, with wall-clock time (docs/packages.md). */
export { hlsPackage, HLS_PLAYLIST, HLS_SINGLE_FILE } from './hls.js';
export { dashPackage, DASH_MANIFEST, FRAGMENT_EVENT_SCHEME } from './dash.js';
export { DISCONTINUITY_THRESHOLD_MS, isDiscontinuity } from './discontinuity.js';
export type { DashPackageOptions, DiscontinuityMode, HlsPackageOptions, PackageFile, PackageOptions } from './types.js';
