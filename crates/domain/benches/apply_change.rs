//! How long the domain takes to apply a change to a ticket (every PATCH and message runs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ticketing_domain::change::{self, NewMessage, NewTicket, TicketPatch};
use ticketing_domain::{
    ActivityId, Actor, Assignee, Description, MessageBody, MessageId, Priority, Role, Status,
    TicketId, Topic, UserId, Username,
};
use uuid::Uuid;

fn apply(c: &mut Criterion) {
    let owner = Actor {
        id: UserId::from_uuid(Uuid::from_u128(1)),
        role: Role::Customer,
    };
    let agent = Assignee {
        id: UserId::from_uuid(Uuid::from_u128(2)),
        username: Username::parse("agent01").unwrap(),
        role: Role::Agent,
        active: true,
    };
    let opened = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    let new = NewTicket::new(
        TicketId::from_uuid(Uuid::from_u128(3)),
        Topic::parse("Printer on floor 2 out of toner").unwrap(),
        Description::parse("The printer next to the kitchen prints blank pages.").unwrap(),
    );
    let ticket = change::open_ticket(&owner, new, opened, || {
        ActivityId::from_uuid(Uuid::from_u128(4))
    })
    .ticket;
    let patch = TicketPatch {
        topic: None,
        description: None,
        status: Some(Status::InProgress),
        priority: Some(Priority::High),
        assigned_to: Some(Some(agent.clone())),
    };
    let actor = Actor {
        id: agent.id,
        role: agent.role,
    };
    let now = opened + Duration::minutes(5);
    c.bench_function("apply_patch (status, priority, assignee)", |b| {
        b.iter(|| {
            let mut n = 10_u128;
            change::apply_patch(&actor, black_box(&ticket), black_box(&patch), now, || {
                n += 1;
                ActivityId::from_uuid(Uuid::from_u128(n))
            })
        })
    });
    let body = MessageBody::parse("Thanks, we are looking into it.").unwrap();
    c.bench_function("add_message", |b| {
        b.iter(|| {
            let new = NewMessage {
                id: MessageId::from_uuid(Uuid::from_u128(5)),
                body: body.clone(),
                internal: false,
            };
            change::add_message(&actor, black_box(&ticket), new, now, || {
                ActivityId::from_uuid(Uuid::from_u128(6))
            })
        })
    });
}

criterion_group!(benches, apply);
criterion_main!(benches);
