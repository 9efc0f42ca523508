// docs/TOUR.md links into the code as [`symbol`](../path#L123): each must name an existing file, and the
// symbol must appear in that file within ±15 lines of the linked line (so the tour follows the code).
// Plain file links ([text](../path)) and image/markdown links must point at existing files.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const docs = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs');
const tour = readFileSync(join(docs, 'TOUR.md'), 'utf8');
const NEAR = 15;

/** [text](target) links, images included, external ones left out. */
const links = [...tour.matchAll(/!?\[([^\]]*)\]\(([^)\s]+)\)/g)]
  .map(([, text, target]) => ({ text, target }))
  .filter(({ target }) => !/^[a-z]+:/.test(target));

const codeLinks = links.filter((l) => /#L\d+$/.test(l.target));

describe('docs/TOUR.md', () => {
  it('links to code with line anchors (and has plenty of them)', () => {
    expect(codeLinks.length).toBeGreaterThan(40);
  });

  it.each(links.map((l) => [l.target, l] as const))('%s exists', (_, { target }) => {
    const file = resolve(docs, target.replace(/#.*$/, ''));
    expect(existsSync(file), `${target} → ${file}`).toBe(true);
  });

  it.each(codeLinks.map((l) => [`${l.text} → ${l.target}`, l] as const))('%s: the symbol is near the line', (_, { text, target }) => {
    const symbol = /^`([^`]+)`$/.exec(text)?.[1];
    expect(symbol, `link text of ${target} must be a \`symbol\``).toBeTruthy();
    const [path, anchor] = target.split('#L');
    const lines = readFileSync(resolve(docs, path), 'utf8').split('\n');
    const line = Number(anchor);
    expect(line, `${target}: line ${line} is past the end (${lines.length} lines)`).toBeLessThanOrEqual(lines.length);
    // `Engine.stylize` → the last part is what the file spells.
    const name = symbol!.split('.').pop()!;
    const near = lines.slice(Math.max(0, line - 1 - NEAR), line + NEAR);
    const found = near.some((l) => new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(l));
    const actual = lines.findIndex((l) => new RegExp(`\\b${name}\\b`).test(l)) + 1;
    expect(found, `${target}: '${name}' is not within ±${NEAR} lines of line ${line} (first at line ${actual || 'nowhere'})`).toBe(true);
  });
});
