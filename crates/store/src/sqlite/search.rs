//! Text search on SQLite. The FTS5 table `tickets_fts` indexes the three word columns of
//! `tickets` (`search_text`, `conversation_text`, `notes_text`: the stored words,
//! [`crate::words`]) with the `ascii` tokenizer, which splits only on ASCII non-alphanumerics and
//! folds only `A-Z`: on such text it yields exactly the domain's words, whatever the script.
//! Through the index ([`Plan::Index`]) a query is one quoted prefix term per domain term,
//! implicitly AND-ed, a customer's limited to the public columns by a column filter. Walking the
//! list's order ([`Plan::Walk`]) tests each row's stored words directly: a term is a prefix of a
//! word when `' ' || term` occurs in `' ' || words` (words are separated by single spaces and
//! hold no spaces), which is what the FTS5 query matches, without materializing every match of
//! a common word first. The shared listing query (`queries/listing.rs`) puts these together.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::{Conn, Db};
use crate::error::DbResult;
use crate::schema::tickets;
use crate::sql_types::DbId;
use crate::words::{Plan, WordColumn, merged};

/// The words a message adds to its ticket's stored words ([`new_words`]): here the column's
/// whole new value.
pub(crate) struct NewWords(String);

/// What a message of `body` adds to `column` of its ticket: the stored words with the message's
/// new ones appended, read here (the immediate transaction already excludes other writers);
/// `None` when it adds none (or the ticket is gone: its guarded `UPDATE` finds no row then).
/// Setting the column every time, even to its value, would have the FTS5 triggers index the
/// ticket's words again.
pub(crate) fn new_words(
    c: &mut Conn,
    ticket: DbId,
    column: WordColumn,
    body: &str,
) -> DbResult<Option<NewWords>> {
    let row = tickets::table
        .filter(tickets::id.eq(ticket))
        .filter(tickets::deleted_at.is_null());
    let stored: Option<String> = match column {
        WordColumn::Conversation => row
            .select(tickets::conversation_text)
            .get_result(c)
            .optional()?,
        WordColumn::Notes => row.select(tickets::notes_text).get_result(c).optional()?,
    };
    Ok(stored.and_then(|s| merged(&s, body)).map(NewWords))
}

/// An expression of a ticket's stored words.
pub(crate) type Words = Box<dyn BoxableExpression<tickets::table, Db, SqlType = Text>>;

/// The new value of the column ([`new_words`] computed it).
pub(crate) fn set_words(_column: WordColumn, new: NewWords) -> Words {
    Box::new(new.0.into_sql::<Text>())
}

/// A text condition on `tickets`.
pub(crate) type Condition = Box<dyn BoxableExpression<tickets::table, Db, SqlType = Bool>>;

/// The condition through the index, around the bound query text: the FTS5 rowids that match.
const MATCH: (&str, &str) = (
    "tickets.seq IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ",
    ")",
);

/// The words a staff member's walk tests, and a customer's (no internal notes).
const ALL_WORDS: &str = "instr(' ' || tickets.search_text || ' ' || tickets.conversation_text \
                         || ' ' || tickets.notes_text, ";
const PUBLIC_WORDS: &str = "instr(' ' || tickets.search_text || ' ' || tickets.conversation_text, ";

/// The tickets whose words match every term of `terms` as a prefix (topic, description,
/// conversation, and internal notes unless `public_only`).
pub(crate) fn condition(terms: &[String], public_only: bool, plan: Plan) -> Condition {
    match plan {
        Plan::Index => Box::new(
            sql::<Bool>(MATCH.0)
                .bind::<Text, _>(query(terms, public_only))
                .sql(MATCH.1),
        ),
        Plan::Walk => {
            let words = if public_only { PUBLIC_WORDS } else { ALL_WORDS };
            let term = |t: &String| -> Condition {
                Box::new(
                    sql::<Bool>(words)
                        .bind::<Text, _>(format!(" {t}"))
                        .sql(") > 0"),
                )
            };
            let mut terms = terms.iter();
            let first = terms
                .next()
                .map_or_else(|| Box::new(sql::<Bool>("1")) as Condition, term);
            terms.fold(first, |all, t| Box::new(all.and(term(t))))
        }
    }
}

/// The FTS5 query text: every term a prefix (`"foo"*`, quotes doubled, though terms are letters
/// and digits only), all required (FTS5 requires every term of a space-separated list); with
/// `public_only`, in topic, description and public messages only.
fn query(terms: &[String], public_only: bool) -> String {
    let all = terms
        .iter()
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ");
    if public_only {
        format!("{{search_text conversation_text}} : ({all})")
    } else {
        all
    }
}

/// Nothing to steer: SQLite's planner looks tickets up by the matching rowids for the index
/// condition (see `postgres/search.rs`).
pub(crate) fn prefer_index(_c: &mut Conn, _on: bool) -> DbResult<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let terms = ["foo", "bär", "o\"k"].map(String::from);
        assert_eq!(query(&terms, false), "\"foo\"* \"bär\"* \"o\"\"k\"*");
        assert_eq!(
            query(&terms[..1], true),
            "{search_text conversation_text} : (\"foo\"*)"
        );
    }
}
