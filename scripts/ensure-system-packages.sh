#!/usr/bin/env bash
# The system packages the tests need that npm cannot install:
#   - Debian's `chromium`, which test/e2e/html-browser.test.ts drives through playwright-core to check
#     report.html in a real browser;
#   - Mesa's EGL + OpenGL ES libraries and its DRI drivers (llvmpipe), which npm `webgpu` (Dawn) loads
#     at run time to run WebGPU compute on the CPU through its OpenGL ES backend (EGL surfaceless) when
#     the machine has no GPU: the generated-code tests, `kasc run` and the kernel benchmarks need them.
#
# Idempotent: does nothing when everything is there. Otherwise installs what is missing with apt-get
# from the machine's configured sources (root, or passwordless sudo). Runs as npm's `pretest`, so
# `npm test` on a fresh Debian machine or CI container sets itself up. Where it cannot install (no
# apt-get, no root), it says so and leaves the decision to the tests: skipped locally, a failure when
# CI is set.
set -euo pipefail

say() { echo "ensure-system-packages: $*"; }

# Debian package names (the same in Debian 12 and 13). libegl1/libgles2 are the GLVND dispatchers;
# Dawn dlopens the unversioned names (libEGL.so, libGLESv2.so), which only the -dev packages provide
# (libegl-dev, libgles-dev); libegl-mesa0 is Mesa's EGL vendor (surfaceless platform); libgl1-mesa-dri
# holds the llvmpipe driver; libgbm1 is what Mesa's EGL loads for its platforms.
GL_PACKAGES=(libegl1 libgles2 libegl-dev libgles-dev libegl-mesa0 libgl1-mesa-dri libgbm1)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${GL_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
elif ! ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1'; then
  missing+=("${GL_PACKAGES[@]}")
fi

if [ "${#missing[@]}" -eq 0 ]; then
  say "chromium and Mesa EGL/GLES (${GL_PACKAGES[*]}) are installed"
  exit 0
fi

cannot() {
  say "$*"
  if [ -n "${CI:-}" ]; then
    say "CI is set: the browser and WebGPU tests will fail without: ${missing[*]}"
    exit 1
  fi
  say "tests that need ${missing[*]} will be skipped (install them to run those tests)"
  exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
  cannot "missing ${missing[*]} and apt-get is not available"
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cannot "missing ${missing[*]} and installing them needs root (or passwordless sudo)"
fi

export DEBIAN_FRONTEND=noninteractive
say "missing ${missing[*]}: running apt-get update"
"${as_root[@]}" apt-get update || cannot "apt-get update failed"
say "installing ${missing[*]} with apt-get"
"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" || cannot "apt-get install ${missing[*]} failed"
[ -x /usr/bin/chromium ] || cannot "chromium is installed but /usr/bin/chromium is not there"
say "installed ${missing[*]}"
