//! profile, update_profile, list_users, update_user, ready. Outcomes on the fake store
//! (`MemoryStore`, which keeps the rules of the real stores: unique emails, the last active
//! admin); writes that must not happen, their order and injected failures on the mocks.

use mockall::Sequence;
use mockall::predicate::eq;
use ticketing_app::ports::RefreshSession;
use ticketing_app::ports::{AccessChange, AccessOutcome, SessionRepository, UserRepository};
use ticketing_app::{AppError, ProfileUpdate, RepoError, UserUpdate};
use ticketing_domain::{
    ChangeError, Refusal, Rule,
    listing::{Limit, Page, UserQuery},
};
use ticketing_domain::{Email, FamilyId, PersonName, Role, SessionId, User, UserId};

use ticketing_app::testing::{Harness, alice, bob, carol, dave, earlier, now, root, seed};
use ticketing_store_contract::MemoryStore;

/// A fake store with these users.
async fn store_of(users: &[&User]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, users).await;
    store
}

/// The user as stored, with their password hash.
async fn stored(store: &MemoryStore, user: &User) -> (User, String) {
    let found = UserRepository::get(store, user.id).await.unwrap();
    let hash = UserRepository::password_hash(store, user.id).await.unwrap();
    (found, hash)
}

fn expect_user(h: &mut Harness, user: &User) {
    let u = user.clone();
    h.users
        .expect_get()
        .with(eq(user.id))
        .times(1)
        .returning(move |_| Ok(u.clone()));
}

// ---- profile -----------------------------------------------------------------------------

#[tokio::test]
async fn profile_is_read_fresh_from_the_store() {
    let stored = User {
        first_name: PersonName::parse("Caroline").unwrap(),
        ..carol()
    };
    let store = store_of(&[&stored]).await;
    let app = Harness::default().build_on(&store);

    assert_eq!(app.profile(&carol().actor()).await.unwrap(), stored);
}

#[tokio::test]
async fn profile_of_a_vanished_user_is_not_found() {
    let mut h = Harness::default();
    h.users
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    let app = h.build();

    assert_err!(
        app.profile(&carol().actor()).await,
        AppError::NotFound("user")
    );
}

// ---- update_profile ----------------------------------------------------------------------

#[tokio::test]
async fn update_profile_saves_the_changed_fields_only() {
    let carol = User {
        token_epoch: 2,
        ..carol()
    };
    let store = store_of(&[&carol]).await;
    let app = Harness::default().build_on(&store);
    let expected = User {
        email: Email::parse("carol.new@example.com").unwrap(),
        first_name: PersonName::parse("Caroline").unwrap(),
        ..carol.clone()
    };

    let updated = app
        .update_profile(
            &carol.actor(),
            ProfileUpdate {
                email: Some(Email::parse("carol.new@example.com").unwrap()),
                first_name: Some(PersonName::parse("Caroline").unwrap()),
                last_name: None,
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, expected);
    assert_eq!(
        stored(&store, &carol).await,
        (expected, seed::hash_of(&carol))
    );
}

#[tokio::test]
async fn update_profile_without_a_change_writes_nothing() {
    let mut h = Harness::default();
    let carol = carol();
    expect_user(&mut h, &carol);
    h.users.expect_update_profile().never();
    h.users.expect_update_access().never();
    let app = h.build();

    let updated = app
        .update_profile(
            &carol.actor(),
            ProfileUpdate {
                email: Some(carol.email.clone()),
                first_name: Some(carol.first_name.clone()),
                last_name: None,
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, carol);
}

#[tokio::test]
async fn update_profile_saves_a_change_of_the_email_case() {
    let carol = carol();
    let store = store_of(&[&carol]).await;
    let app = Harness::default().build_on(&store);

    let updated = app
        .update_profile(
            &carol.actor(),
            ProfileUpdate {
                email: Some(Email::parse("Carol@Example.com").unwrap()),
                ..ProfileUpdate::default()
            },
        )
        .await
        .unwrap();

    assert_eq!(updated.email.as_str(), "Carol@Example.com");
    assert_eq!(
        stored(&store, &carol).await.0.email.as_str(),
        "Carol@Example.com"
    );
}

#[tokio::test]
async fn update_profile_with_a_taken_email_is_a_conflict() {
    let carol = carol();
    let store = store_of(&[&carol, &alice()]).await;
    let app = Harness::default().build_on(&store);

    let result = app
        .update_profile(
            &carol.actor(),
            ProfileUpdate {
                email: Some(Email::parse("ALICE@example.com").unwrap()),
                first_name: Some(PersonName::parse("Caroline").unwrap()),
                ..ProfileUpdate::default()
            },
        )
        .await;

    assert_err!(result, AppError::Conflict { field: Some("email"), message } if message == "email is already taken");
    assert_eq!(stored(&store, &carol).await.0, carol);
}

// ---- list_users --------------------------------------------------------------------------

fn agents_query() -> UserQuery {
    UserQuery {
        role: Some(Role::Agent),
        active: Some(true),
        text: None,
        after: None,
        limit: Limit::new(20).unwrap(),
    }
}

#[tokio::test]
async fn list_users_passes_the_query_through_for_staff() {
    let retired = User {
        username: ticketing_domain::Username::parse("ada").unwrap(),
        email: Email::parse("ada@example.com").unwrap(),
        id: UserId::from_uuid(uuid::Uuid::from_u128(0xAD_A000)),
        is_active: false,
        ..bob()
    };
    let store = store_of(&[&carol(), &dave(), &alice(), &bob(), &retired, &root()]).await;
    let app = Harness::default().build_on(&store);

    let listed = app
        .list_users(&alice().actor(), agents_query())
        .await
        .unwrap();

    assert_eq!(
        listed,
        Page {
            items: vec![alice(), bob()],
            total: 2,
            next: None,
            exact: true,
        }
    );
}

#[tokio::test]
async fn list_users_is_forbidden_to_customers() {
    let mut h = Harness::default();
    h.users.expect_list().never();
    let app = h.build();

    assert_err!(
        app.list_users(&carol().actor(), agents_query()).await,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::UserListIsStaffOnly
        )))
    );
}

