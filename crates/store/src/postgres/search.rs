//! Text search on PostgreSQL. The table `ticket_lexemes` holds a ticket's lexemes:
//! `array_to_tsvector` of the words of its three word columns (`search_text`,
//! `conversation_text`, `notes_text`: the stored words, [`crate::words`]), kept by triggers on
//! `tickets` that fire only when those words change (migration `000021_search_lexemes`), so a
//! message that adds no new word leaves the lexemes and their GIN index alone. The words become
//! lexemes verbatim, with no text-search parser and no dictionary (whose behaviour depends on the
//! database's locale). A query is `'term1':* & 'term2':*` cast to `tsquery` (also verbatim, no
//! parser): every term a prefix of some word, all required. Staff match the ticket's lexemes
//! (through the GIN index, or ticket by ticket while walking the list's order); a customer's
//! list (one owner's tickets, found by the owner index) matches the lexemes of the public columns
//! only, made from them on the fly. The shared listing query (`queries/listing.rs`) puts these
//! pieces together.

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};

use super::{Conn, Db};
use crate::error::DbResult;
use crate::schema::tickets;
use crate::sql_types::DbId;
use crate::words::{Plan, WordColumn, distinct};

/// The words a message adds to its ticket's stored words ([`new_words`]): here the message's
/// own words, merged in by the ticket's `UPDATE` ([`set_words`]).
pub(crate) struct NewWords(Vec<String>);

/// What a message of `body` adds to `column` of its ticket: its words, each once (`None` when it
/// has none). Nothing is read: the `UPDATE` merges them into the stored words under its own row
/// lock, so concurrent messages on a ticket each add theirs, and a message write needs no round
/// trip before it.
pub(crate) fn new_words(
    _c: &mut Conn,
    _ticket: DbId,
    _column: WordColumn,
    body: &str,
) -> DbResult<Option<NewWords>> {
    let words = distinct(body);
    Ok((!words.is_empty()).then_some(NewWords(words)))
}

/// An expression of a ticket's stored words.
pub(crate) type Words = Box<dyn BoxableExpression<tickets::table, Db, SqlType = Text>>;

/// The stored words of `column` with the words of `new` it lacks appended, in their order (what
/// `crate::words::merged` computes); the column's own value when it holds them all, so that the
/// row keeps its stored (TOASTed) value untouched.
pub(crate) fn set_words(column: WordColumn, new: NewWords) -> Words {
    let c = match column {
        WordColumn::Conversation => "tickets.conversation_text",
        WordColumn::Notes => "tickets.notes_text",
    };
    Box::new(
        sql::<Text>(&format!("CASE WHEN string_to_array({c}, ' ') @> "))
            .bind::<Array<Text>, _>(new.0.clone())
            .sql(&format!(
                " THEN {c} ELSE concat_ws(' ', NULLIF({c}, ''), array_to_string(ARRAY(\
                 SELECT u.w FROM unnest("
            ))
            .bind::<Array<Text>, _>(new.0)
            .sql(&format!(
                ") WITH ORDINALITY AS u(w, i) WHERE u.w <> ALL(string_to_array({c}, ' ')) \
                 ORDER BY u.i), ' ')) END"
            )),
    )
}

/// A text condition on `tickets`.
pub(crate) type Condition = Box<dyn BoxableExpression<tickets::table, Db, SqlType = Bool>>;

/// The condition, around the bound query text, for staff: every word column.
const MATCH_ALL: (&str, &str) = (
    "EXISTS (SELECT 1 FROM ticket_lexemes WHERE ticket_lexemes.ticket_id = tickets.id \
     AND ticket_lexemes.lexemes @@ CAST(",
    " AS tsquery))",
);

/// The condition for a customer's list: topic, description and public messages.
const MATCH_PUBLIC: (&str, &str) = (
    "array_to_tsvector(string_to_array(tickets.search_text, ' ') \
     || string_to_array(tickets.conversation_text, ' ')) @@ CAST(",
    " AS tsquery)",
);

/// The tickets whose words match every term of `terms` as a prefix. The plan changes nothing in
/// the condition: PostgreSQL tests a ticket's `tsvector` (its `ticket_lexemes` row, by primary
/// key) as cheaply as its index finds it, and [`prefer_index`] steers the planner.
pub(crate) fn condition(terms: &[String], public_only: bool, _plan: Plan) -> Condition {
    let (before, after) = if public_only { MATCH_PUBLIC } else { MATCH_ALL };
    Box::new(sql::<Bool>(before).bind::<Text, _>(query(terms)).sql(after))
}

/// The query text: every term a prefix (`'foo':*`, quotes and backslashes escaped, though terms
/// are letters and digits only), all required.
fn query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}':*", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Until the end of the read transaction (`on`) or from now on (`!on`), the planner finds text
/// matches through the GIN index only: no sequential scan and no walk of an order index that
/// tests every row's `tsvector`. The listing asks for it once the walk found the matches to be
/// few among the newest tickets, where the planner's estimate of a prefix query (from the
/// lexeme statistics) can be far off: a rare word estimated at 500 matches was walked through
/// 33,000 tickets (0.5 s at 100k), and a capped count of a common one read 10,000 `tsvector`s
/// one by one.
pub(crate) fn prefer_index(c: &mut Conn, on: bool) -> DbResult<()> {
    let statement = if on {
        "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off"
    } else {
        "SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = on"
    };
    c.batch_execute(statement)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_prefix_queries() {
        let terms = ["foo", "bär", "o'k"].map(String::from);
        assert_eq!(query(&terms), "'foo':* & 'bär':* & 'o''k':*");
    }
}
