//! How long the domain takes to apply a change to a ticket (every PATCH and message runs it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use ticketing_domain::change::{self, TicketPatch};
use ticketing_domain::{
    ActivityId, Actor, Description, Email, MessageBody, MessageId, PersonName, Priority, Role,
    Status, TicketId, Topic, User, UserId, Username,
};
use uuid::Uuid;

fn apply(c: &mut Criterion) {
    let owner = Actor {
        id: UserId::from_uuid(Uuid::from_u128(1)),
        role: Role::Customer,
    };
    let agent = User {
        id: UserId::from_uuid(Uuid::from_u128(2)),
        username: Username::parse("agent01").unwrap(),
        email: Email::parse("agent01@example.com").unwrap(),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role: Role::Agent,
        is_active: true,
        token_epoch: 0,
        date_joined: Utc::now(),
        last_login: None,
    };
    let (ticket, _) = change::open_ticket(
        &owner,
        TicketId::from_uuid(Uuid::from_u128(3)),
        Topic::parse("Printer on floor 2 out of toner").unwrap(),
        Description::parse("The printer next to the kitchen prints blank pages.").unwrap(),
        None,
        Utc::now(),
        ActivityId::from_uuid(Uuid::from_u128(4)),
    );
    let patch = TicketPatch {
        topic: None,
        description: None,
        status: Some(Status::InProgress),
        priority: Some(Priority::High),
        assigned_to: Some(Some(agent.clone())),
    };
    let actor = agent.actor();
    let now = Utc::now();
    c.bench_function("apply_patch (status, priority, assignee)", |b| {
        b.iter(|| {
            let mut n = 10_u128;
            change::apply_patch(black_box(&ticket), &actor, black_box(&patch), now, || {
                n += 1;
                ActivityId::from_uuid(Uuid::from_u128(n))
            })
        })
    });
    let body = MessageBody::parse("Thanks, we are looking into it.").unwrap();
    c.bench_function("add_message", |b| {
        b.iter(|| {
            change::add_message(
                black_box(&ticket),
                &actor,
                MessageId::from_uuid(Uuid::from_u128(5)),
                body.clone(),
                false,
                now,
                || ActivityId::from_uuid(Uuid::from_u128(6)),
            )
        })
    });
}

criterion_group!(benches, apply);
criterion_main!(benches);
