//! list_tickets, create_ticket, ticket_detail, update_ticket, delete_ticket. Outcomes on the fake
//! store (`MemoryStore`); refusals that must write nothing and injected failures on the mocks.

use std::sync::Arc;

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{ActivityRepository, TicketRepository};
use ticketing_app::testing::{
    Harness, alice, attachment, bob, carol, dave, earlier, gen_id, latest, message, now,
    other_ticket_id, seed, ticket_id, ticket_in, ticket_of,
};
use ticketing_app::views::{
    ActivityView, AttachmentView, Earlier, LastMessageView, MessageView, TicketCard, TicketDetail,
};
use ticketing_app::{AppError, NewTicketInput, RepoError, TicketListKind};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, Description, Message, Priority, Status, Ticket, TicketId,
    Topic, User,
};
use ticketing_domain::{
    ChangeError, Refusal, Rule,
    listing::{Cursor, Limit, Page, Scope, TicketQuery, TimelineQuery},
};
use ticketing_store_contract::MemoryStore;
use uuid::Uuid;

pub fn entry(n: u128, ticket: TicketId, action: Action, by: &User, details: &str) -> ActivityEntry {
    ActivityEntry {
        id: ActivityId::from_uuid(gen_id(n)),
        ticket_id: ticket,
        action,
        performed_by: by.id,
        details: details.to_owned(),
        change: None,
        internal: false,
        created_at: now(),
    }
}

/// `entry` with its change as values.
pub fn changed(entry: ActivityEntry, change: ticketing_domain::ActivityChange) -> ActivityEntry {
    ActivityEntry {
        change: Some(change),
        ..entry
    }
}

/// `ticket_of(carol)`, assigned to alice.
pub fn assigned_ticket() -> Ticket {
    Ticket {
        assigned_to: Some(alice().id),
        ..ticket_of(&carol())
    }
}

// ---- list_tickets ------------------------------------------------------------------------

/// What the HTTP layer hands in: filters, a page size, and a scope it does not decide.
fn open_tickets_query() -> TicketQuery {
    TicketQuery {
        statuses: vec![Status::Open],
        limit: Limit::new(10).unwrap(),
        ..TicketQuery::new(Scope::All)
    }
}

/// dave's open ticket.
fn daves_ticket() -> Ticket {
    Ticket {
        id: other_ticket_id(),
        ..ticket_of(&dave())
    }
}

/// alice's own open ticket (staff open tickets too).
fn alices_ticket() -> Ticket {
    Ticket {
        id: TicketId::from_uuid(Uuid::from_u128(0x7_0003)),
        ..ticket_of(&alice())
    }
}

/// A fake store with carol, dave and alice, and four tickets: carol's open one assigned to
/// alice, dave's and alice's open ones, and a closed one of carol's (which the open-tickets
/// query never lists).
async fn four_tickets() -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &dave(), &alice()]).await;
    for ticket in [assigned_ticket(), daves_ticket(), alices_ticket()] {
        seed::ticket(&store, &ticket).await;
    }
    let closed = Ticket {
        id: TicketId::from_uuid(Uuid::from_u128(0x7_0004)),
        ..ticket_in(&carol(), Status::Closed)
    };
    seed::ticket(&store, &closed).await;
    store
}

/// The ids of a page, in order.
fn ids(page: &ticketing_app::views::TicketPage) -> Vec<TicketId> {
    page.items.iter().map(|c| c.ticket.id).collect()
}

async fn list_on(
    store: &MemoryStore,
    who: &User,
    kind: TicketListKind,
    query: TicketQuery,
) -> ticketing_app::views::TicketPage {
    Harness::default()
        .build_on(store)
        .list_tickets(&who.actor(), kind, query)
        .await
        .unwrap()
}

async fn list(h: Harness, who: &User, kind: TicketListKind) -> ticketing_app::views::TicketPage {
    h.build()
        .list_tickets(&who.actor(), kind, open_tickets_query())
        .await
        .unwrap()
}

