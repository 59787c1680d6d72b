#!/usr/bin/env bash
# The browser and PDF tests need a system Chromium and pdftotext (Debian: chromium, poppler-utils).
# Installs them when missing and this machine can (root + apt-get); otherwise says what to install.
set -euo pipefail
need=()
[ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test dependencies from Debian: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
else
  echo "the browser/PDF tests need: ${need[*]} (Debian/Ubuntu: sudo apt-get install ${need[*]}; or set CHROMIUM_PATH)" >&2
  exit 1
fi
