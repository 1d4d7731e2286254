//! Text search over the conversation: public messages for everyone who sees the ticket,
//! internal notes for staff only, with the same word-prefix semantics as topic and description
//! (`TicketQuery::selects_with` is the reference). Messages are never edited nor deleted, so a
//! message's words stay findable for as long as its ticket lives.

use std::collections::BTreeSet;

use ticketing_domain::listing::{Limit, Scope, SearchText, SortKey, TicketOrdering, TicketQuery};
use ticketing_domain::{Action, Description, Message, Role, Ticket, Topic, User};

use crate::StoreUnderTest;
use crate::fixtures::{
    add_ticket, add_user, at, entry, expected_with, ids, message, messages, ticket, tickets, touch,
    walk,
};

/// The tickets and messages a case has stored, to check searches against the reference.
struct World {
    tickets: Vec<Ticket>,
    messages: Vec<Message>,
}

impl World {
    /// Stores `body` on the ticket at `i` as a public message (by `author`) or an internal note,
    /// at `seconds`.
    async fn say<S: StoreUnderTest>(
        &mut self,
        s: &S,
        i: usize,
        author: &User,
        body: &str,
        internal: bool,
        seconds: i64,
    ) {
        let t = &mut self.tickets[i];
        let m = message(t.id, author, body, internal, at(seconds));
        let effect = touch(
            t.id,
            m.created_at,
            u32::from(!internal),
            u32::from(internal),
        );
        messages(s).add(&m, &effect, &[], &[]).await.unwrap();
        t.version += 1;
        t.updated_at = m.created_at;
        if internal {
            t.internal_note_count += 1;
        } else {
            t.message_count += 1;
            t.public_version += 1;
            t.public_updated_at = m.created_at;
        }
        self.messages.push(m);
    }

    /// Searches `q` as staff (every ticket) or as the customer `owner` (their tickets, public
    /// words only), over pages of two, newest first; checks the result against the reference
    /// and the topics written out by hand, and the total.
    async fn check<S: StoreUnderTest>(
        &self,
        s: &S,
        customer: Option<&User>,
        q: &str,
        want_topics: &[&str],
    ) {
        let query = TicketQuery {
            text: Some(SearchText::parse(q).unwrap()),
            limit: Limit::new(2).unwrap(),
            public_view: customer.is_some(),
            ..TicketQuery::new(customer.map_or(Scope::All, |c| Scope::OwnedBy(c.id)))
        };
        let who = if customer.is_some() {
            "customer"
        } else {
            "staff"
        };
        let got = walk(s, query.clone()).await;
        assert_eq!(
            ids(&got),
            expected_with(&self.tickets, &self.messages, &query),
            "{who} {q:?}: store differs from TicketQuery::selects_with"
        );
        let topics: BTreeSet<&str> = got.iter().map(|t| t.topic.as_str()).collect();
        let want: BTreeSet<&str> = want_topics.iter().copied().collect();
        assert_eq!(topics, want, "{who} {q:?}");
        let total = tickets(s).list(&query).await.unwrap().total;
        assert_eq!(total, want.len() as u64, "{who} {q:?}: total");
    }
}

