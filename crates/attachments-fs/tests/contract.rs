//! The blob store contract, run against the local-disk store. Each case is a plain async
//! function taking a fresh fixture; `contract!` turns each into one `#[tokio::test]`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tempfile::TempDir;
use ticketing_app::error::BlobError;
use ticketing_app::ports::{BlobStore, SweepReport};
use ticketing_attachments_fs::FsBlobStore;
use ticketing_domain::StoredFile;
use tokio::io::AsyncReadExt;

struct Fixture {
    store: FsBlobStore,
    root: PathBuf,
    _dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("attachments");
        let store = FsBlobStore::new(root.clone()).unwrap();
        Self {
            store,
            root,
            _dir: dir,
        }
    }

    fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    fn files(&self) -> PathBuf {
        self.root.join("files")
    }
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let fixture = Fixture::new();
                cases::$case(&fixture).await;
            }
        )*
    };
}

contract!(
    round_trip,
    digest_and_size,
    large_file_streamed,
    too_large_leaves_nothing,
    exact_limit_is_accepted,
    abort_leaves_nothing,
    dropped_writer_is_swept,
    sweep_keeps_known_keys,
    sweep_respects_min_age,
    sweep_ignores_foreign_files,
    open_rejects_bad_keys,
    delete_is_idempotent,
    concurrent_uploads_get_distinct_keys,
    read_only_root_is_refused,
    failed_rename_is_io_without_leftovers,
    missing_tmp_dir_is_io,
    directories_are_private,
);

#[test]
fn new_refuses_a_root_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("taken");
    std::fs::write(&root, b"x").unwrap();
    let err = FsBlobStore::new(root.clone()).unwrap_err();
    assert!(
        err.to_string().contains(&root.display().to_string()),
        "{err}"
    );
}

async fn upload(store: &FsBlobStore, data: &[u8], chunk: usize) -> StoredFile {
    let mut writer = store.begin(data.len() as u64).await.unwrap();
    for part in data.chunks(chunk.max(1)) {
        writer.write(part).await.unwrap();
    }
    writer.finish().await.unwrap()
}

async fn read_all(store: &FsBlobStore, key: &str) -> Vec<u8> {
    let mut blob = store.open(key).await.unwrap();
    let mut out = Vec::new();
    blob.reader.read_to_end(&mut out).await.unwrap();
    assert_eq!(blob.size, out.len() as u64);
    out
}

/// Every regular file below `dir`, recursively.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn age(path: &Path, by: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - by).unwrap();
}

