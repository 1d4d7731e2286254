//! List queries: filters, ordering, text search and keyset cursors.
//!
//! Pagination is by keyset: a cursor holds the sort key and the id of the last item of a page, so
//! pages are stable under inserts and cost the same at any depth. A cursor is only valid with the
//! ordering it was made for.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ids::UserId;
use crate::message::Message;
use crate::text::{ValueError, ValueProblem};
use crate::ticket::{Priority, Status, Ticket};
use crate::user::Role;

/// Page size used when none is given.
pub const DEFAULT_LIMIT: u16 = 50;
/// The largest page size.
pub const MAX_LIMIT: u16 = 200;

/// A page size, 1..=200.
///
/// ```
/// use ticketing_domain::listing::Limit;
/// assert_eq!(Limit::default().get(), 50);
/// assert_eq!(Limit::new(200).map(Limit::get), Ok(200));
/// assert!(Limit::new(0).is_err());
/// assert!(Limit::new(201).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u16);

impl Limit {
    /// Parses a page size.
    pub fn new(n: i64) -> Result<Self, ValueError> {
        if n < 1 {
            Err(
                ValueError::new(ValueProblem::InvalidFormat("must be at least 1"))
                    .in_field("limit"),
            )
        } else if n > i64::from(MAX_LIMIT) {
            Err(
                ValueError::new(ValueProblem::InvalidFormat("must be at most 200"))
                    .in_field("limit"),
            )
        } else {
            Ok(Self(n as u16))
        }
    }

    /// The size.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(DEFAULT_LIMIT)
    }
}

/// What a ticket list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum SortKey {
    /// Creation time.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Severity (low < medium < high < critical).
    Priority,
}

/// A sort key and direction; ties are always broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TicketOrdering {
    /// What to sort by.
    pub key: SortKey,
    /// Largest first.
    pub descending: bool,
}

impl Default for TicketOrdering {
    /// Newest first (`-created_at`).
    fn default() -> Self {
        Self {
            key: SortKey::CreatedAt,
            descending: true,
        }
    }
}

impl TicketOrdering {
    /// Every ordering.
    pub const ALL: [TicketOrdering; 6] = [
        TicketOrdering {
            key: SortKey::CreatedAt,
            descending: false,
        },
        TicketOrdering {
            key: SortKey::CreatedAt,
            descending: true,
        },
        TicketOrdering {
            key: SortKey::UpdatedAt,
            descending: false,
        },
        TicketOrdering {
            key: SortKey::UpdatedAt,
            descending: true,
        },
        TicketOrdering {
            key: SortKey::Priority,
            descending: false,
        },
        TicketOrdering {
            key: SortKey::Priority,
            descending: true,
        },
    ];

    /// The wire form, e.g. `-created_at`.
    pub fn as_str(self) -> &'static str {
        match (self.key, self.descending) {
            (SortKey::CreatedAt, false) => "created_at",
            (SortKey::CreatedAt, true) => "-created_at",
            (SortKey::UpdatedAt, false) => "updated_at",
            (SortKey::UpdatedAt, true) => "-updated_at",
            (SortKey::Priority, false) => "priority",
            (SortKey::Priority, true) => "-priority",
        }
    }

    /// The cursor that continues after `ticket` in this ordering, in staff's view (see
    /// [`TicketQuery::cursor_after`] for a query's own view).
    pub fn cursor_after(self, ticket: &Ticket) -> Cursor {
        let key = match self.key {
            SortKey::CreatedAt => CursorKey::Time(ticket.created_at),
            SortKey::UpdatedAt => CursorKey::Time(ticket.updated_at),
            SortKey::Priority => CursorKey::Rank(ticket.priority.rank()),
        };
        Cursor {
            ordering: self,
            key,
            id: ticket.id.as_uuid(),
        }
    }
}

impl fmt::Display for TicketOrdering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TicketOrdering {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const EXPECTED: &str =
            "must be one of created_at, -created_at, updated_at, -updated_at, priority, -priority";
        TicketOrdering::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or(ValueError::new(ValueProblem::InvalidFormat(EXPECTED)).in_field("ordering"))
    }
}

