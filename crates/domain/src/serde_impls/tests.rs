//! The wire form of every kind of value, and that invalid values cannot be deserialized.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::listing::{Cursor, CursorKey, Limit, Scope, SearchText, SortKey, TicketOrdering};
use crate::policy::{Intent, Refusal, Rule};
use crate::testkit;
use crate::*;

fn round_trip<T>(value: &T) -> Value
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).unwrap();
    let back: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&back, value);
    json
}

#[test]
fn a_ticket_round_trips_with_wire_names() {
    let mut t = testkit::ticket(Status::InProgress);
    t.priority = Priority::High;
    t.assigned_to = Some(testkit::AGENT);
    let json = round_trip(&t);
    assert_eq!(
        json,
        json!({
            "id": "00000000-0000-0000-0000-000000000100",
            "number": 0,
            "owner": "00000000-0000-0000-0000-00000000000a",
            "assigned_to": "00000000-0000-0000-0000-00000000000c",
            "topic": "Printer on fire",
            "description": "Smoke everywhere",
            "status": "in_progress",
            "priority": "high",
            "created_at": "2024-05-01T09:00:00Z",
            "updated_at": "2024-05-01T09:30:00Z",
            "public_updated_at": "2024-05-01T09:30:00Z",
            "resolved_at": null,
            "closed_at": null,
            "version": 3,
            "public_version": 3,
            "message_count": 0,
            "internal_note_count": 0,
            "last_public_message": null,
            "deleted_at": null,
        })
    );
}

#[test]
fn enums_use_the_wire_names_and_only_those() {
    for s in Status::ALL {
        assert_eq!(round_trip(&s), json!(s.as_str()));
    }
    for p in Priority::ALL {
        assert_eq!(round_trip(&p), json!(p.as_str()));
    }
    for r in Role::ALL {
        assert_eq!(round_trip(&r), json!(r.as_str()));
    }
    for a in Action::ALL {
        assert_eq!(round_trip(&a), json!(a.as_str()));
    }
    for c in ErrorCode::ALL {
        assert_eq!(round_trip(&c), json!(c.as_str()));
    }
    for rule in Rule::ALL {
        assert_eq!(round_trip(&rule), json!(rule.as_str()));
    }
    for scope in TokenScope::ALL {
        assert_eq!(round_trip(&scope), json!(scope.as_str()));
    }
    // Wire formats are exact: labels and other cases are for people (`FromStr`).
    assert!(serde_json::from_value::<Status>(json!("In Progress")).is_err());
    assert!(serde_json::from_value::<Priority>(json!("High")).is_err());
}

#[test]
fn text_values_deserialize_through_their_parsers() {
    assert_eq!(round_trip(&Topic::parse("VPN").unwrap()), json!("VPN"));
    let trimmed: Topic = serde_json::from_value(json!("  VPN down ")).unwrap();
    assert_eq!(trimmed.as_str(), "VPN down");
    let refused = [
        serde_json::from_value::<Topic>(json!("   ")).map(drop),
        serde_json::from_value::<Description>(json!("")).map(drop),
        serde_json::from_value::<MessageBody>(json!("\u{0}")).map(drop),
        serde_json::from_value::<PersonName>(json!("x".repeat(151))).map(drop),
        serde_json::from_value::<Username>(json!("a b")).map(drop),
        serde_json::from_value::<Email>(json!("alice@localhost")).map(drop),
        serde_json::from_value::<LoginName>(json!("")).map(drop),
        serde_json::from_value::<Topic>(json!(42)).map(drop),
    ];
    for r in refused {
        assert!(r.is_err(), "{r:?}");
    }
    let e = serde_json::from_value::<Username>(json!("a b")).unwrap_err();
    assert!(e.to_string().contains("username may contain only"), "{e}");
    // File names are sanitized, never refused.
    let f: FileName = serde_json::from_value(json!("../../etc/passwd")).unwrap();
    assert_eq!(f.as_str(), "passwd");
    let login: LoginName = serde_json::from_value(json!(" Bob@Example.com ")).unwrap();
    assert_eq!(round_trip(&login), json!("Bob@Example.com"));
    assert!(serde_json::from_value::<UserId>(json!("not-a-uuid")).is_err());
}

