//! A real SMTP server process for the tests: `scripts/smtp-sink.py` (Python + aiosmtpd) on a
//! port chosen by the system, writing what it receives to a temporary folder.
//!
//! The Python interpreter is `$TICKETING_SMTP_SINK_PYTHON`, else the venv that
//! `scripts/ensure-smtp-sink-venv.sh` creates. Nothing is skipped: without aiosmtpd the tests
//! fail and say how to install it.

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

const PYTHON_ENV: &str = "TICKETING_SMTP_SINK_PYTHON";
const INSTALL_HINT: &str = "the mail tests need Python with the package aiosmtpd (PyPI); install it with \
     `bash scripts/ensure-smtp-sink-venv.sh` (a venv with `pip install aiosmtpd==1.4.6` at \
     $HOME/.cache/venv-smtp-sink), or set TICKETING_SMTP_SINK_PYTHON to another interpreter that has it";

/// `TICKETING_SMTP_SINK_PYTHON`, else `$HOME/.cache/venv-smtp-sink/bin/python`, the venv that
/// scripts/ensure-smtp-sink-venv.sh creates.
fn python() -> String {
    std::env::var(PYTHON_ENV).unwrap_or_else(|_| {
        let home = std::env::var("HOME").unwrap_or_default();
        format!("{home}/.cache/venv-smtp-sink/bin/python")
    })
}

impl Sink {
    /// Starts the sink with extra arguments (`--reject REGEX`, `--defer REGEX`, `--auth U:P`).
    pub async fn start(args: &[&str]) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-sink.py");
        let python = python();
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