/// The sort value stored in a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum CursorKey {
    /// A timestamp (microsecond precision).
    Time(DateTime<Utc>),
    /// A priority rank.
    Rank(i16),
}

/// Where the next page starts: after the item with this sort value and id.
///
/// Timestamps are kept to the microsecond (what the stores keep): a cursor made from a time with
/// finer parts decodes to that time cut to microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The ordering the cursor was made for.
    pub ordering: TicketOrdering,
    /// The sort value of the last item seen.
    pub key: CursorKey,
    /// The id of the last item seen.
    pub id: Uuid,
}

/// A cursor that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum CursorError {
    /// Not a cursor this server made.
    #[error("is not a valid cursor")]
    Malformed,
    /// Made for another ordering.
    #[error("was made for another ordering")]
    WrongOrdering,
}

impl Cursor {
    /// The opaque text form (URL-safe base64).
    ///
    /// ```
    /// use ticketing_domain::listing::{Cursor, CursorError, CursorKey, SortKey, TicketOrdering};
    /// let by_priority = TicketOrdering { key: SortKey::Priority, descending: true };
    /// let c = Cursor { ordering: by_priority, key: CursorKey::Rank(3), id: uuid::Uuid::nil() };
    /// assert_eq!(Cursor::decode(&c.encode(), by_priority), Ok(c));
    /// assert_eq!(Cursor::decode(&c.encode(), TicketOrdering::default()), Err(CursorError::WrongOrdering));
    /// assert_eq!(Cursor::decode("garbage", by_priority), Err(CursorError::Malformed));
    /// ```
    pub fn encode(&self) -> String {
        let key = match self.key {
            CursorKey::Time(t) => format!("t{}", t.timestamp_micros()),
            CursorKey::Rank(r) => format!("r{r}"),
        };
        URL_SAFE_NO_PAD.encode(format!("1|{}|{}|{}", self.ordering, key, self.id.simple()))
    }

    /// Parses a cursor made by [`Cursor::encode`] for `ordering`. Never panics.
    pub fn decode(text: &str, ordering: TicketOrdering) -> Result<Self, CursorError> {
        let cursor = Self::decode_any(text)?;
        if cursor.ordering != ordering {
            return Err(CursorError::WrongOrdering);
        }
        Ok(cursor)
    }

    /// Parses a cursor made by [`Cursor::encode`], for whichever ordering it was made.
    pub(crate) fn decode_any(text: &str) -> Result<Self, CursorError> {
        if text.len() > 200 {
            return Err(CursorError::Malformed);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Malformed)?;
        let plain = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
        let mut parts = plain.split('|');
        let (Some("1"), Some(ord), Some(key), Some(id), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CursorError::Malformed);
        };
        let made_for: TicketOrdering = ord.parse().map_err(|_| CursorError::Malformed)?;
        let id = Uuid::try_parse(id).map_err(|_| CursorError::Malformed)?;
        let key = if let Some(micros) = key.strip_prefix('t') {
            let micros: i64 = micros.parse().map_err(|_| CursorError::Malformed)?;
            let t = DateTime::from_timestamp_micros(micros).ok_or(CursorError::Malformed)?;
            // A time no ticket can have would reach the database (PostgreSQL refuses it).
            if !crate::time::in_stored_range(t) {
                return Err(CursorError::Malformed);
            }
            CursorKey::Time(t)
        } else if let Some(rank) = key.strip_prefix('r') {
            let rank: i16 = rank.parse().map_err(|_| CursorError::Malformed)?;
            Priority::from_rank(rank).ok_or(CursorError::Malformed)?;
            CursorKey::Rank(rank)
        } else {
            return Err(CursorError::Malformed);
        };
        let key_fits = matches!(
            (made_for.key, key),
            (SortKey::Priority, CursorKey::Rank(_))
                | (SortKey::CreatedAt | SortKey::UpdatedAt, CursorKey::Time(_))
        );
        if !key_fits {
            return Err(CursorError::Malformed);
        }
        Ok(Cursor {
            ordering: made_for,
            key,
            id,
        })
    }
}

