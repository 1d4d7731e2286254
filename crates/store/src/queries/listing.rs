//! `TicketRepository::list`: filters, keyset pagination and the total.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Integer};
use ticketing_app::RepoError;
use ticketing_domain::Ticket;
use ticketing_domain::chrono::{DateTime, Utc};
use ticketing_domain::listing::{
    AssigneeFilter, CursorKey, Page, Scope, SortKey, TOTAL_CAP, TicketQuery, TimelineQuery,
    search_walk,
};
use uuid::Uuid;

use super::{Conn, Db, search};
use crate::error::{DbResult, Fail};
use crate::rows::TicketRow;
use crate::schema::{ticket_counts, tickets};
use crate::sql_types::{DbId, DbTime};
use crate::words::Plan;

/// A counted text search with more matches than this (the cap: their count stopped) walks the
/// list's order index and tests each ticket instead of fetching every match and sorting them;
/// fewer matches are fetched through the text index and sorted. The walk found them rare among
/// the newest tickets (fewer than one in eight), so walking on for a page could read thousands
/// of rows per match: at 1M tickets on SQLite a word in 1,101 tickets took 4.8 s walked, when
/// the threshold was 1,000.
const WALK_THE_ORDER_ABOVE: i64 = TOTAL_CAP as i64;

/// The tickets `q` selects, ignoring cursor, order and limit (what `total` counts).
pub(crate) fn filtered(q: &TicketQuery) -> tickets::BoxedQuery<'static, Db> {
    filtered_as(q, Plan::Index)
}

/// [`filtered`], its text matched by `plan` (the plan, not the result, differs: see
/// `search::condition`).
fn filtered_as(q: &TicketQuery, plan: Plan) -> tickets::BoxedQuery<'static, Db> {
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
            Some(n) => b.filter(tickets::number.eq(n).or(search::condition(
                text.terms(),
                q.public_view,
                plan,
            ))),
            None => b.filter(search::condition(text.terms(), q.public_view, plan)),
        };
    }
    b
}

/// The ticket number the query's text is (see `SearchText::ticket_number`), as stored.
fn sought(q: &TicketQuery) -> Option<i64> {
    q.sought_number().and_then(|n| i64::try_from(n).ok())
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
        None => CountOf(up_to_the_cap(q)).get_result(c)?,
    };
    Ok(n.min(over))
}

/// A row (`1`) per ticket `q` selects, at most [`TOTAL_CAP`]` + 1` of them: what `total`
/// counts when no counter applies (the database stops after that many matches).
pub(crate) fn up_to_the_cap(q: &TicketQuery) -> tickets::BoxedQuery<'static, Db, Integer> {
    let over = i64::try_from(TOTAL_CAP + 1).unwrap_or(i64::MAX);
    filtered(q).select(sql::<Integer>("1")).limit(over)
}

/// `SELECT COUNT(*) FROM (<query>) AS capped`: the rows of `query` (e.g. [`up_to_the_cap`])
/// counted by the database, which sends one row back instead of one per match (a customer's
/// list counting 300 tickets spent most of its time receiving the 300 rows).
#[derive(Debug, Clone)]
pub(crate) struct CountOf<Q>(pub(crate) Q);

impl<Q> QueryId for CountOf<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for CountOf<Q> {
    type SqlType = BigInt;
}

impl<Q: QueryFragment<Db>> QueryFragment<Db> for CountOf<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_sql("SELECT COUNT(*) FROM (");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") AS capped");
        Ok(())
    }
}

impl<Q> RunQueryDsl<Conn> for CountOf<Q> {}

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

/// Keeps the tickets up to `$until` (`Option<(key, id)>`, inclusive) in the order of `$col`
/// then `$id`: the end of a search's walk. The range condition lets the index seek.
macro_rules! until {
    ($b:expr, $col:expr, $id:expr, $until:expr, $desc:expr) => {{
        match $until {
            None => $b,
            Some((k, id)) if $desc => $b.filter($col.ge(k).and($col.gt(k).or($id.ge(id)))),
            Some((k, id)) => $b.filter($col.le(k).and($col.lt(k).or($id.le(id)))),
        }
    }};
}

/// The page of `q`: filters, the keyset condition after the cursor, the order (no limit).
#[cfg(test)]
pub(crate) fn page_query(q: &TicketQuery) -> DbResult<tickets::BoxedQuery<'static, Db>> {
    page_query_as(q, Plan::Index, None)
}

