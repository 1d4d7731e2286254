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

#[test]
fn new_usernames_refuse_at_and_stored_ones_still_parse() {
    for name in ["vic2@corp.example", "@home", "a@b"] {
        let err = Username::parse_new(name).unwrap_err();
        assert_eq!(err.field(), Some("username"), "{name}");
        assert!(err.to_string().contains("must not contain @"), "{err}");
        assert!(
            Username::parse(name).is_ok(),
            "{name} still parses as stored"
        );
    }
    for name in ["agent1", "Zoë_Ω.1", "a+b-c_d.e"] {
        assert!(Username::parse_new(name).is_ok(), "{name}");
    }
    // The other rules of `parse` still apply.
    assert!(Username::parse_new("ab").is_err());
    assert!(Username::parse_new("a b c").is_err());
}

#[test]
fn look_alike_usernames_share_a_skeleton() {
    let skeleton = |s: &str| Username::parse(s).unwrap().skeleton();
    for (a, b) in [
        ("agent1", "\u{0430}gent1"),
        ("agent1", "AGENT1"),
        ("paypal", "paypa1"),
        ("paypal", "\u{0440}\u{0430}yp\u{0430}l"),
        ("modern", "rnodern"),
    ] {
        assert_eq!(skeleton(a), skeleton(b), "{a} / {b}");
    }
    for (a, b) in [("agent1", "agent2"), ("alice", "bob"), ("zoë", "zoe_")] {
        assert_ne!(skeleton(a), skeleton(b), "{a} / {b}");
    }
}
