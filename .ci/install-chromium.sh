#!/usr/bin/env bash
# The console's browser tests drive Debian's chromium through playwright-core (no browser
# download: these machines cannot fetch one). Installs the package when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
