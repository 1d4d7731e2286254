//! How long turning a ticket detail (10 messages, 15 activity entries) into its JSON body takes:
//! the largest answer of the hot read paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ticketing_app::views::{ActivityView, MessageView, TicketCard, TicketDetail};
use ticketing_domain::{
    Action, ActivityEntry, ActivityId, Actor, Description, Email, MessageBody, MessageId,
    NewTicket, PersonName, Role, TicketId, Topic, User, UserId, Username, change,
};
use ticketing_http::testing::TicketDetailDto;
use uuid::Uuid;

fn person(n: u128, name: &str, role: Role) -> Arc<User> {
    Arc::new(User {
        id: UserId::from_uuid(Uuid::from_u128(n)),
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        first_name: PersonName::parse("Alice").unwrap(),
        last_name: PersonName::parse("Martin").unwrap(),
        role,
        is_active: true,
        must_change_password: false,
        token_epoch: 0,
        date_joined: Utc::now(),
        last_login: None,
    })
}

fn detail() -> TicketDetail {
    let owner = person(1, "customer00001", Role::Customer);
    let agent = person(2, "agent01", Role::Agent);
    let now = Utc::now();
    let new = NewTicket::new(
        TicketId::from_uuid(Uuid::from_u128(3)),
        Topic::parse("Printer on floor 2 out of toner").unwrap(),
        Description::parse(&"The printer next to the kitchen prints blank pages. ".repeat(6))
            .unwrap(),
    );
    let owner_actor = Actor {
        id: owner.id,
        role: Role::Customer,
    };
    let ticket = change::open_ticket(&owner_actor, new, now, || {
        ActivityId::from_uuid(Uuid::from_u128(4))
    })
    .ticket;
    let body = "Thanks, we are looking into it and will get back to you shortly. ".repeat(3);
    let messages = (0..10_u128)
        .map(|i| {
            let author = if i % 2 == 0 { &agent } else { &owner };
            MessageView {
                message: ticketing_domain::Message {
                    id: MessageId::from_uuid(Uuid::from_u128(100 + i)),
                    ticket_id: ticket.id,
                    author: author.id,
                    body: MessageBody::parse(&body).unwrap(),
                    is_staff_message: i % 2 == 0,
                    internal: i == 4,
                    created_at: now + Duration::minutes(i as i64),
                },
                author: Arc::clone(author),
                attachments: Vec::new(),
            }
        })
        .collect();
    let activities = (0..15_u128)
        .map(|i| ActivityView {
            entry: ActivityEntry {
                id: ActivityId::from_uuid(Uuid::from_u128(200 + i)),
                ticket_id: ticket.id,
                action: Action::MessageAdded,
                performed_by: agent.id,
                details: "Message added".to_owned(),
                change: None,
                internal: false,
                created_at: now + Duration::minutes(i as i64),
            },
            named: Vec::new(),
            performer: Arc::clone(&agent),
        })
        .collect();
    TicketDetail {
        card: TicketCard {
            version: ticket.version,
            updated_at: ticket.updated_at,
            ticket,
            owner,
            assignee: Some(agent),
            message_count: 10,
            last_public_message: None,
        },
        messages,
        attachments: Vec::new(),
        activities,
        earlier: Default::default(),
        allowed: ticketing_domain::policy::Allowed::default(),
    }
}

fn serialize(c: &mut Criterion) {
    let d = detail();
    c.bench_function("ticket detail to JSON (10 messages, 15 entries)", |b| {
        b.iter(|| serde_json::to_vec(&TicketDetailDto::from(black_box(&d))).unwrap())
    });
}

criterion_group!(benches, serialize);
criterion_main!(benches);
