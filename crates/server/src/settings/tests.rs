//! Unit tests of the settings: the parsers, the precedence of sources, the messages, and that
//! the documentation lists every declared setting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Command, FromArgMatches};

use super::*;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn durations() {
    let ok = |raw: &str| Duration::parse(raw).unwrap();
    assert_eq!(ok("900"), secs(900));
    assert_eq!(ok("90s"), secs(90));
    assert_eq!(ok("15m"), secs(900));
    assert_eq!(ok(" 12h "), secs(12 * 3600));
    assert_eq!(ok("7d"), secs(7 * 86_400));
    assert_eq!(ok("15 m"), secs(900));
    assert_eq!(ok("250ms"), Duration::from_millis(250));
    assert_eq!(ok("0"), Duration::ZERO);
    assert_eq!(ok("36500d"), secs(36_500 * 86_400));
    for bad in [
        "banana", "15x", "-5", "", "1.5h", "15M", "m", "1h30m", "36501d",
    ] {
        let e = Duration::parse(bad).unwrap_err();
        assert!(e.starts_with("expected"), "{bad:?}: {e}");
    }
    assert!(Duration::parse("99999999999999999999d").is_err());
    // `…_ms` settings: a bare number is milliseconds; units still work.
    assert_eq!(Millis::parse("1000").unwrap(), Millis(secs(1)));
    assert_eq!(Millis::parse("2s").unwrap(), Millis(secs(2)));
    assert!(Millis::parse("soon").unwrap_err().contains("milliseconds"));
}

