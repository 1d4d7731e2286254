//! A real SMTP server process for the tests: `scripts/smtp-sink.py` (Python + aiosmtpd) on a
//! port chosen by the system, writing what it receives to a temporary folder.
//!
//! The Python interpreter is `$SMTP_SINK_PYTHON`, else `python3`. Nothing is skipped: without
//! aiosmtpd the tests fail and say how to install it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running sink; killed when dropped.
pub struct Sink {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: Child,
}

/// One received message: its envelope and its bytes.
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub raw: Vec<u8>,
}

const INSTALL_HINT: &str = "the mail tests need Python 3 with the package aiosmtpd, e.g. \
     `python3 -m venv DIR && DIR/bin/pip install aiosmtpd && export SMTP_SINK_PYTHON=DIR/bin/python` \
     (or `python3 -m pip install aiosmtpd` for the default `python3`)";

impl Sink {
    /// Starts the sink with extra arguments (`--reject REGEX`, `--defer REGEX`, `--auth U:P`).
    pub async fn start(args: &[&str]) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.py");
        let python = std::env::var("SMTP_SINK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let mut child = Command::new(&python)
            .arg(&script)
            .args(["--port", "0", "--dir"])
            .arg(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `{python}` ({e}): {INSTALL_HINT}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(20), stdout.read_line(&mut line)).await;
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok());
        match (read, port) {
            (Ok(Ok(_)), Some(port)) => Sink {
                port,
                dir,
                _child: child,
            },
            _ => {
                let mut stderr = String::new();
                let _ = child.kill().await;
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr).await;
                }
                panic!(
                    "the SMTP sink did not start: {}\n{INSTALL_HINT}",
                    stderr.trim()
                );
            }
        }
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|eml| {
                let envelope: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(eml.with_extension("json")).unwrap())
                        .unwrap();
                Received {
                    mail_from: envelope["mail_from"].as_str().unwrap().to_owned(),
                    rcpt_tos: envelope["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                    raw: std::fs::read(&eml).unwrap(),
                }
            })
            .collect()
    }
}
