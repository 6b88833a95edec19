import { defineConfig } from 'vitest/config';

/** The packaging test alone (npm run test:package): pack, install, type-check under each tsconfig, run. */
export default defineConfig({
  test: { include: ['test/packaging.test.ts'], testTimeout: 120_000, hookTimeout: 240_000 },
});