#[test]
fn byte_sizes() {
    let ok = |raw: &str| ByteSize::parse(raw).unwrap().0;
    assert_eq!(ok("26214400"), 25 * 1024 * 1024);
    assert_eq!(ok("25MiB"), 25 * 1024 * 1024);
    assert_eq!(ok("1GiB"), 1 << 30);
    assert_eq!(ok("1 gib"), 1 << 30);
    assert_eq!(ok("500kB"), 500_000);
    assert_eq!(ok("2MB"), 2_000_000);
    assert_eq!(ok("7B"), 7);
    for bad in [
        "",
        "MiB",
        "1.5MiB",
        "25 MB!",
        "-1",
        "1 PiB",
        "99999999999TiB",
    ] {
        assert!(ByteSize::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn booleans_numbers_paths_and_enums() {
    for t in ["true", "TRUE", "1", "yes", "On"] {
        assert!(bool::parse(t).unwrap(), "{t}");
    }
    for f in ["false", "0", "no", "off"] {
        assert!(!bool::parse(f).unwrap(), "{f}");
    }
    assert!(bool::parse("maybe").is_err());
    assert_eq!(u32::parse(" 42 ").unwrap(), 42);
    assert!(u32::parse("").unwrap_err().contains("whole number"));
    assert_eq!(
        u32::parse("4294967296").unwrap_err(),
        "expected at most 4294967295"
    );
    assert_eq!(u32::parse("1e3").unwrap_err(), "expected a whole number");
    assert!(usize::parse("-1").is_err());
    assert_eq!(PathBuf::parse("/srv/x").unwrap(), PathBuf::from("/srv/x"));
    assert!(PathBuf::parse(" ").is_err());
    assert_eq!(LogFormat::parse("JSON").unwrap(), LogFormat::Json);
    assert!(LogFormat::parse("xml").is_err());
    assert_eq!(
        LogFilter::parse("ticketing_http=debug,info")
            .unwrap()
            .as_str(),
        "ticketing_http=debug,info"
    );
    assert!(LogFilter::parse("ticketing=loud").is_err());
    assert!(LogFilter::parse("").is_err());
}

#[test]
fn addresses_and_urls() {
    for ok in [
        "127.0.0.1:8080",
        "0.0.0.0:0",
        "[::1]:8080",
        "localhost:8080",
    ] {
        assert_eq!(BindAddress::parse(ok).unwrap().as_str(), ok);
    }
    for bad in ["", "8080", ":8080", "::1:8080", "host:http", "host:70000"] {
        assert!(BindAddress::parse(bad).is_err(), "{bad:?}");
    }
    let url = url::Url::parse("https://help.example.com/").unwrap();
    assert_eq!(
        <url::Url as Value>::parse(" https://help.example.com/ ").unwrap(),
        url
    );
    assert!(<url::Url as Value>::parse("help.example.com").is_err());
    for ok in [
        "sqlite://./data/x.db",
        "postgres://u:p@h:5432/db",
        "postgresql://h/db",
    ] {
        assert_eq!(DatabaseUrl::parse(ok).unwrap().expose(), ok);
    }
    assert!(DatabaseUrl::parse("").unwrap_err().contains("no scheme"));
    assert!(
        DatabaseUrl::parse("mysql://x/y")
            .unwrap_err()
            .contains("`mysql`")
    );
}

#[test]
fn origins() {
    let parsed =
        Origins::parse(" https://Help.Example.com/ , http://localhost:8080,,https://a.example:443")
            .unwrap();
    assert_eq!(
        parsed.as_slice(),
        [
            "https://help.example.com",
            "http://localhost:8080",
            "https://a.example"
        ]
    );
    assert!(Origins::parse("").unwrap().as_slice().is_empty());
    for bad in [
        "help.example.com",
        "ftp://x.example",
        "https://x.example/app",
        "https://u@x.example",
        "https://x.example/?q",
    ] {
        let e = Origins::parse(bad).unwrap_err();
        assert!(e.contains(bad), "{bad:?}: {e}");
    }
    let list: toml::Value = toml::Value::Array(vec![
        "https://a.example".into(),
        "https://b.example/".into(),
    ]);
    assert_eq!(
        Origins::from_toml(&list).unwrap().as_slice(),
        ["https://a.example", "https://b.example"]
    );
    assert!(Origins::from_toml(&toml::Value::Array(vec![1.into()])).is_err());
}

/// Settings from `flags` (a command line), `env` and a config file with `file` as content.
fn load(
    flags: &[&str],
    env: &[(&str, &str)],
    file: Option<&str>,
) -> Result<Settings, SettingsError> {
    let cmd = SettingFlags::augment_args(Command::new("ticketing"));
    let matches = cmd
        .try_get_matches_from(std::iter::once("ticketing").chain(flags.iter().copied()))
        .unwrap();
    let flags = SettingFlags::from_arg_matches(&matches).unwrap();
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = file.map(|text| {
        let path = dir.path().join("ticketing.toml");
        std::fs::write(&path, text).unwrap();
        path
    });
    Settings::load_with(path, &flags, &|k| env.get(k).cloned())
}

fn problems(flags: &[&str], env: &[(&str, &str)], file: Option<&str>) -> Vec<String> {
    load(flags, env, file).unwrap_err().problems().to_vec()
}

#[test]
fn defaults_give_a_working_server() {
    let s = load(&[], &[], None).unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.server.bind.as_str(), "127.0.0.1:8080");
    assert_eq!(s.server.data_dir, PathBuf::from("./data"));
    assert_eq!(s.database_url(), "sqlite://./data/ticketing.db");
    assert_eq!(s.auth.access_ttl, secs(15 * 60));
    assert_eq!(s.auth.refresh_ttl, secs(7 * 86_400));
    assert_eq!(s.attachments.download_ttl, secs(15 * 60));
    assert_eq!(s.attachments.max_upload, ByteSize(25 * 1024 * 1024));
    assert_eq!(s.auth.user_cache_ms, Millis(secs(1)));
    assert_eq!(s.server.shutdown_timeout, secs(30));
    assert!(s.auth.cookie_secure && s.auth.jwt_secret.is_none());
    assert_eq!(s.limits.auth_requests_per_minute, 30);
    assert_eq!(s.logging.format, LogFormat::Pretty);
}

#[test]
fn flags_beat_environment_beats_file_beats_default() {
    let file = "[server]\nbind = \"127.0.0.1:8093\"\nworkers = 3\n";
    let env = [("TICKETING_BIND", "127.0.0.1:8094")];
    let bind = |s: Settings| s.server.bind.as_str().to_owned();
    assert_eq!(bind(load(&[], &[], Some(file)).unwrap()), "127.0.0.1:8093");
    assert_eq!(bind(load(&[], &env, Some(file)).unwrap()), "127.0.0.1:8094");
    assert_eq!(
        bind(load(&["--bind", "127.0.0.1:8095"], &env, Some(file)).unwrap()),
        "127.0.0.1:8095"
    );
    // A source only overrides the settings it names.
    let s = load(&["--bind", "127.0.0.1:8095"], &env, Some(file)).unwrap();
    assert_eq!(s.server.workers, 3);
    assert_eq!(s.auth.access_ttl, secs(900));
    // The flags of every setting that has one.
    let s = load(
        &[
            "--data-dir",
            "/srv/t",
            "--log",
            "debug",
            "--database-url",
            "sqlite:///x.db",
        ],
        &[],
        None,
    )
    .unwrap();
    assert_eq!(s.server.data_dir, PathBuf::from("/srv/t"));
    assert_eq!(s.logging.filter.as_str(), "debug");
    assert_eq!(s.database_url(), "sqlite:///x.db");
}

#[test]
fn aliases_and_the_seed_variables() {
    let key = "k".repeat(32);
    let alias = "a".repeat(32);
    let jwt = |env: &[(&str, &str)]| load(&[], env, None).unwrap().auth.jwt_secret.unwrap();
    assert_eq!(jwt(&[("JWT_SECRET_KEY", &alias)]).expose(), alias);
    assert_eq!(
        jwt(&[("JWT_SECRET_KEY", &alias), ("TICKETING_JWT_SECRET", &key)]).expose(),
        key
    );
    let seed = [
        ("POSTGRES_DB", "t"),
        ("POSTGRES_USER", "me@x"),
        ("POSTGRES_PASSWORD", "p:ss/w"),
        ("POSTGRES_HOST", "db"),
    ];
    let url = |env: &[(&str, &str)], file| load(&[], env, file).unwrap().database_url();
    assert_eq!(url(&seed, None), "postgres://me%40x:p%3Ass%2Fw@db:5432/t");
    let mut with_url = seed.to_vec();
    with_url.push(("DATABASE_URL", "sqlite://./x.db"));
    assert_eq!(url(&with_url, None), "sqlite://./x.db");
    // The seed is part of the environment: it beats the file.
    assert_eq!(
        url(&seed, Some("[database]\nurl = \"sqlite://./f.db\"\n")),
        "postgres://me%40x:p%3Ass%2Fw@db:5432/t"
    );
    assert_eq!(
        url(&[], Some("[database]\nurl = \"sqlite://./f.db\"\n")),
        "sqlite://./f.db"
    );
}

#[test]
fn file_values_are_typed_but_text_is_accepted() {
    let file = r#"
        [server]
        workers = "4"
        shutdown_timeout = 10
        [auth]
        cookie_secure = false
        allowed_origins = ["https://a.example", "https://b.example"]
        user_cache_ms = 250
        [attachments]
        max_upload = "1GiB"
        sweep_min_age = "1h"
        [limits]
        trust_forwarded_for = "yes"
        [logging]
        format = "json"
    "#;
    let s = load(&[], &[], Some(file)).unwrap();
    assert_eq!(s.server.workers, 4);
    assert_eq!(s.server.shutdown_timeout, secs(10));
    assert!(!s.auth.cookie_secure);
    assert_eq!(s.auth.allowed_origins.as_slice().len(), 2);
    assert_eq!(s.auth.user_cache_ms, Millis(Duration::from_millis(250)));
    assert_eq!(s.attachments.max_upload, ByteSize(1 << 30));
    assert_eq!(s.attachments.sweep_min_age, secs(3600));
    assert!(s.limits.trust_forwarded_for);
    assert_eq!(s.logging.format, LogFormat::Json);
}

#[test]
fn problems_name_the_setting_as_it_was_given() {
    let p = problems(&[], &[("TICKETING_ACCESS_TTL", "banana")], None);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("TICKETING_ACCESS_TTL: expected a duration"),
        "{p:?}"
    );
    assert!(p[0].ends_with("got \"banana\""), "{p:?}");
    let p = problems(&["--bind", "nowhere"], &[], None);
    assert!(p[0].starts_with("--bind: expected HOST:PORT"), "{p:?}");
    let p = problems(&[], &[], Some("[auth]\nrefresh_ttl = \"0\"\n"));
    assert!(p[0].starts_with("auth.refresh_ttl (in "), "{p:?}");
    assert!(p[0].contains("at least one second"), "{p:?}");
    // Every problem at once; a secret is named but never shown.
    let p = problems(
        &["--log", "x=loud"],
        &[
            ("JWT_SECRET_KEY", "tiny-secret"),
            ("TICKETING_RATE_LIMIT_PER_MINUTE", "0"),
            ("TICKETING_WORKERS", ""),
        ],
        None,
    );
    assert_eq!(p.len(), 4, "{p:?}");
    let all = p.join("\n");
    for name in [
        "--log",
        "JWT_SECRET_KEY",
        "TICKETING_RATE_LIMIT_PER_MINUTE",
        "TICKETING_WORKERS",
    ] {
        assert!(all.contains(name), "{name} in {all}");
    }
    assert!(!all.contains("tiny-secret"), "{all}");
    let p = problems(&[], &[("DATABASE_URL", "")], None);
    assert!(p[0].starts_with("DATABASE_URL: no scheme"), "{p:?}");
}

#[test]
fn the_file_layout_is_checked() {
    let p = problems(
        &[],
        &[],
        Some("access_ttl = \"10m\"\nlog = \"debug\"\nmystery = 1\n"),
    );
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p[0].ends_with(
            "`access_ttl` is now `auth.access_ttl`: write `access_ttl = …` in the [auth] table"
        ),
        "{p:?}"
    );
    assert!(p[1].contains("`log` is now `logging.filter`"), "{p:?}");
    assert!(p[2].ends_with("unknown setting `mystery`"), "{p:?}");
    let p = problems(
        &[],
        &[],
        Some("[auth]\nbind = \"x:1\"\n[server]\nbindd = 1\n"),
    );
    assert!(
        p[0].ends_with("unknown setting `auth.bind` (did you mean `server.bind`?)"),
        "{p:?}"
    );
    assert!(p[1].ends_with("unknown setting `server.bindd`"), "{p:?}");
    let p = problems(&[], &[], Some("server = 1\n"));
    assert!(
        p[0].ends_with("`server` must be a table ([server])"),
        "{p:?}"
    );
    let p = problems(&[], &[], Some("[server\n"));
    assert!(p[0].starts_with("config file "), "{p:?}");
    let e = Settings::load_with(
        Some("/nonexistent/t.toml".into()),
        &SettingFlags::default(),
        &|_| None,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid configuration: config file /nonexistent/t.toml not found"
    );
    let e = Settings::load_with(None, &SettingFlags::default(), &|k| {
        (k == "TICKETING_CONFIG").then(|| "/nonexistent/u.toml".to_owned())
    })
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/u.toml not found"));
}

