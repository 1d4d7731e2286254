#!/usr/bin/env bash
# The checks of ticketing-domain as a library other Rust services depend on (crates/domain):
# its dependency promise, lints and docs, the README's and rustdoc's examples, the examples/
# programs, packaging, the minimum Rust version, and a new crate outside the workspace that
# depends on it by path. CI runs it (.ci/run); it needs crates.io for the outside crate's lock.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CARGO_TERM_COLOR=never
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)

step() { printf '\n==> %s\n' "$*"; }

step "without features: no serde, no clock, no random number generator"
deps=$(cargo tree -p ticketing-domain -e normal --prefix none --format '{p}')
echo "$deps" | sort -u
if echo "$deps" | grep -E '^(serde|serde_core|getrandom|rand|rand_core|iana-time-zone|windows-sys|js-sys) v'; then
  echo "ticketing-domain pulls in a crate it promises not to" >&2
  exit 1
fi

step "clippy: missing docs denied, no clock or random ids (crates/domain/clippy.toml), MSRV $msrv API use"
cargo clippy -p ticketing-domain --all-targets -- -D warnings
cargo clippy -p ticketing-domain --all-targets --all-features -- -D warnings

step "tests, doctests and the README's examples (with the serde feature)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run -p ticketing-domain --all-features
else
  cargo test -p ticketing-domain --all-features --lib
fi
cargo test --doc -p ticketing-domain --all-features

step "examples/"
cargo run -q -p ticketing-domain --example importer
cargo run -q -p ticketing-domain --example rules_bot --features serde

step "rustdoc without warnings"
RUSTDOCFLAGS=-Dwarnings cargo doc -p ticketing-domain --no-deps --all-features

step "cargo package (and build the packaged crate alone)"
cargo package -p ticketing-domain --allow-dirty

step "a crate outside the workspace, depending on ticketing-domain by path with features = [\"serde\"]"
outside=$(mktemp -d)
trap 'rm -rf "$outside"' EXIT
mkdir -p "$outside/src"
cat >"$outside/Cargo.toml" <<EOF
[package]
name = "helpdesk-bot"
version = "0.0.0"
edition = "2024"
rust-version = "$msrv"
publish = false

[dependencies]
ticketing-domain = { path = "$root/crates/domain", features = ["serde"] }
serde_json = "1"

[workspace]
EOF
cat >"$outside/src/main.rs" <<'EOF'
//! The "done when" of the domain-library issue, as an outside crate writes it.
use std::collections::BTreeSet;

use ticketing_domain::chrono::{TimeZone, Utc};
use ticketing_domain::policy::{self, Intent, Refusal};
use ticketing_domain::uuid::Uuid;
use ticketing_domain::*;

fn main() {
    assert_eq!("High".parse::<Priority>(), Ok(Priority::High));
    assert_eq!(" in progress ".parse::<Status>(), Ok(Status::InProgress));
    let set: BTreeSet<Status> = [Status::Closed, Status::Open, Status::Open].into();
    assert_eq!(set.into_iter().collect::<Vec<_>>(), [Status::Open, Status::Closed]);

    let owner = Actor { id: UserId::from_uuid(Uuid::from_u128(1)), role: Role::Customer };
    let agent = Actor { id: UserId::from_uuid(Uuid::from_u128(2)), role: Role::Agent };
    let mut n = 10u128;
    let mut next_id = || { n += 1; ActivityId::from_uuid(Uuid::from_u128(n)) };
    let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    let new = NewTicket::new(
        TicketId::from_uuid(Uuid::from_u128(3)),
        Topic::parse("Printer on fire").unwrap(),
        Description::parse("Smoke").unwrap(),
    );
    let ticket = change::open_ticket(&owner, new, at, &mut next_id).ticket;
    let close = TicketPatch { status: Some(Status::Closed), ..Default::default() };
    let closed = change::apply_patch(&agent, &ticket, &close, at, &mut next_id).unwrap().ticket;
    let mut refusals = 0;
    for actor in [owner, agent] {
        for intent in Intent::ALL {
            if let Err(r) = policy::may(&actor, &closed, intent) {
                assert!(!r.code().as_str().is_empty() && r.http_status() >= 400);
                println!("{:?} {intent:?}: {} {}", actor.role, r.code(), r.http_status());
                refusals += 1;
            }
        }
    }
    assert!(refusals > 0);
    assert_eq!(policy::may(&owner, &closed, Intent::Reply), Err(Refusal::Closed));

    let json = serde_json::to_string(&closed).unwrap();
    assert_eq!(serde_json::from_str::<Ticket>(&json).unwrap(), closed);
    println!("{json}");
}
EOF
(cd "$outside" && cargo run -q)

step "minimum Rust version $msrv"
if rustup toolchain list 2>/dev/null | grep -q "^$msrv"; then
  (cd "$outside" && cargo "+$msrv" check -q)
  cargo "+$msrv" check -p ticketing-domain --all-features --lib --examples
  echo "built with Rust $msrv"
else
  # No $msrv toolchain here (and none can be downloaded): the std API use is checked by clippy's
  # `incompatible_msrv` above, and here every dependency the outside crate resolved (resolver 3
  # prefers versions whose rust-version fits) must declare a rust-version of at most $msrv.
  # Language features newer than $msrv are not caught by this fallback.
  (cd "$outside" && cargo metadata --format-version 1 \
    --filter-platform "$(rustc -vV | sed -n 's/^host: //p')") >"$outside/metadata.json"
  python3 - "$msrv" "$outside/metadata.json" <<'PY'
import json, sys

def version(text):
    parts = [int(x) for x in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))

msrv = version(sys.argv[1])
meta = json.load(open(sys.argv[2]))
pkgs = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
domain = next(i for i, p in pkgs.items() if p["name"] == "ticketing-domain")
seen, todo = set(), [domain]
while todo:
    i = todo.pop()
    if i not in seen:
        seen.add(i)
        todo += [d["pkg"] for d in nodes[i]["deps"]
                 if any(k["kind"] in (None, "build") for k in d["dep_kinds"])]
bad = []
for p in sorted((pkgs[i] for i in seen), key=lambda p: p["name"]):
    rv = p.get("rust_version")
    print("  %s %s: rust-version %s" % (p["name"], p["version"], rv or "(none)"))
    if rv and version(rv) > msrv:
        bad.append("%s %s needs %s" % (p["name"], p["version"], rv))
if bad:
    sys.exit("newer than the minimum Rust version: " + ", ".join(bad))
PY
  echo "no Rust $msrv toolchain: checked std API use (clippy) and dependency rust-versions only"
fi

step "semver: ticketing-domain has no released version yet; cargo-semver-checks starts with the first release"
