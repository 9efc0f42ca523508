/**
 * `swagpu` entry point: dispatches to one file per subcommand. Each exports
 * `run(argv): Promise<number>` returning the exit code (2 for usage errors).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  info: { summary: 'print the WebGPU adapter and its limits', load: () => import('./info.js') },
  stylize: { summary: 'style transfer (SWAG on ResNet-50 by default)', load: () => import('./stylize.js') },
  batch: { summary: 'stylize every content x style pair of two folders (resumable)', load: () => import('./batch.js') },
  classify: { summary: 'ImageNet top-k labels with ResNet-50', load: () => import('./classify.js') },
  analyze: { summary: "the paper's Gram max/entropy analysis per layer", load: () => import('./analyze.js') },
  weights: { summary: 'fetch or convert pretrained weights', load: () => import('./weights.js') },
  bench: { summary: 'kernel and end-to-end benchmarks (GFLOP/s, % of peak, vs TF.js)', load: () => import('./bench.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: swagpu <command> [options] [--verbose]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `--verbose (any command) also shows the WebGPU driver's own warnings, which are filtered otherwise.\n` +
    `Run 'swagpu <command> --help' for a command's options.`;
}

/**
 * `--verbose` belongs to every command: it lets Dawn's known-benign warnings through (gpu/driver-stderr.ts
 * reads SWAGPU_VERBOSE). Taken out here, before the command parses its own flags; `--` ends the search.
 */
function takeVerbose(argv: string[]): string[] {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  if (!head.includes('--verbose')) return argv;
  process.env.SWAGPU_VERBOSE = '1';
  return [...head.filter((a) => a !== '--verbose'), ...(end < 0 ? [] : argv.slice(end))];
}

/**
 * `swagpu info | head -1`: once the reader has gone, stdout writes fail with EPIPE, which Node reports as
 * an unhandled 'error' event (a stack trace). A closed stdout means nobody wants the rest: exit quietly
 * (status 0, as when the output was read to the end). A closed stderr only loses messages: the command
 * goes on (a stylize run still saves its image).
 */
function quietOnClosedPipes(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`swagpu: cannot write to stdout (${error.code ?? error.message})\n`);
    process.exit(1);
  });
  process.stderr.on('error', () => undefined);
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipes();
  const [name, ...rest] = takeVerbose(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`swagpu: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    console.error(`swagpu ${name}: ${(error as Error).message}`);
    return 1;
  }
}
