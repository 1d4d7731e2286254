//! One upload in progress: size limit and SHA-256 on the way in, a part buffer, and either a
//! single put (the file fits in one part) or a multipart upload (one part in flight at a time).

use async_trait::async_trait;
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};
use sha2::{Digest, Sha256};
use ticketing_app::error::BlobError;
use ticketing_app::ports::BlobWriter;
use ticketing_domain::StoredFile;

use crate::parts::{self, Parts};
use crate::{Attachments, io_error};

/// Writes the object `path`; nothing is visible there before `finish`.
pub(crate) struct ObjectWriter {
    store: Attachments,
    path: Path,
    /// Where an S3 multipart upload records its id.
    marker: Path,
    storage_key: String,
    max_bytes: u64,
    size: u64,
    hasher: Sha256,
    /// Bytes not sent yet: at most one part.
    buf: Vec<u8>,
    /// The multipart upload, once the file outgrew one part.
    parts: Option<Box<dyn Parts>>,
    /// The upload failed or was aborted: nothing more is accepted.
    dead: bool,
}

impl std::fmt::Debug for ObjectWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWriter")
            .field("storage_key", &self.storage_key)
            .field("size", &self.size)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

impl ObjectWriter {
    pub(crate) fn new(
        store: Attachments,
        path: Path,
        marker: Path,
        storage_key: String,
        max_bytes: u64,
    ) -> Self {
        Self {
            store,
            path,
            marker,
            storage_key,
            max_bytes,
            size: 0,
            hasher: Sha256::new(),
            buf: Vec::new(),
            parts: None,
            dead: false,
        }
    }

    /// Sends the full buffer as the next part (starting the multipart upload first).
    async fn flush_part(&mut self) -> Result<(), BlobError> {
        if self.parts.is_none() {
            let started = parts::start(&self.store, &self.path, &self.marker)
                .await
                .map_err(|e| io_error("starting a multipart upload", &e))?;
            self.parts = Some(started);
        }
        let part_size = self.store.part_size();
        let part = std::mem::replace(&mut self.buf, Vec::with_capacity(part_size));
        if let Some(parts) = self.parts.as_mut() {
            parts
                .put(part)
                .await
                .map_err(|e| io_error("uploading a part", &e))?;
        }
        Ok(())
    }

    /// Discards what was sent; the upload is dead afterwards.
    async fn discard(&mut self) {
        self.dead = true;
        self.buf = Vec::new();
        if let Some(parts) = self.parts.take() {
            parts.abort().await;
        }
    }

    async fn append(&mut self, mut chunk: &[u8]) -> Result<(), BlobError> {
        let part_size = self.store.part_size();
        while !chunk.is_empty() {
            // A full buffer is sent only when more bytes follow: a file of exactly one part
            // is still a single put.
            if self.buf.len() == part_size {
                self.flush_part().await?;
            }
            let take = (part_size - self.buf.len()).min(chunk.len());
            self.buf.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        Ok(())
    }

    async fn publish(&mut self) -> Result<(), BlobError> {
        let rest = std::mem::take(&mut self.buf);
        match self.parts.take() {
            None => self
                .store
                .store
                .put(&self.path, PutPayload::from(rest))
                .await
                .map(drop)
                .map_err(|e| io_error("storing the upload", &e)),
            Some(mut parts) => {
                if !rest.is_empty() {
                    if let Err(e) = parts.put(rest).await {
                        parts.abort().await;
                        return Err(io_error("uploading the last part", &e));
                    }
                }
                parts
                    .complete()
                    .await
                    .map_err(|e| io_error("completing the upload", &e))
            }
        }
    }

    fn dead_error() -> BlobError {
        BlobError::Io("the upload was already aborted".to_owned())
    }
}

#[async_trait]
impl BlobWriter for ObjectWriter {
    async fn write(&mut self, chunk: &[u8]) -> Result<(), BlobError> {
        if self.dead {
            return Err(Self::dead_error());
        }
        let new_size = self.size.saturating_add(chunk.len() as u64);
        if new_size > self.max_bytes {
            self.discard().await;
            return Err(BlobError::TooLarge {
                limit: self.max_bytes,
            });
        }
        self.hasher.update(chunk);
        self.size = new_size;
        if let Err(e) = self.append(chunk).await {
            self.discard().await;
            return Err(e);
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> Result<StoredFile, BlobError> {
        if self.dead {
            return Err(Self::dead_error());
        }
        if let Err(e) = self.publish().await {
            self.discard().await;
            return Err(e);
        }
        self.dead = true;
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok(StoredFile {
            storage_key: std::mem::take(&mut self.storage_key),
            size: self.size,
            sha256,
        })
    }

    async fn abort(mut self: Box<Self>) {
        self.discard().await;
    }
}