#[test]
fn secrets_stay_out_of_debug() {
    let key = "s3cr3t".repeat(6);
    let s = load(
        &["--database-url", "postgres://u:hunter2@h/db"],
        &[("TICKETING_JWT_SECRET", &key)],
        None,
    )
    .unwrap();
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains(&key),
        "{shown}"
    );
    let cmd = SettingFlags::augment_args(Command::new("t"));
    let m = cmd
        .try_get_matches_from([
            "t",
            "--database-url",
            "postgres://u:hunter2@h/db",
            "--bind",
            "h:1",
        ])
        .unwrap();
    let flags = format!("{:?}", SettingFlags::from_arg_matches(&m).unwrap());
    assert!(
        !flags.contains("hunter2") && flags.contains("h:1"),
        "{flags}"
    );
}

#[test]
fn declarations_are_unique_and_complete() {
    let unique = |items: Vec<&str>| {
        let n = items.len();
        let set: BTreeSet<&str> = items.into_iter().collect();
        assert_eq!(set.len(), n, "duplicates in {set:?}");
    };
    unique(SETTINGS.iter().map(|s| s.key).collect());
    unique(
        SETTINGS
            .iter()
            .flat_map(|s| s.env.iter().copied())
            .collect(),
    );
    unique(SETTINGS.iter().filter_map(|s| s.flag).collect());
    unique(SETTINGS.iter().filter_map(|s| s.was).collect());
    for s in SETTINGS {
        assert!(!s.doc.trim().is_empty(), "{} has no doc", s.key);
        assert!(s.env.iter().all(|e| !e.is_empty()), "{}", s.key);
    }
    // Every default parses (and every setting without one is an `Option`).
    let _ = Settings::default();
}

