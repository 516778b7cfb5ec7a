#!/usr/bin/env bash
# Installs the grpc-js side of the interop suite (@grpc/grpc-js and @grpc/proto-loader at the
# versions of package.json, every dependency pinned by package-lock.json) from npm into
# .tools/grpc-js (gitignored), as scripts/lint.sh installs buf. A no-op when that install
# matches the lock file, so later runs work offline. Safe to run concurrently (flock).
#
# Usage: tests/interop/node/install.sh      prints the node_modules folder to use as NODE_PATH
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${here}/../../.." && pwd)"
tools_dir="${repo_root}/.tools/grpc-js"

mkdir -p "${tools_dir}"
exec 9>"${tools_dir}.lock"
flock 9

if ! cmp -s "${here}/package-lock.json" "${tools_dir}/package-lock.json" \
    || [[ ! -f "${tools_dir}/node_modules/@grpc/grpc-js/package.json" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: npm is required to install @grpc/grpc-js into ${tools_dir}" >&2
    exit 1
  fi
  echo "install.sh: installing @grpc/grpc-js and @grpc/proto-loader into ${tools_dir}" >&2
  rm -rf "${tools_dir}/node_modules" "${tools_dir}/package-lock.json"
  cp "${here}/package.json" "${here}/package-lock.json" "${tools_dir}/"
  # npm ci installs exactly the lock file; no package of it needs an install script. A failed
  # install leaves no lock file behind, so the next run tries again.
  if ! npm ci --prefix "${tools_dir}" --no-audit --no-fund --ignore-scripts >&2; then
    rm -f "${tools_dir}/package-lock.json"
    exit 1
  fi
fi

echo "${tools_dir}/node_modules"