/// Search text for `q`: every term must start a word of the topic or the description.
///
/// Terms are the runs of letters and digits of the query, lower-cased; a document matches when
/// each term is a prefix of one of its words (same tokenizer). This is what both stores implement:
/// they index the words of [`tokenize`] verbatim (PostgreSQL: a GIN-indexed `tsvector` built with
/// `array_to_tsvector`; SQLite: FTS5 with the `ascii` tokenizer), see `docs/database.md`.
///
/// ```
/// use ticketing_domain::listing::SearchText;
/// let q = SearchText::parse("Printer, BROKEN!").unwrap();
/// assert_eq!(q.terms(), ["printer", "broken"]);
/// assert!(q.matches("The printer is broken again"));
/// assert!(!q.matches("The printer works"));
/// ```
///
/// A query that is only a ticket number, with or without `#` (`#1042`, `1042`), also finds the
/// ticket of that number, whatever its text ([`SearchText::ticket_number`]); lists put it first.
///
/// ```
/// use ticketing_domain::listing::SearchText;
/// assert_eq!(SearchText::parse(" #1042 ").unwrap().ticket_number(), Some(1042));
/// assert_eq!(SearchText::parse("1042").unwrap().ticket_number(), Some(1042));
/// assert_eq!(SearchText::parse("1042 printer").unwrap().ticket_number(), None);
/// assert_eq!(SearchText::parse("#0").unwrap().ticket_number(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    terms: Vec<String>,
    number: Option<u64>,
}

impl SearchText {
    /// The longest accepted query, in characters.
    pub const MAX_CHARS: usize = 200;
    /// At most this many terms are used.
    pub const MAX_TERMS: usize = 16;

    /// Parses `q`: its distinct terms, in order, at most [`SearchText::MAX_TERMS`]. Blank queries
    /// and queries without any letter or digit are refused.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::new(ValueProblem::TooLong {
                max: Self::MAX_CHARS,
            })
            .in_field("search text"));
        }
        let mut terms: Vec<String> = Vec::new();
        for term in tokenize(raw) {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        terms.truncate(Self::MAX_TERMS);
        if terms.is_empty() {
            return Err(ValueError::new(ValueProblem::InvalidFormat(
                "must contain a letter or digit",
            ))
            .in_field("search text"));
        }
        Ok(Self {
            terms,
            number: Self::number_in(raw),
        })
    }

    /// The ticket number `raw` is, when it is one: ASCII digits, optionally after one `#`,
    /// surrounded by nothing but whitespace, and not 0 (numbers start at 1).
    fn number_in(raw: &str) -> Option<u64> {
        let t = raw.trim();
        let digits = t.strip_prefix('#').unwrap_or(t);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u64>().ok().filter(|n| *n >= 1)
    }

    /// The lower-case terms.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// The ticket number the query is (`#1042` or `1042`), if it is one: such a query selects
    /// that ticket as well as the tickets whose text matches, and lists show it first.
    pub fn ticket_number(&self) -> Option<u64> {
        self.number
    }

    /// Whether `document` matches (the reference semantics the stores implement).
    pub fn matches(&self, document: &str) -> bool {
        let words = tokenize(document);
        self.terms
            .iter()
            .all(|t| words.iter().any(|w| w.starts_with(t.as_str())))
    }

    /// Whether every term occurs anywhere in `key`, a text made by [`user_search_key`] (the user
    /// search: a term may start, end or sit inside a word).
    ///
    /// ```
    /// use ticketing_domain::listing::SearchText;
    /// let q = SearchText::parse("IVER alex").unwrap();
    /// assert!(q.contained_in("alex rivera arivera alex example com"));
    /// assert!(!q.contained_in("alex smith asmith alex example com"));
    /// ```
    pub fn contained_in(&self, key: &str) -> bool {
        self.terms.iter().all(|t| key.contains(t.as_str()))
    }
}

