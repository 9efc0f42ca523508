/**
 * Where the weights live (Node only); the one rule that the CLI, the library, the demo build and the tests share.
 *
 *   written to  $SWAGPU_WEIGHTS_DIR, else $XDG_CACHE_HOME/swagpu, else ~/.cache/swagpu (src/gpu/user-cache.ts)
 *   read from   that folder, then (when SWAGPU_WEIGHTS_DIR is unset) a checkout's own weights/ folder, which
 *               older versions wrote to and which a developer may fill by hand
 *
 * The user cache survives reinstalls and works for a read-only global install, unlike a folder inside the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userCacheDir } from '../gpu/user-cache.js';

/** The directory holding package.json named swagpu, found by walking up from this file (works from src/ and dist/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'swagpu') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the swagpu project root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Where weights are written (fetch, and the default of convert): `$SWAGPU_WEIGHTS_DIR`, else the user cache. */
export function weightsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWAGPU_WEIGHTS_DIR ? resolve(env.SWAGPU_WEIGHTS_DIR) : userCacheDir(env);
}

/**
 * The folders searched for a weights file, in order: `weightsDir()`, then the checkout's weights/ when it exists
 * (an installed package has none) and SWAGPU_WEIGHTS_DIR does not override.
 */
export function weightsSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [weightsDir(env)];
  if (!env.SWAGPU_WEIGHTS_DIR) {
    const checkout = join(projectRoot(), 'weights');
    if (!dirs.includes(checkout) && existsSync(checkout)) dirs.push(checkout);
  }
  return dirs;
}

/** The path of weights file `name`: the first folder of the search path that has it, else where it would be written. */
export function findWeightsFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of weightsSearchPath(env)) if (existsSync(join(dir, name))) return join(dir, name);
  return join(weightsDir(env), name);
}
