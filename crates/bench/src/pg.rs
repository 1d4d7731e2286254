//! PostgreSQL loading: `COPY … FROM STDIN` (text format) through diesel's `copy_from`, one
//! transaction per chunk (tickets, then their messages, attachments and activities), indexes
//! kept. With a superuser, `session_replication_role = replica` skips the per-row foreign-key
//! triggers during the load (the generator writes consistent rows by construction) and the
//! `ticket_counts` and `ticket_lexemes` triggers (the counts and the search lexemes are rebuilt
//! at the end); every index is maintained as usual. Without that right, one loader connection
//! runs with every trigger on.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Datelike, Timelike};
use diesel::connection::SimpleConnection;
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use uuid::Uuid;

use crate::model::{Chunk, UserRow};

use ticketing_store::schema::{activities, attachments, messages, tickets, users};

/// Text-format COPY rows.
#[derive(Debug, Default)]
struct Rows(Vec<u8>);

impl Rows {
    fn sep(&mut self) {
        self.0.push(b'\t');
    }

    fn end(&mut self) {
        self.0.push(b'\n');
    }

    fn uuid(&mut self, id: Uuid) {
        let mut buf = [0u8; 36];
        self.0
            .extend_from_slice(id.hyphenated().encode_lower(&mut buf).as_bytes());
    }

    fn opt_uuid(&mut self, id: Option<Uuid>) {
        match id {
            Some(id) => self.uuid(id),
            None => self.null(),
        }
    }

    fn null(&mut self) {
        self.0.extend_from_slice(b"\\N");
    }

    fn text(&mut self, s: &str) {
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.0.extend_from_slice(b"\\\\"),
                b'\t' => self.0.extend_from_slice(b"\\t"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                _ => self.0.push(b),
            }
        }
    }

    fn int(&mut self, n: i64) {
        let _ = write!(self.0, "{n}");
    }

    fn bool(&mut self, b: bool) {
        self.0.push(if b { b't' } else { b'f' });
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, written by hand (millions of them).
    fn time(&mut self, micros: i64) {
        let Some(t) = DateTime::from_timestamp_micros(micros) else {
            self.null();
            return;
        };
        let d = t.naive_utc();
        let two = |v: &mut Vec<u8>, n: u32| {
            v.push(b'0' + (n / 10) as u8);
            v.push(b'0' + (n % 10) as u8);
        };
        let year = d.year().clamp(0, 9999) as u32;
        for div in [1000, 100, 10, 1] {
            self.0.push(b'0' + ((year / div) % 10) as u8);
        }
        self.0.push(b'-');
        two(&mut self.0, d.month());
        self.0.push(b'-');
        two(&mut self.0, d.day());
        self.0.push(b' ');
        two(&mut self.0, d.hour());
        self.0.push(b':');
        two(&mut self.0, d.minute());
        self.0.push(b':');
        two(&mut self.0, d.second());
        self.0.push(b'.');
        let frac = micros.rem_euclid(1_000_000) as u32;
        for div in [100_000, 10_000, 1000, 100, 10, 1] {
            self.0.push(b'0' + ((frac / div) % 10) as u8);
        }
        self.0.extend_from_slice(b"+00");
    }

    fn opt_time(&mut self, micros: Option<i64>) {
        match micros {
            Some(m) => self.time(m),
            None => self.null(),
        }
    }
}

/// Sends prepared COPY text into `table` (`cols` names the target columns).
macro_rules! copy_rows {
    ($conn:expr, $table:expr, $cols:expr, $rows:expr) => {{
        let data: &[u8] = &$rows.0;
        if !data.is_empty() {
            diesel::copy_from($table)
                .from_raw_data($cols, |w: &mut dyn Write| {
                    w.write_all(data)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                })
                .with_format(CopyFormat::Text)
                .execute($conn)?;
        }
    }};
}

/// Writes the users, all in one COPY.
pub fn write_users(
    conn: &mut PgConnection,
    rows: &[UserRow],
    password_hash: &str,
) -> anyhow::Result<()> {
    let mut r = Rows::default();
    for u in rows {
        r.uuid(u.id);
        r.sep();
        r.text(&u.username);
        r.sep();
        r.text(&u.username_key);
        r.sep();
        r.text(&u.email);
        r.sep();
        r.text(&u.email_key);
        r.sep();
        r.text(&u.first_name);
        r.sep();
        r.text(&u.last_name);
        r.sep();
        r.text(u.role);
        r.sep();
        r.bool(true);
        r.sep();
        r.text(password_hash);
        r.sep();
        r.int(0);
        r.sep();
        r.time(u.date_joined);
        r.sep();
        r.opt_time(u.last_login);
        r.end();
    }
    let cols = (
        users::id,
        users::username,
        users::username_key,
        users::email,
        users::email_key,
        users::first_name,
        users::last_name,
        users::role,
        users::is_active,
        users::password_hash,
        users::token_epoch,
        users::date_joined,
        users::last_login,
    );
    conn.transaction(|c| {
        copy_rows!(c, users::table, cols, r);
        Ok::<_, diesel::result::Error>(())
    })
    .context("COPY users")
}

