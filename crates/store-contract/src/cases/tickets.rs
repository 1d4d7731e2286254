//! Tickets: round trips, optimistic concurrency, soft delete, guarded effects, times, text.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ticketing_app::RepoError;
use ticketing_app::ports::{RefreshSession, TicketEffect};
use ticketing_domain::listing::{Scope, TicketQuery};
use ticketing_domain::{
    Action, ActivityId, Actor, Description, FamilyId, FileName, MessageBody, MessageId, NewMessage,
    PersonName, Priority, Role, SessionId, Status, Ticket, Topic, Username, change,
};

use crate::StoreUnderTest;
use crate::fixtures::{
    add_ticket, add_user, all_activities, all_attachments, all_messages, assert_same, at,
    attachment, attachments, entry, message, messages, new_id, sessions, t0, ticket, tickets,
    touch, touch_in, users,
};

/// Every field of a ticket comes back as written, with `Option`s set and unset.
pub async fn case_ticket_round_trip<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut full = Ticket {
        assigned_to: Some(agent.id),
        status: Status::Resolved,
        priority: Priority::Critical,
        updated_at: at(10),
        public_updated_at: at(8),
        resolved_at: Some(at(5)),
        closed_at: Some(at(7)),
        version: 7,
        public_version: 5,
        message_count: 3,
        internal_note_count: 2,
        ..ticket(
            &owner,
            "Full ticket",
            "Line one\nLine two\twith a tab",
            t0(),
        )
    };
    let created_full = add_ticket(s, &mut full).await;
    let mut minimal = Ticket {
        priority: Priority::Low,
        ..ticket(&owner, "Minimal", "m", at(1))
    };
    let created_min = add_ticket(s, &mut minimal).await;

    assert_same(&tickets(s).get(full.id).await.unwrap(), &full);
    assert_same(&tickets(s).get(minimal.id).await.unwrap(), &minimal);
    assert_same(
        &all_activities(s, full.id, true).await.unwrap(),
        &vec![created_full],
    );
    assert_same(
        &all_activities(s, minimal.id, false).await.unwrap(),
        &vec![created_min],
    );
}

/// Unknown tickets: `get` and `update` are `NotFound`, lists are empty.
pub async fn case_ticket_not_found<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let ghost = ticket(&owner, "Ghost", "never stored", t0());
    assert!(matches!(
        tickets(s).get(ghost.id).await,
        Err(RepoError::NotFound)
    ));
    let bumped = Ticket {
        version: 2,
        ..ghost.clone()
    };
    let log = [entry(ghost.id, Action::Updated, owner.id, false, at(1))];
    assert!(matches!(
        tickets(s).update(&bumped, 1, &log, &[]).await,
        Err(RepoError::NotFound)
    ));
    assert!(all_activities(s, ghost.id, true).await.unwrap().is_empty());
    assert!(all_messages(s, ghost.id, true).await.unwrap().is_empty());
    assert!(all_attachments(s, ghost.id, true).await.unwrap().is_empty());
    let unknown = MessageId::from_uuid(new_id());
    assert!(matches!(
        messages(s).get(unknown).await,
        Err(RepoError::NotFound)
    ));
}

/// `update` from the stored version writes the state and the entries; from an older version
/// it is `Stale` and writes nothing.
pub async fn case_ticket_update_and_stale_version<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&owner, "Printer", "It jams", t0());
    let created = add_ticket(s, &mut t).await;

    let v2 = Ticket {
        topic: Topic::parse("Printer on fire").unwrap(),
        description: Description::parse("Smoke everywhere").unwrap(),
        status: Status::InProgress,
        priority: Priority::High,
        assigned_to: Some(agent.id),
        updated_at: at(60),
        version: 2,
        ..t.clone()
    };
    let log2 = vec![
        entry(t.id, Action::StatusChanged, agent.id, false, at(60)),
        entry(t.id, Action::AssignedToChanged, agent.id, false, at(60)),
    ];
    tickets(s).update(&v2, 1, &log2, &[]).await.unwrap();
    assert_same(&tickets(s).get(t.id).await.unwrap(), &v2);

    let late = Ticket {
        priority: Priority::Low,
        updated_at: at(61),
        version: 2,
        ..t.clone()
    };
    let log_late = [entry(
        t.id,
        Action::PriorityChanged,
        agent.id,
        false,
        at(61),
    )];
    assert!(matches!(
        tickets(s).update(&late, 1, &log_late, &[]).await,
        Err(RepoError::Stale)
    ));
    assert_same(&tickets(s).get(t.id).await.unwrap(), &v2);

    let log = all_activities(s, t.id, true).await.unwrap();
    let mut want_ids = vec![created.id, log2[0].id, log2[1].id];
    want_ids.sort();
    let mut got_ids: Vec<ActivityId> = log.iter().map(|a| a.id).collect();
    got_ids.sort();
    assert_eq!(got_ids, want_ids, "the stale write appended nothing");

    // Unassigning writes NULL.
    let v3 = Ticket {
        assigned_to: None,
        version: 3,
        updated_at: at(70),
        ..v2.clone()
    };
    tickets(s).update(&v3, 2, &[], &[]).await.unwrap();
    assert_same(&tickets(s).get(t.id).await.unwrap(), &v3);
}

