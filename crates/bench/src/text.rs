//! Synthetic helpdesk text: a vocabulary of real support words followed by pronounceable
//! made-up words, drawn with a power-law skew (a few words are everywhere, most are rare), and
//! lengths drawn from log-normal distributions.

use rand::Rng;
use rand::rngs::SmallRng;

/// Frequent words of support tickets, most frequent first. Searches in the benchmark use some
/// of them, so keep them stable.
const SUPPORT_WORDS: &[&str] = &[
    "error",
    "login",
    "password",
    "account",
    "access",
    "email",
    "issue",
    "problem",
    "update",
    "server",
    "network",
    "printer",
    "laptop",
    "invoice",
    "payment",
    "vpn",
    "outlook",
    "report",
    "screen",
    "install",
    "license",
    "backup",
    "slow",
    "crash",
    "sync",
    "phone",
    "wifi",
    "reset",
    "permission",
    "folder",
    "download",
    "upload",
    "browser",
    "firewall",
    "database",
    "timeout",
    "certificate",
    "monitor",
    "keyboard",
    "mouse",
    "calendar",
    "meeting",
    "driver",
    "software",
    "hardware",
    "security",
    "warning",
    "refund",
    "order",
    "shipping",
    "delivery",
    "billing",
    "subscription",
    "upgrade",
    "dashboard",
    "export",
    "import",
    "configuration",
    "profile",
    "notification",
    "mobile",
    "tablet",
    "battery",
    "camera",
    "audio",
    "microphone",
    "headset",
    "scanner",
    "toner",
    "cartridge",
    "document",
    "spreadsheet",
    "attachment",
    "archive",
    "mailbox",
    "storage",
    "quota",
    "disk",
    "memory",
    "cpu",
    "restart",
    "shutdown",
    "freeze",
    "blue",
    "black",
    "blank",
    "missing",
    "broken",
    "locked",
    "expired",
    "denied",
    "failed",
    "unable",
    "cannot",
    "again",
    "urgent",
    "since",
    "yesterday",
    "today",
    "morning",
    "office",
    "remote",
    "home",
    "team",
    "manager",
    "client",
    "customer",
    "portal",
    "website",
    "page",
    "link",
    "button",
    "form",
    "field",
    "message",
    "contact",
    "support",
    "ticket",
    "request",
    "change",
    "new",
    "old",
    "version",
    "release",
    "patch",
    "bug",
    "feature",
    "question",
    "help",
    "please",
    "thanks",
    "still",
    "works",
    "working",
    "shows",
    "appears",
    "after",
    "before",
    "during",
    "while",
    "every",
    "time",
    "session",
    "token",
    "api",
    "integration",
    "webhook",
    "sso",
    "domain",
    "dns",
    "proxy",
    "router",
    "switch",
    "cable",
    "port",
    "adapter",
    "charger",
    "dock",
    "display",
    "resolution",
    "font",
    "language",
    "translation",
    "time",
    "zone",
    "date",
    "format",
    "currency",
    "tax",
    "discount",
    "coupon",
    "cart",
    "checkout",
    "card",
    "bank",
    "transfer",
    "statement",
    "receipt",
    "contract",
    "renewal",
    "trial",
];

/// Small words that glue sentences together (not drawn for topics).
const GLUE: &[&str] = &[
    "the", "a", "is", "it", "to", "and", "of", "in", "on", "my", "we", "for", "not", "with",
    "when", "this", "that", "our", "i", "but", "can", "you", "was", "at", "be",
];

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cr",
    "st", "tr", "pl", "gr",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ou", "ea"];
const CODAS: &[&str] = &["", "n", "r", "s", "l", "x", "m", "t", "nd", "rk"];

/// The vocabulary: support words first, then made-up words.
#[derive(Debug)]
pub struct Vocabulary {
    words: Vec<String>,
}

impl Vocabulary {
    /// Support words plus `extra` made-up words (deterministic).
    pub fn new(extra: usize) -> Self {
        let mut words: Vec<String> = SUPPORT_WORDS.iter().map(|w| (*w).to_owned()).collect();
        let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
        let mut n: usize = 0;
        while words.len() < SUPPORT_WORDS.len() + extra {
            let mut w = String::new();
            let mut k = n;
            for _ in 0..(2 + n % 2) {
                w.push_str(ONSETS[k % ONSETS.len()]);
                k /= ONSETS.len();
                w.push_str(VOWELS[k % VOWELS.len()]);
                k /= VOWELS.len();
            }
            w.push_str(CODAS[(n / 7) % CODAS.len()]);
            n += 1;
            if seen.insert(w.clone()) {
                words.push(w);
            }
            if n > extra * 50 + 1000 {
                break;
            }
        }
        Self { words }
    }

    /// A word: index `floor(len * u^3)`, so early (support) words dominate.
    pub fn word(&self, rng: &mut SmallRng) -> &str {
        let u: f64 = rng.random();
        let i = ((self.words.len() as f64) * u * u * u) as usize;
        self.words
            .get(i.min(self.words.len().saturating_sub(1)))
            .map_or("x", String::as_str)
    }

    /// `count` words as sentences: capitalised, glue words mixed in, a full stop every 6 to 14
    /// words; `lines` puts some sentences on new lines.
    pub fn sentences(&self, rng: &mut SmallRng, count: usize, lines: bool) -> String {
        let mut out = String::with_capacity(count * 8);
        let mut in_sentence = 0usize;
        let mut sentence_len = rng.random_range(6..15);
        for _ in 0..count.max(1) {
            let word = if in_sentence > 0 && rng.random_bool(0.35) {
                GLUE[rng.random_range(0..GLUE.len())]
            } else {
                self.word(rng)
            };
            if in_sentence == 0 {
                if !out.is_empty() {
                    out.push(if lines && rng.random_bool(0.2) {
                        '\n'
                    } else {
                        ' '
                    });
                }
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
            in_sentence += 1;
            if in_sentence >= sentence_len {
                out.push('.');
                in_sentence = 0;
                sentence_len = rng.random_range(6..15);
            }
        }
        if in_sentence > 0 {
            out.push('.');
        }
        out
    }

    /// A topic: 3 to 10 words, capitalised, no full stop, at most 255 characters.
    pub fn topic(&self, rng: &mut SmallRng) -> String {
        let n = rng.random_range(3..=10);
        let mut out = String::with_capacity(64);
        for i in 0..n {
            let word = self.word(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out.chars().take(255).collect()
    }
}

/// A log-normal draw with this median and shape `sigma`, clamped to `[lo, hi]`.
pub fn lognormal(rng: &mut SmallRng, median: f64, sigma: f64, lo: usize, hi: usize) -> usize {
    // Box-Muller: one standard normal from two uniforms.
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    let x = median * (sigma * z).exp();
    (x.round() as usize).clamp(lo, hi)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn text_fits_the_domain_limits() {
        let v = Vocabulary::new(3000);
        assert!(v.words.len() > 3000);
        let mut rng = SmallRng::seed_from_u64(1);
        for _ in 0..200 {
            let t = v.topic(&mut rng);
            assert!(ticketing_domain::Topic::parse(&t).is_ok(), "{t}");
            let n = lognormal(&mut rng, 40.0, 0.8, 3, 1200);
            let d = v.sentences(&mut rng, n, true);
            assert!(ticketing_domain::Description::parse(&d).is_ok());
        }
    }
}
