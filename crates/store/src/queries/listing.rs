//! `TicketRepository::list`: filters, keyset pagination and the total.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use ticketing_app::RepoError;
use ticketing_domain::Ticket;
use ticketing_domain::chrono::{DateTime, Utc};
use ticketing_domain::listing::{
    AssigneeFilter, CursorKey, Page, Scope, SearchText, SortKey, TOTAL_CAP, TicketQuery,
    TimelineQuery,
};
use uuid::Uuid;

use super::{Conn, Db, search};
use crate::error::{DbResult, Fail};
use crate::rows::TicketRow;
use crate::schema::{ticket_counts, tickets};
use crate::sql_types::{DbId, DbTime};

/// A text search with more matches than this walks the list's order index and tests each ticket
/// against the text matches (the page fills after a few dozen rows) instead of fetching every
/// match and sorting them (the cost of a common word). Fewer matches are fetched and sorted.
/// The counted total (up to the cap) decides.
const WALK_THE_ORDER_ABOVE: i64 = 1_000;

/// The tickets `q` selects, ignoring cursor, order and limit (what `total` counts).
pub(crate) fn filtered(q: &TicketQuery) -> tickets::BoxedQuery<'static, Db> {
    filtered_as(q, false)
}

/// [`filtered`], for a text search with `many` matches or not (the plan, not the result,
/// differs: see `search::matching`).
fn filtered_as(q: &TicketQuery, many: bool) -> tickets::BoxedQuery<'static, Db> {
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
    if let Some(r) = q.requester {
        b = b.filter(tickets::owner_id.eq(DbId::from(r)));
    }
    if let Some(text) = &q.text {
        b = match sought(q) {
            // `#1042` or `1042`: the ticket of that number, and the text matches.
            Some(n) => b.filter(tickets::number.eq(n).or(matches(text, q.public_view, many))),
            None => b.filter(matches(text, q.public_view, many)),
        };
    }
    b
}

/// The ticket number the query's text is (see `SearchText::ticket_number`), as stored.
fn sought(q: &TicketQuery) -> Option<i64> {
    q.sought_number().and_then(|n| i64::try_from(n).ok())
}

/// The tickets whose stored words match every term of `q` as a prefix: topic, description and
/// conversation, internal notes included unless `public_only` (a customer's list). The
/// backend's text index and query syntax (`search.rs`), the query text bound as a parameter.
fn matches(
    q: &SearchText,
    public_only: bool,
    many: bool,
) -> Box<dyn BoxableExpression<tickets::table, Db, SqlType = Bool>> {
    let text = search::query(q.terms(), public_only);
    let (before, after) = search::matching(public_only, many);
    Box::new(sql::<Bool>(before).bind::<Text, _>(text).sql(after))
}

/// The exact counters that answer `count(*)` of `q`, when its filters allow: no text search and
/// no owner scope or requester filter (those still count the tickets). Absent keys sum to 0,
/// which is exact too.
fn counted(q: &TicketQuery) -> Option<ticket_counts::BoxedQuery<'static, Db>> {
    if q.text.is_some() || q.requester.is_some() {
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

/// How many tickets `q` selects in all pages, up to [`TOTAL_CAP`]` + 1` (more than the cap): a
/// sum over the counters when they apply (a few hundred rows whatever the number of tickets),
/// else a count that stops after `TOTAL_CAP + 1` rows (a common word's matches are not all
/// visited).
fn total(c: &mut Conn, q: &TicketQuery) -> DbResult<i64> {
    let over = i64::try_from(TOTAL_CAP + 1).unwrap_or(i64::MAX);
    let n: i64 = match counted(q) {
        Some(counters) => counters
            .select(sql::<BigInt>("CAST(COALESCE(SUM(n), 0) AS BIGINT)"))
            .get_result(c)?,
        None => {
            let found: Vec<i32> = up_to_the_cap(q).load(c)?;
            i64::try_from(found.len()).unwrap_or(i64::MAX)
        }
    };
    Ok(n.min(over))
}

/// A row (`1`) per ticket `q` selects, at most [`TOTAL_CAP`]` + 1` of them: what `total`
/// counts when no counter applies (the database stops after that many matches).
pub(crate) fn up_to_the_cap(q: &TicketQuery) -> tickets::BoxedQuery<'static, Db, Integer> {
    let over = i64::try_from(TOTAL_CAP + 1).unwrap_or(i64::MAX);
    filtered(q).select(sql::<Integer>("1")).limit(over)
}

/// Orders by `$col` then `$id` (both in the direction asked) and starts after `$after`
/// (`Option<(key, id)>`). The range condition `col <= k` (or `>=`) lets the index seek; the
/// `OR` only decides among ties. Every keyset list uses it (tickets; a ticket's messages,
/// attachments and activities).
macro_rules! keyset {
    ($b:expr, $col:expr, $id:expr, $after:expr, $desc:expr) => {{
        let mut b = $b;
        if let Some((k, id)) = $after {
            b = if $desc {
                b.filter($col.le(k).and($col.lt(k).or($id.lt(id))))
            } else {
                b.filter($col.ge(k).and($col.gt(k).or($id.gt(id))))
            };
        }
        if $desc {
            b.order_by(($col.desc(), $id.desc()))
        } else {
            b.order_by(($col.asc(), $id.asc()))
        }
    }};
}
pub(crate) use keyset;