#[tokio::test]
async fn list_tickets_all_for_a_customer_is_their_own_without_internal_notes() {
    let store = four_tickets().await;

    let page = list_on(&store, &carol(), TicketListKind::All, open_tickets_query()).await;

    assert_eq!(page.total, 1);
    assert_eq!(page.next, None);
    assert_eq!(
        page.items,
        vec![TicketCard {
            version: assigned_ticket().version,
            updated_at: assigned_ticket().updated_at,
            ticket: assigned_ticket(),
            owner: Arc::new(carol()),
            assignee: Some(Arc::new(alice())),
            message_count: 2,
            last_public_message: None,
        }]
    );
}

#[tokio::test]
async fn list_tickets_all_for_staff_is_every_ticket_counting_internal_notes() {
    let store = four_tickets().await;
    let two_a_page = TicketQuery {
        limit: Limit::new(2).unwrap(),
        ..open_tickets_query()
    };

    let first = list_on(&store, &alice(), TicketListKind::All, two_a_page.clone()).await;
    let cursor = Cursor::decode(first.next.as_deref().unwrap(), two_a_page.ordering).unwrap();
    let second = list_on(
        &store,
        &alice(),
        TicketListKind::All,
        TicketQuery {
            after: Some(cursor),
            ..two_a_page
        },
    )
    .await;

    assert_eq!((first.total, first.items.len()), (3, 2));
    assert_eq!(
        (second.total, second.items.len(), second.next.clone()),
        (3, 1, None)
    );
    let mut seen = [ids(&first), ids(&second)].concat();
    seen.sort();
    assert_eq!(seen, [ticket_id(), other_ticket_id(), alices_ticket().id]);
    for card in first.items.iter().chain(&second.items) {
        assert_eq!(card.message_count, 3);
    }
}

#[tokio::test]
async fn list_tickets_mine_is_owned_by_the_caller() {
    let store = four_tickets().await;
    for (who, theirs) in [(carol(), ticket_id()), (alice(), alices_ticket().id)] {
        let page = list_on(&store, &who, TicketListKind::Mine, open_tickets_query()).await;

        assert_eq!(ids(&page), [theirs], "{}", who.username.as_str());
        assert_eq!(page.total, 1);
    }
}

#[tokio::test]
async fn list_tickets_assigned_for_staff_is_assigned_to_the_caller() {
    let store = four_tickets().await;
    seed::users(&store, &[&bob()]).await;

    let page = list_on(
        &store,
        &alice(),
        TicketListKind::Assigned,
        open_tickets_query(),
    )
    .await;
    let nothing = list_on(
        &store,
        &bob(),
        TicketListKind::Assigned,
        open_tickets_query(),
    )
    .await;

    assert_eq!(ids(&page), [ticket_id()]);
    assert_eq!(page.items[0].assignee, Some(Arc::new(alice())));
    assert_eq!((nothing.total, nothing.items.len()), (0, 0));
}

/// Customers' lists are asked in their view (ordered by the changes they see), staff's not.
#[tokio::test]
async fn list_tickets_asks_for_customers_lists_in_their_public_view() {
    for (who, kind, public_view) in [
        (carol(), TicketListKind::All, true),
        (carol(), TicketListKind::Mine, true),
        (alice(), TicketListKind::All, false),
        (alice(), TicketListKind::Mine, false),
        (alice(), TicketListKind::Assigned, false),
    ] {
        let mut h = Harness::default();
        h.tickets
            .expect_list()
            .withf(move |q: &TicketQuery| q.public_view == public_view)
            .times(1)
            .returning(|_| {
                Ok(Page {
                    items: Vec::new(),
                    total: 0,
                    next: None,
                    exact: true,
                })
            });

        list(h, &who, kind).await;
    }
}

/// A staff-only change (an internal note) moved the full version and time, not the public
/// ones: the owner's card shows the public ones, staff's the full ones.
#[tokio::test]
async fn list_tickets_shows_customers_only_the_changes_they_see() {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &alice()]).await;
    let noted = Ticket {
        version: 4,
        updated_at: now(),
        internal_note_count: 2,
        ..assigned_ticket()
    };
    seed::ticket(&store, &noted).await;

    let theirs = list_on(&store, &carol(), TicketListKind::All, open_tickets_query()).await;
    let staff = list_on(&store, &alice(), TicketListKind::All, open_tickets_query()).await;

    assert_eq!(
        (theirs.items[0].version, theirs.items[0].updated_at),
        (3, earlier())
    );
    assert_eq!(
        (staff.items[0].version, staff.items[0].updated_at),
        (4, now())
    );
}

