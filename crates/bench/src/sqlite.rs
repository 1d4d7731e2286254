//! SQLite loading: one big transaction per chunk, multi-row `INSERT`s, `synchronous = OFF`, an
//! in-memory rollback journal and a large page cache during the load; WAL and `NORMAL` are
//! restored at the end. The FTS5 index is filled by the schema's own triggers, row by row, in
//! the same transactions.

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::model::{Chunk, UserRow};

use ticketing_store_sqlite::schema::{activities, attachments, messages, tickets, users};

type Id = [u8; 16];

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct NewUser<'a> {
    id: &'a [u8],
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
    date_joined: i64,
    last_login: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = tickets, treat_none_as_default_value = false)]
struct NewTicket<'a> {
    id: &'a [u8],
    owner_id: &'a [u8],
    assigned_to_id: Option<&'a [u8]>,
    topic: &'a str,
    description: &'a str,
    status: &'a str,
    priority: i16,
    created_at: i64,
    updated_at: i64,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    version: i64,
    message_count: i64,
    internal_note_count: i64,
    deleted_at: Option<i64>,
    search_text: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = messages, treat_none_as_default_value = false)]
struct NewMessage<'a> {
    id: &'a [u8],
    ticket_id: &'a [u8],
    author_id: &'a [u8],
    body: &'a str,
    is_staff_message: bool,
    internal: bool,
    created_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = attachments, treat_none_as_default_value = false)]
struct NewAttachment<'a> {
    id: &'a [u8],
    ticket_id: &'a [u8],
    message_id: Option<&'a [u8]>,
    storage_key: &'a str,
    filename: &'a str,
    content_type: &'a str,
    size: i64,
    sha256: &'a str,
    internal: bool,
    uploaded_by: &'a [u8],
    uploaded_at: i64,
}

#[derive(Insertable)]
#[diesel(table_name = activities, treat_none_as_default_value = false)]
struct NewActivity<'a> {
    id: &'a [u8],
    ticket_id: &'a [u8],
    action: &'a str,
    details: &'a str,
    internal: bool,
    performed_by: &'a [u8],
    created_at: i64,
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
    let ids: Vec<Id> = rows.iter().map(|u| *u.id.as_bytes()).collect();
    let new: Vec<NewUser<'_>> = rows
        .iter()
        .zip(&ids)
        .map(|(u, id)| NewUser {
            id,
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
            date_joined: u.date_joined,
            last_login: u.last_login,
        })
        .collect();
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
    let bytes = |u: &uuid::Uuid| *u.as_bytes();
    let t_ids: Vec<(Id, Id, Option<Id>)> = chunk
        .tickets
        .iter()
        .map(|t| {
            (
                bytes(&t.id),
                bytes(&t.owner),
                t.assignee.as_ref().map(bytes),
            )
        })
        .collect();
    let tickets: Vec<NewTicket<'_>> = chunk
        .tickets
        .iter()
        .zip(&t_ids)
        .map(|(t, (id, owner, assignee))| NewTicket {
            id,
            owner_id: owner,
            assigned_to_id: assignee.as_ref().map(|a| a.as_slice()),
            topic: &t.topic,
            description: &t.description,
            status: t.status,
            priority: t.priority,
            created_at: t.created_at,
            updated_at: t.updated_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            version: t.version,
            message_count: t.message_count,
            internal_note_count: t.internal_note_count,
            deleted_at: t.deleted_at,
            search_text: &t.search_text,
        })
        .collect();
    let m_ids: Vec<(Id, Id, Id)> = chunk
        .messages
        .iter()
        .map(|m| (bytes(&m.id), bytes(&m.ticket_id), bytes(&m.author)))
        .collect();
    let messages: Vec<NewMessage<'_>> = chunk
        .messages
        .iter()
        .zip(&m_ids)
        .map(|(m, (id, ticket, author))| NewMessage {
            id,
            ticket_id: ticket,
            author_id: author,
            body: &m.body,
            is_staff_message: m.is_staff,
            internal: m.internal,
            created_at: m.created_at,
        })
        .collect();
    let f_ids: Vec<(Id, Id, Option<Id>, Id)> = chunk
        .attachments
        .iter()
        .map(|a| {
            (
                bytes(&a.id),
                bytes(&a.ticket_id),
                a.message_id.as_ref().map(bytes),
                bytes(&a.uploaded_by),
            )
        })
        .collect();
    let files: Vec<NewAttachment<'_>> = chunk
        .attachments
        .iter()
        .zip(&f_ids)
        .map(|(a, (id, ticket, message, by))| NewAttachment {
            id,
            ticket_id: ticket,
            message_id: message.as_ref().map(|m| m.as_slice()),
            storage_key: &a.storage_key,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            internal: a.internal,
            uploaded_by: by,
            uploaded_at: a.uploaded_at,
        })
        .collect();
    let a_ids: Vec<(Id, Id, Id)> = chunk
        .activities
        .iter()
        .map(|a| (bytes(&a.id), bytes(&a.ticket_id), bytes(&a.performed_by)))
        .collect();
    let entries: Vec<NewActivity<'_>> = chunk
        .activities
        .iter()
        .zip(&a_ids)
        .map(|(a, (id, ticket, by))| NewActivity {
            id,
            ticket_id: ticket,
            action: a.action,
            details: &a.details,
            internal: a.internal,
            performed_by: by,
            created_at: a.created_at,
        })
        .collect();
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
