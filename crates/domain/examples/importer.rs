//! A bulk importer of legacy tickets, as another Rust service would write it with
//! `ticketing-domain` alone: parse the legacy export at the edge, replay each ticket's history
//! through the domain's changes, and keep the tickets and activity entries the domain returns.
//!
//! The export lists events in the order the old system wrote them, which is not always the order
//! they happened. The domain refuses a change dated before the ticket's last change
//! (`ChangeError::OutOfOrder`, code `conflict`), so the first pass shows the refusal; the
//! importer then sorts each ticket's events by time and replays them.
//!
//! Run it with `cargo run -p ticketing-domain --example importer`.

use std::collections::BTreeMap;
use std::error::Error;

use ticketing_domain::chrono::{DateTime, Utc};
use ticketing_domain::time::to_stored_precision;
use ticketing_domain::uuid::Uuid;
use ticketing_domain::{
    ActivityId, Actor, Assignee, ChangeError, Description, MessageBody, MessageId, NewMessage,
    NewTicket, Priority, Role, Status, Ticket, TicketId, TicketPatch, Topic, UserId, Username,
    change,
};

/// The legacy export: `ticket | when | who | what | value...`. Times have nanoseconds, statuses
/// and priorities are written the way people typed them.
const LEGACY: &str = "\
HD-1 | 2023-03-01T09:00:00.123456789Z | alice | open     | Printer on fire | Smoke everywhere | High
HD-1 | 2023-03-01T09:30:00Z           | bob   | assign   | bob
HD-1 | 2023-03-01T09:45:00Z           | bob   | status   | In Progress
HD-1 | 2023-03-01T09:40:00Z           | alice | reply    | It is getting worse
HD-1 | 2023-03-01T11:00:00Z           | bob   | status   |  resolved
HD-2 | 2023-03-02T08:00:00Z           | carol | open     | VPN down | Since the update | medium
HD-2 | 2023-03-02T08:05:00Z           | carol | reply    | Still down
";

/// A legacy user, as the importer knows them.
struct Person {
    id: UserId,
    username: Username,
    role: Role,
}

impl Person {
    fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }
}

/// One event of the export, parsed.
struct Event {
    ticket: String,
    at: DateTime<Utc>,
    who: String,
    what: String,
    values: Vec<String>,
}

fn parse(export: &str) -> Result<Vec<Event>, Box<dyn Error>> {
    let mut events = Vec::new();
    for line in export.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [ticket, at, who, what, values @ ..] = fields.as_slice() else {
            return Err(format!("not an event: {line}").into());
        };
        // What both databases keep: microseconds.
        let at = to_stored_precision(at.parse::<DateTime<Utc>>()?);
        events.push(Event {
            ticket: (*ticket).to_owned(),
            at,
            who: (*who).to_owned(),
            what: (*what).to_owned(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        });
    }
    Ok(events)
}

/// Ids the importer chooses: deterministic, so a re-run makes the same ids.
struct Ids(u128);

impl Ids {
    fn next(&mut self) -> Uuid {
        self.0 += 1;
        Uuid::from_u128(self.0)
    }
}

/// What the import keeps: the tickets and the number of activity entries to store with them.
#[derive(Default)]
struct Imported {
    tickets: BTreeMap<String, Ticket>,
    entries: usize,
}

fn value(e: &Event, i: usize) -> Result<&str, Box<dyn Error>> {
    e.values
        .get(i)
        .map(String::as_str)
        .ok_or_else(|| format!("{} {}: value {} is missing", e.ticket, e.what, i + 1).into())
}

