//! One upload in progress: a temp file written chunk by chunk on the blocking pool.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use ticketing_app::error::BlobError;
use ticketing_app::ports::BlobWriter;
use ticketing_domain::StoredFile;
use uuid::Uuid;

use crate::fsutil::{create_private_dir, fsync_dir, io_error, remove_if_exists};
use crate::key;

/// The file and digest of a live upload (moved into blocking tasks and back).
struct Open {
    file: File,
    hasher: Sha256,
}

/// Writes an upload to `root/tmp/<uuid>.part`; `finish` moves it to `root/files/<key>`.
pub(crate) struct FsBlobWriter {
    id: Uuid,
    temp_path: PathBuf,
    files_dir: PathBuf,
    max_bytes: u64,
    size: u64,
    /// `None` once the upload failed or was aborted (the temp file is gone then).
    open: Option<Open>,
}

impl std::fmt::Debug for FsBlobWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsBlobWriter")
            .field("id", &self.id)
            .field("size", &self.size)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl FsBlobWriter {
    pub(crate) fn new(
        id: Uuid,
        temp_path: PathBuf,
        files_dir: PathBuf,
        max_bytes: u64,
        file: File,
    ) -> Self {
        Self {
            id,
            temp_path,
            files_dir,
            max_bytes,
            size: 0,
            open: Some(Open {
                file,
                hasher: Sha256::new(),
            }),
        }
    }

    /// Closes and removes the temp file; the upload is dead afterwards.
    async fn discard(&mut self) {
        drop(self.open.take());
        let path = self.temp_path.clone();
        let removed = tokio::task::spawn_blocking(move || remove_if_exists(&path)).await;
        match removed {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not remove an upload's temp file"),
            Err(e) => tracing::warn!(error = %e, "temp file removal task failed"),
        }
    }

    fn dead() -> BlobError {
        BlobError::Io("the upload was already aborted".to_owned())
    }
}

#[async_trait]
impl BlobWriter for FsBlobWriter {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        let Some(mut open) = self.open.take() else {
            return Err(Self::dead());
        };
        let new_size = self.size.saturating_add(chunk.len() as u64);
        if new_size > self.max_bytes {
            self.open = Some(open);
            self.discard().await;
            return Err(BlobError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let chunk = chunk.to_vec();
        let written = tokio::task::spawn_blocking(move || {
            let result = open.file.write_all(&chunk);
            if result.is_ok() {
                open.hasher.update(&chunk);
            }
            (open, result)
        })
        .await;
        match written {
            Ok((open, Ok(()))) => {
                self.open = Some(open);
                self.size = new_size;
                Ok(())
            }
            Ok((open, Err(e))) => {
                self.open = Some(open);
                self.discard().await;
                Err(io_error("writing the upload", &e))
            }
            Err(e) => {
                self.discard().await;
                Err(BlobError::Io(format!("upload write task failed: {e}")))
            }
        }
    }

    async fn finish(mut self: Box<Self>) -> Result<StoredFile, BlobError> {
        let Some(open) = self.open.take() else {
            return Err(Self::dead());
        };
        let storage_key = key::for_id(self.id);
        let temp_path = self.temp_path.clone();
        let files_dir = self.files_dir.clone();
        let id = self.id;
        let moved =
            tokio::task::spawn_blocking(move || commit(open.file, &temp_path, &files_dir, id))
                .await
                .map_err(|e| BlobError::Io(format!("upload commit task failed: {e}")))
                .and_then(|r| r);
        match moved {
            Ok(()) => Ok(StoredFile {
                storage_key,
                size: self.size,
                sha256: hex::encode(open.hasher.finalize()),
            }),
            Err(e) => {
                self.discard().await;
                Err(e)
            }
        }
    }

    async fn abort(mut self: Box<Self>) {
        self.discard().await;
    }
}

/// fsync, atomic rename into the shard directory, fsync of the directories that changed. On
/// failure nothing stays under `files/` (the caller removes the temp file).
fn commit(file: File, temp_path: &Path, files_dir: &Path, id: Uuid) -> Result<(), BlobError> {
    let mut file = file;
    file.flush()
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("syncing the upload", &e))?;
    drop(file);

    let (shard, name) = key::parts_for_id(id);
    let shard_dir = files_dir.join(&shard);
    let created =
        create_private_dir(&shard_dir).map_err(|e| io_error("creating a shard directory", &e))?;
    let final_path = shard_dir.join(&name);
    std::fs::rename(temp_path, &final_path)
        .map_err(|e| io_error("moving the upload in place", &e))?;

    let synced = fsync_dir(&shard_dir).and_then(|()| {
        if created {
            fsync_dir(files_dir)
        } else {
            Ok(())
        }
    });
    if let Err(e) = synced {
        if let Err(rm) = remove_if_exists(&final_path) {
            tracing::warn!(error = %rm, "could not remove an upload that failed to sync");
        }
        return Err(io_error("syncing the attachment directory", &e));
    }
    Ok(())
}
