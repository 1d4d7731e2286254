//! The cases of the contract: plain async functions over a fresh [`Fixture`], the same on every
//! backend. They look at the store only through its port and through the raw object listing.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobStore, SweepReport};
use ticketing_attachments::{CopyReport, copy_all};
use tokio::io::AsyncReadExt as _;

use super::support::{Fixture, pattern, read_all, upload};

const MIB: usize = 1024 * 1024;
const HOUR: Duration = Duration::from_secs(3600);

fn is_key_shape(key: &str) -> bool {
    let (shard, name) = key.split_once('/').unwrap();
    shard.len() == 2
        && name.len() == 32
        && name.starts_with(shard)
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn later(by: Duration) -> SystemTime {
    SystemTime::now() + by
}

fn report(temp_files: u64, orphans: u64) -> SweepReport {
    SweepReport {
        temp_files,
        orphans,
    }
}

/// Peak resident memory of this process in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub async fn round_trip(f: &Fixture) {
    let stored = upload(&f.store, b"hello, attachment world", 5).await;
    assert!(is_key_shape(&stored.storage_key), "{}", stored.storage_key);
    assert_eq!(
        read_all(&f.store, &stored.storage_key).await,
        b"hello, attachment world"
    );
    assert_eq!(f.objects().await, [format!("files/{}", stored.storage_key)]);
    assert_eq!(f.unfinished(), 0);
}

pub async fn digest_and_size(f: &Fixture) {
    let abc = upload(&f.store, b"abc", 1).await;
    assert_eq!(abc.size, 3);
    assert_eq!(
        abc.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let empty = f.store.begin(0).await.unwrap().finish().await.unwrap();
    assert_eq!(empty.size, 0);
    assert_eq!(
        empty.sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert!(read_all(&f.store, &empty.storage_key).await.is_empty());
}

/// 20 MiB in 64 KiB chunks: several parts on every backend, streamed both ways. Under nextest
/// (one process per test) the process's peak memory may grow by less than the file's size
/// (measured: about 4 MiB on the folder, 10 MiB on moto, with 1 and 8 MiB parts).
pub async fn large_file_streamed(f: &Fixture) {
    const CHUNK: usize = 64 * 1024;
    const TOTAL: usize = 20 * MIB;
    let before = peak_rss_kib();
    let mut writer = f.store.begin(TOTAL as u64).await.unwrap();
    let mut expected = Sha256::new();
    let mut chunk = vec![0u8; CHUNK];
    for i in 0..TOTAL / CHUNK {
        chunk
            .iter_mut()
            .enumerate()
            .for_each(|(j, b)| *b = (i * 31 + j) as u8);
        expected.update(&chunk);
        writer.write(&chunk).await.unwrap();
    }
    let stored = writer.finish().await.unwrap();
    assert_eq!(stored.size, TOTAL as u64);
    assert_eq!(stored.sha256, hex::encode(expected.finalize()));

    let mut blob = f.store.open(&stored.storage_key).await.unwrap();
    assert_eq!(blob.size, TOTAL as u64);
    let (mut read, mut actual) = (0u64, Sha256::new());
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = blob.reader.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        read += n as u64;
        actual.update(&buf[..n]);
    }
    assert_eq!(read, TOTAL as u64);
    assert_eq!(hex::encode(actual.finalize()), stored.sha256);
    assert_eq!(f.stored().await.len(), 1);
    assert_eq!(f.unfinished(), 0);

    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        eprintln!(
            "peak RSS: {before} KiB before the 20 MiB upload and download, {after} KiB after"
        );
        if std::env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|m| m == "process-per-test") {
            assert!(
                after.saturating_sub(before) < 16 * 1024,
                "peak RSS grew from {before} to {after} KiB: the file was held in memory"
            );
        }
    }
}

pub async fn too_large_leaves_nothing(f: &Fixture) {
    let mut writer = f.store.begin(10).await.unwrap();
    writer.write(b"123456").await.unwrap();
    let err = writer.write(b"78901").await.unwrap_err();
    assert!(matches!(err, BlobError::TooLarge { limit: 10 }), "{err:?}");
    assert!(writer.write(b"x").await.is_err());
    assert!(writer.finish().await.is_err());
    assert!(f.objects().await.is_empty());
    assert_eq!(f.unfinished(), 0);
}

/// The limit is crossed after whole parts were sent: the multipart upload is aborted.
pub async fn too_large_mid_stream_aborts_the_parts(f: &Fixture) {
    const LIMIT: usize = 10 * MIB;
    let mut writer = f.store.begin(LIMIT as u64).await.unwrap();
    let chunk = pattern(64 * 1024, 7);
    let mut sent = 0;
    let err = loop {
        match writer.write(&chunk).await {
            Ok(()) => sent += chunk.len(),
            Err(e) => break e,
        }
    };
    assert_eq!(sent, LIMIT);
    assert!(matches!(err, BlobError::TooLarge { .. }), "{err:?}");
    assert!(writer.finish().await.is_err());
    assert!(f.objects().await.is_empty());
    assert_eq!(f.unfinished(), 0);
}

