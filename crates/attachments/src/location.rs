//! Opening a store from its URL: `file://PATH` or `s3://BUCKET/PREFIX` (+ the `AWS_*` variables).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::ClientOptions;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;

use crate::{Attachments, Backend, local};

/// The attachment store could not be opened: a bad URL, bad `AWS_*` settings, or a folder that
/// cannot be created or written. The message says what to fix and never contains a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError(String);

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OpenError {}

const USAGE: &str = "use file://PATH or s3://BUCKET/PREFIX";

/// Opens the store `url` names (see [`Attachments::open`]).
pub(crate) fn open(
    url: &str,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Attachments, OpenError> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(OpenError(format!(
            "the attachment storage URL has no scheme: {USAGE}"
        )));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => open_local(rest),
        "s3" => open_s3(rest, vars),
        other => Err(OpenError(format!(
            "unsupported attachment storage URL scheme `{other}`: {USAGE}"
        ))),
    }
}

fn open_local(path: &str) -> Result<Attachments, OpenError> {
    if path.is_empty() || path.contains(['?', '#']) {
        return Err(OpenError(format!(
            "invalid attachment storage URL file://{path}: {USAGE} (a folder, e.g. file://./data/attachments)"
        )));
    }
    let root = PathBuf::from(path);
    local::prepare(&root).map_err(OpenError)?;
    let fs = LocalFileSystem::new_with_prefix(&root)
        .map_err(|e| OpenError(format!("attachment storage {}: {e}", root.display())))?
        .with_fsync(true);
    let root = absolute(&root);
    Ok(Attachments {
        store: Arc::new(fs),
        prefix: Path::default(),
        location: format!("file://{}", root.display()),
        backend: Backend::Local { root },
    })
}

fn absolute(root: &FsPath) -> PathBuf {
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

fn open_s3(
    rest: &str,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Attachments, OpenError> {
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.contains('@') {
        return Err(OpenError(
            "credentials do not belong in the attachment storage URL: set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY"
                .to_owned(),
        ));
    }
    let bucket_ok = !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !bucket_ok {
        return Err(OpenError(format!(
            "invalid bucket name {bucket:?} in the attachment storage URL: {USAGE}"
        )));
    }
    let prefix = prefix.trim_matches('/');
    let prefix = if prefix.is_empty() {
        Path::default()
    } else if prefix.contains(['?', '#']) {
        return Err(OpenError(format!(
            "invalid prefix {prefix:?} in the attachment storage URL: {USAGE}"
        )));
    } else {
        Path::parse(prefix).map_err(|e| {
            OpenError(format!(
                "invalid prefix {prefix:?} in the attachment storage URL: {e}"
            ))
        })?
    };

    // A download is streamed at the pace of the client that reads it: allow a slow one 10
    // minutes per request (object_store resumes a cut body with a range request), and detect a
    // stalled connection after a minute without a byte. AWS_TIMEOUT and AWS_READ_TIMEOUT
    // override both.
    let client = ClientOptions::new()
        .with_timeout(Duration::from_secs(600))
        .with_read_timeout(Duration::from_secs(60));
    let mut builder = AmazonS3Builder::new().with_client_options(client);
    let (mut plain_http, mut allow_http) = (None, false);
    for (name, value) in vars {
        if !name.starts_with("AWS_") {
            continue;
        }
        if name.starts_with("AWS_ENDPOINT") && value.trim().starts_with("http://") {
            plain_http = Some(name.clone());
        }
        if name == "AWS_ALLOW_HTTP" {
            let value = value.trim().to_ascii_lowercase();
            allow_http = matches!(value.as_str(), "1" | "true" | "on" | "yes" | "y");
        }
        if let Ok(key) = name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>() {
            builder = builder.with_config(key, value);
        }
    }
    if let (Some(name), false) = (plain_http, allow_http) {
        return Err(OpenError(format!(
            "{name} is a plain http:// URL: set AWS_ALLOW_HTTP=true to allow it (only on a \
             private network), or use https://"
        )));
    }
    // The URL names the bucket, whatever AWS_BUCKET says.
    let s3 = builder
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| OpenError(format!("invalid S3 settings (AWS_* variables): {e}")))?;
    let location = if prefix.as_ref().is_empty() {
        format!("s3://{bucket}")
    } else {
        format!("s3://{bucket}/{prefix}")
    };
    let s3 = Arc::new(s3);
    Ok(Attachments {
        store: s3.clone(),
        prefix,
        location,
        backend: Backend::S3 { s3 },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn s3(url: &str) -> Result<Attachments, OpenError> {
        let vars = [
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-value"),
            ("HOME", "/root"),
        ];
        open(url, vars.map(|(k, v)| (k.to_owned(), v.to_owned())))
    }

    #[test]
    fn schemes_are_chosen_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("FILE://{}", dir.path().join("att").display());
        let local = open(&url, []).unwrap();
        assert!(local.location().starts_with("file:///"), "{local:?}");
        assert!(dir.path().join("att").join("files").is_dir());

        assert_eq!(s3("s3://bucket").unwrap().location(), "s3://bucket");
        assert_eq!(
            s3("s3://bucket/some/prefix/").unwrap().location(),
            "s3://bucket/some/prefix"
        );
        for bad in [
            "",
            "/var/lib/files",
            "gs://bucket/x",
            "http://bucket/x",
            "file://",
            "s3://",
            "s3:///prefix",
            "s3://key:secret@bucket/x",
            "s3://bucket/a/../b",
            "s3://bucket/x?versionId=1",
            "s3://bu cket",
        ] {
            let err = s3(bad).unwrap_err().to_string();
            assert!(err.contains("attachment storage URL"), "{bad}: {err}");
            assert!(!err.contains("secret"), "{bad}: {err}");
        }
        let err = s3("gs://bucket").unwrap_err().to_string();
        assert!(err.contains("`gs`") && err.contains(USAGE), "{err}");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let store = s3("s3://bucket/p").unwrap();
        let shown = format!("{store:?}");
        assert!(shown.contains("s3://bucket/p"), "{shown}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(!shown.contains("AKIDEXAMPLE"), "{shown}");
    }

    #[test]
    fn a_bad_client_option_is_refused_at_open() {
        let vars = [("AWS_TIMEOUT", "soon"), ("AWS_ALLOW_HTTP", "true")];
        let opened = open(
            "s3://bucket",
            vars.map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let err = opened.unwrap_err().to_string();
        assert!(err.contains("AWS_") && err.contains("soon"), "{err}");
        let vars = [("AWS_TIMEOUT", "2m"), ("AWS_READ_TIMEOUT", "10s")];
        open(
            "s3://bucket",
            vars.map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .unwrap();
    }

    #[test]
    fn plain_http_needs_allow_http() {
        let vars = [("AWS_ENDPOINT_URL", "http://minio.internal:9000")];
        let err = open(
            "s3://bucket",
            vars.map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("AWS_ALLOW_HTTP=true"), "{err}");
        let vars = [("AWS_ENDPOINT", "https://minio.internal:9000")];
        open(
            "s3://bucket",
            vars.map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .unwrap();
    }

    #[test]
    fn half_a_key_pair_is_refused() {
        let vars = [("AWS_SECRET_ACCESS_KEY", "very-secret-value")];
        let err = open(
            "s3://bucket",
            vars.map(|(k, v)| (k.to_owned(), v.to_owned())),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("AWS_"), "{err}");
        assert!(!err.contains("very-secret-value"), "{err}");
    }
}
