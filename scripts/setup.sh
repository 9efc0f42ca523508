#!/usr/bin/env bash
# One-time setup on a fresh Debian/Ubuntu machine: the CPU WebGPU drivers (used when there is no GPU) and
# the npm dependencies. Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Mesa llvmpipe (EGL/OpenGL, the fast CPU adapter) and SwiftShader (ships with Debian's chromium, which the
# browser tests also launch); xz packs Node into the real-GPU bench kit (bench/gpu-kit.sh, and its test).
packages=(chromium libvulkan1 libegl1 libegl-mesa0 libgl1-mesa-dri xz-utils)
# --peers: also the native CPU peer of `swagpu bench --peer torch` (src/bench/peer_torch.py): Debian's PyTorch.
for arg in "$@"; do
  case "$arg" in
    --peers) packages+=(python3-torch python3-numpy) ;;
    *) echo "usage: bash scripts/setup.sh [--peers]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
