#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testkit;

#[test]
fn roles() {
    let got: Vec<_> = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.display(), r.is_staff(), r.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("customer", "Customer", false, "customer".to_owned()),
            ("agent", "Agent", true, "agent".to_owned()),
            ("admin", "Admin", true, "admin".to_owned()),
        ]
    );
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>(), Ok(r));
    }
    assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
    for bad in ["", "staff", "superuser"] {
        assert_eq!(
            bad.parse::<Role>(),
            Err(crate::UnknownVariant {
                input: bad.to_owned(),
                expected: "customer, agent, admin"
            }),
            "{bad:?}"
        );
    }
    assert!(Role::from_wire("Admin").is_err());
}

#[test]
fn actors() {
    let u = testkit::agent_user();
    assert_eq!(
        u.actor(),
        Actor {
            id: testkit::AGENT,
            role: Role::Agent
        }
    );
    for (name, actor) in testkit::actors() {
        assert_eq!(
            actor.is_staff(),
            name == "agent" || name == "admin",
            "{name}"
        );
    }
}

#[test]
fn assignee_from_user() {
    let u = testkit::inactive_agent_user();
    assert_eq!(
        Assignee::from(&u),
        Assignee {
            id: testkit::INACTIVE_AGENT,
            username: Username::parse("gone").unwrap(),
            role: Role::Agent,
            active: false,
        }
    );
}
