// The layers, enforced. This file is the source of truth for them; docs/ARCHITECTURE.md describes the same
// table (and a test below holds the two together).
//
// Every import of every file in src/ and demo/ (static, `import type`, re-exports, dynamic `import('…')` and
// type queries `import('…').T`) is read with a small tokenizer (comments and strings skipped) and checked:
// - an import may only go down the chain gpu ← kernels ← engine ← models ← style ← api ← cli | demo, or to a
//   side layer its row names (bench); cli and demo never import each other (each kernel's plain-TS reference,
//   <op>.reference.ts, sits in kernels beside its op: test/kernels/layout.test.ts keeps it free of GPU code);
// - nothing in src/ imports the top-level bench/, demo/ or test/ (they do not ship);
// - only src/cli/bench.ts and demo/bench.ts import src/bench (the suite `swagpu bench` and the bench page run);
// - the browser-safe library (src/index.ts, src/api/) never imports its Node side (src/node.ts, src/io/), and
//   the demo page imports the browser-safe library only;
// - src/engine/autograd.ts stays within 150 lines, and no file in src/ goes over 450.
// A file's layer is the first folder under src/ (a regrouping inside a folder keeps its layer).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The chain, lowest first: a layer may import every layer before it. cli and demo both sit on api. */
const CHAIN = ['gpu', 'kernels', 'engine', 'models', 'style', 'api'] as const;
const below = (layer: (typeof CHAIN)[number]): string[] => CHAIN.slice(0, CHAIN.indexOf(layer));

interface Layer {
  name: string;
  /** Folders (ending in /) and files, from the repository root. */
  paths: string[];
  /** The layers its files may import (besides its own). */
  imports: string[];
  /** What it is, and why it sits there (the docs say the same). */
  says: string;
}

export const LAYERS: Layer[] = [
  { name: 'gpu', paths: ['src/gpu/'], imports: [], says: 'device, pipelines, recorder, transfers, timers, buffer pool' },
  { name: 'kernels', paths: ['src/kernels/'], imports: below('kernels'), says: 'one op = WGSL + launcher + its plain-TS reference, by family' },
  { name: 'engine', paths: ['src/engine/'], imports: below('engine'), says: 'Tensor, tape autograd, scopes, ops' },
  { name: 'models', paths: ['src/models/'], imports: below('models'), says: 'weights, VGG-19, ResNet-50' },
  { name: 'style', paths: ['src/style/'], imports: below('style'), says: 'losses, optimisers, presets, analysis' },
  {
    name: 'api', paths: ['src/api/', 'src/index.ts', 'src/node.ts', 'src/io/'], imports: below('api'),
    says: 'the library: src/index.ts and src/api/ are browser-safe; src/node.ts and src/io/ (image files, sharp) are its Node side',
  },
  {
    name: 'bench', paths: ['src/bench/'], imports: [...CHAIN],
    says: 'the benchmark suite, beside cli: imported only by src/cli/bench.ts and demo/bench.ts',
  },
  { name: 'cli', paths: ['src/cli/'], imports: [...CHAIN, 'bench'], says: 'the swagpu command' },
  {
    name: 'demo', paths: ['demo/'], imports: ['api', 'bench'],
    says: 'the page and its worker import the public library only: src/index.ts, src/api/, or a module src/index.ts re-exports from (imported from there, a constant does not pull the whole library into the page); bench.ts (the bench page) imports src/bench and what src/bench may',
  },
];

/** Files that may import a layer no other file of theirs may: [file, layer, why]. */
const EXTRA: Array<[string, string[], string]> = [
  ['demo/bench.ts', [...CHAIN], 'the bench page runs the suite on a context of its own, as src/bench does'],
];
/** Only these files import src/bench. */
const BENCH_CLIENTS = ['src/cli/bench.ts', 'demo/bench.ts'];
/** The library's Node side: the browser-safe library and the demo page never import it. */
const NODE_SIDE = ['src/node.ts', 'src/io/'];
const BROWSER_SAFE = ['src/index.ts', 'src/api/', 'demo/'];
/** The library's public modules: those src/index.ts re-exports from. The demo may import them straight. */
let publicModules: string[] | undefined;
const isPublic = (file: string): boolean => (publicModules ??= importsOf(readFileSync(join(root, 'src/index.ts'), 'utf8'))
  .filter((i) => i.kind === 're-export').map((i) => target('src/index.ts', i.spec)!)).includes(file);
/** Build scripts run by Node, not part of the page: outside the layers (demo's reads the weights rule). */
const TOOLING = ['demo/vite.config.ts'];
/** Top-level folders that do not ship: nothing in src/ imports them. */
const UNSHIPPED = ['bench/', 'demo/', 'test/'];

