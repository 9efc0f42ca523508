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
 * terminal). Where that cannot be done safely (`stderrCapturable` in driver-stderr-filter.js: sockets
 * cannot be reopened, and a regular file opened without O_APPEND (`2>log`) would lose its shared offset;
 * other systems have no /proc), bin/swagpu.js runs the CLI as a child with stderr piped and filters the
 * same lines from the stream, so the CLI is quiet whatever its stderr is. The library used directly
 * (not through the CLI) keeps the lines in those cases.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driverVerbose, filterDriverText, stderrCapturable } from './driver-stderr-filter.js';

export { BENIGN_DRIVER_LINES, driverVerbose, filterDriverText, isBenignDriverLine } from './driver-stderr-filter.js';

/** Flags to reopen fd 2 with, or null when it must be left alone (stderrCapturable says which). */
function reopenFlags(): number | null {
  if (!stderrCapturable()) return null;
  let stat;
  try {
    stat = fstatSync(2);
  } catch {
    return null; // fd 2 is closed: nothing to filter
  }
  const base = constants.O_WRONLY | constants.O_NOCTTY;
  // A pipe is reopened non-blocking: a blocking open of a pipe whose reader has gone (`| head -1`) would
  // wait forever; non-blocking, it fails (ENXIO) and nothing is captured.
  if (stat.isFIFO()) return base | constants.O_NONBLOCK;
  // A regular file is capturable only when opened for appending (`2>>log`): every write goes to the end.
  return stat.isFile() ? base | constants.O_APPEND : base; // else a terminal, /dev/null: no offset to keep
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
