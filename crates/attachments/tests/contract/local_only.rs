//! What only the local folder has: directories, permissions, staging files, the former store's
//! temp files, file-system failures.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, SystemTime};

use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobStore, SweepReport};
use ticketing_attachments::{Attachments, copy_all};

use super::support::{Fixture, Kind, files_below, upload};

fn root(f: &Fixture) -> &std::path::Path {
    match &f.kind {
        Kind::Local { root, .. } => root,
        Kind::S3 { .. } => unreachable!(),
    }
}

#[test]
fn open_refuses_a_root_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("taken");
    std::fs::write(&root, b"x").unwrap();
    let err = Attachments::open_with(&format!("file://{}", root.display()), []).unwrap_err();
    assert!(
        err.to_string().contains(&root.display().to_string()),
        "{err}"
    );
}

#[test]
fn open_refuses_a_read_only_root() {
    let dir = tempfile::tempdir().unwrap();
    let readonly = dir.path().join("readonly");
    std::fs::create_dir(&readonly).unwrap();
    std::fs::set_permissions(&readonly, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(readonly.join("probe"), b"x").is_ok() {
        println!("note: running as root, chmod 0555 does not stop writes; case skipped");
        return;
    }
    let url = format!("file://{}", readonly.join("store").display());
    let err = Attachments::open_with(&url, []).unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
}

#[tokio::test]
async fn directories_are_private() {
    let f = Fixture::local();
    upload(&f.store, b"private", 7).await;
    for dir in [root(&f).to_path_buf(), root(&f).join("files")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    }
}

#[tokio::test]
async fn the_layout_of_the_former_store_is_kept() {
    let f = Fixture::local();
    let stored = upload(&f.store, b"where?", 2).await;
    let path = root(&f).join("files").join(&stored.storage_key);
    assert_eq!(std::fs::read(path).unwrap(), b"where?");
    // A file the former store wrote is served as before.
    let key = "ab/ab0123456789abcdef0123456789abcd";
    std::fs::create_dir_all(root(&f).join("files/ab")).unwrap();
    std::fs::write(root(&f).join("files").join(key), b"old").unwrap();
    let mut blob = f.store.open(key).await.unwrap();
    let mut out = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut blob.reader, &mut out)
        .await
        .unwrap();
    assert_eq!(out, b"old");
}

#[tokio::test]
async fn temp_files_of_the_former_store_are_swept() {
    let f = Fixture::local();
    let tmp = root(&f).join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let part = tmp.join("ab0123456789abcdef0123456789abcd.part");
    let foreign = tmp.join("notes.part");
    std::fs::write(&part, b"half").unwrap();
    std::fs::write(&foreign, b"mine").unwrap();
    let later = SystemTime::now() + Duration::from_secs(7200);
    let report = f.store.sweep_at(&HashSet::new(), 3600, later).await;
    assert_eq!(
        report.unwrap(),
        SweepReport {
            temp_files: 1,
            orphans: 0
        }
    );
    assert!(!part.exists());
    assert!(foreign.exists());
}

#[tokio::test]
async fn a_failed_publish_is_io_without_leftovers() {
    let f = Fixture::local();
    let mut writer = f.store.begin(100).await.unwrap();
    writer.write(b"doomed").await.unwrap();
    let files = root(&f).join("files");
    std::fs::remove_dir_all(&files).unwrap();
    std::fs::write(&files, b"a file where a directory should be").unwrap();
    let result = writer.finish().await;
    assert!(matches!(result, Err(BlobError::Io(_))), "{result:?}");
    assert_eq!(files_below(root(&f)), [files]);
}

#[tokio::test]
async fn a_copy_that_cannot_be_written_is_reported_and_the_rest_copied() {
    let from = Fixture::local();
    let to = from.sibling();
    let a = upload(&from.store, b"first", 5).await;
    let b = loop {
        let b = upload(&from.store, b"second", 6).await;
        if b.storage_key[..2] != a.storage_key[..2] {
            break b;
        }
    };
    // The target cannot hold b's shard: a file stands where the directory should be.
    let shard = &b.storage_key[..2];
    std::fs::write(root(&to).join("files").join(shard), b"in the way").unwrap();
    let report = copy_all(&from.store, &to.store).await.unwrap();
    assert_eq!(report.found, report.copied + 1 + report.skipped);
    assert_eq!(report.skipped, 0);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].storage_key, b.storage_key);
    assert!(report.failed[0].error.contains("target"), "{report:?}");
    assert!(to.store.open(&a.storage_key).await.is_ok());
}
