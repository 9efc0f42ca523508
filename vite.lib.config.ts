/**
 * The library build (`npm run build:lib`): two self-contained ES modules in dist/lib/,
 *   index.js  the browser-safe entry (src/index.ts): Node built-ins reachable only through lazy imports on
 *             Node code paths are replaced by stubs that throw if ever called;
 *   node.js   the Node entry (src/node.ts): dependencies and node:* stay imports.
 * `vite build -c vite.lib.config.ts --mode browser|node`; the .wgsl-as-text plugin comes from vite.config.ts.
 * Type declarations come from `tsc -p tsconfig.lib.json` (dist/lib/types/).
 */
import { defineConfig, type Plugin, type PluginOption } from 'vite';
import base from './vite.config.js';
import pkg from './package.json' with { type: 'json' };

const deps = Object.keys(pkg.dependencies);
const isDependency = (id: string) => id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));

/** Browser build: node-only modules become stubs that throw when called (they sit on Node-only paths). */
function nodeStubs(): Plugin {
  const stubs: Record<string, string[]> = {
    './weights-tfjs.js': ['readKerasResnet50'],
    './driver-stderr.js': ['captureDriverStderr'],
    'node:fs': ['existsSync', 'readFileSync'],
    'node:fs/promises': ['open', 'rename', 'rm', 'readFile'],
  };
  const prefix = '\0swagpu-node-only:';
  return {
    name: 'swagpu-lib-node-stubs',
    enforce: 'pre',
    resolveId(source) { return source in stubs ? prefix + source : null; },
    load(id) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      return stubs[name].map((f) => `export function ${f}() { throw new Error(${JSON.stringify(`${name}.${f} is Node-only`)}); }`).join('\n') + '\n';
    },
  };
}

export default defineConfig(({ mode }) => {
  const node = mode === 'node';
  return {
    plugins: [...(node ? [] : [nodeStubs()]), ...((base.plugins ?? []) as PluginOption[])],
    publicDir: false,
    build: {
      outDir: 'dist/lib',
      emptyOutDir: false,
      target: node ? 'node20' : 'es2022',
      minify: false,
      sourcemap: true,
      lib: { entry: node ? 'src/node.ts' : 'src/index.ts', formats: ['es'], fileName: () => (node ? 'node.js' : 'index.js') },
      rollupOptions: {
        external: node ? isDependency : (id: string) => deps.some((d) => id === d || id.startsWith(`${d}/`)),
        output: { inlineDynamicImports: true },
      },
    },
  };
});
