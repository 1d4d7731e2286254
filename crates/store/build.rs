//! Rebuilds the crate when a migration is added or changed: `embed_migrations!` reads the
//! migration folders while compiling, and cargo does not track them by itself (a new migration
//! was left out of a release build that had nothing else to rebuild).

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
