#!/usr/bin/env node
// The `swagpu` command. In a checkout (tsconfig.json and src/ beside bin/) it runs the TypeScript sources through
// tsx, with .wgsl files imported as text, so an edit needs no build and a stale build is never run. An installed
// package runs the CLI compiled to JS when packing (dist/cli/main.js, `npm run build:cli`): no tsx at run time.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const checkout = existsSync(new URL('tsconfig.json', root)) && existsSync(new URL('src/cli/main.ts', root));
const compiled = new URL('dist/cli/main.js', root);
let main;
if (checkout || !existsSync(compiled)) {
  await import('./register.mjs');
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv.slice(2));
