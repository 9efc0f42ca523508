#!/usr/bin/env bash
# The real-GPU bench kit: issue 9's GPU checks as one prepared command for a lent device machine, which has an
# NVIDIA GPU but no Node, no network, and takes at most 64 MiB of working tree (bench/RESULTS.md: no session has
# been lent one yet). Two steps:
#
#   bash bench/gpu-kit.sh build     # here: writes .gpu-kit/ (gitignored, ~35 MiB)
#   bash bench/gpu-kit.sh run       # there, from the repository root: results into $OUT (or .gpu-kit/out)
#
# The device call: run(command="bash bench/gpu-kit.sh run", carry=[".gpu-kit"], timeout_s=540).
#
# build packs: this machine's Node binary (xz), the swagpu CLI and two bench scripts bundled by esbuild into
# single files (.wgsl as text; TF.js included), Dawn's linux-x64 module (the npm package `webgpu`), and the
# Vulkan loader packages the device machines lack (/work/.library/device/README.md: libvulkan1 and friends).
# run unpacks them, finds the NVIDIA Vulkan driver, and writes: info.json (the adapters), bench.json
# (`swagpu bench --adapter gpu --peer tfjs --json`: every kernel case and the VGG-19 evaluations; ResNet-50's
# 100 MB weights do not fit the carry), gemm-tiles.txt (the gemm tile sweep at the conv shapes), tuning-table.json
# and tuning-sweep.txt (bench/tuning-sweep-cli.ts: every gemm variant, block tiles included, and direct-conv tile; the
# winners as the card's entry of src/gpu/tuning-table.json) and weight-routes.txt (backward-weight's chunk counts). KIT_ADAPTER=llvmpipe runs the same steps on a CPU adapter
# (how the kit is checked on machines without a GPU); KIT_QUICK=1 makes every step short; KIT_PACKED_NODE=1 uses the
# packed Node even where one is installed; KIT_DIR puts the kit elsewhere than .gpu-kit (the test builds one in /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
KIT="${KIT_DIR:-.gpu-kit}"