/// The text a user search looks in: the words ([`tokenize`]) of the first name, last name,
/// username and email, lower-cased and joined by single spaces. The stores keep it with each user
/// (`users.search_key`) and match each term of a [`SearchText`] anywhere in it
/// ([`SearchText::contained_in`]); a term never spans two words, since terms hold no spaces.
///
/// ```
/// use ticketing_domain::listing::user_search_key;
/// assert_eq!(
///     user_search_key("Zoë", "Müller-Lüdenscheidt", "zoe.m", "Zoe.M@Example.com"),
///     "zoë müller lüdenscheidt zoe m zoe m example com",
/// );
/// ```
pub fn user_search_key(first_name: &str, last_name: &str, username: &str, email: &str) -> String {
    tokenize(&format!("{first_name} {last_name} {username} {email}")).join(" ")
}

impl FromStr for SearchText {
    type Err = ValueError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

/// Splits text into lower-case runs of letters and digits (the search tokenizer).
///
/// Lower-casing can bring in marks that are neither letters nor digits (`İ` becomes `i` plus a
/// combining dot); they are dropped, so every token holds only letters and digits and tokenizing a
/// token gives it back unchanged.
///
/// ```
/// use ticketing_domain::listing::tokenize;
/// assert_eq!(tokenize("Wi-Fi in İzmir, 2nd floor"), ["wi", "fi", "in", "izmir", "2nd", "floor"]);
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(|w| {
            w.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Which tickets a list starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Scope {
    /// Every ticket (staff).
    All,
    /// Tickets opened by this user.
    OwnedBy(UserId),
    /// Tickets assigned to this user.
    AssignedTo(UserId),
}

/// The `assigned_to` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum AssigneeFilter {
    /// Assigned to this user.
    User(UserId),
    /// Not assigned.
    Nobody,
}

/// A ticket list query. Deleted tickets are never listed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TicketQuery {
    /// Where to start.
    pub scope: Scope,
    /// Only these statuses (empty: all).
    pub statuses: Vec<Status>,
    /// Only these priorities (empty: all).
    pub priorities: Vec<Priority>,
    /// Only tickets with this assignee.
    pub assigned_to: Option<AssigneeFilter>,
    /// Only tickets this user requested (owns: opened, or had opened for them by staff).
    #[cfg_attr(feature = "serde", serde(default))]
    pub requester: Option<UserId>,
    /// Text search in topic, description and the conversation: public messages, and internal
    /// notes too unless [`TicketQuery::public_view`] (see [`TicketQuery::selects_with`]).
    pub text: Option<SearchText>,
    /// Sort order.
    pub ordering: TicketOrdering,
    /// Continue after this cursor (same ordering).
    pub after: Option<Cursor>,
    /// Page size.
    pub limit: Limit,
    /// A customer's list: `updated_at` orders by the last change customers can see
    /// ([`Ticket::public_updated_at`]), so staff-only changes do not move tickets, and the text
    /// search does not look at internal notes.
    #[cfg_attr(feature = "serde", serde(default))]
    pub public_view: bool,
}

impl TicketQuery {
    /// The `updated_at` this query orders `ticket` by: the public one for a customer's list.
    pub fn updated_at_of(&self, ticket: &Ticket) -> DateTime<Utc> {
        ticket.updated_at_seen(!self.public_view)
    }

    /// The cursor that continues after `ticket` in this query's ordering and view.
    pub fn cursor_after(&self, ticket: &Ticket) -> Cursor {
        let mut cursor = self.ordering.cursor_after(ticket);
        if self.ordering.key == SortKey::UpdatedAt {
            cursor.key = CursorKey::Time(self.updated_at_of(ticket));
        }
        cursor
    }

    /// The first page of `scope`, newest first, no filters.
    pub fn new(scope: Scope) -> Self {
        Self {
            scope,
            statuses: Vec::new(),
            priorities: Vec::new(),
            assigned_to: None,
            requester: None,
            text: None,
            ordering: TicketOrdering::default(),
            after: None,
            limit: Limit::default(),
            public_view: false,
        }
    }

