import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Library entries: no Node built-ins, safe for browser bundles.
    entry: { index: 'src/index.ts', mse: 'src/mse.ts', audio: 'src/audio/index.ts', aws: 'src/aws/index.ts' },
    format: ['esm', 'cjs'],
    // Shared chunks in both formats: each entry imports the one copy of the library, so
    // `instanceof KvsClipError` holds across `kvs-clip` and `kvs-clip/aws` in CommonJS too.
    splitting: true,
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: ['@aws-sdk/client-kinesis-video-archived-media', '@aws-sdk/client-kinesis-video', '@aws-sdk/client-kinesis-video-media'],
  },
  {
    // Node-only entry: the local KVS endpoint (node:http, node:fs), kept out of the browser-safe ones.
    entry: { server: 'src/server/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
    external: ['@aws-sdk/client-kinesis-video-archived-media', '@aws-sdk/client-kinesis-video', '@aws-sdk/client-kinesis-video-media'],
  },
]);
