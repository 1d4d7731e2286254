//! SQLite loading: one big transaction per chunk, multi-row `INSERT`s, `synchronous = OFF`, an
//! in-memory rollback journal and a large page cache during the load; WAL and `NORMAL` are
//! restored at the end. The FTS5 index is filled by the schema's own triggers, row by row, in
//! the same transactions.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::model::{Chunk, UserRow};

use ticketing_store::schema::{activities, attachments, messages, tickets, users};
use ticketing_store::sql_types::{DbId, DbTime};

/// A time of the generated data (microseconds since the Unix epoch).
fn at(micros: i64) -> anyhow::Result<DbTime> {
    DbTime::from_micros(micros).with_context(|| format!("time out of range: {micros} µs"))
}

fn opt_at(micros: Option<i64>) -> anyhow::Result<Option<DbTime>> {
    micros.map(at).transpose()
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct NewUser<'a> {
    id: DbId,
    username: &'a str,
    username_key: &'a str,
    email: &'a str,
    email_key: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    role: &'a str,
    is_active: bool,
    password_hash: &'a str,
    token_epoch: i64,
    date_joined: DbTime,
    last_login: Option<DbTime>,
}

#[derive(Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
struct NewTicket<'a> {
    id: DbId,
    owner_id: DbId,
    assigned_to_id: Option<DbId>,
    topic: &'a str,
    description: &'a str,
    status: &'a str,
    priority: i16,
    created_at: DbTime,
    updated_at: DbTime,
    resolved_at: Option<DbTime>,
    closed_at: Option<DbTime>,
    version: i64,
    message_count: i64,
    internal_note_count: i64,
    deleted_at: Option<DbTime>,
    search_text: &'a str,
    conversation_text: &'a str,
    notes_text: &'a str,
    public_version: i64,
    public_updated_at: DbTime,
    last_public_author_id: Option<DbId>,
    last_public_by_staff: Option<bool>,
    last_public_at: Option<DbTime>,
}

#[derive(Insertable)]
#[diesel(table_name = messages, treat_none_as_default_value = false)]
struct NewMessage<'a> {
    id: DbId,
    ticket_id: DbId,
    author_id: DbId,
    body: &'a str,
    is_staff_message: bool,
    internal: bool,
    created_at: DbTime,
}

#[derive(Insertable)]
#[diesel(table_name = attachments, treat_none_as_default_value = false)]
struct NewAttachment<'a> {
    id: DbId,
    ticket_id: DbId,
    message_id: Option<DbId>,
    storage_key: &'a str,
    filename: &'a str,
    content_type: &'a str,
    size: i64,
    sha256: &'a str,
    internal: bool,
    uploaded_by: DbId,
    uploaded_at: DbTime,
}

#[derive(Insertable)]
#[diesel(table_name = activities, treat_none_as_default_value = false)]
struct NewActivity<'a> {
    id: DbId,
    ticket_id: DbId,
    action: &'a str,
    details: &'a str,
    internal: bool,
    performed_by: DbId,
    created_at: DbTime,
}

/// Rows per multi-row `INSERT` (SQLite allows 32766 bound values).
const BATCH: usize = 256;

/// Opens the loader connection with bulk-load pragmas.
pub fn loader_connection(path: &str) -> anyhow::Result<SqliteConnection> {
    let mut conn = SqliteConnection::establish(path).context("cannot open the SQLite database")?;
    conn.batch_execute(
        "PRAGMA busy_timeout = 10000;
         PRAGMA journal_mode = MEMORY;
         PRAGMA synchronous = OFF;
         PRAGMA cache_size = -1048576;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = OFF;",
    )
    .context("bulk-load pragmas")?;
    Ok(conn)
}

/// Whether the tickets table already has rows.
pub fn has_tickets(conn: &mut SqliteConnection) -> anyhow::Result<bool> {
    let n: i64 = tickets::table.count().get_result(conn)?;
    Ok(n > 0)
}

