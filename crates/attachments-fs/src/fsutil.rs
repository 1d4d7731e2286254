//! Small filesystem helpers: private directories and files, directory fsync, error messages.

use std::fs::File;
use std::io;
use std::path::Path;

use ticketing_app::error::BlobError;

/// Creates `path` (one level) readable only by the owner; `Ok(true)` when it was created,
/// `Ok(false)` when a directory was already there.
pub(crate) fn create_private_dir(path: &Path) -> io::Result<bool> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    match builder.create(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Restricts an existing directory to its owner.
pub(crate) fn restrict_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates a new file (never overwriting) readable and writable only by the owner.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes a directory's entries durable (after a rename or create inside it).
pub(crate) fn fsync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(path)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Removes a file; a missing one is fine.
pub(crate) fn remove_if_exists(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A [`BlobError::Io`] naming the step and the OS error (no paths: they say nothing useful to a
/// client and the step is enough for an operator together with the error kind).
pub(crate) fn io_error(step: &str, e: &io::Error) -> BlobError {
    BlobError::Io(format!("{step}: {e}"))
}