/// A soft-deleted ticket is `NotFound`, never listed, refuses further writes (`Stale`), and
/// keeps its activity log.
pub async fn case_soft_delete<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = Ticket {
        assigned_to: Some(agent.id),
        ..ticket(&owner, "Doomed", "bye", t0())
    };
    add_ticket(s, &mut t).await;
    let mut keep = ticket(&owner, "Kept", "stays", at(1));
    add_ticket(s, &mut keep).await;
    let m = message(t.id, &owner, "hello", false, at(2));
    let added = entry(t.id, Action::MessageAdded, owner.id, false, at(2));
    messages(s)
        .add(
            &m,
            &touch(t.id, at(2), 1, 0),
            std::slice::from_ref(&added),
            &[],
        )
        .await
        .unwrap();

    let deleted = Ticket {
        deleted_at: Some(at(3)),
        updated_at: at(3),
        version: 3,
        message_count: 1,
        ..t.clone()
    };
    let del = entry(t.id, Action::Deleted, agent.id, false, at(3));
    tickets(s)
        .update(&deleted, 2, std::slice::from_ref(&del), &[])
        .await
        .unwrap();

    assert!(matches!(
        tickets(s).get(t.id).await,
        Err(RepoError::NotFound)
    ));
    for scope in [
        Scope::All,
        Scope::OwnedBy(owner.id),
        Scope::AssignedTo(agent.id),
    ] {
        let page = tickets(s).list(&TicketQuery::new(scope)).await.unwrap();
        assert!(
            page.items.iter().all(|x| x.id != t.id),
            "{scope:?} lists a deleted ticket"
        );
        let want = usize::from(scope != Scope::AssignedTo(agent.id));
        assert_eq!(page.total, want as u64, "{scope:?}");
        assert_eq!(page.items.len(), want);
    }
    let log: Vec<Action> = all_activities(s, t.id, false)
        .await
        .unwrap()
        .iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        log,
        [Action::Deleted, Action::MessageAdded, Action::Created]
    );

    let again = Ticket {
        version: 4,
        updated_at: at(4),
        ..deleted.clone()
    };
    assert!(matches!(
        tickets(s).update(&again, 3, &[], &[]).await,
        Err(RepoError::Stale)
    ));
    let m2 = message(t.id, &agent, "too late", false, at(5));
    assert!(matches!(
        messages(s)
            .add(&m2, &touch(t.id, at(5), 1, 0), &[], &[])
            .await,
        Err(RepoError::Stale)
    ));
    assert!(matches!(
        messages(s).get(m2.id).await,
        Err(RepoError::NotFound)
    ));
}

