//! Attachment files. Each attachment row has its own storage key (the column is unique), but
//! the bytes are a hard link to one of a few small sample files: the data directory stays tiny,
//! every row has its file (the start-up sweep keeps it) and every file has its row (the sweep
//! would delete it otherwise).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One sample file.
#[derive(Debug, Clone)]
pub struct Sample {
    pub filename: &'static str,
    pub content_type: &'static str,
    pub size: i64,
    pub sha256: &'static str,
    bytes: Vec<u8>,
}

/// The sample files.
#[derive(Debug, Clone)]
pub struct Samples(Vec<Sample>);

fn text_bytes(lines: usize, line: &str) -> Vec<u8> {
    (0..lines)
        .map(|i| format!("{i:05} {line}\n"))
        .collect::<String>()
        .into_bytes()
}

fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            // xorshift32: deterministic filler bytes.
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect()
}

impl Samples {
    /// The built-in samples.
    pub fn new() -> Self {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(noise(3_000, 7));
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.extend(noise(4_200, 11));
        let raw: Vec<(&'static str, &'static str, Vec<u8>)> = vec![
            ("screenshot.png", "image/png", png),
            (
                "error.log",
                "text/plain",
                text_bytes(24, "ERROR request failed: connection reset by peer"),
            ),
            ("invoice.pdf", "application/pdf", pdf),
            (
                "config.txt",
                "text/plain",
                text_bytes(12, "key = value # sample setting"),
            ),
        ];
        Self(
            raw.into_iter()
                .map(|(filename, content_type, bytes)| Sample {
                    filename,
                    content_type,
                    size: i64::try_from(bytes.len()).unwrap_or_default(),
                    sha256: Box::leak(hex::encode(Sha256::digest(&bytes)).into_boxed_str()),
                    bytes,
                })
                .collect(),
        )
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Sample `i` (modulo the count).
    pub fn get(&self, i: usize) -> &Sample {
        &self.0[i % self.0.len()]
    }
}

impl Default for Samples {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes stored files under `<data_dir>/attachments/files/` as hard links to the samples.
#[derive(Debug)]
pub struct FileWriter {
    files: PathBuf,
    sources: Vec<PathBuf>,
}

impl FileWriter {
    /// Prepares `<data_dir>/attachments/{files,tmp}` and the sample sources (kept outside
    /// `files/`, where the sweep never looks).
    pub fn new(data_dir: &Path, samples: &Samples) -> io::Result<Self> {
        let root = data_dir.join("attachments");
        let files = root.join("files");
        let source_dir = data_dir.join("bench-samples");
        fs::create_dir_all(&files)?;
        fs::create_dir_all(root.join("tmp"))?;
        fs::create_dir_all(&source_dir)?;
        let mut sources = Vec::new();
        for (i, s) in samples.0.iter().enumerate() {
            let path = source_dir.join(format!("sample-{i}"));
            fs::write(&path, &s.bytes)?;
            sources.push(path);
        }
        Ok(Self { files, sources })
    }

    /// Links the file of `storage_key` (`ab/ab…`) to sample `sample`.
    pub fn link(&self, storage_key: &str, sample: usize) -> io::Result<()> {
        let Some((shard, _)) = storage_key.split_once('/') else {
            return Err(io::Error::other("malformed storage key"));
        };
        let dir = self.files.join(shard);
        let target = self.files.join(storage_key);
        let source = &self.sources[sample % self.sources.len()];
        match fs::hard_link(source, &target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&dir)?;
                fs::hard_link(source, &target)
            }
            Err(e) => Err(e),
        }
    }
}
