//! # ticketing-attachments
//!
//! The [`BlobStore`] of the ticketing helpdesk on Apache Arrow's `object_store`: a folder on the
//! local disk (`file://PATH`) or an S3-compatible bucket (`s3://BUCKET/PREFIX`: AWS S3, MinIO,
//! Ceph, R2, Garage). [`Attachments::open`] picks the backend by the URL's scheme.
//!
//! Layout under the root (the folder, or the bucket prefix):
//!
//! ```text
//! files/<ab>/<ab…32 hex>   stored files; the storage key is "ab/ab…" (chosen by the server)
//! uploads/<ab…32 hex>      S3 only: the multipart upload id of an upload in progress
//! ```
//!
//! An upload streams through a SHA-256 digest and a size limit into a part buffer (1 MiB on the
//! local disk, 8 MiB on S3). A file that fits in one part is written with a single put; a larger
//! one becomes a multipart upload, one part at a time, so an upload never holds more than a part
//! in memory. Nothing is visible under its key before `finish`:
//!
//! - on the local disk, object_store writes a staging file `files/ab/ab…#N` next to the
//!   destination, fsyncs it, renames it atomically into place and fsyncs the directory
//!   (`LocalFileSystem::with_fsync`); reads and listings never see staging files;
//! - on S3 the object appears only when the multipart upload is completed; the `uploads/` marker
//!   lets the sweep abort the upload of a process that died mid-way.
//!
//! A failed, oversized or aborted upload leaves nothing; a dropped writer aborts in the
//! background; a killed process leaves a staging file or an incomplete multipart upload that
//! [`BlobStore::sweep`] removes (after `min_age_secs`), together with stored files that have no
//! row. Keys never contain client input, and `open` refuses any key not of the exact shape the
//! store produces. [`copy_all`] copies every stored file to another store, resumable and
//! verified by SHA-256.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod copy;
mod key;
mod local;
mod location;
mod parts;
mod sweep;
mod writer;

use std::collections::HashSet;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use futures_util::TryStreamExt as _;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt as _};
use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobReader, BlobStore, BlobWriter, SweepReport};
use tokio::io::AsyncRead;
use uuid::Uuid;

pub use copy::{CopyFailure, CopyReport, copy_all};
pub use location::OpenError;

use crate::writer::ObjectWriter;

/// Part size on the local disk: the buffer of one upload.
const LOCAL_PART_SIZE: usize = 1024 * 1024;
/// Part size on S3 (every part but the last must be at least 5 MiB there).
const S3_PART_SIZE: usize = 8 * 1024 * 1024;

/// Attachment bytes in a local folder or an S3-compatible bucket. Cloning is cheap. Its `Debug`
/// shows the location only, never a credential.
#[derive(Clone)]
pub struct Attachments {
    store: Arc<dyn ObjectStore>,
    /// The bucket prefix (empty on the local disk: the folder is the store's root).
    prefix: Path,
    backend: Backend,
    /// `file:///abs/path` or `s3://bucket/prefix`, for messages.
    location: String,
}

/// What differs between the backends: where unfinished uploads live.
#[derive(Clone)]
enum Backend {
    /// The folder (its staging files are swept through the file system).
    Local { root: PathBuf },
    /// The bucket (multipart uploads are started, completed and aborted by id).
    S3 { s3: Arc<AmazonS3> },
}

