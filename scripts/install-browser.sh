#!/usr/bin/env bash
# Chromium, which the browser tests and scripts/screenshots.py render summaries and
# Mermaid charts in (testkit/browser.py), with the fonts GitHub's pages fall back to on
# Linux (Noto Sans, and Noto Color Emoji for the summaries' ✅ ❌). Idempotent: nothing to
# do once `chromium` is there (or CHROMIUM names one). Installs Debian's packages with
# apt-get when run as root (CI); otherwise says how, and fails only under CI=true: outside
# CI the browser tests skip without a browser.
set -euo pipefail
if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then exit 0; fi
if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then exit 0; fi
packages=(chromium fonts-noto-core fonts-noto-color-emoji)
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/install-browser.sh: the browser tests need Chromium; install it" \
    "(Debian/Ubuntu: sudo apt-get install ${packages[*]}) or set CHROMIUM to one;" \
    "until then they skip" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null; }
command -v chromium >/dev/null
