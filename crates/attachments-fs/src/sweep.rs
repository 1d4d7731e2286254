//! Removal of leftover temp files and orphaned stored files. Only names of the exact shapes the
//! store creates are considered; anything else under the root is left alone.

use std::collections::HashSet;
use std::fs::{self, DirEntry};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use ticketing_app::ports::SweepReport;

use crate::key;

/// Sweeps `tmp_dir` and `files_dir` (blocking).
pub(crate) fn sweep(
    files_dir: &Path,
    tmp_dir: &Path,
    keep: &HashSet<String>,
    min_age: Duration,
) -> io::Result<SweepReport> {
    let now = SystemTime::now();
    let mut report = SweepReport::default();

    for entry in fs::read_dir(tmp_dir)? {
        let Some((entry, name)) = usable(entry) else {
            continue;
        };
        if key::is_temp_name(&name) && is_old_file(&entry, now, min_age) && remove(&entry) {
            report.temp_files += 1;
        }
    }

    for shard in fs::read_dir(files_dir)? {
        let Some((shard, shard_name)) = usable(shard) else {
            continue;
        };
        if !key::is_shard(&shard_name) || !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let entries = match fs::read_dir(shard.path()) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(error = %e, shard = %shard_name, "sweep could not read a shard");
                continue;
            }
        };
        for entry in entries {
            let Some((entry, name)) = usable(entry) else {
                continue;
            };
            let storage_key = format!("{shard_name}/{name}");
            if key::parse(&storage_key).is_some()
                && !keep.contains(&storage_key)
                && is_old_file(&entry, now, min_age)
                && remove(&entry)
            {
                report.orphans += 1;
            }
        }
    }
    Ok(report)
}

/// The entry and its UTF-8 name, or `None` (logged) when it cannot be read.
fn usable(entry: io::Result<DirEntry>) -> Option<(DirEntry, String)> {
    match entry {
        Ok(entry) => {
            let name = entry.file_name().into_string().ok()?;
            Some((entry, name))
        }
        Err(e) => {
            tracing::warn!(error = %e, "sweep could not read a directory entry");
            None
        }
    }
}

/// A regular file (not a symlink) last modified at least `min_age` ago.
fn is_old_file(entry: &DirEntry, now: SystemTime, min_age: Duration) -> bool {
    if !entry.file_type().is_ok_and(|t| t.is_file()) {
        return false;
    }
    if min_age.is_zero() {
        return true;
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| now.duration_since(modified).ok())
        .is_some_and(|age| age >= min_age)
}

/// Removes the file; `true` when this call removed it.
fn remove(entry: &DirEntry) -> bool {
    match fs::remove_file(entry.path()) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(error = %e, "sweep could not remove a file");
            false
        }
    }
}
