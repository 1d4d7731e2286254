//! Multipart uploads, one part at a time. On the local disk, object_store's staging file; on S3,
//! a multipart upload whose id is written to `uploads/<name>` first, so that the sweep can abort
//! it when the process dies before completing or aborting it (object_store cannot list a
//! bucket's incomplete uploads).

use std::sync::Arc;

use async_trait::async_trait;
use object_store::aws::AmazonS3;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStoreExt as _, PutPayload};

use crate::{Attachments, Backend};

/// An upload in parts. Dropping it without `complete` or `abort` aborts in the background.
#[async_trait]
pub(crate) trait Parts: Send {
    /// Uploads the next part.
    async fn put(&mut self, part: Vec<u8>) -> object_store::Result<()>;
    /// Makes the object visible.
    async fn complete(self: Box<Self>) -> object_store::Result<()>;
    /// Discards the parts (failures are logged: the sweep finishes the job).
    async fn abort(self: Box<Self>);
}

/// Starts a multipart upload of `path` (`marker`: where S3 records its id).
pub(crate) async fn start(
    store: &Attachments,
    path: &Path,
    marker: &Path,
) -> object_store::Result<Box<dyn Parts>> {
    match &store.backend {
        Backend::Local { .. } => Ok(Box::new(LocalParts(store.store.put_multipart(path).await?))),
        Backend::S3 { s3 } => {
            let id = s3.create_multipart(path).await?;
            let upload = S3Parts {
                s3: Arc::clone(s3),
                path: path.clone(),
                marker: marker.clone(),
                id,
                parts: Vec::new(),
                open: true,
            };
            if let Err(e) = s3.put(marker, upload.id.clone().into()).await {
                Box::new(upload).abort().await;
                return Err(e);
            }
            Ok(Box::new(upload))
        }
    }
}

/// object_store's local upload: a staging file next to the destination, removed on drop.
struct LocalParts(Box<dyn MultipartUpload>);

#[async_trait]
impl Parts for LocalParts {
    async fn put(&mut self, part: Vec<u8>) -> object_store::Result<()> {
        self.0.put_part(PutPayload::from(part)).await
    }

    async fn complete(mut self: Box<Self>) -> object_store::Result<()> {
        self.0.complete().await.map(drop)
    }

    async fn abort(mut self: Box<Self>) {
        if let Err(e) = self.0.abort().await {
            tracing::warn!(error = %e, "could not remove an aborted upload's staging file");
        }
    }
}

/// An S3 multipart upload and its marker.
struct S3Parts {
    s3: Arc<AmazonS3>,
    path: Path,
    marker: Path,
    id: String,
    parts: Vec<PartId>,
    /// Neither completed nor aborted yet (a drop aborts).
    open: bool,
}

#[async_trait]
impl Parts for S3Parts {
    async fn put(&mut self, part: Vec<u8>) -> object_store::Result<()> {
        let idx = self.parts.len();
        let id = self
            .s3
            .put_part(&self.path, &self.id, idx, part.into())
            .await?;
        self.parts.push(id);
        Ok(())
    }

    async fn complete(mut self: Box<Self>) -> object_store::Result<()> {
        let parts = std::mem::take(&mut self.parts);
        self.s3
            .complete_multipart(&self.path, &self.id, parts)
            .await?;
        self.open = false;
        if let Err(e) = self.s3.delete(&self.marker).await {
            tracing::warn!(error = %e, "could not remove the marker of a completed upload; the sweep will");
        }
        Ok(())
    }

    async fn abort(mut self: Box<Self>) {
        self.open = false;
        abort_s3(&self.s3, &self.path, &self.marker, &self.id).await;
    }
}

impl Drop for S3Parts {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let (s3, path, marker, id) = (
            Arc::clone(&self.s3),
            self.path.clone(),
            self.marker.clone(),
            std::mem::take(&mut self.id),
        );
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(async move {
                abort_s3(&s3, &path, &marker, &id).await;
            })),
            Err(_) => {
                tracing::warn!("an upload was dropped outside a runtime; the sweep will abort it")
            }
        }
    }
}

/// Aborts the multipart upload `id` of `path` and removes its marker; failures are logged (the
/// marker stays then, and the sweep tries again). An upload S3 no longer knows counts as aborted.
pub(crate) async fn abort_s3(s3: &AmazonS3, path: &Path, marker: &Path, id: &str) -> bool {
    match s3.abort_multipart(path, &id.to_owned()).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => {
            tracing::warn!(error = %e, "could not abort a multipart upload; the sweep will");
            return false;
        }
    }
    match s3.delete(marker).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => true,
        Err(e) => {
            tracing::warn!(error = %e, "could not remove the marker of an aborted upload");
            false
        }
    }
}