const AUTOGRAD = 'src/engine/autograd.ts';
const AUTOGRAD_MAX_LINES = 150;
const SRC_MAX_LINES = 450;

const under = (file: string, path: string): boolean => (path.endsWith('/') ? file.startsWith(path) : file === path);

export function layerOf(file: string): Layer | undefined {
  return LAYERS.find((l) => l.paths.some((p) => under(file, p)));
}

function sourceFiles(dir: string, test: (name: string) => boolean): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(join(root, path)).isDirectory() ? sourceFiles(path, test) : test(name) ? [path] : [];
  });
}

const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

type Token = { kind: 'word' | 'string' | 'punct'; text: string; line: number };

/** TypeScript's tokens, enough to find imports: comments dropped, strings whole, template and regex literals skipped. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const braces: number[] = []; // per open template `${`: the brace depth at which it closes
  let depth = 0;
  let line = 1;
  let i = 0;
  const prev = (): Token | undefined => tokens[tokens.length - 1];
  const skipTemplate = (): void => { // from inside a template literal to its end or to a `${`
    while (i < source.length) {
      const c = source[i];
      if (c === '\\') { i += 2; continue; }
      if (c === '\n') line++;
      if (c === '`') { i++; tokens.push({ kind: 'string', text: '`template`', line }); return; }
      if (c === '$' && source[i + 1] === '{') { i += 2; braces.push(depth); depth++; return; }
      i++;
    }
  };
  while (i < source.length) {
    const c = source[i];
    if (c === '\n') { line++; i++; continue; }
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && source[i + 1] === '/') { while (i < source.length && source[i] !== '\n') i++; continue; }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      line += source.slice(i, stop).split('\n').length - 1;
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== c && source[j] !== '\n') {
        if (source[j] === '\\') { text += source[j + 1]; j += 2; } else text += source[j++];
      }
      tokens.push({ kind: 'string', text, line });
      i = j + 1;
      continue;
    }
    if (c === '`') { i++; skipTemplate(); continue; }
    if (c === '/') {
      const p = prev();
      const regex = !p || (p.kind === 'punct' && !/^[)\]}]$/.test(p.text)) || (p.kind === 'word' && KEYWORDS_BEFORE_REGEX.has(p.text));
      if (regex) {
        let j = i + 1;
        let inClass = false;
        while (j < source.length && source[j] !== '\n') {
          if (source[j] === '\\') { j += 2; continue; }
          if (source[j] === '[') inClass = true;
          else if (source[j] === ']') inClass = false;
          else if (source[j] === '/' && !inClass) break;
          j++;
        }
        i = j + 1;
        while (/[a-z]/i.test(source[i] ?? '')) i++;
        tokens.push({ kind: 'string', text: '/regex/', line });
        continue;
      }
    }
    if (/[\w$]/.test(c)) {
      let j = i;
      while (j < source.length && /[\w$]/.test(source[j])) j++;
      tokens.push({ kind: 'word', text: source.slice(i, j), line });
      i = j;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') {
      depth--;
      if (braces.length > 0 && braces[braces.length - 1] === depth) { braces.pop(); i++; skipTemplate(); continue; }
    }
    tokens.push({ kind: 'punct', text: c, line });
    i++;
  }
  return tokens;
}

export interface Import { spec: string; line: number; kind: 'static' | 'type' | 'dynamic' | 're-export' }

/** Every module a file names in an import or re-export, with its line. */
export function importsOf(source: string): Import[] {
  const t = tokenize(source);
  const out: Import[] = [];
  const fromClause = (start: number): { spec: string; line: number } | null => {
    for (let j = start; j < t.length && j < start + 400; j++) {
      if (t[j].kind === 'punct' && t[j].text === ';') return null;
      if (t[j].kind === 'word' && t[j].text === 'from' && t[j + 1]?.kind === 'string') return { spec: t[j + 1].text, line: t[j].line };
    }
    return null;
  };
  for (let i = 0; i < t.length; i++) {
    const tok = t[i];
    const next = t[i + 1];
    if (tok.kind !== 'word' || !next) continue;
    const member = t[i - 1]?.kind === 'punct' && t[i - 1].text === '.'; // obj.import(…) is no import
    if (tok.text === 'import' && !member) {
      if (next.kind === 'punct' && next.text === '(') {
        if (t[i + 2]?.kind === 'string') out.push({ spec: t[i + 2].text, line: tok.line, kind: 'dynamic' });
      } else if (next.kind === 'string') {
        out.push({ spec: next.text, line: tok.line, kind: 'static' });
      } else if (!(next.kind === 'punct' && next.text === '.')) { // import.meta
        const from = fromClause(i + 1);
        const typeOnly = next.kind === 'word' && next.text === 'type' && t[i + 2]?.text !== 'from' && t[i + 2]?.text !== ',';
        if (from) out.push({ spec: from.spec, line: tok.line, kind: typeOnly ? 'type' : 'static' });
      }
    } else if (tok.text === 'export' && !member) {
      const head = next.text === 'type' ? t[i + 2] : next;
      if (head?.kind === 'punct' && (head.text === '{' || head.text === '*')) {
        const from = fromClause(i + 1);
        if (from) out.push({ spec: from.spec, line: tok.line, kind: 're-export' });
      }
    }
  }
  return out;
}

