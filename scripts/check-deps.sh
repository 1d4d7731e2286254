#!/usr/bin/env bash
# Keeps unused dependencies out:
#  - cargo-machete (crates.io) finds dependencies a crate declares but never uses;
#  - every entry of [workspace.dependencies] must be used by some member (`NAME.workspace = true`
#    or `NAME = { workspace = true ... }`), which cargo-machete does not check.
# Installs cargo-machete when it is missing. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-machete >/dev/null 2>&1; then
  echo "check-deps: installing cargo-machete" >&2
  cargo install --locked cargo-machete >/dev/null
fi
cargo machete

unused=()
while read -r name; do
  if ! grep -qE "^${name}(\.workspace *= *true| *= *\{[^}]*workspace *= *true)" crates/*/Cargo.toml; then
    unused+=("$name")
  fi
done < <(sed -n '/^\[workspace.dependencies\]/,/^\[/p' Cargo.toml | grep -oE '^[A-Za-z0-9_-]+' )
if ((${#unused[@]})); then
  echo "check-deps: declared in [workspace.dependencies] but used by no crate: ${unused[*]}" >&2
  exit 1
fi
echo "check-deps: no unused dependencies"
