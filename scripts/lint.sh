#!/usr/bin/env bash
# Lints the wire contract (protos/) with buf, configured by buf.yaml at the
# repository root. Installs the pinned buf CLI from npm into .tools/node (which
# is gitignored) the first time; later runs work offline.
#
# Usage: scripts/lint.sh [extra buf lint arguments]
set -euo pipefail

readonly BUF_VERSION="1.75.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${repo_root}/.tools/node"
buf_bin="${tools_dir}/node_modules/.bin/buf"

installed_version=""
if [[ -x "${buf_bin}" ]]; then
  installed_version="$("${buf_bin}" --version 2>/dev/null || true)"
fi

if [[ "${installed_version}" != "${BUF_VERSION}" ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "lint.sh: npm is required to install buf ${BUF_VERSION}" >&2
    exit 1
  fi
  echo "lint.sh: installing @bufbuild/buf@${BUF_VERSION} into ${tools_dir}" >&2
  mkdir -p "${tools_dir}"
  # The buf npm package resolves its platform binary through an optional
  # dependency (@bufbuild/buf-<os>-<arch>), so no install script is needed.
  npm install --prefix "${tools_dir}" --no-audit --no-fund --ignore-scripts \
    --save-exact "@bufbuild/buf@${BUF_VERSION}" >&2
fi

cd "${repo_root}"
"${buf_bin}" lint "$@"
echo "lint.sh: buf ${BUF_VERSION} lint passed" >&2