impl std::fmt::Debug for Attachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Attachments {
    /// Opens the store a URL names, configured from the process environment:
    ///
    /// - `file://PATH` (relative or absolute): a folder, created when missing (mode 0700), with
    ///   its `files/` directory; a probe file checks that it is writable. Blocking: call it at
    ///   start-up.
    /// - `s3://BUCKET` or `s3://BUCKET/PREFIX`: a bucket, configured by the standard `AWS_*`
    ///   variables (`AWS_ENDPOINT_URL` or `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    ///   `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`,
    ///   `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`…; without keys, the instance or container role).
    ///   Nothing is sent before the first request: [`Attachments::check`] tries the bucket.
    ///
    /// Any other scheme is refused. Errors never contain a credential.
    pub fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_with(url, std::env::vars())
    }

    /// [`Attachments::open`] with the `AWS_*` variables given explicitly (other names are
    /// ignored): for tests and tools that must not read the process environment.
    pub fn open_with(
        url: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, OpenError> {
        location::open(url, vars)
    }

    /// Where the files live: `file:///abs/path` or `s3://bucket/prefix` (no credentials).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Writes and removes a small probe object under `files/`: an error says the store cannot
    /// be written (unreachable endpoint, refused credentials, missing bucket, read-only disk).
    pub async fn check(&self) -> Result<(), BlobError> {
        let probe = self
            .files_dir()
            .join(format!(".probe-{}", Uuid::new_v4().simple()));
        self.store
            .put(&probe, object_store::PutPayload::from_static(b"probe"))
            .await
            .map_err(|e| io_error("writing a probe object", &e))?;
        self.store
            .delete(&probe)
            .await
            .map_err(|e| io_error("removing a probe object", &e))
    }

    /// [`BlobStore::sweep`] as if the time were `now`: what is older than `min_age_secs` at
    /// `now` goes. Tools and tests use it to sweep objects that are not old yet.
    pub async fn sweep_at(
        &self,
        keep: &HashSet<String>,
        min_age_secs: u64,
        now: SystemTime,
    ) -> Result<SweepReport, BlobError> {
        let report = sweep::sweep(self, keep, min_age_secs, now).await?;
        if report != SweepReport::default() {
            tracing::info!(
                temp_files = report.temp_files,
                orphans = report.orphans,
                location = %self.location,
                "swept attachment storage"
            );
        }
        Ok(report)
    }

    /// The directory of stored files.
    fn files_dir(&self) -> Path {
        self.prefix.clone().join("files")
    }

    /// The object of a key of the exact shape this store produces; `None` for anything else.
    fn object_path(&self, storage_key: &str) -> Option<Path> {
        key::parse(storage_key).map(|(shard, name)| self.files_dir().join(shard).join(name))
    }

    /// The directory of multipart upload markers (S3).
    fn uploads_dir(&self) -> Path {
        self.prefix.clone().join("uploads")
    }

    fn part_size(&self) -> usize {
        match self.backend {
            Backend::Local { .. } => LOCAL_PART_SIZE,
            Backend::S3 { .. } => S3_PART_SIZE,
        }
    }

    /// Starts writing the object of `storage_key` (a key of the store's shape).
    fn writer_for(&self, storage_key: String, max_bytes: u64) -> Result<ObjectWriter, BlobError> {
        let (shard, name) = key::parse(&storage_key)
            .ok_or_else(|| BlobError::Io(format!("not a storage key: {storage_key:?}")))?;
        let path = self.files_dir().join(shard).join(name);
        let marker = self.uploads_dir().join(name);
        Ok(ObjectWriter::new(
            self.clone(),
            path,
            marker,
            storage_key,
            max_bytes,
        ))
    }
}

/// A [`BlobError::Io`] naming the step and the store's error.
fn io_error(step: &str, e: &object_store::Error) -> BlobError {
    BlobError::Io(format!("{step}: {e}"))
}

#[async_trait]
impl BlobStore for Attachments {
    async fn begin(&self, max_bytes: u64) -> Result<Box<dyn BlobWriter>, BlobError> {
        let storage_key = key::for_id(Uuid::new_v4());
        Ok(Box::new(self.writer_for(storage_key, max_bytes)?))
    }

    async fn open(&self, storage_key: &str) -> Result<BlobReader, BlobError> {
        let path = self.object_path(storage_key).ok_or(BlobError::NotFound)?;
        let got = match self.store.get(&path).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound),
            Err(e) => return Err(io_error("opening a stored file", &e)),
        };
        let size = got.meta.size;
        let reader: Pin<Box<dyn AsyncRead + Send>> = match got.payload {
            // The open file itself: tokio reads it in the reader's chunks (object_store's
            // stream would read 8 KiB per blocking task).
            GetResultPayload::File(file, _) => Box::pin(tokio::fs::File::from_std(file)),
            GetResultPayload::Stream(stream) => Box::pin(tokio_util::io::StreamReader::new(
                stream.map_err(std::io::Error::other),
            )),
        };
        Ok(BlobReader { size, reader })
    }

    /// Removes the object; a missing one, or a key this store could never have produced, is
    /// `Ok` and touches nothing.
    async fn delete(&self, storage_key: &str) -> Result<(), BlobError> {
        let Some(path) = self.object_path(storage_key) else {
            return Ok(());
        };
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error("removing a stored file", &e)),
        }
    }

    async fn sweep(
        &self,
        keep: &HashSet<String>,
        min_age_secs: u64,
    ) -> Result<SweepReport, BlobError> {
        self.sweep_at(keep, min_age_secs, SystemTime::now()).await
    }
}
