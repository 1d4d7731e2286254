//! Removal of unfinished uploads and of stored files without a row. Only names of the exact
//! shapes the store creates are considered; anything else under the root is left alone.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use futures_util::{Stream, TryStreamExt as _};
use object_store::ObjectMeta;
use object_store::ObjectStoreExt as _;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use ticketing_app::error::BlobError;
use ticketing_app::ports::SweepReport;

use crate::{Attachments, Backend, io_error, key, local, parts};

/// Whether something last modified at `modified` is at least `min_age` old at `now`.
pub(crate) fn is_old(modified: SystemTime, now: SystemTime, min_age: Duration) -> bool {
    min_age.is_zero() || now.duration_since(modified).is_ok_and(|age| age >= min_age)
}

pub(crate) async fn sweep(
    store: &Attachments,
    keep: &HashSet<String>,
    min_age_secs: u64,
    now: SystemTime,
) -> Result<SweepReport, BlobError> {
    let min_age = Duration::from_secs(min_age_secs);
    let temp_files = match &store.backend {
        Backend::Local { root } => {
            let root = root.clone();
            tokio::task::spawn_blocking(move || local::sweep_staging(&root, min_age, now))
                .await
                .map_err(|e| BlobError::Io(format!("sweep task failed: {e}")))?
                .map_err(|e| BlobError::Io(format!("sweeping unfinished uploads: {e}")))?
        }
        Backend::S3 { s3 } => sweep_markers(store, s3, min_age, now).await?,
    };
    let orphans = sweep_orphans(store, keep, min_age, now).await?;
    Ok(SweepReport {
        temp_files,
        orphans,
    })
}

/// Every stored object of the store's key shape: its key and metadata.
pub(crate) async fn stored_objects(
    store: &Attachments,
) -> Result<Vec<(String, ObjectMeta)>, BlobError> {
    listed(store).try_collect().await
}

/// The stored objects of the store's key shape (key and metadata) as the folder or bucket
/// lists them, one at a time.
fn listed(
    store: &Attachments,
) -> impl Stream<Item = Result<(String, ObjectMeta), BlobError>> + use<> {
    let dir = store.files_dir();
    store
        .store
        .list(Some(&dir))
        .map_err(|e| io_error("listing stored files", &e))
        .try_filter_map(move |meta| {
            let found = storage_key_of(&dir, &meta).map(|key| (key, meta));
            std::future::ready(Ok(found))
        })
}

/// The storage key of an object listed under `dir` (the store's `files/`), `None` unless it has
/// the exact shape the store creates.
fn storage_key_of(dir: &Path, meta: &ObjectMeta) -> Option<String> {
    let mut parts = meta.location.prefix_match(dir)?;
    let (shard, name) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let storage_key = format!("{}/{}", shard.as_ref(), name.as_ref());
    key::parse(&storage_key)?;
    Some(storage_key)
}

async fn sweep_orphans(
    store: &Attachments,
    keep: &HashSet<String>,
    min_age: Duration,
    now: SystemTime,
) -> Result<u64, BlobError> {
    // One listed object at a time, removed as it comes (never the whole listing in memory: at
    // 50,000 files that was 17 MB more at every start); removing what was listed already does not
    // disturb the listing, on a folder or on S3 (whose pages continue after the last key).
    let mut objects = std::pin::pin!(listed(store));
    let mut removed = 0;
    while let Some((storage_key, meta)) = objects.try_next().await? {
        if keep.contains(&storage_key) || !is_old(meta.last_modified.into(), now, min_age) {
            continue;
        }
        match store.store.delete(&meta.location).await {
            Ok(()) => removed += 1,
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::warn!(error = %e, %storage_key, "sweep could not remove a file"),
        }
    }
    Ok(removed)
}

/// Aborts the S3 multipart uploads whose markers are old enough (their process died).
async fn sweep_markers(
    store: &Attachments,
    s3: &AmazonS3,
    min_age: Duration,
    now: SystemTime,
) -> Result<u64, BlobError> {
    let dir = store.uploads_dir();
    let markers: Vec<ObjectMeta> = store
        .store
        .list(Some(&dir))
        .try_collect()
        .await
        .map_err(|e| io_error("listing unfinished uploads", &e))?;
    let mut aborted = 0;
    for marker in markers {
        let name = match marker
            .location
            .prefix_match(&dir)
            .map(|p| p.collect::<Vec<_>>())
        {
            Some(parts) if parts.len() == 1 && key::is_name(parts[0].as_ref()) => {
                parts[0].as_ref().to_owned()
            }
            _ => continue,
        };
        if !is_old(marker.last_modified.into(), now, min_age) {
            continue;
        }
        let id = match store.store.get(&marker.location).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        let id = match id {
            Ok(id) => String::from_utf8_lossy(&id).trim().to_owned(),
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "sweep could not read an upload marker");
                continue;
            }
        };
        let Some(shard) = name.get(..2) else {
            continue;
        };
        let path = store.files_dir().join(shard).join(name.as_str());
        if parts::abort_s3(s3, &path, &marker.location, &id).await {
            aborted += 1;
        }
    }
    Ok(aborted)
}