fn is_key_shape(key: &str) -> bool {
    let (shard, name) = key.split_once('/').unwrap();
    shard.len() == 2
        && name.len() == 32
        && name.starts_with(shard)
        && name
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

mod cases {
    use super::*;

    pub async fn round_trip(f: &Fixture) {
        let stored = upload(&f.store, b"hello, attachment world", 5).await;
        assert!(is_key_shape(&stored.storage_key), "{}", stored.storage_key);
        assert_eq!(
            read_all(&f.store, &stored.storage_key).await,
            b"hello, attachment world"
        );
        assert!(files_below(&f.tmp()).is_empty());
        assert_eq!(files_below(&f.files()).len(), 1);
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

    pub async fn large_file_streamed(f: &Fixture) {
        const CHUNK: usize = 64 * 1024;
        const TOTAL: usize = 20 * 1024 * 1024;
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
    }

    pub async fn too_large_leaves_nothing(f: &Fixture) {
        let mut writer = f.store.begin(10).await.unwrap();
        writer.write(b"123456").await.unwrap();
        let err = writer.write(b"78901").await.unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 10 }), "{err:?}");
        assert!(files_below(&f.tmp()).is_empty());
        assert!(files_below(&f.files()).is_empty());
        assert!(writer.write(b"x").await.is_err());
        assert!(writer.finish().await.is_err());
        assert!(files_below(&f.root).is_empty());
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
        assert_eq!(files_below(&f.tmp()).len(), 1);
        writer.abort().await;
        assert!(files_below(&f.root).is_empty());
    }

    pub async fn dropped_writer_is_swept(f: &Fixture) {
        let mut writer = f.store.begin(100).await.unwrap();
        writer.write(b"left behind").await.unwrap();
        drop(writer);
        assert_eq!(files_below(&f.tmp()).len(), 1);
        let report = f.store.sweep(&HashSet::new(), 0).await.unwrap();
        assert_eq!(
            report,
            SweepReport {
                temp_files: 1,
                orphans: 0
            }
        );
        assert!(files_below(&f.root).is_empty());
    }

    pub async fn sweep_keeps_known_keys(f: &Fixture) {
        let kept = upload(&f.store, b"kept", 4).await;
        let orphan = upload(&f.store, b"orphan", 4).await;
        let keep: HashSet<String> = [kept.storage_key.clone()].into();
        let report = f.store.sweep(&keep, 0).await.unwrap();
        assert_eq!(
            report,
            SweepReport {
                temp_files: 0,
                orphans: 1
            }
        );
        assert_eq!(read_all(&f.store, &kept.storage_key).await, b"kept");
        assert!(matches!(
            f.store.open(&orphan.storage_key).await,
            Err(BlobError::NotFound)
        ));
        let again = f.store.sweep(&keep, 0).await.unwrap();
        assert_eq!(again, SweepReport::default());
    }

    pub async fn sweep_respects_min_age(f: &Fixture) {
        let orphan = upload(&f.store, b"young orphan", 4).await;
        let mut writer = f.store.begin(100).await.unwrap();
        writer.write(b"young temp").await.unwrap();
        drop(writer);
        let report = f.store.sweep(&HashSet::new(), 3600).await.unwrap();
        assert_eq!(report, SweepReport::default());
        assert_eq!(files_below(&f.root).len(), 2);

        for path in files_below(&f.root) {
            age(&path, Duration::from_secs(2 * 3600));
        }
        let report = f.store.sweep(&HashSet::new(), 3600).await.unwrap();
        assert_eq!(
            report,
            SweepReport {
                temp_files: 1,
                orphans: 1
            }
        );
        assert!(matches!(
            f.store.open(&orphan.storage_key).await,
            Err(BlobError::NotFound)
        ));
        assert!(files_below(&f.root).is_empty());
    }

    pub async fn sweep_ignores_foreign_files(f: &Fixture) {
        let stored = upload(&f.store, b"mine", 4).await;
        let (shard, name) = stored.storage_key.split_once('/').unwrap();
        let other_shard = if shard == "00" { "01" } else { "00" };
        std::fs::create_dir_all(f.files().join("zz")).unwrap();
        std::fs::create_dir_all(f.files().join(other_shard)).unwrap();
        let foreign = [
            f.root.join("notes.txt"),
            f.tmp().join("notes.txt"),
            f.tmp().join(format!("{name}.tmp")),
            f.files().join("README"),
            f.files().join("zz").join(name),
            f.files().join(other_shard).join(name),
            f.files().join(shard).join(format!("{name}.bak")),
        ];
        for path in &foreign {
            std::fs::write(path, b"not yours").unwrap();
            age(path, Duration::from_secs(10 * 24 * 3600));
        }
        let keep: HashSet<String> = [stored.storage_key.clone()].into();
        let report = f.store.sweep(&keep, 60).await.unwrap();
        assert_eq!(report, SweepReport::default());
        for path in &foreign {
            assert!(path.exists(), "{} was removed", path.display());
        }
        assert_eq!(read_all(&f.store, &stored.storage_key).await, b"mine");
    }

    pub async fn open_rejects_bad_keys(f: &Fixture) {
        let stored = upload(&f.store, b"real", 4).await;
        std::fs::write(f.root.join("secret"), b"outside").unwrap();
        let (shard, name) = stored.storage_key.split_once('/').unwrap();
        let missing = format!("{shard}/{shard}{}", "0".repeat(30));
        let bad = [
            missing,
            String::new(),
            "../secret".to_owned(),
            "../../attachments/secret".to_owned(),
            f.root.join("secret").display().to_string(),
            format!("/{}", stored.storage_key),
            format!("{shard}/../../secret"),
            format!("./{}", stored.storage_key),
            stored.storage_key.to_uppercase(),
            format!("{}/", stored.storage_key),
            format!("{shard}//{name}"),
            format!("{shard}\\{name}"),
            shard.to_owned(),
        ];
        for key in &bad {
            let result = f.store.open(key).await;
            assert!(
                matches!(result, Err(BlobError::NotFound)),
                "{key}: {result:?}"
            );
        }
        // The tmp file of an upload in progress is not reachable either.
        let mut writer = f.store.begin(10).await.unwrap();
        writer.write(b"wip").await.unwrap();
        let temp = files_below(&f.tmp()).pop().unwrap();
        let temp_name = temp.file_name().unwrap().to_str().unwrap().to_owned();
        for key in [
            format!("../tmp/{temp_name}"),
            format!("{}/{temp_name}", &temp_name[..2]),
        ] {
            assert!(
                matches!(f.store.open(&key).await, Err(BlobError::NotFound)),
                "{key}"
            );
        }
        writer.abort().await;
    }

    pub async fn delete_is_idempotent(f: &Fixture) {
        let stored = upload(&f.store, b"to delete", 4).await;
        f.store.delete(&stored.storage_key).await.unwrap();
        assert!(matches!(
            f.store.open(&stored.storage_key).await,
            Err(BlobError::NotFound)
        ));
        f.store.delete(&stored.storage_key).await.unwrap();
        std::fs::write(f.root.join("precious"), b"keep me").unwrap();
        f.store.delete("../precious").await.unwrap();
        f.store.delete("").await.unwrap();
        assert!(f.root.join("precious").exists());
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
        assert!(files_below(&f.tmp()).is_empty());
    }

    pub async fn read_only_root_is_refused(f: &Fixture) {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = f.root.join("readonly");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let privileged = std::fs::write(dir.join("probe"), b"x").is_ok();
        if privileged {
            println!("note: running as root, chmod 0555 does not stop writes; case skipped");
            return;
        }
        let err = FsBlobStore::new(dir.join("store")).unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
        std::fs::set_permissions(f.tmp(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let begun = f.store.begin(10).await;
        std::fs::set_permissions(f.tmp(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(matches!(begun, Err(BlobError::Io(_))), "{:?}", begun.err());
    }

    pub async fn failed_rename_is_io_without_leftovers(f: &Fixture) {
        let mut writer = f.store.begin(100).await.unwrap();
        writer.write(b"doomed").await.unwrap();
        std::fs::remove_dir_all(f.files()).unwrap();
        std::fs::write(f.files(), b"a file where a directory should be").unwrap();
        let result = writer.finish().await;
        assert!(matches!(result, Err(BlobError::Io(_))), "{result:?}");
        assert!(files_below(&f.tmp()).is_empty());
        assert!(f.files().is_file());
    }

    pub async fn missing_tmp_dir_is_io(f: &Fixture) {
        std::fs::remove_dir_all(f.tmp()).unwrap();
        let result = f.store.begin(100).await;
        assert!(
            matches!(result, Err(BlobError::Io(_))),
            "{:?}",
            result.err()
        );
    }

    pub async fn directories_are_private(f: &Fixture) {
        use std::os::unix::fs::PermissionsExt as _;
        for dir in [f.tmp(), f.files()] {
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
        }
        let stored = upload(&f.store, b"private", 7).await;
        let (shard, name) = stored.storage_key.split_once('/').unwrap();
        let shard_mode = std::fs::metadata(f.files().join(shard))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(shard_mode & 0o777, 0o700);
        let file_mode = std::fs::metadata(f.files().join(shard).join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(file_mode & 0o777, 0o600);
    }
}