/// [`page_query`], its text matched by `plan`, and ending at the ticket `until` (inclusive: the
/// walk's end, see [`search_page`]) when given.
fn page_query_as(
    q: &TicketQuery,
    plan: Plan,
    until: Option<(CursorKey, DbId)>,
) -> DbResult<tickets::BoxedQuery<'static, Db>> {
    let ordering = q.ordering;
    if let Some(after) = &q.after {
        if after.ordering != ordering {
            return Err(bad_cursor());
        }
    }
    let after = q.after.map(|a| (a.key, DbId::from(a.id)));
    let desc = ordering.descending;
    let b = filtered_as(q, plan);
    Ok(match ordering.key {
        SortKey::CreatedAt | SortKey::UpdatedAt => {
            let time = |k: Option<(CursorKey, DbId)>| match k {
                None => Ok(None),
                Some((CursorKey::Time(t), id)) => Ok(Some((DbTime::from(t), id))),
                Some(_) => Err(bad_cursor()),
            };
            let (after, until) = (time(after)?, time(until)?);
            if ordering.key == SortKey::CreatedAt {
                let b = until!(b, tickets::created_at, tickets::id, until, desc);
                keyset!(b, tickets::created_at, tickets::id, after, desc)
            } else if q.public_view {
                // A customer's list: the last change customers can see.
                let b = until!(b, tickets::public_updated_at, tickets::id, until, desc);
                keyset!(b, tickets::public_updated_at, tickets::id, after, desc)
            } else {
                let b = until!(b, tickets::updated_at, tickets::id, until, desc);
                keyset!(b, tickets::updated_at, tickets::id, after, desc)
            }
        }
        SortKey::Priority => {
            let rank = |k: Option<(CursorKey, DbId)>| match k {
                None => Ok(None),
                Some((CursorKey::Rank(r), id)) => Ok(Some((r, id))),
                Some(_) => Err(bad_cursor()),
            };
            let (after, until) = (rank(after)?, rank(until)?);
            let b = until!(b, tickets::priority, tickets::id, until, desc);
            keyset!(b, tickets::priority, tickets::id, after, desc)
        }
    })
}

