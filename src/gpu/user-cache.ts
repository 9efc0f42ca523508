/**
 * The per-user cache folder (Node only): `$XDG_CACHE_HOME/swagpu`, else `~/.cache/swagpu`. The weights
 * live there (src/models/weights-home.ts), and so does Mesa's shader cache when the user has not chosen one.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** `$XDG_CACHE_HOME/swagpu`, else `~/.cache/swagpu` (not created here). */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'swagpu');
  return join(env.HOME || homedir(), '.cache', 'swagpu');
}

/**
 * `mkdir -p`, one level at a time. Node's own `mkdirSync(dir, { recursive: true })` never returns for a path
 * under /proc (Node 20: it retries the failing parent forever), which is where a home that cannot be written
 * may well point.
 */
function makeDirs(dir: string): void {
  const parent = dirname(dir);
  if (existsSync(dir)) return;
  if (parent !== dir) makeDirs(parent);
  mkdirSync(dir);
}

/** Creates `dir` (and its parents) if needed; true when it is a folder this process can write into. */
export function ensureWritableDir(dir: string): boolean {
  try {
    makeDirs(dir);
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function ownedByMe(dir: string): boolean {
  try {
    return typeof process.getuid !== 'function' || statSync(dir).uid === process.getuid();
  } catch {
    return false;
  }
}

/**
 * Points Mesa's on-disk shader cache (llvmpipe's compiled shaders) at the swagpu cache when the user has
 * not set MESA_SHADER_CACHE_DIR (or its old name MESA_GLSL_CACHE_DIR). Mesa's own default is under
 * `~/.cache`; without a writable home it silently turns the cache off and every run recompiles every
 * shader (46 s instead of 6 s measured for one stylize). So: the user cache folder, else
 * `<tmpdir>/swagpu-<uid>` when even that cannot be written. Mesa reads the variable when Dawn opens the
 * EGL display, so this must run before Dawn is loaded. Returns the folder chosen, or null when none is
 * writable or the user already chose.
 */
export function setMesaShaderCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MESA_SHADER_CACHE_DIR || env.MESA_GLSL_CACHE_DIR) return null;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const shared = join(tmpdir(), `swagpu-${uid}`);
  for (const dir of [userCacheDir(env), shared]) {
    // In the shared temporary folder, only a folder of our own (not one another user planted there).
    if (ensureWritableDir(dir) && (dir !== shared || ownedByMe(dir))) {
      env.MESA_SHADER_CACHE_DIR = dir; // Mesa adds its own mesa_shader_cache/ inside
      return dir;
    }
  }
  return null;
}
