//! `TicketRepository::list`: filters, keyset pagination and the total.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use ticketing_app::RepoError;
use ticketing_domain::Ticket;
use ticketing_domain::listing::{
    AssigneeFilter, CursorKey, Page, Scope, SearchText, SortKey, TicketQuery,
};

use super::{Conn, Db, search};
use crate::error::{DbResult, Fail};
use crate::rows::TicketRow;
use crate::schema::{ticket_counts, tickets};
use crate::sql_types::{DbId, DbTime};

/// The tickets `q` selects, ignoring cursor, order and limit (what `total` counts).
pub(crate) fn filtered(q: &TicketQuery) -> tickets::BoxedQuery<'static, Db> {
    let mut b = tickets::table
        .filter(tickets::deleted_at.is_null())
        .into_boxed();
    match q.scope {
        Scope::All => {}
        Scope::OwnedBy(u) => b = b.filter(tickets::owner_id.eq(DbId::from(u))),
        Scope::AssignedTo(u) => b = b.filter(tickets::assigned_to_id.eq(DbId::from(u))),
    }
    if !q.statuses.is_empty() {
        let statuses: Vec<&'static str> = q.statuses.iter().map(|s| s.as_str()).collect();
        b = b.filter(tickets::status.eq_any(statuses));
    }
    if !q.priorities.is_empty() {
        let ranks: Vec<i16> = q.priorities.iter().map(|p| p.rank()).collect();
        b = b.filter(tickets::priority.eq_any(ranks));
    }
    match q.assigned_to {
        None => {}
        Some(AssigneeFilter::User(u)) => b = b.filter(tickets::assigned_to_id.eq(DbId::from(u))),
        Some(AssigneeFilter::Nobody) => b = b.filter(tickets::assigned_to_id.is_null()),
    }
    if let Some(text) = &q.text {
        b = b.filter(matches(text));
    }
    b
}

/// The tickets whose stored words match every term of `q` as a prefix: the backend's text
/// index and query syntax (`search.rs`), the query text bound as a parameter.
fn matches(q: &SearchText) -> Box<dyn BoxableExpression<tickets::table, Db, SqlType = Bool>> {
    let text = q
        .terms()
        .iter()
        .map(|t| search::term(t))
        .collect::<Vec<_>>()
        .join(search::AND);
    let (before, after) = search::MATCH;
    Box::new(sql::<Bool>(before).bind::<Text, _>(text).sql(after))
}

/// The exact counters that answer `count(*)` of `q`, when its filters allow: no text search and
/// no owner scope (those still count the tickets). Absent keys sum to 0, which is exact too.
fn counted(q: &TicketQuery) -> Option<ticket_counts::BoxedQuery<'static, Db>> {
    if q.text.is_some() {
        return None;
    }
    let mut b = ticket_counts::table.into_boxed();
    match q.scope {
        Scope::All => {}
        Scope::AssignedTo(u) => b = b.filter(ticket_counts::assignee.eq(DbId::from(u))),
        Scope::OwnedBy(_) => return None,
    }
    if !q.statuses.is_empty() {
        let statuses: Vec<&'static str> = q.statuses.iter().map(|s| s.as_str()).collect();
        b = b.filter(ticket_counts::status.eq_any(statuses));
    }
    if !q.priorities.is_empty() {
        let ranks: Vec<i16> = q.priorities.iter().map(|p| p.rank()).collect();
        b = b.filter(ticket_counts::priority.eq_any(ranks));
    }
    match q.assigned_to {
        None => {}
        Some(AssigneeFilter::User(u)) => b = b.filter(ticket_counts::assignee.eq(DbId::from(u))),
        Some(AssigneeFilter::Nobody) => b = b.filter(ticket_counts::assignee.eq(DbId::NIL)),
    }
    Some(b)
}

/// How many tickets `q` selects in all pages: a sum over the counters when they apply (a few
/// hundred rows whatever the number of tickets), else `count(*)`.
fn total(c: &mut Conn, q: &TicketQuery) -> DbResult<i64> {
    Ok(match counted(q) {
        Some(counters) => counters
            .select(sql::<BigInt>("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
            .get_result(c)?,
        None => filtered(q).count().get_result(c)?,
    })
}

/// Orders by `$col` then id (both in the direction asked) and starts after `$after`
/// (`Option<(key, id)>`). The range condition `col <= k` (or `>=`) lets the index seek; the
/// `OR` only decides among ties.
macro_rules! keyset {
    ($b:expr, $col:expr, $after:expr, $desc:expr) => {{
        let mut b = $b;
        if let Some((k, id)) = $after {
            b = if $desc {
                b.filter($col.le(k).and($col.lt(k).or(tickets::id.lt(id))))
            } else {
                b.filter($col.ge(k).and($col.gt(k).or(tickets::id.gt(id))))
            };
        }
        if $desc {
            b.order_by(($col.desc(), tickets::id.desc()))
        } else {
            b.order_by(($col.asc(), tickets::id.asc()))
        }
    }};
}

fn bad_cursor() -> Fail {
    Fail::Repo(RepoError::Unexpected(anyhow::anyhow!(
        "the cursor does not fit the ordering"
    )))
}

/// The page of `q`: filters, the keyset condition after the cursor, the order (no limit).
pub(crate) fn page_query(q: &TicketQuery) -> DbResult<tickets::BoxedQuery<'static, Db>> {
    let ordering = q.ordering;
    if let Some(after) = &q.after {
        if after.ordering != ordering {
            return Err(bad_cursor());
        }
    }
    let after = q.after.map(|a| (a.key, DbId::from(a.id)));
    let desc = ordering.descending;
    Ok(match ordering.key {
        SortKey::CreatedAt | SortKey::UpdatedAt => {
            let after = match after {
                None => None,
                Some((CursorKey::Time(t), id)) => Some((DbTime::from(t), id)),
                Some(_) => return Err(bad_cursor()),
            };
            if ordering.key == SortKey::CreatedAt {
                keyset!(filtered(q), tickets::created_at, after, desc)
            } else if q.public_view {
                // A customer's list: the last change customers can see.
                keyset!(filtered(q), tickets::public_updated_at, after, desc)
            } else {
                keyset!(filtered(q), tickets::updated_at, after, desc)
            }
        }
        SortKey::Priority => {
            let after = match after {
                None => None,
                Some((CursorKey::Rank(r), id)) => Some((r, id)),
                Some(_) => return Err(bad_cursor()),
            };
            keyset!(filtered(q), tickets::priority, after, desc)
        }
    })
}

pub(crate) fn list(c: &mut Conn, q: &TicketQuery) -> DbResult<Page<Ticket>> {
    let total = total(c, q)?;
    let limit = usize::from(q.limit.get());
    let rows: Vec<TicketRow> = page_query(q)?
        .limit(i64::from(q.limit.get()) + 1)
        .select(TicketRow::as_select())
        .load(c)?;
    let more = rows.len() > limit;
    let items = rows
        .into_iter()
        .take(limit)
        .map(TicketRow::into_domain)
        .collect::<DbResult<Vec<Ticket>>>()?;
    let next = match items.last() {
        Some(last) if more => Some(q.cursor_after(last).encode()),
        _ => None,
    };
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or_default(),
        next,
    })
}