/// Where a search's walk ends: the key and id of the [`search_walk`]-th ticket of `q`'s list
/// after its cursor without its text (and without the pinned ticket `pinned`), `None` when the
/// rest of the list is shorter than that.
fn walk_end(
    c: &mut Conn,
    q: &TicketQuery,
    pinned: Option<i64>,
) -> DbResult<Option<(CursorKey, DbId)>> {
    let mut plain = q.clone();
    plain.text = None;
    let mut b = page_query_as(&plain, Plan::Index, None)?;
    if let Some(n) = pinned {
        b = b.filter(tickets::number.ne(n));
    }
    let b = b
        .offset(i64::try_from(search_walk(q.limit) - 1).unwrap_or(0))
        .limit(1);
    let time = |row: Option<(DbTime, DbId)>| row.map(|(t, id)| (CursorKey::Time(t.get()), id));
    Ok(match q.ordering.key {
        SortKey::CreatedAt => time(
            b.select((tickets::created_at, tickets::id))
                .first(c)
                .optional()?,
        ),
        SortKey::UpdatedAt if q.public_view => time(
            b.select((tickets::public_updated_at, tickets::id))
                .first(c)
                .optional()?,
        ),
        SortKey::UpdatedAt => time(
            b.select((tickets::updated_at, tickets::id))
                .first(c)
                .optional()?,
        ),
        SortKey::Priority => b
            .select((tickets::priority, tickets::id))
            .first::<(i16, DbId)>(c)
            .optional()?
            .map(|(r, id)| (CursorKey::Rank(r), id)),
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
    Ok(Page {
        items,
        total,
        next,
        exact: true,
    })
}

pub(crate) fn list(c: &mut Conn, q: &TicketQuery) -> DbResult<Page<Ticket>> {
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
    let want = limit - usize::from(head.is_some());
    let (rows, total) = if q.text.is_some() {
        search_page(c, q, &rest_query, pinned_number, want)?
    } else {
        let total = total(c, q)?;
        let rows = rest_page(c, &rest_query, Plan::Index, None, pinned_number, want)?;
        (rows, Some(total))
    };
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
    // Not counted: at least this page and one more ticket.
    let (total, exact) = match total {
        Some(n) => (u64::try_from(n).unwrap_or_default(), true),
        None => (items.len() as u64 + 1, false),
    };
    Ok(Page {
        items,
        total,
        next,
        exact,
    })
}

/// Up to `want + 1` tickets of `rest` (the list after the cursor, or after the pinned ticket
/// `pinned`, which it leaves out) found by `plan`, ending at `until` when given.
fn rest_page(
    c: &mut Conn,
    rest: &TicketQuery,
    plan: Plan,
    until: Option<(CursorKey, DbId)>,
    pinned: Option<i64>,
    want: usize,
) -> DbResult<Vec<TicketRow>> {
    let mut b = page_query_as(rest, plan, until)?;
    if let Some(n) = pinned {
        b = b.filter(tickets::number.ne(n));
    }
    Ok(b.limit(i64::try_from(want).unwrap_or(i64::MAX) + 1)
        .select(TicketRow::as_select())
        .load(c)?)
}

/// The rows of a text search's page and its total (`None`: not counted, see
/// [`search_walk`]). First the walk: the next [`search_walk`] tickets of the list, tested one by
/// one in the list's order; when they hold the page and one more, that is the answer, whatever
/// the number of matches beyond (a common word: a few dozen rows read). Otherwise the matches
/// are few among the newest: they are counted through the text index (up to the cap) and the
/// page is found from them (a first page in the same pass, [`ranked_ids`]), or, when more than
/// [`WALK_THE_ORDER_ABOVE`] match, by walking on.
fn search_page(
    c: &mut Conn,
    q: &TicketQuery,
    rest: &TicketQuery,
    pinned: Option<i64>,
    want: usize,
) -> DbResult<(Vec<TicketRow>, Option<i64>)> {
    let end = walk_end(c, rest, pinned)?;
    let walked = rest_page(c, rest, Plan::Walk, end, pinned, want)?;
    let full = walked.len() > want;
    if end.is_none() && q.after.is_none() {
        // The whole list is shorter than the walk: counting it costs no more.
        if !full {
            let n = walked.len() + usize::from(pinned.is_some());
            return Ok((walked, Some(i64::try_from(n).unwrap_or(i64::MAX))));
        }
        let total = total(c, q)?;
        return Ok((walked, Some(total)));
    }
    if full {
        return Ok((walked, None));
    }
    search::prefer_index(c, true)?;
    let total = if q.after.is_none() && pinned.is_none() {
        // A first page: counted and found in one pass over at most the cap's matches.
        let (ids, total) = ranked_ids(c, q, want)?;
        if total <= WALK_THE_ORDER_ABOVE {
            return Ok((rows_by_id(c, &ids)?, Some(total)));
        }
        total
    } else {
        let total = total(c, q)?;
        if end.is_none() {
            return Ok((walked, Some(total)));
        }
        total
    };
    let plan = if total > WALK_THE_ORDER_ABOVE {
        search::prefer_index(c, false)?;
        Plan::Walk
    } else {
        Plan::Index
    };
    let rows = rest_page(c, rest, plan, None, pinned, want)?;
    Ok((rows, Some(total)))
}

/// The ids of the first `want + 1` tickets of `q`'s list (no cursor) and how many tickets `q`
/// selects, up to [`TOTAL_CAP`]` + 1`, in one pass: at most that many matches found through the
/// text index (their id and the list's key), numbered with `COUNT(*) OVER ()` and sorted. When
/// the count is over the cap, the ids are of an arbitrary part of the matches: the caller walks
/// the list's order instead. Counting and then finding the page looked every match up twice
/// (and sorted full rows): a word in 1,101 of 1M tickets took 13 ms of SQLite queries that way
/// and 4 ms this way (`sqlite3` shell, warm); on PostgreSQL two bitmap scans of the GIN index
/// and their heap visits became one.
fn ranked_ids(c: &mut Conn, q: &TicketQuery, want: usize) -> DbResult<(Vec<DbId>, i64)> {
    let over = i64::try_from(TOTAL_CAP + 1).unwrap_or(i64::MAX);
    let key = match q.ordering.key {
        SortKey::CreatedAt => "tickets.id AS i, tickets.created_at AS k",
        SortKey::UpdatedAt if q.public_view => "tickets.id AS i, tickets.public_updated_at AS k",
        SortKey::UpdatedAt => "tickets.id AS i, tickets.updated_at AS k",
        SortKey::Priority => "tickets.id AS i, tickets.priority AS k",
    };
    let ranked = Ranked {
        matches: filtered(q).select(sql::<Integer>(key)).limit(over),
        descending: q.ordering.descending,
        limit: i64::try_from(want).unwrap_or(i64::MAX).saturating_add(1),
    };
    let keys: Vec<(DbId, i64)> = ranked.load(c)?;
    let total = keys.first().map_or(0, |(_, n)| *n);
    Ok((keys.into_iter().map(|(id, _)| id).collect(), total))
}

/// The rows of the tickets `ids`, in that order.
fn rows_by_id(c: &mut Conn, ids: &[DbId]) -> DbResult<Vec<TicketRow>> {
    let mut rows: Vec<TicketRow> = tickets::table
        .filter(tickets::id.eq_any(ids))
        .select(TicketRow::as_select())
        .load(c)?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// `SELECT m.i, COUNT(*) OVER () FROM (<matches>) AS m ORDER BY m.k, m.i LIMIT <limit>` (both
/// descending or both ascending): `matches` selects each ticket's id as `i` and the list's key
/// as `k` (see [`ranked_ids`]); every row of it is counted before the limit applies.
#[derive(Debug, Clone)]
struct Ranked<Q> {
    matches: Q,
    descending: bool,
    limit: i64,
}

impl<Q> QueryId for Ranked<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Ranked<Q> {
    type SqlType = (crate::sql_types::Id, BigInt);
}

impl<Q: QueryFragment<Db>> QueryFragment<Db> for Ranked<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        out.push_sql("SELECT m.i, COUNT(*) OVER () FROM (");
        self.matches.walk_ast(out.reborrow())?;
        out.push_sql(if self.descending {
            ") AS m ORDER BY m.k DESC, m.i DESC LIMIT "
        } else {
            ") AS m ORDER BY m.k, m.i LIMIT "
        });
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        Ok(())
    }
}

impl<Q> RunQueryDsl<Conn> for Ranked<Q> {}
