//! Ticket numbers (sequential, unique, never reused, race-free), finding a ticket by its number
//! (`q=#1042`), and the last public message a ticket keeps for lists ("who spoke last").

use std::collections::BTreeSet;

use ticketing_app::RepoError;
use ticketing_app::ports::{MessageRepository, TicketEffect, TicketRepository};
use ticketing_domain::listing::{Limit, Scope, SearchText, TicketOrdering, TicketQuery};
use ticketing_domain::{Action, LastPublicMessage, Role, Status, Ticket};

use crate::StoreUnderTest;
use crate::fixtures::{
    add_ticket, add_user, at, entry, expected, ids, message, t0, ticket, tickets, touch, walk,
};

/// Numbers grow with each creation, are distinct, come back from `get` and `list`, are not
/// taken from the ticket handed in, never change with an update, and are not given again after
/// the highest-numbered ticket is deleted or after a failed creation.
pub async fn case_ticket_numbers_are_sequential_and_never_reused<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "numbered", Role::Customer).await;
    let mut made: Vec<Ticket> = Vec::new();
    for i in 0..5 {
        let mut t = ticket(&owner, &format!("Numbered {i}"), "n", at(i));
        // Whatever number the caller puts in, the store chooses.
        t.number = 999_999 - i as u64;
        add_ticket(s, &mut t).await;
        made.push(t);
    }
    let numbers: Vec<u64> = made.iter().map(|t| t.number).collect();
    assert!(numbers[0] >= 1, "numbers start at 1: {numbers:?}");
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "numbers increase: {numbers:?}"
    );
    assert!(
        numbers.windows(2).all(|w| w[1] - w[0] == 1),
        "no gaps without failures: {numbers:?}"
    );
    for t in &made {
        assert_eq!(tickets(s).get(t.id).await.unwrap().number, t.number);
    }
    let listed = walk(s, TicketQuery::new(Scope::All)).await;
    let listed: BTreeSet<(u64, _)> = listed.iter().map(|t| (t.number, t.id)).collect();
    let want: BTreeSet<(u64, _)> = made.iter().map(|t| (t.number, t.id)).collect();
    assert_eq!(listed, want, "lists carry the numbers");

    // An update never moves the number, whatever the ticket handed in says.
    let last = made.last().unwrap().clone();
    let edited = Ticket {
        number: 1,
        status: Status::InProgress,
        version: 2,
        updated_at: at(10),
        public_version: 2,
        public_updated_at: at(10),
        ..last.clone()
    };
    tickets(s).update(&edited, 1, &[], &[]).await.unwrap();
    assert_eq!(tickets(s).get(last.id).await.unwrap().number, last.number);
    let replaced = Ticket {
        number: 2,
        version: 3,
        updated_at: at(11),
        ..edited.clone()
    };
    let note = message(last.id, &owner, "replace", false, at(11));
    let effect = TicketEffect::Replace {
        ticket: replaced,
        expected_version: 2,
    };
    MessageRepository::add(s, &note, &effect, &[], &[])
        .await
        .unwrap();
    assert_eq!(tickets(s).get(last.id).await.unwrap().number, last.number);

    // Deleting the highest-numbered ticket does not give its number again.
    let deleted = Ticket {
        deleted_at: Some(at(12)),
        version: 4,
        updated_at: at(12),
        ..tickets(s).get(last.id).await.unwrap()
    };
    tickets(s).update(&deleted, 3, &[], &[]).await.unwrap();
    assert!(matches!(
        tickets(s).get(last.id).await,
        Err(RepoError::NotFound)
    ));
    let mut after_delete = ticket(&owner, "After the delete", "n", at(13));
    add_ticket(s, &mut after_delete).await;
    assert!(
        after_delete.number > last.number,
        "{} after deleting {}",
        after_delete.number,
        last.number
    );

    // A failed creation (the id is taken) stores nothing; the next number is still new.
    let dup = entry(made[0].id, Action::Created, owner.id, false, at(14));
    let failed = tickets(s).create(&made[0], &dup, &[]).await;
    assert!(
        matches!(failed, Err(RepoError::Conflict { .. })),
        "{failed:?}"
    );
    let mut next = ticket(&owner, "After the failure", "n", at(15));
    add_ticket(s, &mut next).await;
    assert!(next.number > after_delete.number);
    let all: BTreeSet<u64> = numbers
        .iter()
        .copied()
        .chain([after_delete.number, next.number])
        .collect();
    assert_eq!(all.len(), 7, "every number is distinct");
}

