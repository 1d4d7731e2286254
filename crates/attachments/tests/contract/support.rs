//! Fixtures: a fresh store on a temporary folder or under a fresh prefix of a moto bucket, a raw
//! `object_store` view of the same root (to plant foreign objects and look at everything), and
//! the moto server itself.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use tempfile::TempDir;
use ticketing_app::ports::BlobStore;
use ticketing_attachments::Attachments;
use ticketing_domain::StoredFile;
use tokio::io::AsyncReadExt as _;

/// Generates, for each case of `cases`, one `local::case` and one `s3::case` test.
macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test]
                async fn $case() {
                    let fixture = crate::contract::support::Fixture::local();
                    crate::contract::cases::$case(&fixture).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(fixture) = crate::contract::support::Fixture::s3() {
                        crate::contract::cases::$case(&fixture).await;
                    }
                }
            )*
        }
    };
}

/// The bucket every S3 test uses (each under its own prefix).
pub const BUCKET: &str = "ticketing-test";

/// A fresh, empty store and a raw view of its root.
pub struct Fixture {
    pub store: Attachments,
    /// The same root, seen through object_store directly.
    pub raw: Arc<dyn ObjectStore>,
    pub kind: Kind,
}

pub enum Kind {
    Local { root: PathBuf, _dir: Arc<TempDir> },
    S3 { prefix: String },
}

impl Fixture {
    /// A store in a fresh temporary folder.
    pub fn local() -> Self {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        Self::local_in(dir)
    }

