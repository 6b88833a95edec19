import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Packs, installs and type-checks the package under several tsconfigs (half a minute): `npm run test:package`.
    exclude: ['test/packaging.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Many test files wait on ffmpeg, flac or Chromium: a third worker keeps both cores busy (3:05 → 2:15 on 2 cores).
    maxWorkers: 3,
  },
});
