//! The built `ticketing` binary as a process: bad settings stop start-up with status 2 and a
//! message naming the setting as it was given; flags beat the environment, which beats the file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary with only `env` as environment; its exit status and standard error.
fn ticketing(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let data = tempfile::tempdir().expect("a temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ticketing"));
    cmd.args(args)
        .env_clear()
        // Should the binary start after all, it stays out of the way.
        .env("TICKETING_DATA_DIR", data.path())
        .env("TICKETING_BIND", "127.0.0.1:0")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("a child status").is_none() {
        if Instant::now() > deadline {
            child.kill().expect("kill");
            panic!("`ticketing {}` did not exit", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("the output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_refused(args: &[&str], env: &[(&str, &str)], names: &[&str]) -> String {
    let (code, stderr) = ticketing(args, env);
    assert_eq!(
        code,
        Some(2),
        "exit status of {args:?} {env:?}; stderr: {stderr}"
    );
    for name in names {
        assert!(stderr.contains(name), "{name:?} not in: {stderr}");
    }
    stderr
}

#[test]
fn a_bad_duration_in_the_environment_stops_start_up_with_status_2() {
    assert_refused(
        &["serve"],
        &[("TICKETING_ACCESS_TTL", "banana")],
        &["TICKETING_ACCESS_TTL", "banana", "expected a duration"],
    );
}

#[test]
fn a_bad_value_is_named_as_it_was_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ticketing.toml");
    std::fs::write(&file, "[auth]\naccess_ttl = \"banana\"\n").unwrap();
    let file = file.to_str().unwrap();
    assert_refused(
        &["--config", file, "serve"],
        &[],
        &["auth.access_ttl", file],
    );
    assert_refused(
        &["serve", "--bind", "nowhere"],
        &[],
        &["--bind", "HOST:PORT"],
    );
    assert_refused(
        &["migrate"],
        &[("TICKETING_MAX_UPLOAD_BYTES", "25 MB!")],
        &["TICKETING_MAX_UPLOAD_BYTES"],
    );
    // Every problem at once.
    assert_refused(
        &["serve", "--log", "ticketing=loud"],
        &[
            ("TICKETING_COOKIE_SECURE", "maybe"),
            ("TICKETING_WORKERS", ""),
        ],
        &["--log", "TICKETING_COOKIE_SECURE", "TICKETING_WORKERS"],
    );
    // A secret is named, never shown.
    let stderr = assert_refused(
        &["serve"],
        &[("JWT_SECRET_KEY", "short-and-secret")],
        &["JWT_SECRET_KEY", "at least 32 bytes"],
    );
    assert!(!stderr.contains("short-and-secret"), "{stderr}");
    let stderr = assert_refused(
        &["migrate"],
        &[("DATABASE_URL", "mysql://root:hunter2@db/x")],
        &["DATABASE_URL", "mysql"],
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_flat_key_of_an_old_config_file_names_its_new_place() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.toml");
    std::fs::write(&file, "access_ttl = \"10m\"\ndb_pool_size = 4\n").unwrap();
    assert_refused(
        &["--config", file.to_str().unwrap(), "migrate"],
        &[],
        &["`auth.access_ttl`", "[auth]", "`database.pool_size`"],
    );
}

/// `migrate` creates the SQLite file of the database URL in force.
#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let file = dir.path().join("ticketing.toml");
    std::fs::write(&file, format!("[database]\nurl = {:?}\n", url("file.db"))).unwrap();
    let file = file.to_str().unwrap();
    let created = |name: &str| Path::new(&dir.path().join(name)).exists();

    let (code, stderr) = ticketing(&["--config", file, "migrate"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(created("file.db"));

    let env_url = url("env.db");
    let env = [
        ("DATABASE_URL", env_url.as_str()),
        ("TICKETING_CONFIG", file),
    ];
    let (code, stderr) = ticketing(&["migrate"], &env);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(created("env.db"));

    let (code, stderr) = ticketing(&["migrate", "--database-url", &url("flag.db")], &env);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(created("flag.db"));
}
