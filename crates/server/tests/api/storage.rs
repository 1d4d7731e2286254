//! `TICKETING_ATTACHMENTS_URL` and `ticketing attachments copy`: files live where the URL says,
//! and the command copies them to another storage, resumable, through the real binary.

use std::path::Path;
use std::process::{Command, Output};

use ticketing_server::settings::{StorageUrl, Value};

use crate::api::helpers::*;

/// Runs the `ticketing` binary with only the given environment.
async fn ticketing(env: &[(&str, String)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketing"));
    command.env_clear().env("TICKETING_LOG", "warn").args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn files_below(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_below(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn files_live_where_the_url_says_and_the_cli_copies_them() {
    let elsewhere = tempfile::tempdir().unwrap();
    let store_url = format!("file://{}", elsewhere.path().join("store").display());
    let url = store_url.clone();
    let app = spawn_app_with(Backend::Sqlite, move |s| {
        s.attachments.url = Some(StorageUrl::parse(&url).unwrap())
    })
    .await;
    let carol = app.register("carol").await;
    let ticket = app.ticket(&carol.access, "Printer").await;
    let id = ticket["id"].as_str().unwrap();
    let res = app
        .upload(
            &carol.access,
            id,
            "a.txt",
            "text/plain",
            b"hello".to_vec(),
            None,
        )
        .await;
    res.assert_status(201);
    let download = fetch(
        app.client
            .get(app.url(res.body["file_url"].as_str().unwrap())),
    )
    .await;
    download.assert_status(200);
    assert_eq!(download.bytes, b"hello");
    let stored = files_below(&elsewhere.path().join("store").join("files"));
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(files_below(&app.data_dir().join("attachments")).is_empty());

    let env = [("TICKETING_ATTACHMENTS_URL", store_url)];
    let target = format!("file://{}", elsewhere.path().join("copy").display());
    let first = ticketing(&env, &["attachments", "copy", "--to", &target]).await;
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout.contains("1 files: 1 copied (5 bytes)"), "{stdout}");
    let key = stored[0]
        .strip_prefix(elsewhere.path().join("store"))
        .unwrap()
        .to_owned();
    assert_eq!(
        std::fs::read(elsewhere.path().join("copy").join(&key)).unwrap(),
        b"hello"
    );

    let again = ticketing(&env, &["attachments", "copy", "--to", &target]).await;
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{again:?}");
    assert!(
        stdout.contains("0 copied (0 bytes), 1 already there"),
        "{stdout}"
    );

    let refused = ticketing(&env, &["attachments", "copy", "--to", "gs://bucket/x"]).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("unsupported attachment storage URL scheme `gs`"),
        "{stderr}"
    );
}