#[tokio::test]
async fn list_tickets_assigned_is_forbidden_to_customers() {
    let mut h = Harness::default();
    h.tickets.expect_list().never();
    let app = h.build();

    let result = app
        .list_tickets(
            &carol().actor(),
            TicketListKind::Assigned,
            open_tickets_query(),
        )
        .await;

    assert_err!(
        result,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::AssignedListIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn list_tickets_with_an_empty_page_loads_no_people() {
    let mut h = Harness::default();
    h.tickets.expect_list().times(1).returning(|_| {
        Ok(Page {
            items: Vec::new(),
            total: 0,
            next: None,
            exact: true,
        })
    });
    h.users.expect_get_many().never();

    let page = list(h, &alice(), TicketListKind::All).await;

    assert!(page.items.is_empty());
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn list_tickets_names_who_spoke_last_with_one_lookup_of_people() {
    let mut h = Harness::default();
    let spoke = |by: &User| {
        Some(ticketing_domain::LastPublicMessage {
            author: by.id,
            is_staff_message: by.role.is_staff(),
            created_at: earlier(),
        })
    };
    // carol's ticket: bob answered last; dave's: dave himself; alice's: nobody yet.
    let answered = Ticket {
        last_public_message: spoke(&bob()),
        ..assigned_ticket()
    };
    let waiting = Ticket {
        last_public_message: spoke(&dave()),
        ..daves_ticket()
    };
    let items = vec![answered.clone(), waiting.clone(), alices_ticket()];
    h.tickets.expect_list().times(1).returning(move |_| {
        Ok(Page {
            items: items.clone(),
            total: 3,
            next: None,
            exact: true,
        })
    });
    h.people(&[&carol(), &alice(), &bob(), &dave()]);

    let page = list(h, &alice(), TicketListKind::All).await;

    let last: Vec<Option<(String, bool)>> = page
        .items
        .iter()
        .map(|c| {
            c.last_public_message.as_ref().map(|l: &LastMessageView| {
                (
                    l.author.username.as_str().to_owned(),
                    l.message.is_staff_message,
                )
            })
        })
        .collect();
    assert_eq!(
        last,
        [
            Some(("bob".to_owned(), true)),
            Some(("dave".to_owned(), false)),
            None
        ]
    );
    assert_eq!(
        page.items[0].last_public_message.as_ref().unwrap().message,
        answered.last_public_message.unwrap()
    );
}

// ---- create_ticket -----------------------------------------------------------------------

#[tokio::test]
async fn create_ticket_stores_the_ticket_with_its_created_entry() {
    let store = MemoryStore::new();
    let carol = carol();
    seed::users(&store, &[&carol]).await;
    let app = Harness::default().build_on(&store);
    let id = TicketId::from_uuid(gen_id(1));
    let expected = Ticket {
        id,
        number: 1,
        owner: carol.id,
        assigned_to: None,
        topic: Topic::parse("Printer on fire").unwrap(),
        description: Description::parse("Smoke everywhere").unwrap(),
        status: Status::Open,
        priority: Priority::High,
        created_at: now(),
        updated_at: now(),
        public_updated_at: now(),
        resolved_at: None,
        closed_at: None,
        version: 1,
        public_version: 1,
        message_count: 0,
        internal_note_count: 0,
        last_public_message: None,
        deleted_at: None,
    };
    let created = ActivityEntry {
        id: ActivityId::from_uuid(gen_id(2)),
        ticket_id: id,
        action: Action::Created,
        performed_by: carol.id,
        details: "Ticket created".to_owned(),
        change: None,
        internal: false,
        created_at: now(),
    };

    let detail = app
        .create_ticket(
            &carol.actor(),
            NewTicketInput {
                topic: Topic::parse("Printer on fire").unwrap(),
                description: Description::parse("Smoke everywhere").unwrap(),
                priority: Some(Priority::High),
                requester: None,
            },
        )
        .await
        .unwrap();

    let card = TicketCard {
        version: expected.version,
        updated_at: expected.updated_at,
        ticket: expected.clone(),
        owner: Arc::new(carol.clone()),
        assignee: None,
        message_count: 0,
        last_public_message: None,
    };
    assert_eq!(
        detail,
        TicketDetail {
            allowed: ticketing_domain::policy::allowed(&carol.actor(), &expected),
            card: card.clone(),
            messages: Vec::new(),
            attachments: Vec::new(),
            activities: vec![ActivityView {
                entry: created.clone(),
                named: Vec::new(),
                performer: Arc::new(carol.clone()),
            }],
            earlier: Earlier::default(),
        }
    );
    // Stored with its entry, and listed.
    assert_eq!(TicketRepository::get(&store, id).await.unwrap(), expected);
    assert_eq!(
        ActivityRepository::list(&store, id, true, &latest())
            .await
            .unwrap()
            .items,
        [created]
    );
    let mine = app
        .list_tickets(
            &carol.actor(),
            TicketListKind::Mine,
            TicketQuery::new(Scope::All),
        )
        .await
        .unwrap();
    assert_eq!(mine.items, [card]);
    // The next ticket gets the next number.
    let next = app
        .create_ticket(
            &carol.actor(),
            NewTicketInput {
                topic: Topic::parse("Printer still on fire").unwrap(),
                description: Description::parse("More smoke").unwrap(),
                priority: None,
                requester: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(next.card.ticket.number, 2);
}

#[tokio::test]
async fn create_ticket_that_cannot_be_stored_loads_nothing_else() {
    let mut h = Harness::default();
    h.tickets
        .expect_create()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Unavailable("down".to_owned())));
    h.messages.expect_list().never();
    h.users.expect_get_many().never();
    let app = h.build();

    let result = app
        .create_ticket(
            &carol().actor(),
            NewTicketInput {
                topic: Topic::parse("Printer on fire").unwrap(),
                description: Description::parse("Smoke everywhere").unwrap(),
                priority: None,
                requester: None,
            },
        )
        .await;

    assert_err!(result, AppError::Unavailable(_));
}

fn printer(requester: Option<&User>) -> NewTicketInput {
    NewTicketInput {
        topic: Topic::parse("Printer on fire").unwrap(),
        description: Description::parse("Smoke everywhere").unwrap(),
        priority: None,
        requester: requester.map(|u| u.id),
    }
}

/// Staff open a ticket for a customer: the customer owns it (lists it as theirs), the log says
/// the agent opened it for them.
#[tokio::test]
async fn staff_open_a_ticket_for_a_customer() {
    let (carol, alice) = (carol(), alice());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &alice]).await;
    let app = Harness::default().build_on(&store);

    let detail = app
        .create_ticket(&alice.actor(), printer(Some(&carol)))
        .await
        .unwrap();

    let id = detail.card.ticket.id;
    assert_eq!(detail.card.ticket.owner, carol.id);
    assert_eq!(detail.card.owner.as_ref(), &carol);
    assert_eq!(detail.activities.len(), 1);
    assert_eq!(detail.activities[0].entry.performed_by, alice.id);
    assert_eq!(detail.activities[0].performer.as_ref(), &alice);
    assert_eq!(
        detail.activities[0].entry.details,
        "Ticket created for carol"
    );
    assert_eq!(
        TicketRepository::get(&store, id).await.unwrap().owner,
        carol.id
    );
    let mine = app
        .list_tickets(
            &carol.actor(),
            TicketListKind::Mine,
            TicketQuery::new(Scope::All),
        )
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].ticket.id, id);
    // Naming oneself is opening one's own.
    let own = app
        .create_ticket(&alice.actor(), printer(Some(&alice)))
        .await
        .unwrap();
    assert_eq!(own.card.ticket.owner, alice.id);
    assert_eq!(own.activities[0].entry.details, "Ticket created");
}