/// The row of `setting` in the table of docs/configuration.md, up to its meaning.
fn doc_row(setting: &Setting) -> String {
    let code = |t: &str| format!("`{t}`");
    let env: Vec<String> = setting.env.iter().map(|e| code(e)).collect();
    let flag = setting
        .flag
        .map(|f| code(&format!("--{f}")))
        .unwrap_or_default();
    let default = match setting.default {
        None => "none".to_owned(),
        Some("") => "empty".to_owned(),
        Some(d) => code(d),
    };
    format!(
        "| {} | {} | {flag} | {default} |",
        code(setting.key),
        env.join(", ")
    )
    .replace("|  |", "| |")
}

/// Every setting has its row in the configuration reference (key, variables, flag and default
/// as declared) and its variables in the example env file of the deployment, the default shown
/// commented out.
#[test]
fn every_setting_is_documented() {
    let reference = include_str!("../../../../docs/configuration.md");
    let example = include_str!("../../../../deploy/.env.example");
    let mut missing = Vec::new();
    for s in SETTINGS {
        let row = doc_row(s);
        if !reference.contains(&row) {
            missing.push(format!("docs/configuration.md: {row}"));
        }
        for env in s.env {
            if !example.contains(&format!("{env}=")) {
                missing.push(format!("deploy/.env.example: {env}="));
            }
        }
        if let Some(default) = s.default {
            let line = format!("# {}={default}\n", s.env[0]);
            if !example.contains(&line) {
                missing.push(format!("deploy/.env.example: {}", line.trim_end()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented settings:\n{}",
        missing.join("\n")
    );
}