pub(crate) fn bad_cursor() -> Fail {
    Fail::Repo(RepoError::Unexpected(anyhow::anyhow!(
        "the cursor does not fit the ordering"
    )))
}

/// The page of `q`: filters, the keyset condition after the cursor, the order (no limit).
#[cfg(test)]
pub(crate) fn page_query(q: &TicketQuery) -> DbResult<tickets::BoxedQuery<'static, Db>> {
    page_query_as(q, false)
}

/// [`page_query`] for a text search with `many` matches or not (see [`WALK_THE_ORDER_ABOVE`]).
fn page_query_as(q: &TicketQuery, many: bool) -> DbResult<tickets::BoxedQuery<'static, Db>> {
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
                keyset!(
                    filtered_as(q, many),
                    tickets::created_at,
                    tickets::id,
                    after,
                    desc
                )
            } else if q.public_view {
                // A customer's list: the last change customers can see.
                keyset!(
                    filtered_as(q, many),
                    tickets::public_updated_at,
                    tickets::id,
                    after,
                    desc
                )
            } else {
                keyset!(
                    filtered_as(q, many),
                    tickets::updated_at,
                    tickets::id,
                    after,
                    desc
                )
            }
        }
        SortKey::Priority => {
            let after = match after {
                None => None,
                Some((CursorKey::Rank(r), id)) => Some((r, id)),
                Some(_) => return Err(bad_cursor()),
            };
            keyset!(
                filtered_as(q, many),
                tickets::priority,
                tickets::id,
                after,
                desc
            )
        }
    })
}

/// Where a page of a ticket's messages, attachments or activities starts: the cursor's time and
/// id, checked against the page's ordering.
pub(crate) fn timeline_after(q: &TimelineQuery) -> DbResult<Option<(DbTime, DbId)>> {
    match q.after {
        None => Ok(None),
        Some(c) if c.ordering == q.ordering() => match c.key {
            CursorKey::Time(t) => Ok(Some((DbTime::from(t), DbId::from(c.id)))),
            CursorKey::Rank(_) => Err(bad_cursor()),
        },
        Some(_) => Err(bad_cursor()),
    }
}

/// The page of a timeline whose `items` were loaded with a limit of `q.limit + 1`: at most
/// `q.limit` of them, and the cursor after the last one when more follow (`key` gives an item's
/// time and id). `count` counts the whole list; it runs only when needed: a first page that
/// holds everything is the whole list, its length the total (a ticket's detail, mostly). The
/// timelines run without a snapshot transaction (three per ticket detail cost PostgreSQL six
/// round trips): a total counted on a later page may include an item added meanwhile.
pub(crate) fn timeline_page<T>(
    q: &TimelineQuery,
    mut items: Vec<T>,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
    count: impl FnOnce() -> DbResult<i64>,
) -> DbResult<Page<T>> {
    let limit = usize::from(q.limit.get());
    let more = items.len() > limit;
    items.truncate(limit);
    let total = if q.after.is_none() && !more {
        items.len() as u64
    } else {
        u64::try_from(count()?).unwrap_or_default()
    };
    let next = match items.last() {
        Some(last) if more => {
            let (at, id) = key(last);
            Some(q.cursor_after(at, id).encode())
        }
        _ => None,
    };
    Ok(Page { items, total, next })
}

pub(crate) fn list(c: &mut Conn, q: &TicketQuery) -> DbResult<Page<Ticket>> {
    let total = total(c, q)?;
    let limit = usize::from(q.limit.get());
    // A number query (`#1042`): the ticket of that number, when the query selects it, opens the
    // first page; the other tickets follow in the query's order, after it (a cursor made from it
    // starts them from the beginning).
    let pinned: Option<TicketRow> = match sought(q) {
        Some(n) => filtered(q)
            .filter(tickets::number.eq(n))
            .select(TicketRow::as_select())
            .first(c)
            .optional()?,
        None => None,
    };
    let pinned_number = pinned.as_ref().map(|p| p.number);
    let after_pinned = matches!(
        (&pinned, q.after),
        (Some(p), Some(a)) if a.id == p.id.get::<Uuid>() && a.ordering == q.ordering
    );
    let head = if q.after.is_none() { pinned } else { None };
    let mut rest_query = q.clone();
    if after_pinned {
        rest_query.after = None;
    }
    let many = q.text.is_some() && total > WALK_THE_ORDER_ABOVE;
    let mut rest = page_query_as(&rest_query, many)?;
    if let Some(n) = pinned_number {
        rest = rest.filter(tickets::number.ne(n));
    }
    let want = limit - usize::from(head.is_some());
    let rows: Vec<TicketRow> = rest
        .limit(i64::try_from(want).unwrap_or(i64::MAX) + 1)
        .select(TicketRow::as_select())
        .load(c)?;
    let more = rows.len() > want;
    let items = head
        .into_iter()
        .chain(rows.into_iter().take(want))
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
