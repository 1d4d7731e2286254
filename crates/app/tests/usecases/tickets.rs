//! list_tickets, create_ticket, ticket_detail, update_ticket, delete_ticket.

use std::sync::Arc;

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::views::{
    ActivityView, AttachmentView, Earlier, MessageView, TicketCard, TicketDetail,
};
use ticketing_app::{AppError, NewTicketInput, RepoError, TicketListKind};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, Description, MessageId, Priority, Status, Ticket, TicketId,
    Topic, User,
};
use ticketing_domain::{
    ChangeError, Refusal, Rule,
    listing::{Limit, Page, Scope, TicketQuery},
};

use crate::support::{
    Harness, alice, attachment, carol, dave, earlier, gen_id, latest, message, now, page,
    ticket_id, ticket_in, ticket_of,
};

pub fn entry(n: u128, ticket: TicketId, action: Action, by: &User, details: &str) -> ActivityEntry {
    ActivityEntry {
        id: ActivityId::from_uuid(gen_id(n)),
        ticket_id: ticket,
        action,
        performed_by: by.id,
        details: details.to_owned(),
        internal: false,
        created_at: now(),
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

/// `TicketRepository::list` is asked once, with `scope`, and answers one assigned ticket.
fn expect_list(h: &mut Harness, scope: Scope) {
    let expected = TicketQuery {
        scope,
        ..open_tickets_query()
    };
    h.tickets
        .expect_list()
        .withf(move |q: &TicketQuery| *q == expected)
        .times(1)
        .returning(|_| {
            Ok(Page {
                items: vec![assigned_ticket()],
                total: 7,
                next: Some("next-cursor".to_owned()),
            })
        });
    h.people(&[&carol(), &alice()]);
}

async fn list(h: Harness, who: &User, kind: TicketListKind) -> ticketing_app::views::TicketPage {
    h.build()
        .list_tickets(&who.actor(), kind, open_tickets_query())
        .await
        .unwrap()
}

#[tokio::test]
async fn list_tickets_all_for_a_customer_is_their_own_without_internal_notes() {
    let mut h = Harness::default();
    expect_list(&mut h, Scope::OwnedBy(carol().id));

    let page = list(h, &carol(), TicketListKind::All).await;

    assert_eq!(page.total, 7);
    assert_eq!(page.next.as_deref(), Some("next-cursor"));
    assert_eq!(
        page.items,
        vec![TicketCard {
            ticket: assigned_ticket(),
            owner: Arc::new(carol()),
            assignee: Some(Arc::new(alice())),
            message_count: 2,
        }]
    );
}

#[tokio::test]
async fn list_tickets_all_for_staff_is_every_ticket_counting_internal_notes() {
    let mut h = Harness::default();
    expect_list(&mut h, Scope::All);

    let page = list(h, &alice(), TicketListKind::All).await;

    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].message_count, 3);
}

#[tokio::test]
async fn list_tickets_mine_is_owned_by_the_caller() {
    for who in [carol(), alice()] {
        let mut h = Harness::default();
        expect_list(&mut h, Scope::OwnedBy(who.id));

        let page = list(h, &who, TicketListKind::Mine).await;

        assert_eq!(page.items.len(), 1);
    }
}

#[tokio::test]
async fn list_tickets_assigned_for_staff_is_assigned_to_the_caller() {
    let mut h = Harness::default();
    expect_list(&mut h, Scope::AssignedTo(alice().id));

    let page = list(h, &alice(), TicketListKind::Assigned).await;

    assert_eq!(page.items[0].assignee, Some(Arc::new(alice())));
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
        })
    });
    h.users.expect_get_many().never();

    let page = list(h, &alice(), TicketListKind::All).await;

    assert!(page.items.is_empty());
    assert_eq!(page.total, 0);
}

// ---- create_ticket -----------------------------------------------------------------------

#[tokio::test]
async fn create_ticket_stores_the_ticket_with_its_created_entry() {
    let mut h = Harness::default();
    let carol = carol();
    let id = TicketId::from_uuid(gen_id(1));
    let expected = Ticket {
        id,
        owner: carol.id,
        assigned_to: None,
        topic: Topic::parse("Printer on fire").unwrap(),
        description: Description::parse("Smoke everywhere").unwrap(),
        status: Status::Open,
        priority: Priority::High,
        created_at: now(),
        updated_at: now(),
        resolved_at: None,
        closed_at: None,
        version: 1,
        message_count: 0,
        internal_note_count: 0,
        deleted_at: None,
    };
    let created = ActivityEntry {
        id: ActivityId::from_uuid(gen_id(2)),
        ticket_id: id,
        action: Action::Created,
        performed_by: carol.id,
        details: "Ticket created".to_owned(),
        internal: false,
        created_at: now(),
    };
    let (t, e) = (expected.clone(), created.clone());
    h.tickets
        .expect_create()
        .withf(move |ticket: &Ticket, entry: &ActivityEntry| *ticket == t && *entry == e)
        .times(1)
        .returning(|_, _| Ok(()));
    h.empty_detail(id, false);
    h.people(&[&carol]);
    let app = h.build();

    let detail = app
        .create_ticket(
            &carol.actor(),
            NewTicketInput {
                topic: Topic::parse("Printer on fire").unwrap(),
                description: Description::parse("Smoke everywhere").unwrap(),
                priority: Some(Priority::High),
            },
        )
        .await
        .unwrap();

    assert_eq!(
        detail,
        TicketDetail {
            card: TicketCard {
                ticket: expected,
                owner: Arc::new(carol),
                assignee: None,
                message_count: 0,
            },
            messages: Vec::new(),
            attachments: Vec::new(),
            activities: Vec::new(),
            earlier: Earlier::default(),
        }
    );
}

