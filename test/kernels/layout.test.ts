// src/kernels is grouped by family (docs/ARCHITECTURE.md): each op's reference, <op>.reference.ts, sits beside its
// launcher <op>.ts and its WGSL, and stays plain TypeScript: a reference may import other references, the
// geometry helpers and the shape type, and types from anything, but no launcher, no WGSL and nothing of src/gpu,
// so the ground truth never runs the code it checks.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const kernels = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/kernels');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [path];
});
const files = walk(kernels).map((f) => relative(kernels, f));
const references = files.filter((f) => f.endsWith('.reference.ts'));

/** Value imports (`import type` and `export type` are erased, so they carry no code). */
const valueImports = (source: string): string[] => [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);

/** What a reference may run: other references, the geometry helpers, the shape type. */
const plainTs = (target: string): boolean => /(\.reference|-geometry|^shape)\.ts$/.test(target.split('/').pop()!) || target === 'shape.ts';

describe('src/kernels layout', () => {
  it('has no loose ops: every .wgsl and op launcher lives in a family folder', () => {
    const loose = files.filter((f) => !f.includes('/') && !['launch.ts', 'shape.ts', 'register-tile.ts'].includes(f));
    expect(loose).toEqual([]);
    expect(references.length).toBeGreaterThanOrEqual(17);
  });

  it.each(references)('%s sits beside its launcher and imports no GPU code', (file) => {
    expect(files).toContain(file.replace(/\.reference\.ts$/, '.ts'));
    for (const spec of valueImports(readFileSync(join(kernels, file), 'utf8'))) {
      expect(spec.startsWith('.'), `${file} imports ${spec}`).toBe(true);
      const target = relative(kernels, resolve(kernels, dirname(file), spec)).replace(/\.js$/, '.ts');
      expect(target.startsWith('..') || !plainTs(target) ? `${file} imports ${spec}` : '').toBe('');
    }
  });
});