build() {
  command -v xz >/dev/null || { echo "gpu-kit: xz is needed to pack Node" >&2; exit 1; }
  rm -rf "$KIT" && mkdir -p "$KIT/node_modules/webgpu/dist" "$KIT/debs"
  local esbuild=node_modules/.bin/esbuild
  [ -x "$esbuild" ] || { echo "gpu-kit: run npm ci first ($esbuild is missing)" >&2; exit 1; }
  # Bundled by esbuild. `webgpu` stays outside (a native module, copied below), and so does sharp (images, which the
  # bench never reads): the CLI is split into chunks so that sharp's import sits in the chunks of the commands
  # that read images, loaded only by them. The banner gives each module a `require` for the CommonJS packages it
  # bundles (TF.js's Node builds).
  local common=(--bundle --platform=node --format=esm --target=node20 --loader:.wgsl=text --external:webgpu --external:sharp
    --log-level=warning "--banner:js=import { createRequire as __kitRequire } from 'node:module'; const require = __kitRequire(import.meta.url);")
  printf "import { main } from '%s/src/cli/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n" "$(pwd)" > "$KIT/swagpu.ts"
  "$esbuild" "$KIT/swagpu.ts" "${common[@]}" --splitting --outdir="$KIT" --out-extension:.js=.mjs --chunk-names=chunks/[name]-[hash]
  "$esbuild" bench/gemm-tiles.ts "${common[@]}" --outfile="$KIT/gemm-tiles.mjs"
  "$esbuild" bench/conv-weight-routes.ts "${common[@]}" --outfile="$KIT/conv-weight-routes.mjs"
  "$esbuild" bench/tuning-sweep-cli.ts "${common[@]}" --outfile="$KIT/tuning-sweep.mjs"
  rm "$KIT/swagpu.ts"
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$KIT/node_modules/webgpu/"
  cp -r node_modules/webgpu/dist/linux-x64 "$KIT/node_modules/webgpu/dist/"
  # Node itself (the device machines have none), as this machine runs it.
  tar -C "$(dirname "$(command -v node)")" -cf - node | xz -T0 -6 > "$KIT/node.tar.xz"
  # The Vulkan loader and GL dispatch libraries (amd64), as the device README says to carry them.
  local lists=/tmp/gpu-kit-apt
  mkdir -p "$lists/partial"
  local apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  if apt-get "${apt[@]}" update >/dev/null 2>&1 && (cd "$KIT/debs" && apt-get "${apt[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1); then
    echo "gpu-kit: Vulkan loader packages: $(ls "$KIT/debs" | tr '\n' ' ')"
  else
    echo "gpu-kit: could not download the Vulkan loader packages (no network?); run will use the device's own, if any" >&2
  fi
  du -sh "$KIT"
}

run() {
  local out="${OUT:-$KIT/out}" adapter="${KIT_ADAPTER:-gpu}" quick="${KIT_QUICK:-0}"
  mkdir -p "$out" && out="$(cd "$out" && pwd)" # absolute: the steps below run inside the kit
  [ -f "$KIT/swagpu.mjs" ] || { echo "gpu-kit: no $KIT/swagpu.mjs: build the kit first (bash bench/gpu-kit.sh build) and carry $KIT" >&2; exit 1; }
  if [ "$adapter" = gpu ]; then
    # Unpack the loaders only where the machine lacks them (unpacking over a system's own can break it).
    if ! ldconfig -p | grep -q libvulkan.so.1; then
      for f in "$KIT"/debs/*.deb; do [ -e "$f" ] && dpkg -x "$f" /; done
      ldconfig
    fi
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    [ -f "$icd" ] && export VK_DRIVER_FILES="$icd" __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$out/nvidia-smi.csv" 2>&1 || true
  fi
  local node=node
  if ! command -v node >/dev/null || [ "${KIT_PACKED_NODE:-0}" = 1 ]; then
    mkdir -p /tmp/gpu-kit-node
    if command -v xz >/dev/null; then xz -dc "$KIT/node.tar.xz"; else
      python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$KIT/node.tar.xz"
    fi | tar -C /tmp/gpu-kit-node -xf -
    node=/tmp/gpu-kit-node/node
  fi
  cd "$KIT"
  # Every kernel case and the VGG-19 evaluations (ResNet-50's weights are not in the kit), against TF.js.
  local runs=5 only="conv2d,matmul,gram,softmax,mse,vgg19 eval" tiles=8x16,16x16,8x8,4x16,16x8,32x16 rounds=6 weightOnly=bwd-weight sweepRounds=3 sweepQuick=
  if [ "$quick" = 1 ]; then runs=1 only="conv2d 1x1 fwd 56x56 256->64,vgg19 eval 128px" tiles=8x16,16x16 rounds=1 weightOnly=16x16 sweepRounds=1 sweepQuick=--quick; fi
  local step
  step() { echo "== $1 ($(date +%T))"; }
  step info;   "$node" swagpu.mjs info --json > "$out/info.json" 2> "$out/info.err" || { cat "$out/info.err" >&2; exit 1; }
  step bench
  "$node" swagpu.mjs bench --adapter "$adapter" --peer tfjs --json --runs "$runs" --only "$only" > "$out/bench.json" 2> "$out/bench.err" \
    || { tail -5 "$out/bench.err" >&2; exit 1; }
  step gemm-tiles
  "$node" gemm-tiles.mjs "$adapter" --tiles="$tiles" --rounds="$rounds" --wgs=0,64,128,256 \
    --shapes="128,128,1024,16;256,64,3136,1;512,512,64,16;256,256,4096,16" > "$out/gemm-tiles.txt" 2>> "$out/bench.err"
  # Every gemm variant (register, block, subgroup) and direct-conv tile: the winners as this card's tuning-table
  # entry, merged into the repo's table (copy $OUT/tuning-table.json over src/gpu/tuning-table.json and commit it).
  step tuning-sweep
  "$node" tuning-sweep.mjs "$adapter" "--out=$out/tuning-table.json" "--rounds=$sweepRounds" $sweepQuick > "$out/tuning-sweep.txt" 2>> "$out/bench.err" \
    || { tail -5 "$out/bench.err" >&2; exit 1; }
  step weight-routes
  "$node" conv-weight-routes.mjs "$adapter" --rounds=3 --z=0,1,4,16 "--only=$weightOnly" > "$out/weight-routes.txt" 2>> "$out/bench.err"
  step done
  ls -la "$out"
}

case "${1:-}" in
  build) build ;;
  run) run ;;
  *) echo "usage: bash bench/gpu-kit.sh build|run   (see the header)" >&2; exit 2 ;;
esac