pub async fn exact_limit_is_accepted(f: &Fixture) {
    let mut writer = f.store.begin(10).await.unwrap();
    writer.write(b"12345").await.unwrap();
    writer.write(b"67890").await.unwrap();
    let stored = writer.finish().await.unwrap();
    assert_eq!(stored.size, 10);
    assert_eq!(read_all(&f.store, &stored.storage_key).await, b"1234567890");
}

pub async fn abort_leaves_nothing(f: &Fixture) {
    let mut writer = f.store.begin(100).await.unwrap();
    writer.write(b"partial").await.unwrap();
    writer.abort().await;
    assert!(f.objects().await.is_empty());
    assert_eq!(f.unfinished(), 0);
}

pub async fn abort_after_parts_leaves_nothing(f: &Fixture) {
    let mut writer = f.store.begin(64 * MIB as u64).await.unwrap();
    writer.write(&pattern(9 * MIB, 1)).await.unwrap();
    writer.write(b"more").await.unwrap();
    assert_eq!(f.unfinished(), 1);
    assert!(f.stored().await.is_empty(), "visible before finish");
    writer.abort().await;
    assert!(f.objects().await.is_empty());
    assert_eq!(f.unfinished(), 0);
}

/// A writer dropped mid-upload (a client that went away) aborts in the background.
pub async fn dropped_writer_cleans_up(f: &Fixture) {
    let mut writer = f.store.begin(64 * MIB as u64).await.unwrap();
    writer.write(&pattern(9 * MIB, 2)).await.unwrap();
    writer.write(b"more").await.unwrap();
    assert_eq!(f.unfinished(), 1);
    drop(writer);
    f.settle().await;
    assert_eq!(f.unfinished(), 0);
    assert!(f.objects().await.is_empty());
    assert_eq!(
        f.store.sweep(&HashSet::new(), 0).await.unwrap(),
        SweepReport::default()
    );
}

/// A process killed mid-upload runs no destructor: nothing is visible under `files/`, and the
/// sweep removes what is left once it is old enough.
pub async fn killed_upload_is_swept(f: &Fixture) {
    let mut writer = f.store.begin(64 * MIB as u64).await.unwrap();
    writer.write(&pattern(9 * MIB, 3)).await.unwrap();
    writer.write(b"more").await.unwrap();
    std::mem::forget(writer);
    assert!(f.stored().await.is_empty());
    assert_eq!(f.unfinished(), 1);

    let young = f.store.sweep(&HashSet::new(), 3600).await.unwrap();
    assert_eq!(young, SweepReport::default());
    assert_eq!(f.unfinished(), 1);

    let old = f
        .store
        .sweep_at(&HashSet::new(), 3600, later(2 * HOUR))
        .await
        .unwrap();
    assert_eq!(old, report(1, 0));
    assert_eq!(f.unfinished(), 0);
    assert!(f.objects().await.is_empty());
}

pub async fn sweep_keeps_known_keys(f: &Fixture) {
    let kept = upload(&f.store, b"kept", 4).await;
    let orphan = upload(&f.store, b"orphan", 4).await;
    let keep: HashSet<String> = [kept.storage_key.clone()].into();
    assert_eq!(f.store.sweep(&keep, 0).await.unwrap(), report(0, 1));
    assert_eq!(read_all(&f.store, &kept.storage_key).await, b"kept");
    assert!(matches!(
        f.store.open(&orphan.storage_key).await,
        Err(BlobError::NotFound)
    ));
    assert_eq!(
        f.store.sweep(&keep, 0).await.unwrap(),
        SweepReport::default()
    );
}

pub async fn sweep_respects_min_age(f: &Fixture) {
    let orphan = upload(&f.store, b"young orphan", 4).await;
    let mut writer = f.store.begin(64 * MIB as u64).await.unwrap();
    writer.write(&pattern(9 * MIB, 4)).await.unwrap();
    writer.write(b"more").await.unwrap();
    std::mem::forget(writer);

    let none = HashSet::new();
    assert_eq!(
        f.store.sweep(&none, 3600).await.unwrap(),
        SweepReport::default()
    );
    let soon = f.store.sweep_at(&none, 3600, later(HOUR / 2)).await;
    assert_eq!(soon.unwrap(), SweepReport::default());
    assert_eq!(f.stored().await.len(), 1);

    let swept = f.store.sweep_at(&none, 3600, later(2 * HOUR)).await;
    assert_eq!(swept.unwrap(), report(1, 1));
    assert!(matches!(
        f.store.open(&orphan.storage_key).await,
        Err(BlobError::NotFound)
    ));
    assert!(f.objects().await.is_empty());
    assert_eq!(f.unfinished(), 0);
}

