#!/usr/bin/env bash
# Installs what building and testing need, only when it is missing: GSL (libgsl-dev) and pkg-config.
# Further Debian packages can be named as arguments: `bash scripts/ensure-deps.sh chromium` adds
# headless Chromium, which the figure test (`simulate plot` rendered to PNG) uses when present.
# Runs apt-get update at most once. Needs root (or passwordless sudo) only when something is missing.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists gsl 2>/dev/null; then missing+=(libgsl-dev); fi
for extra in "$@"; do
  dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq "${missing[@]}" >&2
fi

command -v swift >/dev/null 2>&1 || { echo "error: swift is not on PATH (Swift 6.x is required)" >&2; exit 1; }