/// A customer may not name another requester: refused before any lookup or write, so the answer
/// says nothing about whether the id exists.
#[tokio::test]
async fn a_customer_cannot_open_a_ticket_for_someone_else() {
    let mut h = Harness::default();
    h.users.expect_get().never();
    h.tickets.expect_create().never();
    let app = h.build();
    for requester in [dave(), alice()] {
        assert_err!(
            app.create_ticket(&carol().actor(), printer(Some(&requester)))
                .await,
            AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
                Rule::OpeningForOthersIsStaffOnly
            )))
        );
    }
}

/// An unknown or deactivated requester is a 400 on `requester`; nothing is stored.
#[tokio::test]
async fn the_requester_must_be_an_active_user() {
    let gone = User {
        is_active: false,
        ..dave()
    };
    let store = MemoryStore::new();
    seed::users(&store, &[&alice(), &gone]).await;
    let app = Harness::default().build_on(&store);
    assert_err!(
        app.create_ticket(&alice().actor(), printer(Some(&bob()))).await,
        AppError::Validation(errors) if errors.contains_key("requester")
    );
    assert_err!(
        app.create_ticket(&alice().actor(), printer(Some(&gone)))
            .await,
        AppError::Domain(ChangeError::RequesterInactive)
    );
    let all = app
        .list_tickets(
            &alice().actor(),
            TicketListKind::All,
            TicketQuery::new(Scope::All),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 0);
}