/// `Touch` on a closed, deleted or missing ticket is `Stale` and writes nothing: no message,
/// no attachment, no entry, no version bump. On a live ticket it bumps version and counters.
pub async fn case_touch_guards<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let mut closed = Ticket {
        status: Status::Closed,
        closed_at: Some(at(1)),
        ..ticket(&owner, "Closed", "done", t0())
    };
    add_ticket(s, &mut closed).await;
    let mut deleted = Ticket {
        deleted_at: Some(at(1)),
        ..ticket(&owner, "Deleted", "gone", t0())
    };
    add_ticket(s, &mut deleted).await;
    let missing = ticket(&owner, "Missing", "never stored", t0());

    for t in [&closed, &deleted, &missing] {
        let m = message(t.id, &owner, "hi", false, at(5));
        let log = [entry(t.id, Action::MessageAdded, owner.id, false, at(5))];
        let r = messages(s)
            .add(&m, &touch(t.id, at(5), 1, 0), &log, &[])
            .await;
        assert!(matches!(r, Err(RepoError::Stale)), "{}: {r:?}", t.topic);
        assert!(matches!(
            messages(s).get(m.id).await,
            Err(RepoError::NotFound)
        ));
        assert!(all_messages(s, t.id, true).await.unwrap().is_empty());

        let a = attachment(t.id, None, &owner, "x.pdf", at(5));
        let log = [entry(t.id, Action::AttachmentAdded, owner.id, false, at(5))];
        let r = attachments(s)
            .add(&a, &touch(t.id, at(5), 0, 0), &log, &[])
            .await;
        assert!(matches!(r, Err(RepoError::Stale)), "{}: {r:?}", t.topic);
        assert!(matches!(
            attachments(s).get(a.id).await,
            Err(RepoError::NotFound)
        ));

        let log = all_activities(s, t.id, true).await.unwrap();
        assert!(
            log.iter().all(|e| e.action == Action::Created),
            "{}",
            t.topic
        );
    }
    assert_same(&tickets(s).get(closed.id).await.unwrap(), &closed);
    assert!(attachments(s).storage_keys().await.unwrap().is_empty());

    let mut live = ticket(&owner, "Live", "ok", t0());
    add_ticket(s, &mut live).await;
    let note_author = add_user(s, "agent", Role::Agent).await;
    let m = message(live.id, &owner, "first", false, at(8));
    messages(s)
        .add(&m, &touch(live.id, at(8), 1, 0), &[], &[])
        .await
        .unwrap();
    let n = message(live.id, &note_author, "note", true, at(9));
    messages(s)
        .add(&n, &touch(live.id, at(9), 0, 1), &[], &[])
        .await
        .unwrap();
    // The internal note moves the version and time, not the public ones (nor who spoke last).
    let want = Ticket {
        version: 3,
        public_version: 2,
        updated_at: at(9),
        public_updated_at: at(8),
        message_count: 1,
        internal_note_count: 1,
        last_public_message: m.as_last_public(),
        ..live.clone()
    };
    assert_same(&tickets(s).get(live.id).await.unwrap(), &want);

    // A change computed on another status than the stored one (e.g. a customer reply computed
    // on an open ticket that was resolved meanwhile) must not land either.
    let mut resolved = Ticket {
        status: Status::Resolved,
        resolved_at: Some(at(1)),
        ..ticket(&owner, "Resolved", "fixed", t0())
    };
    add_ticket(s, &mut resolved).await;
    let m = message(resolved.id, &owner, "still broken", false, at(6));
    let r = messages(s)
        .add(&m, &touch(resolved.id, at(6), 1, 0), &[], &[])
        .await;
    assert!(matches!(r, Err(RepoError::Stale)), "{r:?}");
    assert!(all_messages(s, resolved.id, true).await.unwrap().is_empty());
    messages(s)
        .add(
            &m,
            &touch_in(Status::Resolved, resolved.id, at(6), 1, 0),
            &[],
            &[],
        )
        .await
        .unwrap();
    let after = tickets(s).get(resolved.id).await.unwrap();
    assert_eq!(
        (after.message_count, after.version),
        (1, resolved.version + 1)
    );
}

