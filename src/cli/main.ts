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
  return `usage: swagpu <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'swagpu <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
