#!/usr/bin/env bash
# Installs what is needed, builds, and starts pptpd in the foreground on
# pptpd.conf.example with the embedded SQLite user store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh build/release
exec ./build/release/server/pptpd -c pptpd.conf.example "$@"
