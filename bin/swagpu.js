#!/usr/bin/env node
// The `swagpu` command: runs the TypeScript CLI directly (tsx), with .wgsl files imported as text.
import './register.mjs';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
