/**
 * Vite config for the demo page: `vite build -c demo/vite.config.ts` → dist/ (static, relative paths),
 * `vite preview -c demo/vite.config.ts` serves it on 127.0.0.1. Reuses the root config's plugins (the
 * `.wgsl`-as-text transform) for the page and for the worker bundle, serves /weights/ from where the CLI finds
 * the weights (src/models/weights-home.ts: $SWAGPU_WEIGHTS_DIR or the user cache, then the checkout's weights/)
 * in dev and preview, and copies the weights into dist/weights/ when they exist (set SWAGPU_DEMO_COPY_WEIGHTS=0
 * to skip, e.g. when the static host serves them from elsewhere).
 */
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, copyFileSync, linkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type PluginOption, type Connect } from 'vite';
import base from '../vite.config.js';
import { weightsSearchPath } from '../src/models/weights-home.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(projectRoot, process.env.SWAGPU_DEMO_OUT_DIR ?? 'dist');
const WEIGHTS_FILE = /^[\w.-]+\.safetensors$/;

/** The weights files swagpu finds, name → path (the first folder of the search path that has the name wins). */
function weightsFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of weightsSearchPath()) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (WEIGHTS_FILE.test(name) && !files.has(name)) files.set(name, join(dir, name));
  }
  return files;
}

/** weights/index.json: which weights files exist, so the page can offer VGG-19 without probing for a 404. */
function weightsIndex(): string {
  const files = [...weightsFiles()].map(([name, path]) => ({ name, bytes: statSync(path).size }));
  return JSON.stringify({ files }, null, 2) + '\n';
}

/** GET/HEAD /weights/NAME.safetensors and /weights/index.json from the weights folders (dev and preview servers). */
function weightsMiddleware(): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = (req.url ?? '').split('?')[0];
    const at = url.indexOf('/weights/');
    if (at < 0 || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const name = decodeURIComponent(url.slice(at + '/weights/'.length));
    if (name === 'index.json') {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-cache');
      res.end(weightsIndex());
      return;
    }
    const path = WEIGHTS_FILE.test(name) ? weightsFiles().get(name) : undefined;
    if (!path) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end(`no ${name} in ${weightsSearchPath().join(' or ')} (npm run weights fetches ResNet-50)\n`);
      return;
    }
    const size = statSync(path).size;
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(size));
    res.setHeader('cache-control', 'no-cache');
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(path).pipe(res);
  };
}

function swagpuWeights(): Plugin {
  return {
    name: 'swagpu-demo-weights',
    configureServer(server) { server.middlewares.use(weightsMiddleware()); },
    configurePreviewServer(server) { server.middlewares.use(weightsMiddleware()); },
    closeBundle() {
      if (process.env.SWAGPU_DEMO_COPY_WEIGHTS === '0') return;
      const files = weightsFiles();
      if (files.size === 0) return;
      mkdirSync(join(outDir, 'weights'), { recursive: true });
      writeFileSync(join(outDir, 'weights', 'index.json'), weightsIndex());
      for (const [name, from] of files) {
        const to = join(outDir, 'weights', name);
        rmSync(to, { force: true });
        try { linkSync(from, to); } catch { copyFileSync(from, to); }
      }
    },
  };
}

/** Which file's relative import of a stubbed module is stubbed (another file's import of the same name is not). */
const STUBBED_FROM: Record<string, RegExp> = {
  './weights-tfjs.js': /src[\\/]models[\\/]weights\.ts$/,
  './driver-stderr.js': /src[\\/]gpu[\\/]device\.ts$/,
};

/**
 * Node-only modules reachable through lazy imports of browser-safe files (the TF.js reader in
 * weights.ts, the driver-stderr filter in device.ts; node:fs in device.ts and safetensors.ts, used on their
 * Node paths only). Each is replaced by a module whose functions throw if ever called in the browser.
 */
function browserStubs(): Plugin {
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
    name: 'swagpu-demo-node-stubs',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!(source in stubs)) return null;
      if (source.startsWith('./') && !(importer && STUBBED_FROM[source].test(importer))) return null;
      return prefix + source;
    },
    load(id) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      return stubs[name].map((f) => `export function ${f}() { throw new Error(${JSON.stringify(`${name}.${f} is Node-only; not available in the browser`)}); }`).join('\n') + '\n';
    },
  };
}

const basePlugins = (base.plugins ?? []) as PluginOption[];

export default defineConfig({
  root: resolve(projectRoot, 'demo'),
  base: './',
  publicDir: false,
  plugins: [browserStubs(), ...basePlugins, swagpuWeights()],
  worker: { format: 'es', plugins: () => [browserStubs(), ...basePlugins] },
  build: {
    outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024,
    // Two pages: the demo and the kernel bench (bench.html).
    rollupOptions: { input: { main: resolve(projectRoot, 'demo/index.html'), bench: resolve(projectRoot, 'demo/bench.html') } },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