/// The four COPY payloads of a chunk.
#[derive(Debug)]
pub struct Encoded {
    tickets: Rows,
    messages: Rows,
    attachments: Rows,
    activities: Rows,
}

/// Encodes a chunk as COPY text.
pub fn encode(chunk: &Chunk) -> Encoded {
    let mut t = Rows(Vec::with_capacity(chunk.tickets.len() * 900));
    for x in &chunk.tickets {
        t.uuid(x.id);
        t.sep();
        t.uuid(x.owner);
        t.sep();
        t.opt_uuid(x.assignee);
        t.sep();
        t.text(&x.topic);
        t.sep();
        t.text(&x.description);
        t.sep();
        t.text(x.status);
        t.sep();
        t.int(i64::from(x.priority));
        t.sep();
        t.time(x.created_at);
        t.sep();
        t.time(x.updated_at);
        t.sep();
        t.opt_time(x.resolved_at);
        t.sep();
        t.opt_time(x.closed_at);
        t.sep();
        t.int(x.version);
        t.sep();
        t.int(x.message_count);
        t.sep();
        t.int(x.internal_note_count);
        t.sep();
        t.opt_time(x.deleted_at);
        t.sep();
        t.text(&x.search_text);
        // Generated tickets carry no internal-only change: the public version and time are the
        // full ones.
        t.sep();
        t.int(x.version);
        t.sep();
        t.time(x.updated_at);
        // Who spoke last (the number is the identity column's).
        t.sep();
        t.opt_uuid(x.last_public.map(|l| l.0));
        t.sep();
        match x.last_public {
            Some((_, staff, _)) => t.bool(staff),
            None => t.null(),
        }
        t.sep();
        t.opt_time(x.last_public.map(|l| l.2));
        t.sep();
        t.text(&x.conversation_text);
        t.sep();
        t.text(&x.notes_text);
        t.end();
    }
    let mut m = Rows(Vec::with_capacity(chunk.messages.len() * 300));
    for x in &chunk.messages {
        m.uuid(x.id);
        m.sep();
        m.uuid(x.ticket_id);
        m.sep();
        m.uuid(x.author);
        m.sep();
        m.text(&x.body);
        m.sep();
        m.bool(x.is_staff);
        m.sep();
        m.bool(x.internal);
        m.sep();
        m.time(x.created_at);
        m.end();
    }
    let mut f = Rows::default();
    for x in &chunk.attachments {
        f.uuid(x.id);
        f.sep();
        f.uuid(x.ticket_id);
        f.sep();
        f.opt_uuid(x.message_id);
        f.sep();
        f.text(&x.storage_key);
        f.sep();
        f.text(x.filename);
        f.sep();
        f.text(x.content_type);
        f.sep();
        f.int(x.size);
        f.sep();
        f.text(x.sha256);
        f.sep();
        f.bool(x.internal);
        f.sep();
        f.uuid(x.uploaded_by);
        f.sep();
        f.time(x.uploaded_at);
        f.end();
    }
    let mut a = Rows(Vec::with_capacity(chunk.activities.len() * 160));
    for x in &chunk.activities {
        a.uuid(x.id);
        a.sep();
        a.uuid(x.ticket_id);
        a.sep();
        a.text(x.action);
        a.sep();
        a.text(&x.details);
        a.sep();
        a.bool(x.internal);
        a.sep();
        a.uuid(x.performed_by);
        a.sep();
        a.time(x.created_at);
        a.end();
    }
    Encoded {
        tickets: t,
        messages: m,
        attachments: f,
        activities: a,
    }
}