    /// Whether `ticket` passes the scope and filters (ignoring cursor and limit): the reference
    /// semantics for stores and fakes. Filters combine with AND; an empty status or priority
    /// list means any.
    ///
    /// ```
    /// use ticketing_domain::chrono::{TimeZone, Utc};
    /// use ticketing_domain::listing::{AssigneeFilter, Scope, SearchText, TicketQuery};
    /// use ticketing_domain::*;
    /// let owner = Actor { id: UserId::from_uuid(uuid::Uuid::from_u128(1)), role: Role::Customer };
    /// let new = NewTicket::new(
    ///     TicketId::from_uuid(uuid::Uuid::from_u128(2)),
    ///     Topic::parse("VPN down").unwrap(),
    ///     Description::parse("Since the update").unwrap(),
    /// );
    /// let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    /// let next_id = || ActivityId::from_uuid(uuid::Uuid::from_u128(3));
    /// let ticket = change::open_ticket(&owner, new, at, next_id).ticket;
    /// let mut q = TicketQuery::new(Scope::OwnedBy(owner.id));
    /// q.statuses = vec![Status::Open, Status::InProgress];
    /// q.assigned_to = Some(AssigneeFilter::Nobody);
    /// q.text = Some(SearchText::parse("upd").unwrap());
    /// assert!(q.selects(&ticket));
    /// q.priorities = vec![Priority::Critical];
    /// assert!(!q.selects(&ticket));
    /// ```
    pub fn selects(&self, ticket: &Ticket) -> bool {
        self.selects_with(ticket, &[])
    }

    /// Whether this query selects `ticket`, whose messages are `conversation` (any order, any
    /// subset: the ticket's other messages are not searched): the text may match the topic,
    /// the description, a public message, and an internal note unless this is a customer's
    /// list ([`TicketQuery::public_view`]). Every term must be a prefix of some word of that
    /// whole text (one term may match the topic and another a message). The reference the
    /// stores implement.
    pub fn selects_with(&self, ticket: &Ticket, conversation: &[&Message]) -> bool {
        let in_scope = match self.scope {
            Scope::All => true,
            Scope::OwnedBy(u) => ticket.owner == u,
            Scope::AssignedTo(u) => ticket.assigned_to == Some(u),
        };
        in_scope
            && !ticket.is_deleted()
            && (self.statuses.is_empty() || self.statuses.contains(&ticket.status))
            && (self.priorities.is_empty() || self.priorities.contains(&ticket.priority))
            && match self.assigned_to {
                None => true,
                Some(AssigneeFilter::User(u)) => ticket.assigned_to == Some(u),
                Some(AssigneeFilter::Nobody) => ticket.assigned_to.is_none(),
            }
            && self.requester.is_none_or(|r| ticket.owner == r)
            && self.text.as_ref().is_none_or(|q| {
                q.ticket_number() == Some(ticket.number) || {
                    let mut document = format!("{} {}", ticket.topic, ticket.description);
                    for m in conversation {
                        if m.ticket_id == ticket.id && (!m.internal || !self.public_view) {
                            document.push(' ');
                            document.push_str(m.body.as_str());
                        }
                    }
                    q.matches(&document)
                }
            })
    }

    /// The ticket number the search text is (see [`SearchText::ticket_number`]): the ticket of
    /// that number, when the query selects it, comes first in every ordering (its own page
    /// position is then taken by the text matches that follow it).
    pub fn sought_number(&self) -> Option<u64> {
        self.text.as_ref().and_then(SearchText::ticket_number)
    }
}

/// A page of one ticket's messages, attachments or activity entries, ordered by time (creation,
/// upload) then id, oldest or newest first. Its cursors are ticket-list cursors of the ordering
/// `created_at` or `-created_at` (same encoding, same checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineQuery {
    /// Newest first.
    pub descending: bool,
    /// Continue after this cursor (made for [`TimelineQuery::ordering`]).
    pub after: Option<Cursor>,
    /// Page size.
    pub limit: Limit,
}

impl TimelineQuery {
    /// The first page, oldest first.
    pub fn oldest_first(limit: Limit) -> Self {
        Self {
            descending: false,
            after: None,
            limit,
        }
    }

    /// The first page, newest first.
    pub fn newest_first(limit: Limit) -> Self {
        Self {
            descending: true,
            after: None,
            limit,
        }
    }