/** Where a relative import lands, from the repository root (`.js` written for a `.ts` file mapped back). */
function target(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null; // a package
  let path = relative(root, resolve(root, dirname(file), spec)).split('\\').join('/');
  if (path.endsWith('.js')) {
    const ts = path.replace(/\.js$/, '.ts');
    try { if (statSync(join(root, ts)).isFile()) path = ts; } catch { /* not a .ts file */ }
  }
  return path;
}

export interface Violation { file: string; line: number; spec: string; rule: string }

/** Every broken rule of one file's imports. */
export function checkImports(file: string, source: string): Violation[] {
  const out: Violation[] = [];
  if (TOOLING.includes(file)) return out;
  const from = layerOf(file);
  for (const { spec, line, kind } of importsOf(source)) {
    const to = target(file, spec);
    if (to === null) continue;
    const broke = (rule: string) => out.push({ file, line, spec: `${spec} (${kind})`, rule });
    if (file.startsWith('src/')) {
      const unshipped = UNSHIPPED.find((dir) => to.startsWith(dir));
      if (unshipped) { broke(`nothing in src/ imports the top-level ${unshipped} (it does not ship)`); continue; }
    }
    if (!to.startsWith('src/')) continue; // demo's own files, package.json, …
    const toLayer = layerOf(to);
    if (!from || !toLayer) continue; // unmapped files are reported by their own test
    if (toLayer.name === 'bench' && from.name !== 'bench' && !BENCH_CLIENTS.includes(file)) {
      broke(`only ${BENCH_CLIENTS.join(' and ')} import src/bench`);
      continue;
    }
    if (BROWSER_SAFE.some((p) => under(file, p)) && NODE_SIDE.some((p) => under(to, p))) {
      broke(`${file} is browser-safe: it never imports the library's Node side (${NODE_SIDE.join(', ')})`);
      continue;
    }
    if (toLayer === from) continue;
    if (from.name === 'demo' && isPublic(to)) continue;
    const extra = EXTRA.find(([f]) => f === file)?.[1] ?? [];
    if (!from.imports.includes(toLayer.name) && !extra.includes(toLayer.name)) {
      const may = [...from.imports, ...extra];
      broke(`${from.name} may import ${may.length ? may.join(', ') : 'nothing outside itself'}, not ${toLayer.name} (${to}); layers: ${CHAIN.join(' ← ')} ← cli | demo`);
    }
  }
  return out;
}

const srcFiles = sourceFiles('src', (name) => /\.ts$/.test(name));
const demoFiles = sourceFiles('demo', (name) => /\.ts$/.test(name));
const codeFiles = sourceFiles('src', (name) => /\.(ts|wgsl)$/.test(name));
const lineCount = (file: string): number => readFileSync(join(root, file), 'utf8').replace(/\n$/, '').split('\n').length;
const fmt = (v: Violation): string => `${v.file}:${v.line} imports '${v.spec}': ${v.rule}`;

