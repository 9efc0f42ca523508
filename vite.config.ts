/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';

/** Import `.wgsl` files as their text, the same way bin/wgsl-hooks.mjs does in plain Node. */
function wgslAsText(): Plugin {
  return {
    name: 'swagpu-wgsl-as-text',
    transform(code, id) {
      if (id.endsWith('.wgsl')) return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}

export default defineConfig({
  plugins: [wgslAsText()],
  root: '.',
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  test: {
    include: ['test/**/*.test.ts'],
    // Dawn is a native addon: run each test file in its own process (forks), two at a time (2 cores).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