#[tokio::test]
async fn create_ticket_that_cannot_be_stored_loads_nothing_else() {
    let mut h = Harness::default();
    h.tickets
        .expect_create()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("down".to_owned())));
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
            },
        )
        .await;

    assert_err!(result, AppError::Unavailable(_));
}

// ---- ticket_detail -----------------------------------------------------------------------

#[tokio::test]
async fn ticket_detail_for_the_owner_hides_internal_notes_and_joins_everything() {
    let mut h = Harness::default();
    let (carol, alice) = (carol(), alice());
    let ticket = assigned_ticket();
    h.ticket_is(&ticket, 1);
    let reply = message(0x3_0001, &alice, false);
    let mine = message(0x3_0002, &carol, false);
    let on_reply = attachment(0x4_0001, &alice, Some(&reply));
    let loose = attachment(0x4_0002, &carol, None);
    let logged = ActivityEntry {
        created_at: earlier(),
        ..entry(
            0x5_0001,
            ticket.id,
            Action::AssignedToChanged,
            &alice,
            "Ticket assigned to alice",
        )
    };
    // The latest first, as the detail asks; earlier messages exist.
    let messages = Page {
        items: vec![mine.clone(), reply.clone()],
        total: 60,
        next: Some("earlier-messages".to_owned()),
    };
    h.messages
        .expect_list()
        .with(eq(ticket.id), eq(false), eq(latest()))
        .times(1)
        .returning(move |_, _, _| Ok(messages.clone()));
    let files = vec![on_reply.clone()];
    let (mine_id, reply_id) = (mine.id, reply.id);
    h.attachments
        .expect_of_messages()
        .withf(move |ids: &[MessageId], internal: &bool| ids == [reply_id, mine_id] && !internal)
        .times(1)
        .returning(move |_, _| Ok(files.clone()));
    let attachments = vec![loose.clone(), on_reply.clone()];
    h.attachments
        .expect_list()
        .with(eq(ticket.id), eq(false), eq(latest()))
        .times(1)
        .returning(move |_, _, _| Ok(page(attachments.clone())));
    let log = vec![logged.clone()];
    h.activities
        .expect_list()
        .with(eq(ticket.id), eq(false), eq(latest()))
        .times(1)
        .returning(move |_, _, _| Ok(page(log.clone())));
    h.people(&[&carol, &alice]);
    for (a, token, times) in [(on_reply.id, "dl-1", 2), (loose.id, "dl-2", 1)] {
        h.tokens
            .expect_sign_download()
            .with(eq(a), eq(carol.id), eq(now() + Duration::minutes(15)))
            .times(times)
            .returning(move |_, _, _| token.to_owned());
    }
    let app = h.build();

    let detail = app.ticket_detail(&carol.actor(), ticket.id).await.unwrap();

    let view = |a: &ticketing_domain::Attachment, by: &User, token: &str| AttachmentView {
        attachment: a.clone(),
        uploader: Arc::new(by.clone()),
        download_token: token.to_owned(),
        download_expires_at: now() + Duration::minutes(15),
    };
    assert_eq!(
        detail,
        TicketDetail {
            card: TicketCard {
                ticket: ticket.clone(),
                owner: Arc::new(carol.clone()),
                assignee: Some(Arc::new(alice.clone())),
                message_count: 2,
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
            activities: vec![ActivityView {
                entry: logged,
                performer: Arc::new(alice),
            }],
            earlier: Earlier {
                messages: Some("earlier-messages".to_owned()),
                ..Earlier::default()
            },
        }
    );
}

#[tokio::test]
async fn ticket_detail_for_staff_includes_internal_notes() {
    let mut h = Harness::default();
    let ticket = ticket_of(&carol());
    h.ticket_is(&ticket, 1);
    h.empty_detail(ticket.id, true);
    h.people(&[&carol()]);
    let app = h.build();

    let detail = app
        .ticket_detail(&alice().actor(), ticket.id)
        .await
        .unwrap();

    assert_eq!(detail.card.message_count, 3);
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
        .withf(move |t: &Ticket, v: &i64, a: &[ActivityEntry]| {
            *t == ticket && *v == expected_version && a == activities.as_slice()
        })
        .times(1)
        .returning(move |_, _, _| answer());
}

// ---- delete_ticket -----------------------------------------------------------------------

#[tokio::test]
async fn delete_ticket_by_staff_soft_deletes_and_logs() {
    let mut h = Harness::default();
    let before = ticket_in(&carol(), Status::Closed);
    h.ticket_is(&before, 1);
    let after = Ticket {
        deleted_at: Some(now()),
        version: 4,
        updated_at: now(),
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
        .returning(|_, _, _| Err(RepoError::Stale));
    expect_update(
        &mut h,
        Ticket {
            deleted_at: Some(now()),
            version: 4,
            updated_at: now(),
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
