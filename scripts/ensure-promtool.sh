#!/usr/bin/env bash
# Makes sure promtool (from Debian's `prometheus` package) is installed and prints its path.
# The metrics tests (crates/server/tests/api/metrics.rs) run `promtool check metrics` on the
# scraped /metrics text and `promtool check config` on deploy/prometheus.yml; they read
# TICKETING_PROMTOOL or look `promtool` up on the PATH, and fail when it is missing.
#
#   bash scripts/ensure-promtool.sh            # installs with apt-get when missing (needs root)
#   export TICKETING_PROMTOOL="$(bash scripts/ensure-promtool.sh)"
set -euo pipefail

if [[ -n "${TICKETING_PROMTOOL:-}" && -x "${TICKETING_PROMTOOL}" ]]; then
  echo "${TICKETING_PROMTOOL}"
  exit 0
fi
if path="$(command -v promtool)"; then
  echo "$path"
  exit 0
fi

echo "ensure-promtool: installing Debian's prometheus package (for promtool)" >&2
sudo=()
if [[ "$(id -u)" != 0 ]]; then
  sudo=(sudo)
fi
# The package's services are not started in containers without systemd; only the tool is needed.
"${sudo[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus >&2
command -v promtool
