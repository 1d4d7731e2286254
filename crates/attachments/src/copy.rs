//! Copying every stored file to another store (moving an installation between the local disk
//! and a bucket): streamed, resumable, verified by SHA-256.

use futures_util::StreamExt as _;
use object_store::ObjectStoreExt as _;
use sha2::{Digest, Sha256};
use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobStore, BlobWriter};
use tokio::io::AsyncReadExt as _;

use crate::{Attachments, sweep};

/// Bytes read at a time.
const CHUNK: usize = 64 * 1024;
/// Files copied at once (each holds up to one part in memory).
const CONCURRENT: usize = 4;

/// What [`copy_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Stored files found in the source.
    pub found: u64,
    /// Files copied, each read back from the target and checked against the SHA-256 of what
    /// was read from the source.
    pub copied: u64,
    /// Bytes copied.
    pub bytes_copied: u64,
    /// Files already in the target with the same size and SHA-256 (left as they were).
    pub skipped: u64,
    /// Files that could not be copied (the target holds no object under their key then, or an
    /// older copy that differs: run the copy again).
    pub failed: Vec<CopyFailure>,
}

/// A file [`copy_all`] could not copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFailure {
    /// Its storage key.
    pub storage_key: String,
    /// Why.
    pub error: String,
}

enum Outcome {
    Copied(u64),
    Skipped,
}

/// Copies every stored file of `from` to `to` under the same storage key (four at a time), so
/// the attachment rows stay valid whichever store the server is then configured with. Resumable: a file the
/// target already holds with the same size and SHA-256 is skipped (both sides are read to
/// compare them); one that differs is copied again. Every copied file is streamed (never held
/// in memory), hashed on the way, then read back from the target and compared; a mismatch
/// removes the copy and is reported. Failures of single files are collected in the report and
/// the copy goes on; `Err` only when the source cannot be listed. Nothing is removed from
/// `from`.
pub async fn copy_all(from: &Attachments, to: &Attachments) -> Result<CopyReport, BlobError> {
    let objects = sweep::stored_objects(from).await?;
    let mut report = CopyReport {
        found: objects.len() as u64,
        ..CopyReport::default()
    };
    let mut results = futures_util::stream::iter(objects)
        .map(|(storage_key, meta)| async move {
            let outcome = copy_one(from, to, &storage_key, meta.size).await;
            (storage_key, outcome)
        })
        .buffer_unordered(CONCURRENT);
    let mut done = 0;
    while let Some((storage_key, outcome)) = results.next().await {
        match outcome {
            Ok(Outcome::Copied(bytes)) => {
                report.copied += 1;
                report.bytes_copied += bytes;
            }
            Ok(Outcome::Skipped) => report.skipped += 1,
            Err(error) => {
                tracing::warn!(%storage_key, %error, "could not copy a stored file");
                report.failed.push(CopyFailure { storage_key, error });
            }
        }
        done += 1;
        if done % 1000 == 0 {
            tracing::info!(
                done,
                of = report.found,
                from = from.location(),
                to = to.location(),
                "copying stored files"
            );
        }
    }
    report
        .failed
        .sort_by(|a, b| a.storage_key.cmp(&b.storage_key));
    Ok(report)
}

async fn copy_one(
    from: &Attachments,
    to: &Attachments,
    storage_key: &str,
    size: u64,
) -> Result<Outcome, String> {
    let target = to
        .object_path(storage_key)
        .ok_or_else(|| "not a storage key".to_owned())?;
    match to.store.head(&target).await {
        Ok(meta) if meta.size == size => {
            let there = digest(to, storage_key).await;
            let here = digest(from, storage_key).await;
            match (here, there) {
                (Ok(here), Ok(there)) if here == there => return Ok(Outcome::Skipped),
                (Err(e), _) => return Err(format!("reading the source: {e}")),
                _ => {}
            }
        }
        Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(format!("looking at the target: {e}")),
    }

    let mut source = from
        .open(storage_key)
        .await
        .map_err(|e| format!("opening the source: {e}"))?;
    let mut writer = to
        .writer_for(storage_key.to_owned(), size)
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match source.reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                Box::new(writer).abort().await;
                return Err(format!("reading the source: {e}"));
            }
        };
        if let Err(e) = writer.write(&buf[..n]).await {
            return Err(match e {
                BlobError::TooLarge { .. } => "the source grew during the copy".to_owned(),
                e => format!("writing the target: {e}"),
            });
        }
    }
    let stored = Box::new(writer)
        .finish()
        .await
        .map_err(|e| format!("writing the target: {e}"))?;
    match digest(to, storage_key).await {
        Ok(copy) if copy == stored.sha256 && stored.size == size => {
            Ok(Outcome::Copied(stored.size))
        }
        check => {
            let _ = to.delete(storage_key).await;
            Err(match check {
                Ok(_) => "the copy does not match the source (SHA-256); it was removed".to_owned(),
                Err(e) => format!("reading the copy back: {e}"),
            })
        }
    }
}

/// The SHA-256 (lower-case hex) of a stored file, read as a stream.
async fn digest(store: &Attachments, storage_key: &str) -> Result<String, BlobError> {
    let mut blob = store.open(storage_key).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        match blob.reader.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) => return Err(BlobError::Io(format!("reading a stored file: {e}"))),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}