/// `Replace` (a customer reply that reopens a resolved ticket) writes the new state when the
/// version matches, and is `Stale` (no message) when it does not.
pub async fn case_replace_effect<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let mut resolved = Ticket {
        status: Status::Resolved,
        resolved_at: Some(at(2)),
        version: 3,
        updated_at: at(2),
        ..ticket(&owner, "Resolved", "fixed?", t0())
    };
    add_ticket(s, &mut resolved).await;
    let actor = Actor {
        id: owner.id,
        role: Role::Customer,
    };
    let mut next = || ActivityId::from_uuid(new_id());
    let new = NewMessage {
        id: MessageId::from_uuid(new_id()),
        body: MessageBody::parse("Still broken").unwrap(),
        internal: false,
    };
    let applied = change::add_message(&actor, &resolved, new, at(10), &mut next).unwrap();
    let m = applied.created.clone();
    assert_eq!(applied.ticket.status, Status::Open);
    let effect = TicketEffect::Replace {
        ticket: applied.ticket.clone(),
        expected_version: 3,
    };
    messages(s)
        .add(&m, &effect, &applied.activities, &[])
        .await
        .unwrap();
    assert_same(&tickets(s).get(resolved.id).await.unwrap(), &applied.ticket);
    assert_same(&messages(s).get(m.id).await.unwrap(), &m);
    let actions: Vec<Action> = all_activities(s, resolved.id, false)
        .await
        .unwrap()
        .iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions.len(), 3);
    assert!(actions.contains(&Action::Reopened) && actions.contains(&Action::MessageAdded));

    let late = message(resolved.id, &owner, "again", false, at(11));
    let r = messages(s).add(&late, &effect, &[], &[]).await;
    assert!(matches!(r, Err(RepoError::Stale)), "{r:?}");
    assert!(matches!(
        messages(s).get(late.id).await,
        Err(RepoError::NotFound)
    ));
    assert_same(&tickets(s).get(resolved.id).await.unwrap(), &applied.ticket);
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Times keep their microseconds and come back in UTC, before 1970 and far ahead too.
pub async fn case_timestamps_round_trip<S: StoreUnderTest>(s: &S) {
    let times = [
        instant("2024-02-29T23:59:59.123456Z"),
        instant("1969-12-31T23:59:59.999999Z"),
        instant("2999-12-31T23:59:59.000001Z"),
        // Given with an offset: the same instant comes back in UTC.
        FixedOffset::east_opt(5 * 3600 + 1800)
            .unwrap()
            .with_ymd_and_hms(2024, 7, 1, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::microseconds(1),
    ];
    let mut owner = add_user(s, "owner", Role::Customer).await;
    for (i, &when) in times.iter().enumerate() {
        owner.date_joined = when;
        owner.last_login = Some(when);
        owner.id = ticketing_domain::UserId::from_uuid(new_id());
        owner.username = Username::parse(&format!("timed{i}")).unwrap();
        owner.email = ticketing_domain::Email::parse(&format!("timed{i}@example.com")).unwrap();
        users(s).insert(&owner, "h", &[]).await.unwrap();
        let got = users(s).get(owner.id).await.unwrap();
        assert_eq!(got.date_joined, when);
        assert_eq!(got.last_login, Some(when));
        assert!(got.date_joined.to_rfc3339().ends_with("+00:00"));

        let mut t = Ticket {
            updated_at: when,
            resolved_at: Some(when),
            closed_at: Some(when),
            deleted_at: None,
            ..ticket(&owner, "Timed", "t", when)
        };
        add_ticket(s, &mut t).await;
        assert_same(&tickets(s).get(t.id).await.unwrap(), &t);
        let m = message(t.id, &owner, "m", false, when);
        let e = entry(t.id, Action::MessageAdded, owner.id, false, when);
        messages(s)
            .add(&m, &touch(t.id, when, 1, 0), std::slice::from_ref(&e), &[])
            .await
            .unwrap();
        assert_eq!(messages(s).get(m.id).await.unwrap().created_at, when);
        assert_eq!(tickets(s).get(t.id).await.unwrap().updated_at, when);
        let log = all_activities(s, t.id, true).await.unwrap();
        assert!(log.iter().all(|a| a.created_at == when));
        let a = attachment(t.id, Some(&m), &owner, "f.txt", when);
        attachments(s)
            .add(&a, &touch(t.id, when, 0, 0), &[], &[])
            .await
            .unwrap();
        assert_eq!(attachments(s).get(a.id).await.unwrap().uploaded_at, when);

        let session = RefreshSession {
            id: SessionId::from_uuid(new_id()),
            family: FamilyId::from_uuid(new_id()),
            user_id: owner.id,
            token_hash: format!("hash-{i}"),
            created_at: when,
            expires_at: when,
            rotated_at: Some(when),
            revoked_at: Some(when),
        };
        sessions(s).create(&session).await.unwrap();
        assert_same(
            &sessions(s).find_by_hash(&session.token_hash).await.unwrap(),
            &Some(session),
        );
    }
}

/// Emoji, right-to-left scripts, combining marks and 4-byte characters come back byte for byte.
pub async fn case_unicode_round_trip<S: StoreUnderTest>(s: &S) {
    let texts = [
        "Emoji 😀 👩‍👩‍👧‍👦 🇫🇷",
        "עברית: שלום עולם",
        "العربية: مرحبا بالعالم",
        "combining: e\u{301} a\u{308}\u{304} Z\u{335}\u{30d}",
        "astral: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎 𐐷",
        "mixed\u{200d}joiner\u{200b}zero width",
    ];
    let mut owner = add_user(s, "Zoë_ß", Role::Customer).await;
    owner.first_name = PersonName::parse(texts[1]).unwrap();
    owner.last_name = PersonName::parse(texts[3]).unwrap();
    users(s).update_profile(&owner).await.unwrap();
    assert_same(&users(s).get(owner.id).await.unwrap(), &owner);

    for (i, text) in texts.iter().enumerate() {
        let mut t = ticket(&owner, text, &format!("{text}\n{text}"), at(i as i64));
        add_ticket(s, &mut t).await;
        assert_same(&tickets(s).get(t.id).await.unwrap(), &t);
        let m = message(t.id, &owner, text, false, at(i as i64));
        let mut e = entry(t.id, Action::MessageAdded, owner.id, false, at(i as i64));
        e.details = format!("details {text}");
        messages(s)
            .add(
                &m,
                &touch(t.id, at(i as i64), 1, 0),
                std::slice::from_ref(&e),
                &[],
            )
            .await
            .unwrap();
        assert_same(&messages(s).get(m.id).await.unwrap(), &m);
        let log = all_activities(s, t.id, true).await.unwrap();
        assert!(log.iter().any(|a| a.details == e.details));
        let mut a = attachment(t.id, Some(&m), &owner, "x", at(i as i64));
        a.filename = FileName::sanitize(&format!("{text}.pdf"));
        a.content_type = format!("text/plain; name=\"{text}\"");
        attachments(s)
            .add(&a, &touch(t.id, at(i as i64), 0, 0), &[], &[])
            .await
            .unwrap();
        assert_same(&attachments(s).get(a.id).await.unwrap(), &a);
    }
}