/// Copies one encoded chunk in one transaction.
pub fn write_chunk(conn: &mut PgConnection, e: &Encoded) -> anyhow::Result<()> {
    conn.transaction(|c| {
        copy_rows!(
            c,
            tickets::table,
            (
                tickets::id,
                tickets::owner_id,
                tickets::assigned_to_id,
                tickets::topic,
                tickets::description,
                tickets::status,
                tickets::priority,
                tickets::created_at,
                tickets::updated_at,
                tickets::resolved_at,
                tickets::closed_at,
                tickets::version,
                tickets::message_count,
                tickets::internal_note_count,
                tickets::deleted_at,
                tickets::search_text,
                tickets::public_version,
                tickets::public_updated_at,
                tickets::last_public_author_id,
                tickets::last_public_by_staff,
                tickets::last_public_at,
                tickets::conversation_text,
                tickets::notes_text,
            ),
            e.tickets
        );
        copy_rows!(
            c,
            messages::table,
            (
                messages::id,
                messages::ticket_id,
                messages::author_id,
                messages::body,
                messages::is_staff_message,
                messages::internal,
                messages::created_at,
            ),
            e.messages
        );
        copy_rows!(
            c,
            attachments::table,
            (
                attachments::id,
                attachments::ticket_id,
                attachments::message_id,
                attachments::storage_key,
                attachments::filename,
                attachments::content_type,
                attachments::size,
                attachments::sha256,
                attachments::internal,
                attachments::uploaded_by,
                attachments::uploaded_at,
            ),
            e.attachments
        );
        copy_rows!(
            c,
            activities::table,
            (
                activities::id,
                activities::ticket_id,
                activities::action,
                activities::details,
                activities::internal,
                activities::performed_by,
                activities::created_at,
            ),
            e.activities
        );
        Ok::<_, diesel::result::Error>(())
    })
    .context("COPY chunk")
}

/// A loader connection: asynchronous commit, foreign-key triggers skipped when allowed.
pub fn loader_connection(url: &str) -> anyhow::Result<(PgConnection, bool)> {
    let mut conn = PgConnection::establish(url).context("cannot connect to PostgreSQL")?;
    conn.batch_execute("SET synchronous_commit = off")?;
    let replica = conn
        .batch_execute("SET session_replication_role = replica")
        .is_ok();
    Ok((conn, replica))
}

/// Whether the tickets table already has rows.
pub fn has_tickets(conn: &mut PgConnection) -> anyhow::Result<bool> {
    let n: i64 = tickets::table.count().get_result(conn)?;
    Ok(n > 0)
}

/// Rebuilds the exact ticket counters and writes the search lexemes of the loaded tickets (their
/// triggers do not fire while foreign-key triggers are skipped), then statistics and the
/// visibility map, as autovacuum would leave them on a live database.
pub fn finish(conn: &mut PgConnection) -> anyhow::Result<()> {
    conn.batch_execute("SET session_replication_role = DEFAULT")?;
    conn.batch_execute(
        "BEGIN;
         LOCK TABLE tickets IN SHARE MODE;
         DELETE FROM ticket_counts;
         INSERT INTO ticket_counts (assignee, status, priority, shard, n)
         SELECT coalesce(assigned_to_id, '00000000-0000-0000-0000-000000000000'), status,
                priority, get_byte(uuid_send(id), 15) % 4, count(*)
         FROM tickets WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4;
         COMMIT;",
    )
    .context("rebuild ticket_counts")?;
    // Into an empty table (a fresh seed) the lexemes go without their GIN index, which is then
    // built again from its own definition (the migration's): building it whole takes seconds,
    // inserting 100,000 tickets' lexemes into it one by one took 35 s.
    conn.batch_execute(
        "SET maintenance_work_mem = '256MB';
         DO $$
         DECLARE index_definition text;
         BEGIN
             IF NOT EXISTS (SELECT 1 FROM ticket_lexemes) THEN
                 SELECT indexdef INTO index_definition FROM pg_indexes
                 WHERE schemaname = current_schema() AND indexname = 'ticket_lexemes_idx';
                 DROP INDEX ticket_lexemes_idx;
             END IF;
             INSERT INTO ticket_lexemes (ticket_id, lexemes)
             SELECT id, ticket_lexemes_of(search_text, conversation_text, notes_text)
             FROM tickets
             WHERE NOT EXISTS (SELECT 1 FROM ticket_lexemes l WHERE l.ticket_id = tickets.id);
             IF index_definition IS NOT NULL THEN
                 EXECUTE index_definition;
             END IF;
         END
         $$;",
    )
    .context("write ticket_lexemes")?;
    conn.batch_execute(
        "VACUUM (ANALYZE) users, tickets, ticket_lexemes, messages, attachments, activities, \
         ticket_counts",
    )
    .context("VACUUM ANALYZE")
}
