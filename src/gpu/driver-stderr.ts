/**
 * Node only: Dawn's own warnings, which its C++ code prints straight to file descriptor 2 (not through
 * Node's process.stderr). Opening an adapter makes Dawn clamp two limits it cannot honour and say so:
 *
 *   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.
 *   Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.
 *
 * (Dawn's Limits.cpp, at adapter discovery, whatever limits are later requested: llvmpipe's GL backend
 * reports 90/80, hardware Vulkan drivers up to 1000000; SwiftShader's Vulkan driver depends on its build.)
 * Nothing swagpu asks for triggers them, so they cannot be avoided, only filtered: `captureDriverStderr`
 * points fd 2 at a temporary file for the length of one synchronous Dawn call, then puts it back and
 * re-prints every captured line except the known-benign ones. With SWAGPU_VERBOSE=1 (the CLI's
 * --verbose) nothing is captured and Dawn prints as it likes.
 *
 * Node has no dup2(), so fd 2 is reopened through /proc/self/fd (Linux; the way libuv itself reopens a
 * terminal). Where that cannot be done safely, nothing is captured and the lines stay: sockets cannot be
 * reopened, and a regular file opened without O_APPEND (`2>log`) would lose its shared offset.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Lines Dawn prints that say nothing a swagpu user can act on (matched whole). */
export const BENIGN_DRIVER_LINES: readonly RegExp[] = [
  // Every adapter discovery on llvmpipe (GL), hardware Vulkan drivers, some SwiftShader builds.
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  // The 'gpu' probe of auto mode on a machine with no Vulkan driver at all (llvmpipe then serves):
  // expected, and when a Vulkan adapter was asked for by name, swagpu's own error says what is missing.
  /^Warning: vkCreateInstance: Found no drivers!$/,
  /^Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER$/,
];
/** Dawn's context lines under a warning ("    at CheckVkSuccessImpl (…VulkanError.cpp:106)", then a blank line). */
const CONTEXT_LINE = /^(\s+at \S+ \(.*\)|)$/;

export function isBenignDriverLine(line: string): boolean {
  return BENIGN_DRIVER_LINES.some((pattern) => pattern.test(line));
}

/** The captured text without the benign lines and their context lines (what is still worth printing). */
export function filterDriverText(text: string): string {
  const kept: string[] = [];
  let inBenign = false;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (isBenignDriverLine(line)) inBenign = true;
    else if (!(inBenign && CONTEXT_LINE.test(line))) {
      inBenign = false;
      kept.push(`${line}\n`);
    }
  }
  return kept.join('');
}

export function driverVerbose(): boolean {
  const v = process.env.SWAGPU_VERBOSE;
  return v !== undefined && v !== '' && v !== '0';
}

/** Flags to reopen fd 2 with, or null when it must be left alone. */
function reopenFlags(): number | null {
  if (process.platform !== 'linux') return null;
  let stat;
  try {
    stat = fstatSync(2);
  } catch {
    return null; // fd 2 is closed
  }
  if (stat.isSocket()) return null;
  const base = constants.O_WRONLY | constants.O_NOCTTY;
  // A pipe is reopened non-blocking: a blocking open of a pipe whose reader has gone (`| head -1`) would
  // wait forever; non-blocking, it fails (ENXIO) and nothing is captured.
  if (stat.isFIFO()) return base | constants.O_NONBLOCK;
  if (!stat.isFile()) return base; // terminal, /dev/null: no offset to keep
  // A regular file: a reopened descriptor has its own offset, so whoever still writes through the old
  // one (the shell after `2>log`, stdout after `>log 2>&1`) would overwrite these lines. Safe only when
  // the file was opened for appending (`2>>log`), where every write goes to the end anyway.
  try {
    const fdinfo = /flags:\s*(\d+)/.exec(readFileSync('/proc/self/fdinfo/2', 'utf8'));
    if (fdinfo !== null && (parseInt(fdinfo[1], 8) & constants.O_APPEND) !== 0) return base | constants.O_APPEND;
  } catch {
    // no fdinfo: leave it alone
  }
  return null;
}

/**
 * Runs `call` (synchronous) with fd 2 captured, then re-prints what Dawn wrote there minus the benign
 * lines. Returns `call`'s value; its exceptions pass through after fd 2 is restored.
 *
 * Without dup2, fd 2 is swapped by closing it and opening a file: open() takes the lowest free number.
 * Another thread opening a file in that instant could take number 2 instead; then nothing is captured.
 */
export function captureDriverStderr<T>(call: () => T): T {
  const flags = driverVerbose() ? null : reopenFlags();
  if (flags === null) return call();
  let saved: number;
  try {
    saved = openSync('/proc/self/fd/2', flags); // the same terminal, pipe or file, to come back to
  } catch {
    return call(); // e.g. a pipe whose reader has gone (ENXIO)
  }
  const capturePath = join(tmpdir(), `swagpu-driver-stderr-${process.pid}-${Math.random().toString(36).slice(2)}`);
  let capture = -1;
  let swapped = false; // fd 2 was closed: it must be reopened on `saved` afterwards
  let captured = false; // fd 2 is the capture file
  try {
    capture = openSync(capturePath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    closeSync(2);
    swapped = true;
    const fd = openSync(`/proc/self/fd/${capture}`, constants.O_WRONLY);
    captured = fd === 2;
    if (!captured) closeSync(fd);
  } catch {
    // nothing captured; fd 2 is put back below if it was closed
  }
  try {
    return call();
  } finally {
    let text = '';
    if (captured) {
      try { text = readFileSync(capturePath, 'utf8'); } catch { text = ''; }
      closeSync(2);
    }
    if (swapped) {
      const fd = openSync(`/proc/self/fd/${saved}`, flags);
      if (fd !== 2) closeSync(fd); // number 2 was taken by another thread meanwhile
    }
    closeSync(saved);
    if (capture >= 0) closeSync(capture);
    try { unlinkSync(capturePath); } catch { /* never created */ }
    const rest = filterDriverText(text);
    if (rest) process.stderr.write(rest);
  }
}
