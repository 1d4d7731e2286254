//! The audit log: entries land with their change (or not at all), pages and filters; look-alike
//! usernames and the shared namespace of usernames and emails.

use ticketing_app::RepoError;
use ticketing_app::ports::{AccessChange, AccessOutcome, AuditRepository};
use ticketing_app::{ActorFilter, AuditAction, AuditActor, AuditCursor, AuditEntry, AuditQuery};
use ticketing_domain::listing::Limit;
use ticketing_domain::{Email, Role, User, Username};

use crate::StoreUnderTest;
use crate::fixtures::{add_user, at, new_id, user, users};

fn entry(actor: &AuditActor, action: AuditAction, target: &User, seconds: i64) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: at(seconds),
        actor: actor.clone(),
        action,
        target_id: Some(target.id),
        target: target.username.as_str().to_owned(),
        details: "agent → admin".to_owned(),
        address: Some("2001:db8::7".to_owned()),
    }
}

async fn all<S: StoreUnderTest>(s: &S) -> Vec<AuditEntry> {
    let q = AuditQuery {
        limit: Limit::new(200).unwrap(),
        ..AuditQuery::default()
    };
    AuditRepository::list(s, &q).await.unwrap().items
}

/// Each audited write appends its entries in its transaction: they come back as written
/// (newest first); a refused write (last admin, a conflict, a missing user) appends nothing.
pub async fn case_audit_entries_land_with_their_change<S: StoreUnderTest>(s: &S) {
    let root = add_user(s, "root", Role::Admin).await;
    let admin = AuditActor::of(&root);
    let bob = user("bob", Role::Customer);
    let created = entry(&AuditActor::Cli, AuditAction::UserCreated, &bob, 1);
    users(s)
        .insert(&bob, "hash", std::slice::from_ref(&created))
        .await
        .unwrap();

    let promoted = entry(&admin, AuditAction::RoleChanged, &bob, 2);
    let change = AccessChange {
        role: Some(Role::Agent),
        ..AccessChange::default()
    };
    let out = users(s)
        .update_access(bob.id, &change, std::slice::from_ref(&promoted))
        .await
        .unwrap();
    assert!(matches!(out, AccessOutcome::Updated(_)));

    let reset = entry(&AuditActor::Cli, AuditAction::PasswordReset, &bob, 3);
    users(s)
        .set_password(bob.id, "new-hash", std::slice::from_ref(&reset))
        .await
        .unwrap();

    let renamed = entry(&AuditActor::Cli, AuditAction::UserRenamed, &bob, 4);
    let robert = users(s)
        .rename(
            bob.id,
            &Username::parse("Robert").unwrap(),
            std::slice::from_ref(&renamed),
        )
        .await
        .unwrap();
    assert_eq!(robert.username.as_str(), "Robert");
    assert_eq!(
        users(s).get(bob.id).await.unwrap().username.as_str(),
        "Robert"
    );

    // Refused writes leave no entry.
    let demote_root = AccessChange {
        role: Some(Role::Agent),
        ..AccessChange::default()
    };
    let refused = entry(&admin, AuditAction::RoleChanged, &root, 5);
    let out = users(s)
        .update_access(root.id, &demote_root, std::slice::from_ref(&refused))
        .await
        .unwrap();
    assert_eq!(out, AccessOutcome::LastAdmin);
    let twin = user("ROOT", Role::Customer);
    let lost = entry(&AuditActor::Cli, AuditAction::UserCreated, &twin, 6);
    let err = users(s)
        .insert(&twin, "hash", std::slice::from_ref(&lost))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "username" }),
        "{err:?}"
    );
    let ghost = user("ghost", Role::Customer);
    let missing = entry(&AuditActor::Cli, AuditAction::PasswordReset, &ghost, 7);
    let err = users(s)
        .set_password(ghost.id, "hash", std::slice::from_ref(&missing))
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");

    assert_eq!(all(s).await, vec![renamed, reset, promoted, created]);
}

