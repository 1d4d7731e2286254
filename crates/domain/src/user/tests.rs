#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::testkit;

#[test]
fn roles() {
    let got: Vec<_> = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.is_staff(), r.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("customer", false, "customer".to_owned()),
            ("agent", true, "agent".to_owned()),
            ("admin", true, "admin".to_owned()),
        ]
    );
    for r in Role::ALL {
        assert_eq!(r.as_str().parse::<Role>(), Ok(r));
    }
    for bad in ["", "Admin", "staff", "superuser", "admin "] {
        assert_eq!(
            bad.parse::<Role>(),
            Err(UnknownVariant {
                expected: "customer, agent, admin"
            }),
            "{bad:?}"
        );
    }
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