    /// The ordering of its cursors: `created_at` or `-created_at`.
    pub fn ordering(&self) -> TicketOrdering {
        TicketOrdering {
            key: SortKey::CreatedAt,
            descending: self.descending,
        }
    }

    /// Parses the `ordering` parameter of these lists: `created_at` or `-created_at`; `true`
    /// for newest first.
    ///
    /// ```
    /// use ticketing_domain::listing::TimelineQuery;
    /// assert_eq!(TimelineQuery::parse_ordering("-created_at"), Ok(true));
    /// assert_eq!(TimelineQuery::parse_ordering("created_at"), Ok(false));
    /// assert!(TimelineQuery::parse_ordering("priority").is_err());
    /// ```
    pub fn parse_ordering(raw: &str) -> Result<bool, ValueError> {
        match raw {
            "created_at" => Ok(false),
            "-created_at" => Ok(true),
            _ => Err(ValueError::new(ValueProblem::InvalidFormat(
                "must be created_at or -created_at",
            ))
            .in_field("ordering")),
        }
    }

    /// The cursor that continues after the item of time `at` and id `id`.
    pub fn cursor_after(&self, at: DateTime<Utc>, id: Uuid) -> Cursor {
        Cursor {
            ordering: self.ordering(),
            key: CursorKey::Time(at),
            id,
        }
    }

    /// Whether the item of time `at` and id `id` comes after the cursor (always, without one):
    /// the reference semantics for stores and fakes.
    pub fn admits(&self, at: DateTime<Utc>, id: Uuid) -> bool {
        match self.after {
            Some(Cursor {
                key: CursorKey::Time(t),
                id: after,
                ..
            }) => {
                if self.descending {
                    (at, id) < (t, after)
                } else {
                    (at, id) > (t, after)
                }
            }
            Some(_) => false,
            None => true,
        }
    }
}

/// Ticket lists count their matches exactly up to this many; beyond it their
/// [`Page::total`] is `TOTAL_CAP + 1`, meaning "more than `TOTAL_CAP`" (the HTTP API then
/// answers `X-Total-Count: 10000` with `X-Total-Count-Exact: false`). Counting every match of
/// a common word among a million tickets would cost more than finding the page.
pub const TOTAL_CAP: u64 = 10_000;

/// A text search first tests the first `SEARCH_WALK × (limit + 1)` tickets of the list (in the
/// list's order, after the cursor, with its other filters; [`search_walk`]): when they hold a
/// full page and more, the page is served from them and the matches are not counted (a word in
/// a good part of the tickets: counting them, even up to [`TOTAL_CAP`], reads every match's
/// words); [`Page::total`] is then `limit + 1`, a lower bound ([`Page::exact`] `false`),
/// unless the whole list is shorter than the walk. Otherwise the matches are counted through
/// the text index (up to [`TOTAL_CAP`]) and the page found from them.
pub const SEARCH_WALK: u64 = 8;

/// How many tickets a search with this limit walks before it counts (see [`SEARCH_WALK`]).
pub fn search_walk(limit: Limit) -> u64 {
    SEARCH_WALK * (u64::from(limit.get()) + 1)
}