/// Replays one event through the domain.
fn apply(
    e: &Event,
    people: &BTreeMap<&str, Person>,
    ids: &mut Ids,
    out: &mut Imported,
) -> Result<(), Box<dyn Error>> {
    let who = people.get(e.who.as_str()).ok_or("unknown user")?;
    let actor = who.actor();
    let (ticket_id, message_id) = (
        TicketId::from_uuid(ids.next()),
        MessageId::from_uuid(ids.next()),
    );
    let mut activity = || ActivityId::from_uuid(ids.next());
    let applied = if e.what == "open" {
        let new = NewTicket::new(
            ticket_id,
            Topic::parse(value(e, 0)?)?,
            Description::parse(value(e, 1)?)?,
        )
        .with_priority(value(e, 2)?.parse::<Priority>()?);
        change::open_ticket(&actor, new, e.at, &mut activity)
    } else {
        let ticket = out
            .tickets
            .get(&e.ticket)
            .ok_or("event before the ticket was opened")?;
        match e.what.as_str() {
            "status" => {
                let patch = TicketPatch {
                    status: Some(value(e, 0)?.parse::<Status>()?),
                    ..TicketPatch::default()
                };
                change::apply_patch(&actor, ticket, &patch, e.at, &mut activity)?
            }
            "assign" => {
                let to = people.get(value(e, 0)?).ok_or("unknown assignee")?;
                let patch = TicketPatch {
                    assigned_to: Some(Some(Assignee {
                        id: to.id,
                        username: to.username.clone(),
                        role: to.role,
                        active: true,
                    })),
                    ..TicketPatch::default()
                };
                change::apply_patch(&actor, ticket, &patch, e.at, &mut activity)?
            }
            "reply" => {
                let new = NewMessage {
                    id: message_id,
                    body: MessageBody::parse(value(e, 0)?)?,
                    internal: false,
                };
                change::add_message(&actor, ticket, new, e.at, &mut activity)?
                    .split()
                    .0
            }
            other => return Err(format!("unknown event {other}").into()),
        }
    };
    out.entries += applied.activities.len();
    out.tickets.insert(e.ticket.clone(), applied.ticket);
    Ok(())
}

fn import(events: &[&Event], people: &BTreeMap<&str, Person>) -> Result<Imported, Box<dyn Error>> {
    let mut ids = Ids(1000);
    let mut out = Imported::default();
    for e in events {
        apply(e, people, &mut ids, &mut out)?;
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let person = |n: u128, name: &str, role: Role| -> Result<Person, Box<dyn Error>> {
        Ok(Person {
            id: UserId::from_uuid(Uuid::from_u128(n)),
            username: Username::parse(name)?,
            role,
        })
    };
    let people = BTreeMap::from([
        ("alice", person(1, "alice", Role::Customer)?),
        ("bob", person(2, "bob", Role::Agent)?),
        ("carol", person(3, "carol", Role::Customer)?),
    ]);
    let events = parse(LEGACY)?;

    // First pass: in the order of the export.
    let in_file_order: Vec<&Event> = events.iter().collect();
    let refused = match import(&in_file_order, &people) {
        Ok(_) => return Err("the out-of-order reply was accepted".into()),
        Err(e) => e,
    };
    let Some(change_error) = refused.downcast_ref::<ChangeError>() else {
        return Err(refused);
    };
    println!(
        "in file order: refused with {} ({}): {change_error}",
        change_error.code(),
        change_error.http_status()
    );
    assert!(matches!(change_error, ChangeError::OutOfOrder { .. }));

    // Second pass: each ticket's events in time order (a stable sort keeps same-time events in
    // file order).
    let mut in_time_order = in_file_order;
    in_time_order.sort_by_key(|e| (e.ticket.clone(), e.at));
    let imported = import(&in_time_order, &people)?;
    for (legacy, ticket) in &imported.tickets {
        println!(
            "{legacy}: {} | {} | {} | version {} | updated {}",
            ticket.topic, ticket.status, ticket.priority, ticket.version, ticket.updated_at
        );
    }
    println!("{} activity entries to store", imported.entries);

    let hd1 = imported.tickets.get("HD-1").ok_or("HD-1 missing")?;
    assert_eq!(hd1.status, Status::Resolved);
    assert_eq!(hd1.priority, Priority::High);
    assert_eq!(hd1.created_at.timestamp_subsec_nanos(), 123_456_000);
    assert_eq!(imported.entries, 7);
    Ok(())
}