/// 8 writers create 25 tickets each at once: 200 distinct numbers, each ticket stored with the
/// number its creation returned.
pub async fn case_concurrent_creates_get_distinct_numbers<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "crowd", Role::Customer).await;
    let writers = (0..8)
        .map(|w| {
            let store = s.clone();
            let owner = owner.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                for i in 0..25 {
                    let mut t = ticket(&owner, &format!("Writer {w} ticket {i}"), "race", t0());
                    let created = entry(t.id, Action::Created, owner.id, false, t0());
                    t.number = TicketRepository::create(&store, &t, &created, &[])
                        .await
                        .expect("every concurrent creation lands");
                    got.push(t);
                }
                got
            })
        })
        .collect::<Vec<_>>();
    let mut made = Vec::new();
    for w in writers {
        made.extend(w.await.unwrap());
    }
    let numbers: BTreeSet<u64> = made.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 200, "200 distinct numbers");
    assert!(numbers.iter().all(|n| *n >= 1));
    for t in &made {
        assert_eq!(tickets(s).get(t.id).await.unwrap().number, t.number);
    }
}

/// `q=#N` and `q=N` find ticket N, listed first, then the tickets whose text matches, in every
/// ordering and page size; the scope and the filters still apply; a number nobody has finds
/// only the text matches; a number among other words is only text.
pub async fn case_ticket_number_search<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "quoter", Role::Customer).await;
    let other = add_user(s, "stranger", Role::Customer).await;
    let mut all = Vec::new();
    for (i, name) in ["alpha", "beta", "gamma", "delta"].into_iter().enumerate() {
        let mut t = ticket(
            &owner,
            &format!("Plain {name}"),
            "nothing to see",
            at(i as i64),
        );
        add_ticket(s, &mut t).await;
        all.push(t);
    }
    let sought = all[1].clone();
    let n = sought.number;
    // Tickets that mention the number (as a word, or a word it starts), before and after it in
    // every ordering, one of another customer.
    let texts = [
        (format!("Same as {n}"), &owner, at(-5)),
        (format!("Refs {n}0 and more"), &owner, at(20)),
        (format!("Also {n}"), &other, at(30)),
    ];
    for (topic, by, when) in texts {
        let mut t = ticket(by, &topic, "mentions", when);
        add_ticket(s, &mut t).await;
        all.push(t);
    }
    // One that is unrelated but newer, and a deleted one that mentions the number.
    let mut gone = ticket(&owner, &format!("Gone {n}"), "deleted", at(40));
    add_ticket(s, &mut gone).await;
    let gone = Ticket {
        deleted_at: Some(at(41)),
        version: 2,
        ..gone
    };
    tickets(s).update(&gone, 1, &[], &[]).await.unwrap();
    all.push(gone);

    for raw in [format!("#{n}"), format!("{n}"), format!(" #{n} ")] {
        for ordering in TicketOrdering::ALL {
            for limit in [1, 2, 50] {
                let query = TicketQuery {
                    text: Some(SearchText::parse(&raw).unwrap()),
                    ordering,
                    limit: Limit::new(limit).unwrap(),
                    ..TicketQuery::new(Scope::All)
                };
                let got = walk(s, query.clone()).await;
                let want = expected(&all, &query);
                assert_eq!(ids(&got), want, "{raw:?} {ordering} limit {limit}");
                assert_eq!(got[0].id, sought.id, "{raw:?} {ordering}: the number first");
                assert_eq!(
                    got.len(),
                    4,
                    "{raw:?} {ordering}: it and three text matches"
                );
                let total = tickets(s).list(&query).await.unwrap().total;
                assert_eq!(total, 4, "{raw:?} {ordering} limit {limit}: total");
            }
        }
    }

    // The owner scope: the stranger finds neither the ticket nor the owner's mentions.
    let mine = |who: &ticketing_domain::User, raw: &str| TicketQuery {
        text: Some(SearchText::parse(raw).unwrap()),
        limit: Limit::new(2).unwrap(),
        ..TicketQuery::new(Scope::OwnedBy(who.id))
    };
    let theirs = walk(s, mine(&other, &format!("#{n}"))).await;
    assert_eq!(
        ids(&theirs),
        expected(&all, &mine(&other, &format!("#{n}")))
    );
    assert_eq!(theirs.len(), 1, "only the stranger's own mention");
    assert!(theirs.iter().all(|t| t.owner == other.id));
    let own = walk(s, mine(&owner, &format!("#{n}"))).await;
    assert_eq!(own[0].id, sought.id);
    assert_eq!(own.len(), 3);

    // Filters apply to the numbered ticket too.
    let closed_only = TicketQuery {
        text: Some(SearchText::parse(&format!("#{n}")).unwrap()),
        statuses: vec![Status::Closed],
        ..TicketQuery::new(Scope::All)
    };
    assert!(walk(s, closed_only).await.is_empty());

    // A number no ticket has: only the text matches (here none); a number among words is text.
    let nobody = TicketQuery {
        text: Some(SearchText::parse("#987654").unwrap()),
        ..TicketQuery::new(Scope::All)
    };
    let page = tickets(s).list(&nobody).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 0);
    let words = TicketQuery {
        text: Some(SearchText::parse(&format!("same {n}")).unwrap()),
        ..TicketQuery::new(Scope::All)
    };
    let got = walk(s, words.clone()).await;
    assert_eq!(ids(&got), expected(&all, &words));
    assert_eq!(got.len(), 1);
    assert_ne!(got[0].id, sought.id);
}

