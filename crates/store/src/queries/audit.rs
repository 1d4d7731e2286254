//! `AuditRepository`, and appending audit entries inside other writes.

use async_trait::async_trait;
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::ports::AuditRepository;
use ticketing_app::{ActorFilter, AuditCursor, AuditEntry, AuditQuery};
use ticketing_domain::listing::Page;

use super::events::append_events;
use super::{Conn, Db, Store, batch};
use crate::error::DbResult;
use crate::rows::{AuditRow, EventRow};
use crate::schema::audit_log;
use crate::sql_types::{DbId, DbTime};

/// Appends `entries` and their outbox events (`AuditEntry::event`) inside the caller's
/// transaction, as its last statements (see `append_events`; one statement on PostgreSQL).
pub(crate) fn append_audit(c: &mut Conn, entries: &[AuditEntry]) -> DbResult<()> {
    let mut tail = batch::Tail::default();
    let events = insert_audit(&mut tail, entries)?;
    append_events(c, &mut tail, &events)?;
    tail.run(c)
}

/// Adds `entries` to the write's `tail` and answers the rows of their outbox events, for a
/// caller that appends them with its own events.
pub(crate) fn insert_audit(
    tail: &mut batch::Tail<'_>,
    entries: &[AuditEntry],
) -> DbResult<Vec<EventRow>> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<AuditRow> = entries.iter().map(AuditRow::new).collect();
    tail.push(diesel::insert_into(audit_log::table).values(rows));
    entries
        .iter()
        .map(|e| EventRow::new(&e.event()))
        .collect::<DbResult<Vec<_>>>()
}

/// The entries `q` selects, ignoring cursor, order and limit (what `total` counts).
fn filtered(q: &AuditQuery) -> audit_log::BoxedQuery<'static, Db> {
    let mut b = audit_log::table.into_boxed();
    match q.actor {
        None => {}
        Some(ActorFilter::Cli) => b = b.filter(audit_log::actor_id.is_null()),
        Some(ActorFilter::User(id)) => b = b.filter(audit_log::actor_id.eq(DbId::from(id))),
    }
    if let Some(target) = q.target {
        b = b.filter(audit_log::target_id.eq(DbId::from(target)));
    }
    if let Some(action) = q.action {
        b = b.filter(audit_log::action.eq(action.as_str()));
    }
    b
}

fn list(c: &mut Conn, q: &AuditQuery) -> DbResult<Page<AuditEntry>> {
    let total: i64 = filtered(q).count().get_result(c)?;
    let limit = usize::from(q.limit.get());
    let mut page = filtered(q);
    if let Some(AuditCursor { at, id }) = q.after {
        let (at, id) = (DbTime::from(at), DbId::from(id));
        page = page.filter(
            audit_log::at
                .le(at)
                .and(audit_log::at.lt(at).or(audit_log::id.lt(id))),
        );
    }
    let rows: Vec<AuditRow> = page
        .order_by((audit_log::at.desc(), audit_log::id.desc()))
        .limit(i64::from(q.limit.get()) + 1)
        .select(AuditRow::as_select())
        .load(c)?;
    let more = rows.len() > limit;
    let items = rows
        .into_iter()
        .take(limit)
        .map(AuditRow::into_domain)
        .collect::<DbResult<Vec<AuditEntry>>>()?;
    let next = match items.last() {
        Some(last) if more => Some(
            AuditCursor {
                at: last.at,
                id: last.id,
            }
            .encode(),
        ),
        _ => None,
    };
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or_default(),
        next,
        exact: true,
    })
}

#[async_trait]
impl AuditRepository for Store {
    async fn append(&self, entry: &AuditEntry) -> Result<(), RepoError> {
        let entry = entry.clone();
        self.write(move |c| append_audit(c, std::slice::from_ref(&entry)))
            .await
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, RepoError> {
        let q = query.clone();
        self.snapshot(move |c| list(c, &q)).await
    }
}