#[test]
fn records_round_trip() {
    round_trip(&testkit::agent_user());
    round_trip(&testkit::owner());
    round_trip(&Assignee::from(&testkit::agent_user()));
    round_trip(&testkit::message(1, testkit::TICKET, testkit::OWNER, true));
    round_trip(&testkit::attachment(
        2,
        testkit::TICKET,
        testkit::AGENT,
        false,
    ));
    let entry = ActivityEntry {
        id: ActivityId::from_uuid(Uuid::from_u128(3)),
        ticket_id: testkit::TICKET,
        action: Action::AssignedToChanged,
        performed_by: testkit::AGENT,
        details: "Ticket assigned to alice".to_owned(),
        change: Some(ActivityChange::Assignee {
            from: None,
            to: Some(testkit::AGENT),
        }),
        internal: false,
        created_at: testkit::t0(),
    };
    let json = round_trip(&entry);
    assert_eq!(json["action"], json!("assigned_to_changed"));
    assert_eq!(json["change"]["field"], json!("assigned_to"));
    let applied = change::open_ticket(
        &testkit::owner(),
        NewTicket::new(
            testkit::TICKET,
            Topic::parse("a").unwrap(),
            Description::parse("b").unwrap(),
        ),
        testkit::t0(),
        testkit::ids(),
    );
    round_trip(&applied);
    round_trip(&policy::allowed(&testkit::agent(), &applied.ticket));
    round_trip(&PasswordError(vec![PasswordProblem::TooCommon]));
}

#[test]
fn a_patch_tells_absent_from_null() {
    let unassign = TicketPatch {
        assigned_to: Some(None),
        ..TicketPatch::default()
    };
    assert_eq!(round_trip(&unassign)["assigned_to"], Value::Null);
    let untouched: TicketPatch = serde_json::from_value(json!({"status": "closed"})).unwrap();
    assert_eq!(untouched.assigned_to, None);
    assert_eq!(untouched.status, Some(Status::Closed));
    let assign = TicketPatch {
        assigned_to: Some(Some(Assignee::from(&testkit::agent_user()))),
        ..TicketPatch::default()
    };
    round_trip(&assign);
}

#[test]
fn intents_refusals_and_errors() {
    assert_eq!(
        round_trip(&Intent::SetStatus(Status::InProgress)),
        json!({"set_status": "in_progress"})
    );
    assert_eq!(round_trip(&Intent::Reply), json!("reply"));
    assert_eq!(
        round_trip(&Refusal::Forbidden(Rule::PriorityIsStaffOnly)),
        json!({"forbidden": "priority_is_staff_only"})
    );
    assert_eq!(round_trip(&Refusal::Closed), json!("closed"));
    let late = ChangeError::OutOfOrder {
        now: testkit::t0(),
        updated_at: testkit::t0() + Duration::seconds(1),
    };
    round_trip(&late);
    round_trip(&ChangeError::Refused(Refusal::NotVisible));
    let err = Topic::parse("").unwrap_err();
    assert_eq!(
        serde_json::to_value(err).unwrap(),
        json!({"field": "topic", "problem": "blank"})
    );
    let unknown = "nope".parse::<Status>().unwrap_err();
    assert_eq!(
        serde_json::to_value(&unknown).unwrap()["input"],
        json!("nope")
    );
}

#[test]
fn list_values() {
    let ordering = TicketOrdering {
        key: SortKey::UpdatedAt,
        descending: true,
    };
    assert_eq!(round_trip(&ordering), json!("-updated_at"));
    assert_eq!(round_trip(&Limit::new(20).unwrap()), json!(20));
    assert!(serde_json::from_value::<Limit>(json!(0)).is_err());
    assert!(serde_json::from_value::<Limit>(json!(201)).is_err());
    let at = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
    let cursor = Cursor {
        ordering,
        key: CursorKey::Time(at),
        id: Uuid::from_u128(5),
    };
    assert_eq!(round_trip(&cursor), json!(cursor.encode()));
    assert!(serde_json::from_value::<Cursor>(json!("garbage")).is_err());
    let q = SearchText::parse("Printer, BROKEN!").unwrap();
    assert_eq!(round_trip(&q), json!("printer broken"));
    assert!(serde_json::from_value::<SearchText>(json!("!!!")).is_err());
    let mut query = listing::TicketQuery::new(Scope::OwnedBy(testkit::OWNER));
    query.statuses = vec![Status::Open];
    query.text = Some(q);
    query.after = Some(cursor);
    round_trip(&query);
}