/// Words of public messages are found by staff and by the customer; words of internal notes by
/// staff only (a customer never finds a ticket by a note, even combined with public words);
/// prefixes; terms spread over topic and messages; Unicode words; results newest first; a
/// deleted ticket's messages no longer match; editing the topic keeps the conversation's words.
pub async fn case_search_conversation<S: StoreUnderTest>(s: &S) {
    let alice = add_user(s, "conv-alice", Role::Customer).await;
    let bob = add_user(s, "conv-bob", Role::Customer).await;
    let agent = add_user(s, "conv-agent", Role::Agent).await;
    let docs = [
        (&alice, "Printer", "It is broken."),
        (&alice, "Laptop", "Screen flickers."),
        (&bob, "Mail", "Cannot send."),
        (&alice, "Old ticket", "To be deleted."),
    ];
    let mut w = World {
        tickets: Vec::new(),
        messages: Vec::new(),
    };
    for (i, (owner, topic, description)) in docs.into_iter().enumerate() {
        let mut t = ticket(owner, topic, description, at(i as i64));
        add_ticket(s, &mut t).await;
        w.tickets.push(t);
    }
    w.say(
        s,
        0,
        &alice,
        "The toner cartridge is EMPTY, says the display.",
        false,
        10,
    )
    .await;
    w.say(
        s,
        0,
        &agent,
        "Ordered toner from Zephyrcorp; supplier ticket X-991.",
        true,
        11,
    )
    .await;
    w.say(
        s,
        1,
        &agent,
        "Could you try another cable? Ünïcode käbel 数据库",
        false,
        12,
    )
    .await;
    w.say(s, 1, &alice, "The cable helped, thanks!", false, 13)
        .await;
    w.say(
        s,
        2,
        &agent,
        "Mailbox quota exceeded; supplier Zephyrcorp notified.",
        true,
        14,
    )
    .await;
    w.say(
        s,
        2,
        &bob,
        "The toner question was mine by mistake.",
        false,
        15,
    )
    .await;
    w.say(s, 3, &alice, "Ancient cartridge complaint.", false, 16)
        .await;

    // Delete ticket 3: its messages no longer match.
    let deleted = Ticket {
        deleted_at: Some(at(20)),
        version: w.tickets[3].version + 1,
        ..w.tickets[3].clone()
    };
    tickets(s)
        .update(&deleted, w.tickets[3].version, &[], &[])
        .await
        .unwrap();
    w.tickets[3] = deleted;

    let staff = None;
    let (a, b) = (Some(&alice), Some(&bob));
    // Public message words: staff and the owner find them; another customer does not.
    w.check(s, staff, "toner", &["Printer", "Mail"]).await;
    w.check(s, a, "toner", &["Printer"]).await;
    w.check(s, b, "toner", &["Mail"]).await;
    w.check(s, staff, "cartridge", &["Printer"]).await;
    w.check(s, a, "cartridge", &["Printer"]).await;
    // Prefixes, case, several terms across topic, description and messages.
    w.check(s, staff, "TON", &["Printer", "Mail"]).await;
    w.check(s, staff, "printer empty", &["Printer"]).await;
    w.check(s, a, "broken displ", &["Printer"]).await;
    w.check(s, staff, "cable thanks", &["Laptop"]).await;
    w.check(s, staff, "cable toner", &[]).await;
    // A "two-word phrase" is two required word prefixes, in any order and place.
    w.check(s, staff, "cartridge toner", &["Printer"]).await;
    w.check(s, staff, "toner cartridge", &["Printer"]).await;
    // Unicode words in a message.
    w.check(s, a, "ünï KÄBEL", &["Laptop"]).await;
    w.check(s, staff, "数据", &["Laptop"]).await;
    w.check(s, staff, "unicode", &[]).await;
    // Internal notes: staff only.
    w.check(s, staff, "zephyrcorp", &["Printer", "Mail"]).await;
    w.check(s, staff, "zephyr ordered", &["Printer"]).await;
    w.check(s, staff, "x 991", &["Printer"]).await;
    w.check(s, a, "zephyrcorp", &[]).await;
    w.check(s, b, "zephyrcorp", &[]).await;
    w.check(s, a, "toner zephyr", &[]).await;
    w.check(s, b, "quota", &[]).await;
    w.check(s, a, "supplier", &[]).await;
    w.check(s, staff, "supplier", &["Printer", "Mail"]).await;
    // The deleted ticket's message.
    w.check(s, staff, "ancient", &[]).await;
    w.check(s, a, "ancient", &[]).await;

    // Newest first, whatever matched (topic, message or note).
    let query = TicketQuery {
        text: Some(SearchText::parse("t").unwrap()),
        limit: Limit::new(1).unwrap(),
        ordering: TicketOrdering {
            key: SortKey::CreatedAt,
            descending: true,
        },
        ..TicketQuery::new(Scope::All)
    };
    let got = walk(s, query).await;
    let order: Vec<&str> = got.iter().map(|t| t.topic.as_str()).collect();
    assert_eq!(order, ["Mail", "Laptop", "Printer"], "newest first");

    // Editing topic and description keeps the conversation's words.
    let edited = Ticket {
        topic: Topic::parse("Copier").unwrap(),
        description: Description::parse("Renamed.").unwrap(),
        version: w.tickets[0].version + 1,
        ..w.tickets[0].clone()
    };
    let log = [entry(edited.id, Action::Updated, agent.id, false, at(30))];
    tickets(s)
        .update(&edited, w.tickets[0].version, &log, &[])
        .await
        .unwrap();
    w.tickets[0] = edited;
    w.check(s, staff, "printer", &[]).await;
    w.check(s, staff, "copier cartridge", &["Copier"]).await;
    w.check(s, staff, "copier zephyr", &["Copier"]).await;
    w.check(s, a, "copier zephyr", &[]).await;
    w.check(s, a, "renamed empty", &["Copier"]).await;
}

