//! Runs scripts/webhook-verify.py: the Standard Webhooks reference library (PyPI
//! `standardwebhooks`) or the Python example of docs/api-guide.md, on a received request.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::receiver::Received;

/// The interpreter: `TICKETING_WEBHOOK_PYTHON`, else `$HOME/.cache/venv-webhooks/bin/python`,
/// the venv that scripts/ensure-webhook-venv.sh creates.
const PYTHON_ENV: &str = "TICKETING_WEBHOOK_PYTHON";
const INSTALL: &str = "bash scripts/ensure-webhook-venv.sh   (a venv with `pip install \
                       standardwebhooks==1.3.0` at $HOME/.cache/venv-webhooks)";

#[derive(Debug, Clone, Copy)]
pub enum Verifier {
    /// `standardwebhooks.Webhook(secret).verify(body, headers)`.
    Reference,
    /// `verify_webhook` of the ```python block of docs/api-guide.md.
    DocExample,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Verified,
    /// The script's reason (stderr).
    Refused(String),
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python to run, checked once: a missing interpreter or package fails the test and says
/// how to install it.
fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let python = std::env::var(PYTHON_ENV).unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/venv-webhooks/bin/python")
        });
        let probe = Command::new(&python)
            .args(["-c", "import standardwebhooks"])
            .output();
        match probe {
            Ok(out) if out.status.success() => python,
            _ => panic!(
                "the webhook tests need Python with the `standardwebhooks` package (PyPI) at \
                 {python} (set {PYTHON_ENV} to use another interpreter); install it with:\n  \
                 {INSTALL}"
            ),
        }
    })
}

/// Verifies `received` as a receiver holding `secret` would.
pub fn verify(verifier: Verifier, secret: &str, received: &Received) -> Verdict {
    let root = repo_root();
    let mut command = Command::new(python());
    command.arg(root.join("scripts/webhook-verify.py"));
    if let Verifier::DocExample = verifier {
        command
            .arg("--doc-example")
            .arg(root.join("docs/api-guide.md"));
    }
    let input = serde_json::json!({
        "secret": secret,
        "headers": received.headers,
        "body_base64": STANDARD.encode(&received.body),
    });
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    match out.status.code() {
        Some(0) => Verdict::Verified,
        // Exit 1 with "refused: ..." is a refusal; anything else is a broken set-up.
        Some(1) if stderr.starts_with("refused:") => Verdict::Refused(stderr),
        _ => panic!(
            "webhook-verify.py ({verifier:?}) failed: {:?} {stderr}",
            out.status
        ),
    }
}

/// Verified by the reference library and by the documentation's example.
pub fn assert_verified(secret: &str, received: &Received) {
    for verifier in [Verifier::Reference, Verifier::DocExample] {
        assert_eq!(
            verify(verifier, secret, received),
            Verdict::Verified,
            "{verifier:?}"
        );
    }
}

/// Refused by the reference library and by the documentation's example.
pub fn assert_refused(secret: &str, received: &Received) {
    for verifier in [Verifier::Reference, Verifier::DocExample] {
        let verdict = verify(verifier, secret, received);
        assert!(
            matches!(verdict, Verdict::Refused(_)),
            "{verifier:?}: {verdict:?}"
        );
    }
}
