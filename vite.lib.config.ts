/**
 * The library build (`npm run build:lib`): two self-contained ES modules in dist/lib/,
 *   index.js  the browser-safe entry (src/index.ts): Node built-ins reachable only through lazy imports on
 *             Node code paths are replaced by stubs that throw if ever called;
 *   node.js   the Node entry (src/node.ts): dependencies and node:* stay imports.
 *   cli/      the `swagpu` command (src/cli/main.ts) compiled to JS for the packed package, one chunk per
 *             subcommand so that `swagpu info` loads only what it runs; bin/swagpu.js imports it when there is
 *             no checkout (no tsx at run time). TensorFlow.js (the bench's optional peer) stays an import.
 * `vite build -c vite.lib.config.ts --mode browser|node|cli`; the .wgsl-as-text plugin comes from vite.config.ts.
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
    'node:fs': ['existsSync', 'readFileSync', 'accessSync', 'mkdirSync', 'statSync', 'constants'],
    'node:fs/promises': ['open', 'rename', 'rm', 'readFile'],
    // src/gpu/user-cache.ts (the Mesa shader cache folder, set before Dawn loads in Node)
    'node:os': ['homedir', 'tmpdir'],
    'node:path': ['dirname', 'join', 'resolve'],
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

/** The CLI: Node, dependencies and the peers (TF.js, ONNX Runtime Web: development dependencies) external, code split at the subcommands' dynamic imports. */
function cliConfig() {
  return {
    plugins: (base.plugins ?? []) as PluginOption[],
    publicDir: false as const,
    build: {
      outDir: 'dist/cli',
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: true,
      lib: { entry: 'src/cli/main.ts', formats: ['es' as const], fileName: () => 'main.js' },
      rollupOptions: {
        external: (id: string) => isDependency(id) || id.startsWith('@tensorflow/') || id.startsWith('onnxruntime-web'),
        output: { chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode === 'cli') return cliConfig();
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
