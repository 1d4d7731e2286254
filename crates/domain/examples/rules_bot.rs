//! A chat bot that answers "may this person do X?" with `ticketing-domain` alone, and sends
//! tickets over a queue as JSON (feature `serde`).
//!
//! It parses what people type ("High", " in progress "), keeps statuses in a `BTreeSet`, asks
//! `policy::may` for every intent on a closed ticket and prints each refusal with its stable code,
//! and round-trips a `Ticket` through JSON.
//!
//! Run it with `cargo run -p ticketing-domain --example rules_bot --features serde`.

use std::collections::BTreeSet;
use std::error::Error;

use ticketing_domain::chrono::{Duration, TimeZone, Utc};
use ticketing_domain::policy::{self, Intent, Refusal, Rule};
use ticketing_domain::uuid::Uuid;
use ticketing_domain::{
    ActivityId, Actor, Description, NewTicket, Priority, Role, Status, Ticket, TicketId,
    TicketPatch, Topic, UserId, change,
};

fn main() -> Result<(), Box<dyn Error>> {
    // What people type: any case, stray spaces, the labels the UI shows.
    let priority: Priority = "High".parse()?;
    let status: Status = " in progress ".parse()?;
    assert_eq!((priority, status), (Priority::High, Status::InProgress));
    println!("parsed \"High\" as {priority} and \" in progress \" as {status}");
    let typo = "urgent"
        .parse::<Priority>()
        .err()
        .ok_or("\"urgent\" was accepted")?;
    println!("\"{}\" is refused: {typo}", typo.input);

    // Statuses are ordered along the lifecycle.
    let watched: BTreeSet<Status> = ["Closed", "open", "RESOLVED", "Open"]
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    assert_eq!(
        watched.iter().copied().collect::<Vec<_>>(),
        [Status::Open, Status::Resolved, Status::Closed]
    );
    println!("watching {watched:?}");

    // A ticket of Carol's, closed by an agent.
    let carol = Actor {
        id: UserId::from_uuid(Uuid::from_u128(1)),
        role: Role::Customer,
    };
    let dan = Actor {
        id: UserId::from_uuid(Uuid::from_u128(2)),
        role: Role::Agent,
    };
    let mut n = 100u128;
    let mut next_id = || {
        n += 1;
        ActivityId::from_uuid(Uuid::from_u128(n))
    };
    let opened = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 0, 0)
        .single()
        .ok_or("no such time")?;
    let new = NewTicket::new(
        TicketId::from_uuid(Uuid::from_u128(10)),
        Topic::parse("Printer on fire")?,
        Description::parse("Smoke everywhere")?,
    )
    .with_priority(priority);
    let ticket = change::open_ticket(&carol, new, opened, &mut next_id).ticket;
    let close = TicketPatch {
        status: Some(Status::Closed),
        ..TicketPatch::default()
    };
    let closed = change::apply_patch(
        &dan,
        &ticket,
        &close,
        opened + Duration::hours(2),
        &mut next_id,
    )?
    .ticket;

    // May they? Every intent, for the customer and for the agent.
    for (who, actor) in [("carol (customer)", carol), ("dan (agent)", dan)] {
        println!("on closed ticket {}, {who}:", closed.id);
        for intent in Intent::ALL {
            match policy::may(&actor, &closed, intent) {
                Ok(()) => println!("  {intent:?}: yes"),
                Err(refusal) => println!(
                    "  {intent:?}: no, {} ({}){}: {refusal}",
                    refusal.code(),
                    refusal.http_status(),
                    rule_of(&refusal),
                ),
            }
        }
        let allowed = policy::allowed(&actor, &closed);
        println!("  allowed: {allowed:?}");
    }
    assert_eq!(
        policy::may(&carol, &closed, Intent::SetPriority),
        Err(Refusal::Forbidden(Rule::PriorityIsStaffOnly))
    );
    assert_eq!(
        policy::may(&carol, &closed, Intent::Reply),
        Err(Refusal::Closed)
    );
    assert_eq!(policy::may(&dan, &closed, Intent::Delete), Ok(()));
    assert_eq!(
        policy::may(&carol, &closed, Intent::Reply).map_err(|r| r.code().as_str()),
        Err("ticket_closed")
    );

    // Over the queue and back: the wire names of the HTTP API, and text parsed again on arrival.
    let json = serde_json::to_string_pretty(&closed)?;
    println!("{json}");
    let back: Ticket = serde_json::from_str(&json)?;
    assert_eq!(back, closed);
    assert!(json.contains("\"status\": \"closed\"") && json.contains("\"priority\": \"high\""));
    let blank_topic = json.replace("\"Printer on fire\"", "\"   \"");
    let refused = serde_json::from_str::<Ticket>(&blank_topic)
        .err()
        .ok_or("a blank topic was accepted")?;
    println!("a ticket with a blank topic does not deserialize: {refused}");
    Ok(())
}

/// The rule's stable name, for a forbidden action.
fn rule_of(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Forbidden(rule) => format!(" [{}]", rule.as_str()),
        _ => String::new(),
    }
}
