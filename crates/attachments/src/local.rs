//! The local folder's own concerns: private directories, a writability probe at start-up, and
//! sweeping unfinished uploads (staging files the object store does not list). Blocking.

use std::fs::{self, DirEntry};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::key;

/// Creates `root` and `root/files` (both mode 0700: nobody else may look inside) and checks that
/// a file can be created and removed in `files`. The error names the directory and the step.
pub(crate) fn prepare(root: &Path) -> Result<(), String> {
    let context = |what: &str, dir: &Path, e: io::Error| {
        format!(
            "attachment storage: cannot {what} directory {}: {e}",
            dir.display()
        )
    };
    fs::create_dir_all(root).map_err(|e| context("create", root, e))?;
    restrict_dir(root).map_err(|e| context("restrict the permissions of", root, e))?;
    let files = root.join("files");
    if let Err(e) = fs::create_dir(&files) {
        if !(e.kind() == io::ErrorKind::AlreadyExists && files.is_dir()) {
            return Err(context("create", &files, e));
        }
    }
    restrict_dir(&files).map_err(|e| context("restrict the permissions of", &files, e))?;
    let probe = files.join(format!(".probe-{}", uuid::Uuid::new_v4().simple()));
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| context("write to", &files, e))?;
    fs::remove_file(&probe).map_err(|e| context("remove files from", &files, e))
}

/// Restricts a directory to its owner.
fn restrict_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Removes unfinished uploads older than `min_age` at `now`: staging files `<32 hex>#<n>` in
/// the shard directories, and `<32 hex>.part` files the former local store left in `tmp/`.
/// Returns how many went. Other names are left alone.
pub(crate) fn sweep_staging(root: &Path, min_age: Duration, now: SystemTime) -> io::Result<u64> {
    let mut removed = 0;
    let legacy_tmp = root.join("tmp");
    if legacy_tmp.is_dir() {
        removed += sweep_dir(&legacy_tmp, min_age, now)?;
    }
    for shard in fs::read_dir(root.join("files"))? {
        let Some((shard, name)) = usable(shard) else {
            continue;
        };
        if !key::is_shard(&name) || !shard.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        match sweep_dir(&shard.path(), min_age, now) {
            Ok(n) => removed += n,
            Err(e) => tracing::warn!(error = %e, shard = %name, "sweep could not read a shard"),
        }
    }
    Ok(removed)
}

fn sweep_dir(dir: &Path, min_age: Duration, now: SystemTime) -> io::Result<u64> {
    let mut removed = 0;
    for entry in fs::read_dir(dir)? {
        let Some((entry, name)) = usable(entry) else {
            continue;
        };
        if key::is_temp_name(&name) && is_old_file(&entry, now, min_age) && remove(&entry) {
            removed += 1;
        }
    }
    Ok(removed)
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

/// A regular file (not a symlink) last modified at least `min_age` before `now`.
fn is_old_file(entry: &DirEntry, now: SystemTime, min_age: Duration) -> bool {
    if !entry.file_type().is_ok_and(|t| t.is_file()) {
        return false;
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|modified| crate::sweep::is_old(modified, now, min_age))
}

/// Removes the file; `true` when this call removed it.
fn remove(entry: &DirEntry) -> bool {
    match fs::remove_file(entry.path()) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!(error = %e, "sweep could not remove an unfinished upload");
            false
        }
    }
}
