//! `ticketing-seed`: fills a fresh SQLite or PostgreSQL database of the ticketing helpdesk with
//! realistic data, fast, and writes a manifest (logins, notable ticket ids, a deep cursor) for
//! the benchmark scripts.
//!
//! ```text
//! ticketing-seed --database-url postgres://postgres@127.0.0.1/ticketing_bench \
//!     --tickets 1000000 --data-dir ./data --manifest bench.env
//! ```
#![forbid(unsafe_code)]

mod generate;
mod manifest;
mod model;
mod pg;
mod samples;
mod sqlite;
mod text;

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Parser;

use crate::generate::{Generator, Picks, Plan, users};
use crate::model::Chunk;
use crate::samples::{FileWriter, Samples};

/// Fills a fresh ticketing database with realistic data.
#[derive(Debug, Parser)]
#[command(name = "ticketing-seed", version, about)]
struct Args {
    /// sqlite://PATH or postgres://USER@HOST/DB (the schema is migrated first; the database
    /// must hold no tickets yet).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The server's data directory: attachment files go to `<dir>/attachments/files/`.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    /// Tickets to create.
    #[arg(long, default_value_t = 1000)]
    tickets: usize,
    /// Customers (default: tickets / 20, between 50 and 50 000).
    #[arg(long)]
    customers: Option<usize>,
    /// Staff accounts (two admins, the rest agents).
    #[arg(long, default_value_t = 20)]
    staff: usize,
    /// Mean messages per ticket (internal notes included).
    #[arg(long, default_value_t = 10.0)]
    messages_per_ticket: f64,
    /// Share of messages with an attachment.
    #[arg(long, default_value_t = 0.005)]
    attachment_rate: f64,
    /// Tickets are spread over this many days before now.
    #[arg(long, default_value_t = 730)]
    span_days: i64,
    /// Seed of the random streams (same seed, same data apart from "now").
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The password of every generated account.
    #[arg(long, default_value = "bench-Passw0rd!")]
    password: String,
    /// The two-word search the benchmark runs (its hit count goes into the manifest).
    #[arg(long, default_value = "printer toner")]
    search: String,
    /// The rare-word search (default: the word the generator puts into about one message in
    /// 10,000).
    #[arg(long, default_value = generate::RARE_WORD)]
    search_rare: String,
    /// The common-word search (default: the vocabulary's most frequent word).
    #[arg(long, default_value = "error")]
    search_common: String,
    /// Tickets per transaction.
    #[arg(long, default_value_t = 5000)]
    chunk: usize,
    /// PostgreSQL loader connections.
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Check every foreign key after an SQLite load (slow on large databases).
    #[arg(long)]
    verify: bool,
    /// Where to write the manifest (shell `KEY='value'` lines; a `.json` twin is written too).
    #[arg(long, default_value = "bench-manifest.env")]
    manifest: PathBuf,
}

enum Target {
    Sqlite(String),
    Postgres(String),
}

fn target(url: &str) -> anyhow::Result<Target> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Target::Postgres(url.to_owned()))
    } else if let Some(path) = ticketing_store::sqlite::parse_url(url) {
        let text = path
            .to_str()
            .context("the SQLite path is not UTF-8")?
            .to_owned();
        Ok(Target::Sqlite(text))
    } else {
        bail!("use sqlite://PATH or postgres://USER@HOST/DB")
    }
}