// ---- update_user ----------------------------------------------------------------------------

fn change(role: Option<Role>, is_active: Option<bool>, revoke_tokens: bool) -> AccessChange {
    AccessChange {
        role,
        is_active,
        revoke_tokens,
    }
}

/// `update_access` is called once for `id` with exactly `want` and answers `outcome`.
fn expect_access(h: &mut Harness, id: UserId, want: AccessChange, outcome: AccessOutcome) {
    h.users
        .expect_update_access()
        .withf(move |i: &UserId, c: &AccessChange, _: &[_]| *i == id && *c == want)
        .times(1)
        .returning(move |_, _, _| Ok(outcome.clone()));
}

#[tokio::test]
async fn update_user_changes_a_role_and_returns_the_stored_user() {
    let mut h = Harness::default();
    let dave = dave();
    expect_user(&mut h, &dave);
    expect_user(&mut h, &root());
    // As stored after the change: dave changed his email meanwhile, and it is kept.
    let stored = User {
        role: Role::Agent,
        email: Email::parse("dave.new@example.com").unwrap(),
        ..dave.clone()
    };
    expect_access(
        &mut h,
        dave.id,
        change(Some(Role::Agent), None, false),
        AccessOutcome::Updated(stored.clone()),
    );
    h.users.expect_update_profile().never();
    h.sessions.expect_revoke_user().never();
    let app = h.build();

    let updated = app
        .update_user(
            &root().actor(),
            dave.id,
            UserUpdate {
                role: Some(Role::Agent),
                is_active: None,
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, stored);
}

#[tokio::test]
async fn update_user_is_for_admins_only() {
    let mut h = Harness::default();
    h.users.expect_get().never();
    h.users.expect_update_access().never();
    let app = h.build();

    let result = app
        .update_user(
            &alice().actor(),
            dave().id,
            UserUpdate {
                role: Some(Role::Admin),
                is_active: None,
            },
        )
        .await;

    assert_err!(
        result,
        AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
            Rule::UserManagementIsAdminOnly
        )))
    );
}

#[tokio::test]
async fn update_user_of_an_unknown_user_is_not_found() {
    let mut h = Harness::default();
    h.users
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    h.users.expect_update_access().never();
    let app = h.build();

    let result = app
        .update_user(
            &root().actor(),
            dave().id,
            UserUpdate {
                role: Some(Role::Agent),
                is_active: None,
            },
        )
        .await;

    assert_err!(result, AppError::NotFound("user"));
}

