#!/usr/bin/env node
// The `swagpu` command. In a checkout (tsconfig.json and src/ beside bin/) it runs the TypeScript sources through
// tsx, with .wgsl files imported as text, so an edit needs no build and a stale build is never run. An installed
// package runs the CLI compiled to JS when packing (dist/cli/main.js, `npm run build:cli`): no tsx at run time.
import { existsSync } from 'node:fs';
import { isatty } from 'node:tty';
import { driverVerbose, stderrCapturable } from '../src/gpu/driver-stderr-filter.js';

const root = new URL('../', import.meta.url);
const argv = process.argv.slice(2);
const verbose = driverVerbose() || (argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'))).includes('--verbose');

if (!verbose && process.platform !== 'win32' && !process.env.SWAGPU_FILTERED_BY && !isatty(2) && !stderrCapturable()) {
  // Dawn prints its known-benign warnings from C++ straight to fd 2, which the CLI filters in-process only
  // where fd 2 can be reopened (src/gpu/driver-stderr.ts). Elsewhere (a socket: Node's child_process; a
  // plain file: `2>log`) the CLI runs as a child whose stderr this process filters. Never a terminal: the
  // child would lose it (no progress bar), and on Linux a terminal is filtered in-process.
  const { runFiltered } = await import('./stderr-wrapper.mjs');
  await runFiltered(argv);
} else {
  if (process.env.SWAGPU_FILTERED_BY) (await import('./stderr-wrapper.mjs')).watchWrapper();
  const checkout = existsSync(new URL('tsconfig.json', root)) && existsSync(new URL('src/cli/main.ts', root));
  const compiled = new URL('dist/cli/main.js', root);
  let main;
  if (checkout || !existsSync(compiled)) {
    await import('./register.mjs');
    ({ main } = await import('../src/cli/main.ts'));
  } else {
    ({ main } = await import(compiled.href));
  }
  process.exitCode = await main(argv);
}