/// Writes the users.
pub fn write_users(
    conn: &mut SqliteConnection,
    rows: &[UserRow],
    password_hash: &str,
) -> anyhow::Result<()> {
    let new = rows
        .iter()
        .map(|u| {
            Ok(NewUser {
                id: u.id.into(),
                username: &u.username,
                username_key: &u.username_key,
                email: &u.email,
                email_key: &u.email_key,
                first_name: &u.first_name,
                last_name: &u.last_name,
                role: u.role,
                is_active: true,
                password_hash,
                token_epoch: 0,
                date_joined: at(u.date_joined)?,
                last_login: opt_at(u.last_login)?,
            })
        })
        .collect::<anyhow::Result<Vec<NewUser<'_>>>>()?;
    conn.transaction(|c| {
        for batch in new.chunks(BATCH) {
            diesel::insert_into(users::table).values(batch).execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .context("insert users")
}

/// Writes one chunk in one transaction.
pub fn write_chunk(conn: &mut SqliteConnection, chunk: &Chunk) -> anyhow::Result<()> {
    let tickets = chunk
        .tickets
        .iter()
        .map(|t| {
            Ok(NewTicket {
                id: t.id.into(),
                owner_id: t.owner.into(),
                assigned_to_id: t.assignee.map(DbId::from),
                topic: &t.topic,
                description: &t.description,
                status: t.status,
                priority: t.priority,
                created_at: at(t.created_at)?,
                updated_at: at(t.updated_at)?,
                resolved_at: opt_at(t.resolved_at)?,
                closed_at: opt_at(t.closed_at)?,
                version: t.version,
                message_count: t.message_count,
                internal_note_count: t.internal_note_count,
                deleted_at: opt_at(t.deleted_at)?,
                search_text: &t.search_text,
                conversation_text: &t.conversation_text,
                notes_text: &t.notes_text,
                // No internal-only change in generated data: public = full.
                public_version: t.version,
                public_updated_at: at(t.updated_at)?,
                // Who spoke last (the number is the trigger's).
                last_public_author_id: t.last_public.map(|l| DbId::from(l.0)),
                last_public_by_staff: t.last_public.map(|l| l.1),
                last_public_at: t.last_public.map(|l| at(l.2)).transpose()?,
            })
        })
        .collect::<anyhow::Result<Vec<NewTicket<'_>>>>()?;
    let messages = chunk
        .messages
        .iter()
        .map(|m| {
            Ok(NewMessage {
                id: m.id.into(),
                ticket_id: m.ticket_id.into(),
                author_id: m.author.into(),
                body: &m.body,
                is_staff_message: m.is_staff,
                internal: m.internal,
                created_at: at(m.created_at)?,
            })
        })
        .collect::<anyhow::Result<Vec<NewMessage<'_>>>>()?;
    let files = chunk
        .attachments
        .iter()
        .map(|a| {
            Ok(NewAttachment {
                id: a.id.into(),
                ticket_id: a.ticket_id.into(),
                message_id: a.message_id.map(DbId::from),
                storage_key: &a.storage_key,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
                internal: a.internal,
                uploaded_by: a.uploaded_by.into(),
                uploaded_at: at(a.uploaded_at)?,
            })
        })
        .collect::<anyhow::Result<Vec<NewAttachment<'_>>>>()?;
    let entries = chunk
        .activities
        .iter()
        .map(|a| {
            Ok(NewActivity {
                id: a.id.into(),
                ticket_id: a.ticket_id.into(),
                action: a.action,
                details: &a.details,
                internal: a.internal,
                performed_by: a.performed_by.into(),
                created_at: at(a.created_at)?,
            })
        })
        .collect::<anyhow::Result<Vec<NewActivity<'_>>>>()?;
    conn.transaction(|c| {
        for batch in tickets.chunks(BATCH) {
            diesel::insert_into(tickets::table)
                .values(batch)
                .execute(c)?;
        }
        for batch in messages.chunks(BATCH) {
            diesel::insert_into(messages::table)
                .values(batch)
                .execute(c)?;
        }
        for batch in files.chunks(BATCH) {
            diesel::insert_into(attachments::table)
                .values(batch)
                .execute(c)?;
        }
        for batch in entries.chunks(BATCH) {
            diesel::insert_into(activities::table)
                .values(batch)
                .execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .context("insert chunk")
}

/// Restores the server's journal mode.
pub fn finish(conn: &mut SqliteConnection) -> anyhow::Result<()> {
    conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .context("restore WAL")
}

/// Checks the foreign keys of everything loaded.
pub fn verify(conn: &mut SqliteConnection) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Violation {
        #[diesel(sql_type = diesel::sql_types::Text)]
        table: String,
    }
    let violations: Vec<Violation> = diesel::sql_query("PRAGMA foreign_key_check").load(conn)?;
    if let Some(v) = violations.first() {
        anyhow::bail!(
            "{} foreign-key violations (first in {})",
            violations.len(),
            v.table
        );
    }
    Ok(())
}
