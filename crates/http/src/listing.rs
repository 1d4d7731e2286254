//! Query strings of list endpoints, and paged answers (`X-Total-Count`, `Link: rel="next"`).

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Serialize;
use ticketing_domain::listing::{
    AssigneeFilter, Cursor, Limit, Scope, SearchText, TicketOrdering, TicketQuery, TimelineQuery,
    capped_total,
};
use ticketing_domain::{Actor, Priority, Status, UserId};

use crate::input::{FieldMessage, Fields};
use crate::problem::{ApiError, ApiResult};

const QUERY_MAX_BYTES: usize = 4096;
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Decoded query parameters; a repeated key is joined with commas (`status=a&status=b`).
#[derive(Debug, Default)]
pub(crate) struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    pub(crate) fn parse(req: &HttpRequest) -> ApiResult<Self> {
        let raw = req.query_string();
        if raw.len() > QUERY_MAX_BYTES {
            return Err(ApiError::bad_request("the query string is too long"));
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let decode = |s: &str| {
                percent_decode_str(&s.replace('+', " "))
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| ApiError::bad_request("the query string is not valid UTF-8"))
            };
            let (k, v) = (decode(k)?, decode(v)?);
            match pairs.iter_mut().find(|(key, _)| *key == k) {
                Some((_, existing)) => {
                    existing.push(',');
                    existing.push_str(&v);
                }
                None => pairs.push((k, v)),
            }
        }
        Ok(Self(pairs))
    }

    /// Reports every parameter not in `allowed` (a misspelt filter must not silently widen the
    /// list, and `?page=2` must not silently return the first page).
    pub(crate) fn reject_unknown(&self, allowed: &[&str], f: &mut Fields) {
        for (k, _) in &self.0 {
            if k != "_" && !allowed.contains(&k.as_str()) {
                f.add(
                    k,
                    format!("unknown parameter; expected one of {}", allowed.join(", ")),
                );
            }
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn limit(&self, f: &mut Fields) -> Option<Limit> {
        let raw = self.get("limit")?;
        match raw.trim().parse::<i64>() {
            Ok(n) => f.take("limit", Limit::new(n)),
            Err(_) => {
                f.add("limit", "must be a whole number from 1 to 200");
                None
            }
        }
    }

    /// This query with `cursor` replaced.
    fn with_cursor(&self, cursor: &str) -> String {
        self.0
            .iter()
            .filter(|(k, _)| k != "cursor")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(std::iter::once(("cursor", cursor)))
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, COMPONENT),
                    utf8_percent_encode(v, COMPONENT)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn csv<T, E: FieldMessage>(
    f: &mut Fields,
    field: &str,
    raw: Option<&str>,
    parse: fn(&str) -> Result<T, E>,
) -> Vec<T> {
    let Some(raw) = raw else { return Vec::new() };
    let mut out = Vec::new();
    for item in raw.split(',') {
        if item.is_empty() {
            continue;
        }
        if let Some(v) = f.take(field, parse(item)) {
            out.push(v);
        }
    }
    out
}

/// Parses the ticket list parameters (the scope is set by the use case).
pub(crate) fn ticket_query(pairs: &QueryPairs, actor: &Actor) -> ApiResult<TicketQuery> {
    let mut f = Fields::default();
    pairs.reject_unknown(
        &[
            "status",
            "priority",
            "assigned_to",
            "requester",
            "q",
            "ordering",
            "cursor",
            "limit",
        ],
        &mut f,
    );
    // Exact wire names: the OpenAPI document lists them as enums.
    let statuses = csv(&mut f, "status", pairs.get("status"), Status::from_wire);
    let priorities = csv(
        &mut f,
        "priority",
        pairs.get("priority"),
        Priority::from_wire,
    );
    let assigned_to = match pairs.get("assigned_to") {
        None | Some("") => None,
        Some("me") => Some(AssigneeFilter::User(actor.id)),
        Some("none") => Some(AssigneeFilter::Nobody),
        Some(id) => f.take(
            "assigned_to",
            id.parse::<UserId>()
                .map(AssigneeFilter::User)
                .map_err(|_| "must be a user id, me or none"),
        ),
    };
    let requester = match pairs.get("requester") {
        None | Some("") => None,
        Some("me") => Some(actor.id),
        Some(id) => f.take(
            "requester",
            id.parse::<UserId>().map_err(|_| "must be a user id or me"),
        ),
    };
    let text = match pairs.get("q").map(str::trim) {
        None | Some("") => None,
        Some(q) => f.take("q", SearchText::parse(q)),
    };
    let ordering = match pairs.get("ordering") {
        None | Some("") => TicketOrdering::default(),
        Some(o) => f
            .take("ordering", o.parse::<TicketOrdering>())
            .unwrap_or_default(),
    };
    let after = match pairs.get("cursor") {
        None | Some("") => None,
        Some(c) => f.take("cursor", Cursor::decode(c, ordering)),
    };
    let limit = pairs.limit(&mut f);
    f.finish()?;
    let mut query = TicketQuery::new(Scope::OwnedBy(actor.id));
    query.statuses = statuses;
    query.priorities = priorities;
    query.assigned_to = assigned_to;
    query.requester = requester;
    query.text = text;
    query.ordering = ordering;
    query.after = after;
    query.limit = limit.unwrap_or_default();
    Ok(query)
}

/// The orderings of a ticket's messages, attachments and activity log.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // names the values in the OpenAPI schema only
pub enum TimelineOrderingDto {
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAt,
    /// Newest first.
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Ordering and pagination of a ticket's messages and attachments.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct OldestFirstParams {
    /// `created_at` (default: oldest first) or `-created_at` (newest first); ties by id.
    #[param(value_type = Option<TimelineOrderingDto>)]
    ordering: Option<String>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
    /// The cursor from the `Link` header of the previous page (opaque; valid with the same
    /// ordering). Follow `Link` rather than building it.
    cursor: Option<String>,
}

/// Ordering and pagination of a ticket's activity log.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct NewestFirstParams {
    /// `-created_at` (default: newest first) or `created_at` (oldest first); ties by id.
    #[param(value_type = Option<TimelineOrderingDto>)]
    ordering: Option<String>,
    /// Page size, 1..200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u16>,
    /// The cursor from the `Link` header of the previous page (opaque; valid with the same
    /// ordering). Follow `Link` rather than building it.
    cursor: Option<String>,
}

/// Parses the parameters of a ticket's messages, attachments or activities: `ordering`
/// (`created_at` or `-created_at`, newest first when `newest_first` by default), `cursor` and
/// `limit`, with the rules of the ticket lists.
pub(crate) fn timeline_query(pairs: &QueryPairs, newest_first: bool) -> ApiResult<TimelineQuery> {
    let mut f = Fields::default();
    pairs.reject_unknown(&["ordering", "cursor", "limit"], &mut f);
    let descending = match pairs.get("ordering") {
        None | Some("") => newest_first,
        Some(o) => f
            .take("ordering", TimelineQuery::parse_ordering(o))
            .unwrap_or(newest_first),
    };
    let mut query = TimelineQuery {
        descending,
        after: None,
        limit: Limit::default(),
    };
    query.after = match pairs.get("cursor") {
        None | Some("") => None,
        Some(c) => f.take("cursor", Cursor::decode(c, query.ordering())),
    };
    let limit = pairs.limit(&mut f);
    f.finish()?;
    query.limit = limit.unwrap_or_default();
    Ok(query)
}

/// The URL of the newest-first list at `path` that continues after `cursor` (what a ticket
/// detail links to for the items it does not embed).
pub(crate) fn earlier_url(path: &str, cursor: &str) -> String {
    format!(
        "{path}?ordering=-created_at&cursor={}",
        utf8_percent_encode(cursor, COMPONENT)
    )
}

/// A page of a ticket list: [`paged`] with the total capped (`X-Total-Count` at most
/// `TOTAL_CAP`) and `X-Total-Count-Exact`: `false` when `X-Total-Count` is a lower bound (more
/// than the cap, or a search with many matches, see `ticketing_domain::listing::SEARCH_WALK`).
pub(crate) fn paged_capped<T: Serialize>(
    req: &HttpRequest,
    pairs: &QueryPairs,
    (total, exact): (u64, bool),
    next: Option<String>,
    items: Vec<T>,
) -> HttpResponse {
    let (shown, exact) = capped_total(total, exact);
    let mut res = paged(req, pairs, shown, next, items);
    res.headers_mut().insert(
        HeaderName::from_static("x-total-count-exact"),
        HeaderValue::from_static(if exact { "true" } else { "false" }),
    );
    res
}

/// A JSON array with `X-Total-Count` and, when more follow, `Link: <…>; rel="next"`.
pub(crate) fn paged<T: Serialize>(
    req: &HttpRequest,
    pairs: &QueryPairs,
    total: u64,
    next: Option<String>,
    items: Vec<T>,
) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header(("X-Total-Count", total.to_string()));
    if let Some(cursor) = next {
        let link = format!(
            "<{}?{}>; rel=\"next\"",
            req.path(),
            pairs.with_cursor(&cursor)
        );
        res.insert_header(("Link", link));
    }
    res.json(items)
}