/// The sweep removes orphans while it lists them: over more than one page of a bucket listing
/// (S3 answers 1,000 keys a page), every orphan goes and every kept file stays.
pub async fn sweep_removes_orphans_past_a_listing_page(f: &Fixture) {
    use futures_util::StreamExt as _;
    const FILES: usize = 1_050;
    // Key-shaped names spread over the shards (a multiplicative hash of 0, 1, 2, ...).
    let names: Vec<String> = (0..FILES as u128)
        .map(|i| {
            format!(
                "{:032x}",
                i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
            )
        })
        .collect();
    futures_util::stream::iter(&names)
        .for_each_concurrent(16, |name| async move {
            f.put_raw(&format!("files/{}/{name}", &name[..2]), b"orphan or not")
                .await;
        })
        .await;
    let keep: HashSet<String> = names
        .iter()
        .step_by(100)
        .map(|name| format!("{}/{name}", &name[..2]))
        .collect();
    assert_eq!(keep.len(), 11);
    let swept = f.store.sweep_at(&keep, 60, later(HOUR)).await.unwrap();
    assert_eq!(swept, report(0, (FILES - keep.len()) as u64));
    let mut left: Vec<String> = keep.iter().map(|key| format!("files/{key}")).collect();
    left.sort();
    assert_eq!(f.stored().await, left);
}

pub async fn sweep_ignores_foreign_objects(f: &Fixture) {
    let stored = upload(&f.store, b"mine", 4).await;
    let (shard, name) = stored.storage_key.split_once('/').unwrap();
    let other_shard = if shard == "00" { "01" } else { "00" };
    let other_name = format!("{shard}{}", "0".repeat(30));
    let foreign = [
        "notes.txt".to_owned(),
        "files/README".to_owned(),
        format!("files/zz/{name}"),
        format!("files/{other_shard}/{name}"),
        format!("files/{shard}/{name}.bak"),
        format!("files/{shard}/{other_name}/inside"),
        format!("files/{shard}/{}", name.to_uppercase()),
        format!("{shard}/{name}"),
        "uploads/notes.txt".to_owned(),
        format!("uploads/{name}.bak"),
    ];
    for path in &foreign {
        f.put_raw(path, b"not yours").await;
    }
    let keep: HashSet<String> = [stored.storage_key.clone()].into();
    let report = f.store.sweep_at(&keep, 60, later(240 * HOUR)).await;
    assert_eq!(report.unwrap(), SweepReport::default());
    for path in &foreign {
        assert!(f.exists_raw(path).await, "{path} was removed");
    }
    assert_eq!(read_all(&f.store, &stored.storage_key).await, b"mine");
}

pub async fn open_rejects_bad_keys(f: &Fixture) {
    let stored = upload(&f.store, b"real", 4).await;
    f.put_raw("secret", b"outside").await;
    f.put_raw("files/secret", b"outside").await;
    let (shard, name) = stored.storage_key.split_once('/').unwrap();
    let bad = [
        format!("{shard}/{shard}{}", "0".repeat(30)),
        String::new(),
        "secret".to_owned(),
        "../secret".to_owned(),
        "../../secret".to_owned(),
        "/secret".to_owned(),
        format!("/{}", stored.storage_key),
        format!("{shard}/../../secret"),
        format!("./{}", stored.storage_key),
        format!("files/{}", stored.storage_key),
        stored.storage_key.to_uppercase(),
        format!("{}/", stored.storage_key),
        format!("{shard}//{name}"),
        format!("{shard}\\{name}"),
        format!("{shard}/{name}#1"),
        format!("../uploads/{name}"),
        shard.to_owned(),
    ];
    for key in &bad {
        let result = f.store.open(key).await;
        assert!(
            matches!(result, Err(BlobError::NotFound)),
            "{key}: {result:?}"
        );
    }
}

pub async fn delete_is_idempotent(f: &Fixture) {
    let stored = upload(&f.store, b"to delete", 4).await;
    f.store.delete(&stored.storage_key).await.unwrap();
    assert!(matches!(
        f.store.open(&stored.storage_key).await,
        Err(BlobError::NotFound)
    ));
    f.store.delete(&stored.storage_key).await.unwrap();
    f.put_raw("precious", b"keep me").await;
    f.store.delete("../precious").await.unwrap();
    f.store.delete("precious").await.unwrap();
    f.store.delete("").await.unwrap();
    assert!(f.exists_raw("precious").await);
}

pub async fn concurrent_uploads_get_distinct_keys(f: &Fixture) {
    let store = Arc::new(f.store.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16u8 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            let data = vec![i; 1000 + usize::from(i)];
            (data.clone(), upload(&store, &data, 100).await)
        });
    }
    let mut keys = HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (data, stored) = done.unwrap();
        assert_eq!(read_all(&f.store, &stored.storage_key).await, data);
        assert!(keys.insert(stored.storage_key));
    }
    assert_eq!(keys.len(), 16);
    assert_eq!(f.stored().await.len(), 16);
    assert_eq!(f.unfinished(), 0);
}

/// `copy_all` into a second store of the same kind; see `copy.rs` for copies across kinds.
pub async fn copy_to_a_store_of_the_same_kind_resumes(f: &Fixture) {
    let target = f.sibling();
    super::copy::copy_and_resume(f, &target).await;
    let again = copy_all(&f.store, &target.store).await.unwrap();
    assert_eq!(
        again,
        CopyReport {
            found: 3,
            skipped: 3,
            ..CopyReport::default()
        }
    );
}