#[tokio::test]
async fn update_user_of_a_user_gone_before_the_write_is_not_found() {
    let mut h = Harness::default();
    let dave = dave();
    expect_user(&mut h, &dave);
    expect_user(&mut h, &root());
    h.users
        .expect_update_access()
        .times(1)
        .returning(|_, _, _| Err(RepoError::NotFound));
    h.sessions.expect_revoke_user().never();
    let app = h.build();

    let result = app
        .update_user(
            &root().actor(),
            dave.id,
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await;

    assert_err!(result, AppError::NotFound("user"));
}

#[tokio::test]
async fn update_user_refuses_to_demote_or_deactivate_the_last_active_admin() {
    // The store checks the rule in the same transaction as the write, and refuses. Another
    // admin who is inactive does not count.
    let root = root();
    let retired = User {
        username: ticketing_domain::Username::parse("old_root").unwrap(),
        email: Email::parse("old_root@example.com").unwrap(),
        id: UserId::from_uuid(uuid::Uuid::from_u128(0xAD_0006)),
        is_active: false,
        ..root.clone()
    };
    let store = store_of(&[&root, &retired]).await;
    SessionRepository::create(&store, &session_of(&root, 1))
        .await
        .unwrap();
    for update in [
        UserUpdate {
            role: Some(Role::Customer),
            is_active: None,
        },
        UserUpdate {
            role: None,
            is_active: Some(false),
        },
    ] {
        let app = Harness::default().build_on(&store);

        let result = app.update_user(&root.actor(), root.id, update).await;

        assert_err!(result, AppError::Conflict { field: None, message }
            if message == "the last active admin cannot be demoted or deactivated");
        assert_eq!(stored(&store, &root).await.0, root);
        let session = SessionRepository::find_by_hash(&store, "hash-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.revoked_at, None, "a refused change ends no session");
    }
}

#[tokio::test]
async fn update_user_demotes_an_admin_while_another_one_is_active() {
    let root = root();
    let other = User {
        username: ticketing_domain::Username::parse("admin2").unwrap(),
        email: Email::parse("admin2@example.com").unwrap(),
        id: UserId::from_uuid(uuid::Uuid::from_u128(0xAD_0006)),
        ..root.clone()
    };
    let store = store_of(&[&root, &other]).await;
    let app = Harness::default().build_on(&store);
    let expected = User {
        role: Role::Agent,
        ..root.clone()
    };

    let updated = app
        .update_user(
            &root.actor(),
            root.id,
            UserUpdate {
                role: Some(Role::Agent),
                is_active: None,
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, expected);
    assert_eq!(stored(&store, &root).await.0, expected);
    // The other admin is now the last one.
    let result = app
        .update_user(
            &other.actor(),
            other.id,
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await;
    assert_err!(result, AppError::Conflict { field: None, .. });
}

#[tokio::test]
async fn update_user_deactivation_bumps_the_epoch_and_revokes_every_session() {
    let mut h = Harness::default();
    let carol = User {
        token_epoch: 4,
        ..carol()
    };
    expect_user(&mut h, &carol);
    expect_user(&mut h, &root());
    // The store increments the stored epoch (`revoke_tokens`), never an epoch computed here.
    let expected = User {
        is_active: false,
        token_epoch: 5,
        ..carol.clone()
    };
    let mut seq = Sequence::new();
    let e = expected.clone();
    h.users
        .expect_update_access()
        .with(
            eq(carol.id),
            eq(change(None, Some(false), true)),
            mockall::predicate::always(),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _, _| Ok(AccessOutcome::Updated(e.clone())));
    h.sessions
        .expect_revoke_user()
        .with(eq(carol.id), eq(None::<FamilyId>), eq(now()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(()));
    h.users.expect_update_profile().never();
    let app = h.build();

    let updated = app
        .update_user(
            &root().actor(),
            carol.id,
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, expected);
}

/// A live refresh session of `user` (numbered `n`).
fn session_of(user: &User, n: u128) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(uuid::Uuid::from_u128(0x5E_0000 + n)),
        family: FamilyId::from_uuid(uuid::Uuid::from_u128(0xFA_0000 + n)),
        user_id: user.id,
        token_hash: format!("hash-{n}"),
        created_at: earlier(),
        expires_at: now() + chrono::Duration::days(4),
        rotated_at: None,
        revoked_at: None,
    }
}

#[tokio::test]
async fn update_user_deactivation_on_the_store_bumps_the_epoch_and_ends_every_session() {
    let carol = User {
        token_epoch: 4,
        ..carol()
    };
    let store = store_of(&[&carol, &dave(), &root()]).await;
    for session in [
        session_of(&carol, 1),
        session_of(&carol, 2),
        session_of(&dave(), 3),
    ] {
        SessionRepository::create(&store, &session).await.unwrap();
    }
    let app = Harness::default().build_on(&store);

    let updated = app
        .update_user(
            &root().actor(),
            carol.id,
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();

    let expected = User {
        is_active: false,
        token_epoch: 5,
        ..carol.clone()
    };
    assert_eq!(updated, expected);
    assert_eq!(stored(&store, &carol).await.0, expected);
    for (hash, revoked) in [("hash-1", true), ("hash-2", true), ("hash-3", false)] {
        let session = SessionRepository::find_by_hash(&store, hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.revoked_at.is_some(), revoked, "{hash}");
    }
}

#[tokio::test]
async fn update_user_reactivation_keeps_the_epoch_and_revokes_nothing() {
    let carol = User {
        is_active: false,
        token_epoch: 5,
        ..carol()
    };
    let store = store_of(&[&carol, &root()]).await;
    SessionRepository::create(&store, &session_of(&carol, 1))
        .await
        .unwrap();
    let app = Harness::default().build_on(&store);
    let expected = User {
        is_active: true,
        ..carol.clone()
    };

    let updated = app
        .update_user(
            &root().actor(),
            carol.id,
            UserUpdate {
                role: None,
                is_active: Some(true),
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, expected);
    assert_eq!(stored(&store, &carol).await.0, expected);
    let session = SessionRepository::find_by_hash(&store, "hash-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.revoked_at, None);
}

// ---- ready -------------------------------------------------------------------------------

#[tokio::test]
async fn ready_pings_the_store() {
    let mut h = Harness::default();
    h.health.expect_ping().times(1).returning(|| Ok(()));
    let app = h.build();

    app.ready().await.unwrap();
}

#[tokio::test]
async fn ready_reports_an_unreachable_store_as_unavailable() {
    let mut h = Harness::default();
    h.health
        .expect_ping()
        .times(1)
        .returning(|| Err(RepoError::Unavailable("connection refused".to_owned())));
    let app = h.build();

    assert_err!(app.ready().await, AppError::Unavailable(m) if m == "connection refused");
}

/// An admin's change is audited in the same store call: one entry per effect (a role change and
/// a deactivation), naming the admin by id and username, the target, the address, never a
/// secret; a reactivation of an active user records nothing.
#[tokio::test]
async fn update_user_audits_each_change_with_the_admin_and_the_address() {
    use ticketing_app::{AuditAction, AuditActor, AuditEntry};
    let mut h = Harness::default();
    let dave = dave();
    let root = root();
    expect_user(&mut h, &dave);
    expect_user(&mut h, &root);
    let stored = User {
        role: Role::Admin,
        is_active: false,
        ..dave.clone()
    };
    let (admin, target) = (root.clone(), dave.clone());
    h.users
        .expect_update_access()
        .withf(move |_, _, audit: &[AuditEntry]| {
            let actions: Vec<AuditAction> = audit.iter().map(|e| e.action).collect();
            actions == [AuditAction::RoleChanged, AuditAction::UserDeactivated]
                && audit.iter().all(|e| {
                    e.actor == AuditActor::of(&admin)
                        && e.target_id == Some(target.id)
                        && e.target == target.username.as_str()
                        && e.address.as_deref() == Some("203.0.113.9")
                        && e.at == now()
                })
                && audit[0].details == format!("{} → admin", target.role)
        })
        .times(1)
        .returning(move |_, _, _| Ok(AccessOutcome::Updated(stored.clone())));
    h.sessions
        .expect_revoke_user()
        .times(1)
        .returning(|_, _, _| Ok(()));
    let app = h.build();

    app.update_user_from(
        &root.actor(),
        dave.id,
        UserUpdate {
            role: Some(Role::Admin),
            is_active: Some(false),
        },
        Some("203.0.113.9".parse().unwrap()),
    )
    .await
    .unwrap();
}