/// A public message becomes its ticket's last public message (author, staff flag, time), an
/// internal note does not, an older message stored later does not replace a newer one, updates
/// never change it, and lists carry it.
pub async fn case_last_public_message<S: StoreUnderTest>(s: &S) {
    let customer = add_user(s, "asker", Role::Customer).await;
    let agent = add_user(s, "answerer", Role::Agent).await;
    let mut t = ticket(&customer, "Who spoke last", "?", t0());
    add_ticket(s, &mut t).await;
    let mut quiet = ticket(&customer, "Nobody spoke", "!", t0());
    add_ticket(s, &mut quiet).await;
    assert_eq!(
        tickets(s).get(t.id).await.unwrap().last_public_message,
        None
    );

    let last = |author: &ticketing_domain::User, minutes| {
        Some(LastPublicMessage {
            author: author.id,
            is_staff_message: author.role.is_staff(),
            created_at: at(minutes),
        })
    };
    let add = |m: ticketing_domain::Message, messages, notes| async move {
        let effect = touch(m.ticket_id, m.created_at, messages, notes);
        MessageRepository::add(s, &m, &effect, &[], &[])
            .await
            .unwrap();
    };
    let stored = || async { tickets(s).get(t.id).await.unwrap().last_public_message };

    add(message(t.id, &customer, "help", false, at(1)), 1, 0).await;
    assert_eq!(stored().await, last(&customer, 1));
    add(message(t.id, &agent, "internal", true, at(2)), 0, 1).await;
    assert_eq!(
        stored().await,
        last(&customer, 1),
        "an internal note is not it"
    );
    add(message(t.id, &agent, "answer", false, at(3)), 1, 0).await;
    assert_eq!(stored().await, last(&agent, 3));
    // Two replies committed out of order: the later one stays.
    add(message(t.id, &customer, "late", false, at(2)), 1, 0).await;
    assert_eq!(
        stored().await,
        last(&agent, 3),
        "an older message does not replace it"
    );

    // An update computed from a state without it (or with another one) does not change it.
    let current = tickets(s).get(t.id).await.unwrap();
    let edited = Ticket {
        last_public_message: None,
        status: Status::InProgress,
        version: current.version + 1,
        updated_at: at(5),
        ..current.clone()
    };
    tickets(s)
        .update(&edited, current.version, &[], &[])
        .await
        .unwrap();
    assert_eq!(stored().await, last(&agent, 3));
    let replaced = Ticket {
        last_public_message: last(&agent, 99),
        status: Status::Resolved,
        resolved_at: Some(at(6)),
        version: edited.version + 1,
        updated_at: at(6),
        ..edited.clone()
    };
    let reply = message(t.id, &customer, "thanks", false, at(6));
    let effect = TicketEffect::Replace {
        ticket: replaced,
        expected_version: edited.version,
    };
    MessageRepository::add(s, &reply, &effect, &[], &[])
        .await
        .unwrap();
    assert_eq!(
        stored().await,
        last(&customer, 6),
        "the message sets it, not the ticket"
    );

    // Lists carry it (and null for a ticket without public messages).
    let listed = walk(s, TicketQuery::new(Scope::All)).await;
    let of = |id| {
        listed
            .iter()
            .find(|x| x.id == id)
            .unwrap()
            .last_public_message
    };
    assert_eq!(of(t.id), last(&customer, 6));
    assert_eq!(of(quiet.id), None);
}
