#!/usr/bin/env bash
# Installs what the simulator's browser tests need: Debian's Chromium (driven by the PyPI
# playwright package, without `playwright install`) and a Japanese font so screenshots show
# Japanese, not boxes. Does nothing when both are present; safe to run on every CI job.
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        exec sudo bash "$0" "$@"
    fi
    echo "install-browser: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# apt's chatter (debconf notes and the like) is shown only when something fails.
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
[ -x /usr/bin/chromium ] || { echo "install-browser: /usr/bin/chromium is still missing" >&2; exit 1; }