/// A word in more than a thousand tickets (the stores may plan such a search differently: walk
/// the order index instead of sorting every match): the same tickets, newest first, in every
/// ordering's pages, with the exact total; a rarer word among them still finds its few.
pub async fn case_search_with_many_matches<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "many-owner", Role::Customer).await;
    let agent = add_user(s, "many-agent", Role::Agent).await;
    let mut w = World {
        tickets: Vec::new(),
        messages: Vec::new(),
    };
    for i in 0..1_010 {
        let topic = if i % 2 == 0 {
            "Common even"
        } else {
            "Common odd"
        };
        let mut t = ticket(&owner, topic, "Everyday words.", at(i64::from(i)));
        add_ticket(s, &mut t).await;
        w.tickets.push(t);
    }
    w.say(s, 7, &agent, "A zebra crossed", false, 2_000).await;
    w.say(s, 1_000, &agent, "Zebra note", true, 2_001).await;
    for ordering in ["-created_at", "created_at", "-priority"] {
        let query = TicketQuery {
            text: Some(SearchText::parse("common").unwrap()),
            limit: Limit::new(200).unwrap(),
            ordering: ordering.parse().unwrap(),
            ..TicketQuery::new(Scope::All)
        };
        let got = walk(s, query.clone()).await;
        assert_eq!(
            ids(&got),
            expected_with(&w.tickets, &w.messages, &query),
            "{ordering}"
        );
        assert_eq!(tickets(s).list(&query).await.unwrap().total, 1_010);
    }
    let query = TicketQuery {
        text: Some(SearchText::parse("common odd").unwrap()),
        ..TicketQuery::new(Scope::All)
    };
    assert_eq!(
        ids(&walk(s, query.clone()).await),
        expected_with(&w.tickets, &w.messages, &query)
    );
    w.check(s, None, "zebra common", &["Common odd", "Common even"])
        .await;
    w.check(s, Some(&owner), "zebra", &["Common odd"]).await;
    // A page the walk finds among the first SEARCH_WALK tickets is not counted: the total is a
    // lower bound (this page and one more); the pages are the same.
    for (text, scope) in [("common", Scope::All), ("odd", Scope::OwnedBy(owner.id))] {
        let query = TicketQuery {
            text: Some(SearchText::parse(text).unwrap()),
            limit: Limit::new(25).unwrap(),
            public_view: matches!(scope, Scope::OwnedBy(_)),
            ..TicketQuery::new(scope)
        };
        let page = tickets(s).list(&query).await.unwrap();
        assert_eq!(
            (page.items.len(), page.total, page.exact),
            (25, 26, false),
            "{text}"
        );
        assert_eq!(
            ids(&walk(s, query.clone()).await),
            expected_with(&w.tickets, &w.messages, &query),
            "{text}"
        );
    }
    // A word the walk finds too rarely is counted.
    let rare = TicketQuery {
        text: Some(SearchText::parse("zebra").unwrap()),
        limit: Limit::new(25).unwrap(),
        ..TicketQuery::new(Scope::All)
    };
    let page = tickets(s).list(&rare).await.unwrap();
    assert_eq!((page.items.len(), page.total, page.exact), (2, 2, true));
}
