#!/usr/bin/env bash
# The system packages the tests need that npm cannot install: Debian's `chromium`, which
# test/e2e/html-browser.test.ts drives through playwright-core to check report.html in a real browser.
#
# Idempotent: does nothing when /usr/bin/chromium is there. Otherwise installs it with apt-get from the
# machine's configured sources (root, or passwordless sudo). Runs as npm's `pretest`, so `npm test` on
# a fresh Debian machine or CI container sets itself up. Where it cannot install (no apt-get, no root),
# it says so and leaves the decision to the test: skipped locally, a failure when CI is set.
set -euo pipefail

say() { echo "ensure-system-packages: $*"; }

if [ -x /usr/bin/chromium ]; then
  say "/usr/bin/chromium is installed"
  exit 0
fi

cannot() {
  say "$*"
  if [ -n "${CI:-}" ]; then
    say "CI is set: the browser test will fail without /usr/bin/chromium"
    exit 1
  fi
  say "the browser test of report.html will be skipped (install Debian's chromium to run it)"
  exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
  cannot "/usr/bin/chromium is missing and apt-get is not available"
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  cannot "/usr/bin/chromium is missing and installing it needs root (or passwordless sudo)"
fi

export DEBIAN_FRONTEND=noninteractive
say "/usr/bin/chromium is missing: running apt-get update"
"${as_root[@]}" apt-get update || cannot "apt-get update failed"
say "installing chromium with apt-get"
"${as_root[@]}" apt-get install -y --no-install-recommends chromium || cannot "apt-get install chromium failed"
[ -x /usr/bin/chromium ] || cannot "chromium is installed but /usr/bin/chromium is not there"
say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