// ---- ticket_detail -----------------------------------------------------------------------

/// A fake store with carol, alice and `assigned_ticket()`, which has a public reply of alice's
/// (with an attachment), a message of carol's, an internal note of alice's (with an internal
/// attachment), a loose attachment of carol's, and in its log (besides `created`) a public
/// assignment an hour later and an internal entry two hours later.
async fn busy_ticket() -> MemoryStore {
    let (carol, alice) = (carol(), alice());
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &alice]).await;
    let ticket = assigned_ticket();
    seed::ticket(&store, &ticket).await;
    let (reply, mine, note) = busy_messages();
    for m in [&reply, &mine, &note] {
        seed::message(&store, m).await;
    }
    for a in [
        attachment(0x4_0001, &alice, Some(&reply)),
        attachment(0x4_0002, &carol, None),
        attachment(0x4_0003, &alice, Some(&note)),
    ] {
        seed::attachment(&store, &a).await;
    }
    seed::log(&store, ticket.id, &busy_log()).await;
    store
}

/// The reply, carol's message and the internal note of `busy_ticket()`.
fn busy_messages() -> (Message, Message, Message) {
    let (carol, alice) = (carol(), alice());
    (
        message(0x3_0001, &alice, false),
        message(0x3_0002, &carol, false),
        message(0x3_0003, &alice, true),
    )
}

/// The public then the internal entry of `busy_ticket()`'s log.
fn busy_log() -> [ActivityEntry; 2] {
    let alice = alice();
    [
        ActivityEntry {
            created_at: earlier() + Duration::hours(1),
            ..entry(
                0x5_0001,
                ticket_id(),
                Action::AssignedToChanged,
                &alice,
                "Ticket assigned to alice",
            )
        },
        ActivityEntry {
            created_at: earlier() + Duration::hours(2),
            internal: true,
            ..entry(
                0x5_0002,
                ticket_id(),
                Action::PriorityChanged,
                &alice,
                "Priority changed",
            )
        },
    ]
}

#[tokio::test]
async fn ticket_detail_for_the_owner_hides_internal_notes_and_joins_everything() {
    let store = busy_ticket().await;
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let ticket = assigned_ticket();
    let (reply, mine, _note) = busy_messages();
    let on_reply = attachment(0x4_0001, &alice, Some(&reply));
    let loose = attachment(0x4_0002, &carol, None);
    let [logged, _internal] = busy_log();
    // The reply's file is linked twice: in the thread and in the list of files.
    for (a, token, times) in [(on_reply.id, "dl-1", 2), (loose.id, "dl-2", 1)] {
        h.tokens
            .expect_sign_download()
            .with(
                eq(a),
                eq(carol.id),
                eq(carol.token_epoch),
                eq(now() + Duration::minutes(15)),
            )
            .times(times)
            .returning(move |_, _, _, _| token.to_owned());
    }
    let app = h.build_on(&store);

    let detail = app.ticket_detail(&carol.actor(), ticket.id).await.unwrap();

    // carol's message is the last public one (alice's later note does not count).
    let ticket = Ticket {
        last_public_message: mine.as_last_public(),
        ..ticket
    };
    let view = |a: &ticketing_domain::Attachment, by: &User, token: &str| AttachmentView {
        attachment: a.clone(),
        uploader: Arc::new(by.clone()),
        download_token: token.to_owned(),
        download_expires_at: now() + Duration::minutes(15),
    };
    assert_eq!(
        detail,
        TicketDetail {
            allowed: ticketing_domain::policy::allowed(&carol.actor(), &ticket),
            card: TicketCard {
                version: ticket.clone().version,
                updated_at: ticket.clone().updated_at,
                ticket: ticket.clone(),
                owner: Arc::new(carol.clone()),
                assignee: Some(Arc::new(alice.clone())),
                message_count: 2,
                last_public_message: Some(LastMessageView {
                    message: mine.as_last_public().unwrap(),
                    author: Arc::new(carol.clone()),
                }),
            },
            messages: vec![
                MessageView {
                    message: reply,
                    author: Arc::new(alice.clone()),
                    attachments: vec![view(&on_reply, &alice, "dl-1")],
                },
                MessageView {
                    message: mine,
                    author: Arc::new(carol.clone()),
                    attachments: Vec::new(),
                },
            ],
            attachments: vec![
                view(&on_reply, &alice, "dl-1"),
                view(&loose, &carol, "dl-2")
            ],
            activities: vec![
                ActivityView {
                    entry: logged,
                    named: Vec::new(),
                    performer: Arc::new(alice),
                },
                ActivityView {
                    entry: seed::created_entry(&ticket),
                    named: Vec::new(),
                    performer: Arc::new(carol),
                },
            ],
            earlier: Earlier::default(),
        }
    );
}

