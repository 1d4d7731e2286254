//! `copy_all` between the local folder and the bucket, both ways, interrupted and resumed.

use object_store::ObjectStoreExt as _;
use ticketing_app::ports::BlobStore;
use ticketing_attachments::{CopyReport, copy_all};

use super::support::{Fixture, pattern, read_all, upload};

/// Copies three files (one of several parts, one empty) from `from` to `to`, then damages the
/// copy (one file missing, one with the same size but other bytes, one unfinished) and copies
/// again: only what differs is copied, and everything reads back equal.
pub async fn copy_and_resume(from: &Fixture, to: &Fixture) {
    let big = pattern(9 * 1024 * 1024 + 5, 9);
    let files = [
        upload(&from.store, &big, 256 * 1024).await,
        upload(&from.store, b"small file", 3).await,
        upload(&from.store, b"", 1).await,
    ];
    from.put_raw("notes.txt", b"not a stored file").await;

    let first = copy_all(&from.store, &to.store).await.unwrap();
    assert_eq!(
        first,
        CopyReport {
            found: 3,
            copied: 3,
            bytes_copied: big.len() as u64 + 10,
            ..CopyReport::default()
        }
    );
    for file in &files {
        assert_eq!(
            read_all(&to.store, &file.storage_key).await,
            read_all(&from.store, &file.storage_key).await
        );
    }
    assert!(!to.exists_raw("notes.txt").await);
    assert_eq!(to.unfinished(), 0);

    // An interrupted earlier run: one file never arrived, one arrived damaged.
    to.store.delete(&files[0].storage_key).await.unwrap();
    to.raw
        .put(
            &format!("files/{}", files[1].storage_key).as_str().into(),
            object_store::PutPayload::from_static(b"SMALL FILE"),
        )
        .await
        .unwrap();
    let resumed = copy_all(&from.store, &to.store).await.unwrap();
    assert_eq!(
        resumed,
        CopyReport {
            found: 3,
            copied: 2,
            bytes_copied: big.len() as u64 + 10,
            skipped: 1,
            ..CopyReport::default()
        }
    );
    assert_eq!(read_all(&to.store, &files[0].storage_key).await, big);
    assert_eq!(
        read_all(&to.store, &files[1].storage_key).await,
        b"small file"
    );
    assert_eq!(to.unfinished(), 0);
}

#[tokio::test]
async fn local_to_s3_and_back() {
    let Some(bucket) = Fixture::s3() else {
        return;
    };
    copy_and_resume(&Fixture::local(), &bucket).await;
    copy_and_resume(&bucket.sibling(), &Fixture::local()).await;
}

#[tokio::test]
async fn s3_to_local_copies_stored_files_only() {
    let Some(bucket) = Fixture::s3() else {
        return;
    };
    let folder = Fixture::local();
    let good = upload(&bucket.store, b"fine", 4).await;
    // A multipart upload in progress in the source is not a stored file yet.
    let mut unfinished = bucket.store.begin(64 * 1024 * 1024).await.unwrap();
    unfinished
        .write(&pattern(9 * 1024 * 1024, 5))
        .await
        .unwrap();
    unfinished.write(b"x").await.unwrap();
    let report = copy_all(&bucket.store, &folder.store).await.unwrap();
    assert_eq!(
        report,
        CopyReport {
            found: 1,
            copied: 1,
            bytes_copied: 4,
            ..CopyReport::default()
        }
    );
    assert_eq!(read_all(&folder.store, &good.storage_key).await, b"fine");
    assert_eq!(folder.stored().await.len(), 1);
    unfinished.abort().await;
}
