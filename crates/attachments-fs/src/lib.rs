//! # ticketing-attachments-fs
//!
//! The local-disk [`BlobStore`] of the ticketing helpdesk. Layout under the root directory:
//!
//! ```text
//! root/tmp/<uuid>.part          uploads in progress (streamed, never held in memory)
//! root/files/<ab>/<ab…32 hex>   stored files; the storage key is "ab/ab…" (server-chosen)
//! ```
//!
//! An upload is written to a temp file while its size and SHA-256 are computed; `finish`
//! fsyncs it, renames it atomically into its shard directory and fsyncs the directory. A failed
//! or oversized upload leaves nothing behind; an upload whose writer was dropped leaves a temp
//! file that [`BlobStore::sweep`] removes later. Keys never contain client input, and `open`
//! refuses any key not of the exact shape the store produces.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod fsutil;
mod key;
mod sweep;
mod writer;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobReader, BlobStore, BlobWriter, SweepReport};
use uuid::Uuid;

use crate::fsutil::{create_private_dir, create_private_file, io_error, restrict_dir};
use crate::writer::FsBlobWriter;

/// Attachment bytes in a directory on the local disk. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
    files: PathBuf,
    tmp: PathBuf,
}

impl FsBlobStore {
    /// A store under `root`: creates `root`, `root/files` and `root/tmp` (the latter two with
    /// mode 0700), and checks that they are writable and on one filesystem by creating a probe
    /// file in `tmp`, renaming it into `files` and removing it. Blocking: call it at start-up.
    ///
    /// The error names the directory and the step that failed.
    pub fn new(root: PathBuf) -> Result<Self, io::Error> {
        std::fs::create_dir_all(&root).map_err(|e| context(e, "create", &root))?;
        let files = root.join("files");
        let tmp = root.join("tmp");
        for dir in [&files, &tmp] {
            create_private_dir(dir).map_err(|e| context(e, "create", dir))?;
            restrict_dir(dir).map_err(|e| context(e, "restrict the permissions of", dir))?;
        }
        let probe_name = format!(".probe-{}", Uuid::new_v4().simple());
        let probe = tmp.join(&probe_name);
        create_private_file(&probe).map_err(|e| context(e, "write to", &tmp))?;
        let moved = files.join(&probe_name);
        let renamed = std::fs::rename(&probe, &moved);
        let _ = std::fs::remove_file(&probe);
        renamed.map_err(|e| context(e, "move files into", &files))?;
        std::fs::remove_file(&moved).map_err(|e| context(e, "remove files from", &files))?;
        Ok(Self { root, files, tmp })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, storage_key: &str) -> Option<PathBuf> {
        key::parse(storage_key).map(|(shard, name)| self.files.join(shard).join(name))
    }
}

fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(
        e.kind(),
        format!(
            "attachment storage: cannot {what} directory {}: {e}",
            path.display()
        ),
    )
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn begin(&self, max_bytes: u64) -> Result<Box<dyn BlobWriter>, BlobError> {
        let id = Uuid::new_v4();
        let temp_path = self.tmp.join(format!("{}.part", id.simple()));
        let path = temp_path.clone();
        let file = tokio::task::spawn_blocking(move || create_private_file(&path))
            .await
            .map_err(|e| BlobError::Io(format!("upload start task failed: {e}")))?
            .map_err(|e| io_error("creating a temp file", &e))?;
        Ok(Box::new(FsBlobWriter::new(
            id,
            temp_path,
            self.files.clone(),
            max_bytes,
            file,
        )))
    }

    async fn open(&self, storage_key: &str) -> Result<BlobReader, BlobError> {
        let path = self.path_of(storage_key).ok_or(BlobError::NotFound)?;
        let file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(BlobError::NotFound),
            Err(e) => return Err(io_error("opening a stored file", &e)),
        };
        let meta = file
            .metadata()
            .await
            .map_err(|e| io_error("reading a stored file's size", &e))?;
        if !meta.is_file() {
            return Err(BlobError::NotFound);
        }
        Ok(BlobReader {
            size: meta.len(),
            reader: Box::pin(file),
        })
    }

    /// Removes the file; a missing file, or a key this store could never have produced, is `Ok`
    /// and touches nothing.
    async fn delete(&self, storage_key: &str) -> Result<(), BlobError> {
        let Some(path) = self.path_of(storage_key) else {
            return Ok(());
        };
        match tokio::fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(io_error("removing a stored file", &e))
            }
            _ => Ok(()),
        }
    }

    async fn sweep(
        &self,
        keep: &HashSet<String>,
        min_age_secs: u64,
    ) -> Result<SweepReport, BlobError> {
        let files = self.files.clone();
        let tmp = self.tmp.clone();
        let keep = keep.clone();
        let min_age = Duration::from_secs(min_age_secs);
        let report =
            tokio::task::spawn_blocking(move || sweep::sweep(&files, &tmp, &keep, min_age))
                .await
                .map_err(|e| BlobError::Io(format!("sweep task failed: {e}")))?
                .map_err(|e| io_error("sweeping attachment storage", &e))?;
        if report != SweepReport::default() {
            tracing::info!(
                temp_files = report.temp_files,
                orphans = report.orphans,
                "swept attachment storage"
            );
        }
        Ok(report)
    }
}