#[tokio::test]
async fn ticket_detail_for_staff_includes_internal_notes() {
    let store = busy_ticket().await;
    let mut h = Harness::default();
    h.tokens
        .expect_sign_download()
        // The 3 files, and again the 2 of them that belong to messages, in the thread.
        .times(5)
        .returning(|_, _, _, _| "dl".to_owned());
    let app = h.build_on(&store);

    let detail = app
        .ticket_detail(&alice().actor(), ticket_id())
        .await
        .unwrap();

    assert_eq!(detail.card.message_count, 3);
    let (reply, mine, note) = busy_messages();
    let messages: Vec<Message> = detail.messages.into_iter().map(|m| m.message).collect();
    assert_eq!(messages, [reply, mine, note]);
    assert_eq!(detail.attachments.len(), 3);
    let [logged, internal] = busy_log();
    let log: Vec<ActivityEntry> = detail.activities.into_iter().map(|a| a.entry).collect();
    assert_eq!(
        log,
        [internal, logged, seed::created_entry(&assigned_ticket())]
    );
}

#[tokio::test]
async fn ticket_detail_embeds_the_latest_50_messages_and_says_where_earlier_ones_continue() {
    let carol = carol();
    let store = MemoryStore::new();
    seed::users(&store, &[&carol]).await;
    seed::ticket(&store, &ticket_of(&carol)).await;
    let thread: Vec<Message> = (1..=52)
        .map(|n| Message {
            created_at: earlier() + Duration::minutes(n),
            ..message(0x3_0000 + n as u128, &carol, false)
        })
        .collect();
    for m in &thread {
        seed::message(&store, m).await;
    }
    let app = Harness::default().build_on(&store);

    let detail = app
        .ticket_detail(&carol.actor(), ticket_id())
        .await
        .unwrap();

    let shown: Vec<&Message> = detail.messages.iter().map(|v| &v.message).collect();
    assert_eq!(
        shown,
        thread[2..].iter().collect::<Vec<_>>(),
        "the latest 50, oldest first"
    );
    assert_eq!(detail.earlier.attachments, None);
    assert_eq!(detail.earlier.activities, None);
    let next = detail
        .earlier
        .messages
        .expect("a cursor to the earlier messages");
    let query = TimelineQuery {
        after: Some(Cursor::decode(&next, latest().ordering()).unwrap()),
        ..latest()
    };
    let rest = app
        .list_messages(&carol.actor(), ticket_id(), query)
        .await
        .unwrap();
    let rest: Vec<&Message> = rest.items.iter().map(|v| &v.message).collect();
    assert_eq!(
        rest,
        [&thread[1], &thread[0]],
        "the earlier ones, newest first"
    );
}

#[tokio::test]
async fn ticket_detail_of_someone_elses_ticket_is_not_found() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.messages.expect_list().never();
    h.attachments.expect_list().never();
    h.activities.expect_list().never();
    let app = h.build();

    assert_err!(
        app.ticket_detail(&dave().actor(), ticket_id()).await,
        AppError::NotFound("ticket")
    );
}

