#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the end-to-end tests (a fresh CI
# machine does not have it; `npx playwright install` cannot download browsers here).
# Also installs a Korean font so screenshots show Hangul. Needs root and apt-get.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "chromium is missing and cannot be installed here (needs root and apt-get):" >&2
  echo "  apt-get update && apt-get install -y chromium fonts-nanum" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q
apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium fonts-nanum
/usr/bin/chromium --version
