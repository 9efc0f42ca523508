// Which lines of Dawn's own stderr swagpu hides, and whether they can be hidden inside the process.
// Plain JavaScript (types in driver-stderr-filter.d.ts) because two places use it: src/gpu/driver-stderr.ts,
// which filters fd 2 around Dawn's calls inside the process, and bin/swagpu.js, which, where that cannot
// work (stderr a socket or a plain file), runs the CLI as a child and filters its stderr stream; bin/ runs
// before TypeScript can be loaded, so this file must be importable by plain Node.
import { fstatSync, readFileSync, constants } from 'node:fs';

/** Lines Dawn prints that say nothing a swagpu user can act on (matched whole). */
export const BENIGN_DRIVER_LINES = [
  // Every adapter discovery on llvmpipe (GL), hardware Vulkan drivers, some SwiftShader builds.
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  // The 'gpu' probe of auto mode on a machine with no Vulkan driver at all (llvmpipe then serves):
  // expected, and when a Vulkan adapter was asked for by name, swagpu's own error says what is missing.
  /^Warning: vkCreateInstance: Found no drivers!$/,
  /^Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER$/,
];
/** Every benign line starts so: a partial line that cannot become one is passed on at once. */
const BENIGN_PREFIX = 'Warning: ';
/** Dawn's context lines under a warning ("    at CheckVkSuccessImpl (…VulkanError.cpp:106)", then a blank line). */
const CONTEXT_LINE = /^(\s+at \S+ \(.*\)|)$/;

export function isBenignDriverLine(line) {
  return BENIGN_DRIVER_LINES.some((pattern) => pattern.test(line));
}

/**
 * A streaming filter: `push(text)` returns what may be printed now, `end()` the rest. Whole lines are
 * judged; a partial line is held back only while it may still become a benign line (or, right after
 * one, its context line), so a prompt or a progress line without its newline is not delayed.
 */
export class DriverTextFilter {
  #pending = '';
  /** The last whole line was benign, or a context line under one. */
  #inBenign = false;
  /** Part of the current line was printed already: the rest of it goes out as it comes. */
  #passing = false;

  push(text) {
    let out = '';
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
      const piece = text.slice(start, nl + 1);
      if (this.#passing) {
        out += piece;
        this.#passing = false;
        this.#inBenign = false;
        continue;
      }
      const line = this.#pending + piece.slice(0, -1);
      this.#pending = '';
      if (isBenignDriverLine(line)) this.#inBenign = true;
      else if (!(this.#inBenign && CONTEXT_LINE.test(line))) {
        this.#inBenign = false;
        out += `${line}\n`;
      }
    }
    const rest = text.slice(start);
    if (this.#passing) return out + rest;
    this.#pending += rest;
    const p = this.#pending;
    const mayBeBenign = p.length < BENIGN_PREFIX.length ? BENIGN_PREFIX.startsWith(p) : p.startsWith(BENIGN_PREFIX);
    if (p !== '' && !mayBeBenign && !(this.#inBenign && /^\s/.test(p))) {
      out += p;
      this.#pending = '';
      this.#passing = true;
    }
    return out;
  }

  end() {
    const line = this.#pending;
    this.#pending = '';
    if (line === '' || isBenignDriverLine(line) || (this.#inBenign && CONTEXT_LINE.test(line))) return '';
    return line;
  }
}

/** The text without the benign lines and their context lines (what is still worth printing). */
export function filterDriverText(text) {
  const filter = new DriverTextFilter();
  return filter.push(text) + filter.end();
}

export function driverVerbose(env = process.env) {
  const v = env.SWAGPU_VERBOSE;
  return v !== undefined && v !== '' && v !== '0';
}

/**
 * Whether fd 2 can be captured inside the process (driver-stderr.ts), which reopens it through
 * /proc/self/fd (Linux): a terminal, a pipe, /dev/null, or a file opened for appending (`2>>log`).
 * Not a socket (Node's child_process gives a child those for 'pipe'), which cannot be reopened, nor a
 * file opened without O_APPEND (`2>log`), whose reopened descriptor would not share the shell's offset.
 * When fd 2 is closed there is nothing to filter: true.
 */
export function stderrCapturable() {
  if (process.platform !== 'linux') return false;
  let stat;
  try {
    stat = fstatSync(2);
  } catch {
    return true;
  }
  if (stat.isSocket()) return false;
  if (!stat.isFile()) return true;
  try {
    const flags = /flags:\s*(\d+)/.exec(readFileSync('/proc/self/fdinfo/2', 'utf8'));
    return flags !== null && (parseInt(flags[1], 8) & constants.O_APPEND) !== 0;
  } catch {
    return false;
  }
}