describe('layers', () => {
  it('every file in src/ belongs to a layer (a new folder needs a row in LAYERS, and in docs/ARCHITECTURE.md)', () => {
    const unmapped = srcFiles.filter((f) => !f.endsWith('.d.ts') && !layerOf(f));
    expect(unmapped, `files in no layer: ${unmapped.join(', ')}`).toEqual([]);
  });

  it.each([...srcFiles, ...demoFiles].map((f) => [f]))('%s imports only what its layer may', (file) => {
    const broken = checkImports(file, readFileSync(join(root, file), 'utf8'));
    expect(broken.map(fmt), broken.map(fmt).join('\n')).toEqual([]);
  });

  it(`${AUTOGRAD} stays within ${AUTOGRAD_MAX_LINES} lines`, () => {
    expect(lineCount(AUTOGRAD), `${AUTOGRAD} has ${lineCount(AUTOGRAD)} lines, over ${AUTOGRAD_MAX_LINES}`).toBeLessThanOrEqual(AUTOGRAD_MAX_LINES);
  });

  it.each(codeFiles.map((f) => [f]))(`%s stays within ${SRC_MAX_LINES} lines`, (file) => {
    const n = lineCount(file);
    expect(n, `${file} has ${n} lines, over ${SRC_MAX_LINES}: split it by responsibility`).toBeLessThanOrEqual(SRC_MAX_LINES);
  });

  it('docs/ARCHITECTURE.md lists the same layers, in this order, with the same folders', () => {
    const doc = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| (\w+) \| ([^|]+) \| ([^|]*) \|/gm)]
      .map(([, name, paths, imports]) => ({ name, paths: [...paths.matchAll(/`([^`]+)`/g)].map((m) => m[1]), imports: imports.trim() }))
      .filter((r) => r.name !== 'layer');
    expect(rows.map((r) => r.name)).toEqual(LAYERS.map((l) => l.name));
    for (const [i, layer] of LAYERS.entries()) {
      expect(rows[i].paths, `${layer.name}'s folders in docs/ARCHITECTURE.md`).toEqual(layer.paths);
      const imports = [...rows[i].imports.matchAll(/\w+/g)].map((m) => m[0]).filter((w) => w !== 'nothing');
      expect(imports, `what ${layer.name} may import, in docs/ARCHITECTURE.md`).toEqual(layer.imports);
    }
  });
});

describe('the import reader', () => {
  it('finds static, type-only, side-effect, dynamic and re-exported imports, and skips comments, strings and regexes', () => {
    const source = [
      "// import a from './comment.js';",
      "/* import b from './block.js' */",
      "import type { X } from './type-only.js';",
      "import { type Y, z } from './mixed.js';",
      "import {",
      "  w,",
      "} from './multi-line.js';",
      "import './side.js';",
      "export { v } from './re-export.js';",
      "export * from './star.js';",
      "export type { U } from './re-export-type.js';",
      "export { local };",
      "const s = \"import c from './string.js'\";",
      "const t = `import d from './template.js' ${f(`${'./nested.js'}`)}`;",
      "const r = /import e from '.\\/regex.js'/;",
      "const m = await import('./dynamic.js');",
      "type Q = import('./type-query.js').Q;",
      "const n = await import(moduleName);",
      "const u = import.meta.url;",
    ].join('\n');
    expect(importsOf(source).map((i) => `${i.line} ${i.kind} ${i.spec}`)).toEqual([
      '3 type ./type-only.js', '4 static ./mixed.js', '5 static ./multi-line.js', '8 static ./side.js',
      '9 re-export ./re-export.js', '10 re-export ./star.js', '11 re-export ./re-export-type.js',
      '16 dynamic ./dynamic.js', '17 dynamic ./type-query.js',
    ]);
  });

  it('names the file, the import and the rule broken', () => {
    expect(checkImports('src/kernels/x.ts', "import { createEngine } from '../api/engine.js';").map(fmt)).toEqual([
      "src/kernels/x.ts:1 imports '../api/engine.js (static)': kernels may import gpu, not api (src/api/engine.ts); layers: gpu ← kernels ← engine ← models ← style ← api ← cli | demo",
    ]);
    expect(checkImports('src/cli/x.ts', "import '../../bench/run.js';").map((v) => v.rule)).toEqual(['nothing in src/ imports the top-level bench/ (it does not ship)']);
    expect(checkImports('src/cli/x.ts', "import '../../demo/main.js';").map((v) => v.rule)).toEqual(['nothing in src/ imports the top-level demo/ (it does not ship)']);
    expect(checkImports('src/cli/x.ts', "import('../bench/suite.js');").map((v) => v.rule)).toEqual(['only src/cli/bench.ts and demo/bench.ts import src/bench']);
    expect(checkImports('src/api/x.ts', "import type { Y } from '../io/image.js';").map((v) => v.rule)[0]).toMatch(/browser-safe/);
    expect(checkImports('demo/x.ts', "import { PRESETS } from '../src/style/presets.js';")).toEqual([]); // re-exported by src/index.ts
    expect(checkImports('demo/x.ts', "import { gramLoss } from '../src/style/losses.js';").map((v) => v.rule)[0]).toMatch(/^demo may import api, bench, not style/);
    expect(checkImports('demo/x.ts', "import { stylize } from '../src/node.js';").map((v) => v.rule)[0]).toMatch(/browser-safe/);
    expect(checkImports('src/cli/x.ts', "import { x } from '../../demo/x.js';").length).toBe(1);
    expect(checkImports('src/style/x.ts', "import { y } from '../gpu/context.js';")).toEqual([]);
  });
});