    /// A store in folder `attachments-<n>` of `dir` (several stores may share one `dir`).
    pub fn local_in(dir: Arc<TempDir>) -> Self {
        let root = dir
            .path()
            .join(format!("attachments-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("file://{}", root.display());
        let store = Attachments::open_with(&url, []).unwrap();
        let raw = Arc::new(LocalFileSystem::new_with_prefix(&root).unwrap());
        Self {
            store,
            raw,
            kind: Kind::Local { root, _dir: dir },
        }
    }

    /// A store under a fresh prefix of the moto bucket; `None` when moto is not installed and
    /// not required.
    pub fn s3() -> Option<Self> {
        let moto = moto()?;
        let prefix = format!("t-{}", uuid::Uuid::new_v4().simple());
        let url = format!("s3://{BUCKET}/{prefix}");
        let store = Attachments::open_with(&url, moto.vars()).unwrap();
        let mut builder = AmazonS3Builder::new().with_bucket_name(BUCKET);
        for (k, v) in moto.vars() {
            builder = builder.with_config(k.to_ascii_lowercase().parse().unwrap(), v);
        }
        let raw = Arc::new(PrefixStore::new(builder.build().unwrap(), prefix.as_str()));
        Some(Self {
            store,
            raw,
            kind: Kind::S3 { prefix },
        })
    }

    /// Another fresh store of the same kind (for copies).
    pub fn sibling(&self) -> Self {
        match &self.kind {
            Kind::Local { _dir, .. } => Self::local_in(Arc::clone(_dir)),
            Kind::S3 { .. } => Self::s3().unwrap(),
        }
    }

    /// Every visible object under the root (relative paths, sorted), foreign ones included.
    pub async fn objects(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .raw
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap();
        all.sort();
        all
    }

    /// The visible stored files (objects under `files/`).
    pub async fn stored(&self) -> Vec<String> {
        let mut all = self.objects().await;
        all.retain(|path| path.starts_with("files/"));
        all
    }

    /// Uploads that are neither completed nor aborted: staging files in the folder, incomplete
    /// multipart uploads in the bucket.
    pub fn unfinished(&self) -> usize {
        match &self.kind {
            Kind::Local { root, .. } => files_below(root)
                .iter()
                .filter(|path| {
                    let name = path.file_name().unwrap().to_str().unwrap();
                    name.contains('#') || name.ends_with(".part")
                })
                .count(),
            Kind::S3 { prefix } => {
                let moto = moto().unwrap();
                let body = moto.request("GET", &format!("/{BUCKET}?uploads&prefix={prefix}/"));
                body.matches("<Upload>").count()
            }
        }
    }

    /// Waits up to 10 s for background aborts to leave nothing unfinished.
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.unfinished() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Writes a foreign object under the root.
    pub async fn put_raw(&self, path: &str, data: &'static [u8]) {
        self.raw
            .put(&path.into(), PutPayload::from_static(data))
            .await
            .unwrap();
    }

    pub async fn exists_raw(&self, path: &str) -> bool {
        self.raw.head(&path.into()).await.is_ok()
    }
}

/// Uploads `data` in chunks of `chunk` bytes.
pub async fn upload(store: &Attachments, data: &[u8], chunk: usize) -> StoredFile {
    let mut writer = store.begin(data.len() as u64).await.unwrap();
    for part in data.chunks(chunk.max(1)) {
        writer.write(part).await.unwrap();
    }
    writer.finish().await.unwrap()
}

/// Reads a stored file whole (checking the announced size).
pub async fn read_all(store: &Attachments, key: &str) -> Vec<u8> {
    let mut blob = store.open(key).await.unwrap();
    let mut out = Vec::new();
    blob.reader.read_to_end(&mut out).await.unwrap();
    assert_eq!(blob.size, out.len() as u64);
    out
}

/// `len` bytes of a pattern that differs from part to part.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 16) as u8)
        .collect()
}

/// Every regular file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
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

/// A running moto server (or the one at `TEST_S3_ENDPOINT`).
pub struct Moto {
    /// `host:port`.
    address: String,
    /// `sh` holding moto; closing its stdin (drop, or the test process ending) stops moto.
    _guard: Option<Child>,
}

impl Moto {
    /// The `AWS_*` settings of the server (moto accepts any keys).
    pub fn vars(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", format!("http://{}", self.address)),
            ("AWS_ALLOW_HTTP", "true".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// A plain, unsigned HTTP/1.0 request (moto does not check signatures); the response body.
    pub fn request(&self, method: &str, target: &str) -> String {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        write!(
            stream,
            "{method} {target} HTTP/1.0\r\nHost: {}\r\nContent-Length: 0\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.") && head.contains(" 200 "),
            "{head}\n{body}"
        );
        body.to_owned()
    }
}

/// The moto server of this test process, started on first use.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(start_moto).as_ref()
}

fn start_moto() -> Option<Moto> {
    let required = std::env::var("TICKETING_REQUIRE_S3").is_ok_and(|v| v == "1");
    let moto = match std::env::var("TEST_S3_ENDPOINT") {
        Ok(endpoint) => {
            let address = endpoint
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned();
            Moto {
                address,
                _guard: None,
            }
        }
        Err(_) => {
            let Some(program) = moto_program() else {
                let hint = "moto_server not found: run `bash scripts/ensure-moto.sh` (a venv in \
                            ~/.cache/venv-moto with PyPI moto[server]) or set TICKETING_MOTO_SERVER \
                            or TEST_S3_ENDPOINT";
                assert!(!required, "TICKETING_REQUIRE_S3=1: {hint}");
                eprintln!("note: S3 case skipped: {hint}");
                return None;
            };
            spawn_moto(&program)
        }
    };
    moto.request("PUT", &format!("/{BUCKET}"));
    Some(moto)
}

fn moto_program() -> Option<PathBuf> {
    let works = |p: &Path| p.is_file();
    if let Some(p) = std::env::var_os("TICKETING_MOTO_SERVER").map(PathBuf::from) {
        return works(&p).then_some(p);
    }
    let venv = std::env::var_os("TICKETING_MOTO_VENV")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/venv-moto")))?;
    let in_venv = venv.join("bin/moto_server");
    if works(&in_venv) {
        return Some(in_venv);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("moto_server"))
        .find(|p| works(p))
}

/// Starts moto on a free port under `sh`, which stops it when its stdin closes.
fn spawn_moto(program: &Path) -> Moto {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let guard = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & pid=$!; read -r _; kill $pid; wait $pid"#)
            .arg(program)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let address = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(&address).is_ok() {
                return Moto {
                    address,
                    _guard: Some(guard),
                };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        drop(guard);
    }
    panic!("moto_server ({}) did not start", program.display());
}
