//! The manifest: what the benchmark scripts need to know about a seeded database.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use ticketing_domain::listing::{Cursor, CursorKey, TicketOrdering};

use crate::Totals;
use crate::generate::Picks;
use crate::model::UserRow;

/// How long the load took.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub load_secs: f64,
    pub finish_secs: f64,
    pub total_secs: f64,
    pub rows_per_sec: f64,
}

/// Everything the manifest is made of.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub password: &'a str,
    pub users: &'a [UserRow],
    pub picks: &'a Picks,
    pub totals: Totals,
    /// The two-word, rare-word and common-word searches (their hits are in `picks`, in this
    /// order).
    pub searches: [&'a str; 3],
    pub timing: Timing,
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Writes `path` (shell `KEY='value'` lines) and its `.json` twin.
pub fn write(path: &Path, i: &Inputs<'_>) -> anyhow::Result<()> {
    let first = |role: &str| {
        i.users
            .iter()
            .find(|u| u.role == role)
            .map(|u| u.username.clone())
            .unwrap_or_default()
    };
    let deep_cursor = i
        .picks
        .middle
        .and_then(|(micros, id)| {
            Some(Cursor {
                ordering: TicketOrdering::default(),
                key: CursorKey::Time(chrono::DateTime::from_timestamp_micros(micros)?),
                id,
            })
        })
        .map(|c| c.encode())
        .unwrap_or_default();
    let detail = i
        .picks
        .detail_ticket
        .map(|id| id.to_string())
        .unwrap_or_default();
    let posts: Vec<String> = i
        .picks
        .post_targets
        .iter()
        .map(|id| id.to_string())
        .collect();
    let hits = |k: usize| {
        i.picks
            .search_hits
            .get(k)
            .copied()
            .unwrap_or_default()
            .to_string()
    };
    let values: Vec<(&str, String)> = vec![
        ("BENCH_PASSWORD", i.password.to_owned()),
        ("BENCH_ADMIN", first("admin")),
        ("BENCH_AGENT", first("agent")),
        ("BENCH_CUSTOMER", first("customer")),
        ("BENCH_DETAIL_TICKET", detail),
        ("BENCH_DEEP_CURSOR", deep_cursor),
        ("BENCH_POST_TICKETS", posts.join(" ")),
        ("BENCH_SEARCH", i.searches[0].to_owned()),
        ("BENCH_SEARCH_HITS", hits(0)),
        ("BENCH_SEARCH_RARE", i.searches[1].to_owned()),
        ("BENCH_SEARCH_RARE_HITS", hits(1)),
        ("BENCH_SEARCH_COMMON", i.searches[2].to_owned()),
        ("BENCH_SEARCH_COMMON_HITS", hits(2)),
        ("BENCH_USERS", i.totals.users.to_string()),
        ("BENCH_TICKETS", i.totals.tickets.to_string()),
        ("BENCH_MESSAGES", i.totals.messages.to_string()),
        ("BENCH_ATTACHMENTS", i.totals.attachments.to_string()),
        ("BENCH_ACTIVITIES", i.totals.activities.to_string()),
        ("BENCH_SEED_LOAD_SECS", format!("{:.1}", i.timing.load_secs)),
        (
            "BENCH_SEED_FINISH_SECS",
            format!("{:.1}", i.timing.finish_secs),
        ),
        (
            "BENCH_SEED_TOTAL_SECS",
            format!("{:.1}", i.timing.total_secs),
        ),
        (
            "BENCH_SEED_ROWS_PER_SEC",
            format!("{:.0}", i.timing.rows_per_sec),
        ),
    ];
    let mut env = String::new();
    let mut json = serde_json::Map::new();
    for (k, v) in &values {
        let _ = writeln!(env, "{k}={}", shell_quote(v));
        json.insert((*k).to_owned(), serde_json::Value::String(v.clone()));
    }
    std::fs::write(path, env).with_context(|| format!("cannot write {}", path.display()))?;
    let json_path = path.with_extension("json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    Ok(())
}