#[tokio::test]
async fn ticket_detail_of_a_missing_or_deleted_ticket_is_not_found() {
    let mut h = Harness::default();
    h.tickets
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    h.ticket_is(
        &Ticket {
            deleted_at: Some(earlier()),
            ..ticket_of(&carol())
        },
        1,
    );
    h.messages.expect_list().never();
    let app = h.build();

    for _ in 0..2 {
        assert_err!(
            app.ticket_detail(&alice().actor(), ticket_id()).await,
            AppError::NotFound("ticket")
        );
    }
}

/// `TicketRepository::update` is expected once with exactly this new state, expected version
/// and log; it answers `answer`.
pub fn expect_update(
    h: &mut Harness,
    ticket: Ticket,
    expected_version: i64,
    activities: Vec<ActivityEntry>,
    answer: fn() -> Result<(), RepoError>,
) {
    h.tickets
        .expect_update()
        .withf(move |t: &Ticket, v: &i64, a: &[ActivityEntry], _| {
            *t == ticket && *v == expected_version && a == activities.as_slice()
        })
        .times(1)
        .returning(move |_, _, _, _| answer());
}

// ---- delete_ticket -----------------------------------------------------------------------

/// The soft-deleted state itself (marker, version, time) is not visible through the ports once
/// deleted: checked on the write.
#[tokio::test]
async fn delete_ticket_writes_the_deleted_marker_at_now() {
    let mut h = Harness::default();
    let before = ticket_in(&carol(), Status::Closed);
    h.ticket_is(&before, 1);
    let after = Ticket {
        deleted_at: Some(now()),
        version: 4,
        updated_at: now(),
        public_version: 4,
        public_updated_at: now(),
        ..before.clone()
    };
    expect_update(
        &mut h,
        after,
        3,
        vec![entry(
            1,
            before.id,
            Action::Deleted,
            &alice(),
            "Ticket deleted",
        )],
        || Ok(()),
    );
    let app = h.build();

    app.delete_ticket(&alice().actor(), before.id)
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_ticket_by_staff_soft_deletes_and_logs() {
    let store = MemoryStore::new();
    seed::users(&store, &[&carol(), &alice()]).await;
    let before = ticket_in(&carol(), Status::Closed);
    seed::ticket(&store, &before).await;
    let app = Harness::default().build_on(&store);

    app.delete_ticket(&alice().actor(), before.id)
        .await
        .unwrap();

    assert_err!(
        TicketRepository::get(&store, before.id).await,
        RepoError::NotFound
    );
    assert_eq!(
        ActivityRepository::list(&store, before.id, true, &latest())
            .await
            .unwrap()
            .items,
        [
            entry(1, before.id, Action::Deleted, &alice(), "Ticket deleted"),
            seed::created_entry(&before),
        ]
    );
    assert_err!(
        app.ticket_detail(&alice().actor(), before.id).await,
        AppError::NotFound("ticket")
    );
    let all = app
        .list_tickets(
            &alice().actor(),
            TicketListKind::All,
            TicketQuery::new(Scope::All),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 0);
}

#[tokio::test]
async fn delete_ticket_is_forbidden_to_the_owner() {
    let mut h = Harness::default();
    h.ticket_is(&ticket_of(&carol()), 1);
    h.tickets.expect_update().never();
    let app = h.build();

    assert_err!(
        app.delete_ticket(&carol().actor(), ticket_id()).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::DeletionIsStaffOnly
        )))
    );
}

#[tokio::test]
async fn delete_ticket_retries_a_lost_race() {
    let mut h = Harness::default();
    let before = ticket_of(&carol());
    h.ticket_is(&before, 2);
    h.tickets
        .expect_update()
        .times(1)
        .returning(|_, _, _, _| Err(RepoError::Stale));
    expect_update(
        &mut h,
        Ticket {
            deleted_at: Some(now()),
            version: 4,
            updated_at: now(),
            public_version: 4,
            public_updated_at: now(),
            ..before.clone()
        },
        3,
        vec![entry(
            2,
            before.id,
            Action::Deleted,
            &alice(),
            "Ticket deleted",
        )],
        || Ok(()),
    );
    let app = h.build();

    app.delete_ticket(&alice().actor(), before.id)
        .await
        .unwrap();
}