fn password_hash(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    // OWASP parameters, the same as the server's: m = 19 MiB, t = 2, p = 1.
    let params = argon2::Params::new(19_456, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(argon2
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

/// Counts of what was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub users: usize,
    pub tickets: usize,
    pub messages: usize,
    pub attachments: usize,
    pub activities: usize,
}

impl Totals {
    fn add(&mut self, c: &Chunk) {
        self.tickets += c.tickets.len();
        self.messages += c.messages.len();
        self.attachments += c.attachments.len();
        self.activities += c.activities.len();
    }

    fn rows(&self) -> usize {
        self.users + self.tickets + self.messages + self.attachments + self.activities
    }
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let target = target(&args.database_url)?;
    let now = chrono::Utc::now().timestamp_micros();
    let plan = Plan {
        tickets: args.tickets,
        customers: args
            .customers
            .unwrap_or((args.tickets / 20).clamp(50, 50_000))
            .max(1),
        staff: args.staff.max(1),
        messages_mean: args.messages_per_ticket.max(0.0),
        attachment_rate: args.attachment_rate.clamp(0.0, 1.0),
        deleted_rate: 0.002,
        span_days: args.span_days.max(1),
        seed: args.seed,
        now,
    };
    let parse = |flag: &str, raw: &str| {
        ticketing_domain::listing::SearchText::parse(raw).map_err(|e| anyhow::anyhow!("{flag} {e}"))
    };
    let terms = vec![
        parse("--search", &args.search)?,
        parse("--search-rare", &args.search_rare)?,
        parse("--search-common", &args.search_common)?,
    ];
    let samples = Samples::new();
    let files = FileWriter::new(&args.data_dir, &samples)
        .with_context(|| format!("cannot prepare {}", args.data_dir.display()))?;

    // Schema, through the stores' own migrations.
    match &target {
        Target::Sqlite(path) => {
            let store = ticketing_store::sqlite::SqliteStore::open(
                std::path::Path::new(path),
                ticketing_store::sqlite::SqliteOptions::default(),
            )?;
            store.migrate()?;
        }
        Target::Postgres(url) => {
            let store = ticketing_store::postgres::PgStore::connect(
                url,
                ticketing_store::postgres::PgOptions::default(),
            )?;
            store.migrate()?;
        }
    }
    let migrated = started.elapsed();

    let hash_started = Instant::now();
    let hash = password_hash(&args.password)?;
    let hash_time = hash_started.elapsed();

    let user_rows = users(&plan);
    let mut totals = Totals {
        users: user_rows.len(),
        ..Totals::default()
    };
    let load_started = Instant::now();
    let mut jobs = args.jobs.max(1);
    match &target {
        Target::Sqlite(path) => {
            let mut conn = sqlite::loader_connection(path)?;
            if sqlite::has_tickets(&mut conn)? {
                bail!("the database already holds tickets: seed a fresh one");
            }
            sqlite::write_users(&mut conn, &user_rows, &hash)?;
        }
        Target::Postgres(url) => {
            let (mut conn, replica) = pg::loader_connection(url)?;
            if !replica {
                eprintln!(
                    "note: not a superuser: one loader connection, every trigger on (slower)"
                );
                jobs = 1;
            }
            if pg::has_tickets(&mut conn)? {
                bail!("the database already holds tickets: seed a fresh one");
            }
            pg::write_users(&mut conn, &user_rows, &hash)?;
        }
    }

    let generator = Generator::new(plan.clone(), &user_rows, samples);
    let (tx, rx) = sync_channel::<Chunk>(3);
    let chunk_size = args.chunk.max(1);
    let total_tickets = plan.tickets;
    let search = terms.clone();
    let producer = std::thread::spawn(move || {
        let mut picks = Picks::default();
        let mut start = 0;
        while start < total_tickets {
            let end = (start + chunk_size).min(total_tickets);
            let chunk = generator.chunk(start..end, &mut picks, &search);
            if tx.send(chunk).is_err() {
                break;
            }
            start = end;
        }
        picks
    });

    let rx = Arc::new(Mutex::new(rx));
    let progress = Arc::new(Mutex::new((Totals::default(), Instant::now())));
    let writers: Vec<std::thread::JoinHandle<anyhow::Result<()>>> = match &target {
        Target::Sqlite(path) => {
            let path = path.clone();
            let rx = Arc::clone(&rx);
            let progress = Arc::clone(&progress);
            let files = Arc::new(files);
            vec![std::thread::spawn(move || {
                let mut conn = sqlite::loader_connection(&path)?;
                while let Some(chunk) = next(&rx) {
                    sqlite::write_chunk(&mut conn, &chunk)?;
                    link_files(&files, &chunk)?;
                    report(&progress, &chunk, total_tickets);
                }
                Ok(())
            })]
        }
        Target::Postgres(url) => {
            let files = Arc::new(files);
            let mut handles = Vec::new();
            for _ in 0..jobs {
                let url = url.clone();
                let rx = Arc::clone(&rx);
                let progress = Arc::clone(&progress);
                let files = Arc::clone(&files);
                handles.push(std::thread::spawn(move || {
                    let (mut conn, _) = pg::loader_connection(&url)?;
                    while let Some(chunk) = next(&rx) {
                        let encoded = pg::encode(&chunk);
                        pg::write_chunk(&mut conn, &encoded)?;
                        link_files(&files, &chunk)?;
                        report(&progress, &chunk, total_tickets);
                    }
                    Ok(())
                }));
            }
            handles
        }
    };
    let mut failure = None;
    for w in writers {
        match w.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(_) => failure = failure.or(Some(anyhow::anyhow!("a writer thread panicked"))),
        }
    }
    // Writers that stopped early drop the receiver; the producer then stops too.
    drop(rx);
    let picks = producer
        .join()
        .map_err(|_| anyhow::anyhow!("the generator thread panicked"))?;
    if let Some(e) = failure {
        return Err(e);
    }
    {
        let guard = progress.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let t = guard.0;
        totals.tickets = t.tickets;
        totals.messages = t.messages;
        totals.attachments = t.attachments;
        totals.activities = t.activities;
    }
    let load_time = load_started.elapsed();

    let finish_started = Instant::now();
    match &target {
        Target::Sqlite(path) => {
            let mut conn = sqlite::loader_connection(path)?;
            if args.verify {
                sqlite::verify(&mut conn)?;
            }
            sqlite::finish(&mut conn)?;
        }
        Target::Postgres(url) => {
            let (mut conn, _) = pg::loader_connection(url)?;
            pg::finish(&mut conn)?;
        }
    }
    let finish_time = finish_started.elapsed();

    let rows = totals.rows();
    let rate = rows as f64 / load_time.as_secs_f64().max(1e-9);
    eprintln!(
        "seeded {} users, {} tickets, {} messages, {} attachments, {} activities \
         ({rows} rows) in {:.1} s: {:.0} rows/s; migrate {:.2} s, password hash {:.2} s, \
         finish {:.1} s, total {:.1} s",
        totals.users,
        totals.tickets,
        totals.messages,
        totals.attachments,
        totals.activities,
        load_time.as_secs_f64(),
        rate,
        migrated.as_secs_f64(),
        hash_time.as_secs_f64(),
        finish_time.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    let timing = manifest::Timing {
        load_secs: load_time.as_secs_f64(),
        finish_secs: finish_time.as_secs_f64(),
        total_secs: started.elapsed().as_secs_f64(),
        rows_per_sec: rate,
    };
    manifest::write(
        &args.manifest,
        &manifest::Inputs {
            password: &args.password,
            users: &user_rows,
            picks: &picks,
            totals,
            searches: [&args.search, &args.search_rare, &args.search_common],
            timing,
        },
    )?;
    Ok(())
}

fn next(rx: &Arc<Mutex<Receiver<Chunk>>>) -> Option<Chunk> {
    rx.lock().ok()?.recv().ok()
}

fn link_files(files: &FileWriter, chunk: &Chunk) -> anyhow::Result<()> {
    for a in &chunk.attachments {
        files
            .link(&a.storage_key, a.sample)
            .with_context(|| format!("cannot write the file of {}", a.storage_key))?;
    }
    Ok(())
}

fn report(progress: &Mutex<(Totals, Instant)>, chunk: &Chunk, total: usize) {
    let Ok(mut guard) = progress.lock() else {
        return;
    };
    let before = guard.0.tickets * 10 / total.max(1);
    guard.0.add(chunk);
    let after = guard.0.tickets * 10 / total.max(1);
    if after > before {
        let secs = guard.1.elapsed().as_secs_f64();
        let rows = guard.0.rows();
        eprintln!(
            "  {:>3}% {} tickets, {} rows, {:.1} s ({:.0} rows/s)",
            after * 10,
            guard.0.tickets,
            rows,
            secs,
            rows as f64 / secs.max(1e-9)
        );
    }
}