/// Pages run newest first (ties by id, descending) with a cursor, without gaps or repeats; the
/// filters (actor, the command line, target, action) and the total apply together.
pub async fn case_audit_pages_and_filters<S: StoreUnderTest>(s: &S) {
    let root = add_user(s, "root", Role::Admin).await;
    let carol = add_user(s, "carol", Role::Customer).await;
    let dave = add_user(s, "dave", Role::Customer).await;
    let admin = AuditActor::of(&root);
    let mut written = Vec::new();
    for i in 0..7 {
        let (actor, action, target) = match i % 3 {
            0 => (&admin, AuditAction::RoleChanged, &carol),
            1 => (&AuditActor::Cli, AuditAction::UserDeactivated, &dave),
            _ => (&admin, AuditAction::UserReactivated, &carol),
        };
        // Two entries per second: ties on time are broken by id.
        let e = entry(actor, action, target, i / 2);
        AuditRepository::append(s, &e).await.unwrap();
        written.push(e);
    }
    let mut newest_first = written.clone();
    newest_first.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));

    let mut seen = Vec::new();
    let mut after: Option<AuditCursor> = None;
    loop {
        let q = AuditQuery {
            after,
            limit: Limit::new(3).unwrap(),
            ..AuditQuery::default()
        };
        let page = AuditRepository::list(s, &q).await.unwrap();
        assert_eq!(page.total, 7);
        seen.extend(page.items);
        match page.next {
            Some(next) => after = Some(AuditCursor::decode(&next).expect("a cursor")),
            None => break,
        }
    }
    assert_eq!(seen, newest_first);

    let count = |q: AuditQuery| async move {
        let page = AuditRepository::list(s, &q).await.unwrap();
        assert_eq!(page.total as usize, page.items.len());
        page.items
    };
    let by_cli = count(AuditQuery {
        actor: Some(ActorFilter::Cli),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_cli.len(), 2);
    assert!(by_cli.iter().all(|e| e.actor == AuditActor::Cli));
    let by_root = count(AuditQuery {
        actor: Some(ActorFilter::User(root.id)),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(by_root.len(), 5);
    let about_carol = count(AuditQuery {
        target: Some(carol.id),
        action: Some(AuditAction::UserReactivated),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(about_carol.len(), 2);
    let nothing = count(AuditQuery {
        actor: Some(ActorFilter::Cli),
        target: Some(carol.id),
        ..AuditQuery::default()
    })
    .await;
    assert!(nothing.is_empty());
}

/// Usernames that look alike (one confusable skeleton: Cyrillic `а` for Latin `a`) conflict on
/// insert and rename as `username_skeleton`; renaming to a look-alike of one's own name is fine.
pub async fn case_look_alike_usernames_conflict<S: StoreUnderTest>(s: &S) {
    let agent = add_user(s, "agent1", Role::Agent).await;
    let mut twin = user("\u{0430}gent1", Role::Customer);
    twin.email = Email::parse("twin@example.com").unwrap();
    let err = users(s).insert(&twin, "hash", &[]).await.unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict {
                field: "username_skeleton"
            }
        ),
        "{err:?}"
    );
    let other = add_user(s, "other", Role::Customer).await;
    let err = users(s)
        .rename(other.id, &Username::parse("\u{0430}gent1").unwrap(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Conflict {
                field: "username_skeleton"
            }
        ),
        "{err:?}"
    );
    let err = users(s)
        .rename(other.id, &Username::parse("AGENT1").unwrap(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::Conflict { field } if field.starts_with("username")));
    let renamed = users(s)
        .rename(agent.id, &Username::parse("\u{0430}gent1").unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(renamed.username.as_str(), "\u{0430}gent1");
    let err = users(s)
        .rename(new_id().into(), &Username::parse("nobody").unwrap(), &[])
        .await
        .unwrap_err();
    assert!(matches!(err, RepoError::NotFound), "{err:?}");
}

/// An email is never another user's username (an account stored with `@` in its username keeps
/// its login name): insert and profile updates answer `Conflict { field: "email" }`.
pub async fn case_email_cannot_take_a_username<S: StoreUnderTest>(s: &S) {
    let vic = add_user(s, "vic2@corp.example", Role::Customer).await;
    let mut mallory = user("mallory", Role::Customer);
    mallory.email = Email::parse("VIC2@corp.example").unwrap();
    let err = users(s).insert(&mallory, "hash", &[]).await.unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "email" }),
        "{err:?}"
    );

    let mut eve = add_user(s, "eve", Role::Customer).await;
    eve.email = Email::parse("Vic2@Corp.Example").unwrap();
    let err = users(s).update_profile(&eve).await.unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "email" }),
        "{err:?}"
    );

    // The account itself may use its username as its email.
    let mut same = vic.clone();
    same.email = Email::parse("vic2@corp.example").unwrap();
    users(s).update_profile(&same).await.unwrap();
}