/// A ticket list's total as it is reported: the count and whether it is exact (`false`: at
/// least that many; see [`TOTAL_CAP`] and [`SEARCH_WALK`]).
pub fn capped_total(total: u64, exact: bool) -> (u64, bool) {
    if total > TOTAL_CAP {
        (TOTAL_CAP, false)
    } else {
        (total, exact)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Page<T> {
    /// The items, at most `limit`.
    pub items: Vec<T>,
    /// How many items match the query in all pages; for a ticket list at most
    /// [`TOTAL_CAP`]` + 1`, which means more than [`TOTAL_CAP`].
    pub total: u64,
    /// Where the next page starts, when there is one.
    pub next: Option<String>,
    /// Whether `total` is the exact count; `false`: at least `total` (a text search with many
    /// matches, see [`SEARCH_WALK`]). Every list but a ticket search is exact.
    #[cfg_attr(feature = "serde", serde(default = "exact_by_default"))]
    pub exact: bool,
}

#[cfg(feature = "serde")]
fn exact_by_default() -> bool {
    true
}

/// A user list query, ordered by username (case-insensitively), then id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (`true`) or deactivated (`false`) users.
    pub active: Option<bool>,
    /// Only users whose names, username or email hold every term
    /// ([`SearchText::contained_in`] of [`user_search_key`]).
    #[cfg_attr(feature = "serde", serde(default))]
    pub text: Option<SearchText>,
    /// Continue after the user with this username key (lower case) and id.
    pub after: Option<(String, UserId)>,
    /// Page size.
    pub limit: Limit,
}

impl UserQuery {
    /// The first page of every user, [`Limit::default`] at a time.
    pub fn new() -> Self {
        Self {
            role: None,
            active: None,
            text: None,
            after: None,
            limit: Limit::default(),
        }
    }

    /// Whether `user` passes the filters (ignoring cursor and limit): the reference semantics
    /// for stores and fakes.
    ///
    /// ```
    /// use ticketing_domain::chrono::{TimeZone, Utc};
    /// use ticketing_domain::listing::{SearchText, UserQuery};
    /// use ticketing_domain::*;
    /// let user = User {
    ///     id: UserId::from_uuid(uuid::Uuid::from_u128(1)),
    ///     username: Username::parse("arivera").unwrap(),
    ///     email: Email::parse("alex@example.com").unwrap(),
    ///     first_name: PersonName::parse("Alex").unwrap(),
    ///     last_name: PersonName::parse("Rivera").unwrap(),
    ///     role: Role::Agent,
    ///     is_active: true,
    ///     must_change_password: false,
    ///     token_epoch: 0,
    ///     date_joined: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    ///     last_login: None,
    /// };
    /// let mut q = UserQuery::new();
    /// q.text = Some(SearchText::parse("rivera EXAMPLE").unwrap());
    /// q.role = Some(Role::Agent);
    /// assert!(q.selects(&user));
    /// q.text = Some(SearchText::parse("rivera smith").unwrap());
    /// assert!(!q.selects(&user));
    /// ```
    pub fn selects(&self, user: &crate::user::User) -> bool {
        self.role.is_none_or(|r| user.role == r)
            && self.active.is_none_or(|a| user.is_active == a)
            && self
                .text
                .as_ref()
                .is_none_or(|q| q.contained_in(&user.search_key()))
    }
}

impl Default for UserQuery {
    fn default() -> Self {
        Self::new()
    }
}

/// Encodes a user-list cursor (lower-case username key and id).
///
/// ```
/// use ticketing_domain::listing::{decode_user_cursor, encode_user_cursor, CursorError};
/// use ticketing_domain::UserId;
/// let id = UserId::from_uuid(uuid::Uuid::from_u128(7));
/// let text = encode_user_cursor("alice", id);
/// assert_eq!(decode_user_cursor(&text), Ok(("alice".to_owned(), id)));
/// assert_eq!(decode_user_cursor("garbage!"), Err(CursorError::Malformed));
/// // A key no username has (here with NUL) is refused.
/// assert_eq!(decode_user_cursor(&encode_user_cursor("a\0b", id)), Err(CursorError::Malformed));
/// ```
pub fn encode_user_cursor(key: &str, id: UserId) -> String {
    URL_SAFE_NO_PAD.encode(format!("u1|{}|{}", id.as_uuid().simple(), key))
}

/// Decodes a user-list cursor made by [`encode_user_cursor`]. Never panics.
pub fn decode_user_cursor(text: &str) -> Result<(String, UserId), CursorError> {
    if text.len() > 1000 {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| CursorError::Malformed)?;
    let plain = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
    let mut parts = plain.splitn(3, '|');
    let (Some("u1"), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CursorError::Malformed);
    };
    let id = Uuid::try_parse(id).map_err(|_| CursorError::Malformed)?;
    // The key is checked like the username key it stands for (no NUL or other control character
    // reaches the database).
    if !crate::text::Username::could_be_key(key) {
        return Err(CursorError::Malformed);
    }
    Ok((key.to_owned(), UserId::from_uuid(id)))
}

#[cfg(test)]
mod tests;
