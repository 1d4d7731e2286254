//! Operator commands (no actor): create_user, find_user, operator_update_user,
//! purge_expired_sessions. Outcomes on the fake store (`MemoryStore`) with the hasher mocked;
//! refusals that must write nothing on the mocks.

use chrono::Duration;
use ticketing_app::ports::AuditRepository;
use ticketing_app::ports::{RefreshSession, SessionRepository, UserRepository};
use ticketing_app::{AppError, AuditAction, AuditActor, AuditQuery, CreateUserInput, UserUpdate};
use ticketing_domain::listing::Limit;
use ticketing_domain::{
    ChangeError, Email, FamilyId, LoginName, Password, PersonName, Refusal, Role, Rule, SessionId,
    User, UserId, Username,
};
use uuid::Uuid;

use ticketing_app::testing::{
    Harness, alice, carol, earlier, field_errors, gen_id, now, root, seed,
};
use ticketing_store_contract::MemoryStore;

/// A fake store with these users.
async fn store_of(users: &[&User]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, users).await;
    store
}

/// A session of `user` numbered `n` (hash `hash-n`) that expires at `expires_at`.
fn session(user: &User, n: u128, expires_at: chrono::DateTime<chrono::Utc>) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(Uuid::from_u128(0x5E_0000 + n)),
        family: FamilyId::from_uuid(Uuid::from_u128(0xFA_0000 + n)),
        user_id: user.id,
        token_hash: format!("hash-{n}"),
        created_at: earlier() - Duration::days(30),
        expires_at,
        rotated_at: None,
        revoked_at: None,
    }
}

/// The session stored under `hash`, if any.
async fn find(store: &MemoryStore, hash: &str) -> Option<RefreshSession> {
    SessionRepository::find_by_hash(store, hash).await.unwrap()
}

fn new_admin(password: &str) -> CreateUserInput {
    CreateUserInput {
        username: Username::parse("ops").unwrap(),
        email: Email::parse("ops@example.com").unwrap(),
        password: Password::new(password),
        role: Role::Admin,
        first_name: PersonName::parse("Ops").unwrap(),
        last_name: PersonName::empty(),
    }
}

fn created_admin() -> User {
    User {
        id: UserId::from_uuid(gen_id(1)),
        username: Username::parse("ops").unwrap(),
        email: Email::parse("ops@example.com").unwrap(),
        first_name: PersonName::parse("Ops").unwrap(),
        last_name: PersonName::empty(),
        role: Role::Admin,
        is_active: true,
        must_change_password: false,
        token_epoch: 0,
        date_joined: now(),
        last_login: None,
    }
}

#[tokio::test]
async fn create_user_hashes_the_password_and_stores_the_account_with_its_role() {
    let store = MemoryStore::new();
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .withf(|p: &Password| p.expose() == "long enough secret")
        .times(1)
        .returning(|_| Ok("argon-hash".to_owned()));
    let app = h.build_on(&store);

    let user = app
        .create_user(new_admin("long enough secret"))
        .await
        .unwrap();

    assert_eq!(user, created_admin());
    assert_eq!(
        UserRepository::get(&store, user.id).await.unwrap(),
        created_admin()
    );
    assert_eq!(
        UserRepository::password_hash(&store, user.id)
            .await
            .unwrap(),
        "argon-hash"
    );
}

#[tokio::test]
async fn an_admin_creates_a_temporary_account_audited_with_the_admin_and_the_address() {
    let store = store_of(&[&root()]).await;
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok("argon-hash".to_owned()));
    let app = h.build_on(&store);
    let address: std::net::IpAddr = "192.0.2.7".parse().unwrap();

    let user = app
        .admin_create_user(
            &root().actor(),
            new_admin("long enough secret"),
            true,
            Some(address),
        )
        .await
        .unwrap();

    let want = User {
        must_change_password: true,
        ..created_admin()
    };
    assert_eq!(user, want);
    assert_eq!(UserRepository::get(&store, user.id).await.unwrap(), want);
    let query = AuditQuery {
        actor: None,
        target: Some(user.id),
        action: None,
        after: None,
        limit: Limit::default(),
    };
    let entries = AuditRepository::list(&store, &query).await.unwrap().items;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, AuditAction::UserCreated);
    assert_eq!(entries[0].actor, AuditActor::of(&root()));
    assert_eq!(entries[0].target, "ops");
    assert_eq!(entries[0].details, "role admin, temporary password");
    assert_eq!(entries[0].address.as_deref(), Some("192.0.2.7"));
}

#[tokio::test]
async fn only_admins_create_accounts_and_a_refusal_hashes_and_writes_nothing() {
    for actor in [alice(), carol()] {
        let mut h = Harness::default();
        h.hasher.expect_hash().never();
        h.users.expect_insert().never();
        h.users.expect_get().never();
        let app = h.build();
        assert_err!(
            app.admin_create_user(&actor.actor(), new_admin("long enough secret"), true, None)
                .await,
            AppError::Domain(ChangeError::Refused(Refusal::Forbidden(
                Rule::UserManagementIsAdminOnly
            )))
        );
    }
}

#[tokio::test]
async fn create_user_applies_the_password_policy_before_hashing() {
    let mut h = Harness::default();
    h.hasher.expect_hash().never();
    h.users.expect_insert().never();
    let app = h.build();

    assert_err!(
        app.create_user(new_admin("ops")).await,
        AppError::Validation(errors) if errors == field_errors(
            "password",
            &["must be at least 8 characters", "is too similar to the username or email"],
        )
    );
}

#[tokio::test]
async fn create_user_with_a_taken_username_is_a_conflict() {
    let taken = User {
        username: Username::parse("OPS").unwrap(),
        ..carol()
    };
    let store = store_of(&[&taken]).await;
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok("argon-hash".to_owned()));
    let app = h.build_on(&store);

    assert_err!(
        app.create_user(new_admin("long enough secret")).await,
        AppError::Conflict {
            field: Some("username"),
            ..
        }
    );
    let email = LoginName::parse("ops@example.com").unwrap();
    assert_eq!(
        UserRepository::find_credentials(&store, &email)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn find_user_looks_up_by_login_name() {
    let store = store_of(&[&root(), &carol()]).await;
    let mut h = Harness::default();
    h.hasher.expect_verify().never();
    let app = h.build_on(&store);

    let by_email = LoginName::parse("ROOT@example.com").unwrap();
    assert_eq!(app.find_user(&by_email).await.unwrap(), root());
    let by_name = LoginName::parse("carol").unwrap();
    assert_eq!(app.find_user(&by_name).await.unwrap(), carol());
    assert_err!(
        app.find_user(&LoginName::parse("nobody").unwrap()).await,
        AppError::NotFound("user")
    );
}

#[tokio::test]
async fn operator_update_user_deactivates_with_the_same_rules_as_an_admin() {
    let root = root();
    let other = User {
        id: UserId::from_uuid(Uuid::from_u128(0xAD_0006)),
        username: Username::parse("admin2").unwrap(),
        email: Email::parse("admin2@example.com").unwrap(),
        ..root.clone()
    };
    let store = store_of(&[&root, &other]).await;
    let live = now() + Duration::days(3);
    for s in [session(&root, 1, live), session(&other, 2, live)] {
        SessionRepository::create(&store, &s).await.unwrap();
    }
    let app = Harness::default().build_on(&store);
    let expected = User {
        is_active: false,
        token_epoch: 1,
        ..root.clone()
    };

    let updated = app
        .operator_update_user(
            root.id,
            UserUpdate {
                role: None,
                is_active: Some(false),
            },
        )
        .await
        .unwrap();

    assert_eq!(updated, expected);
    assert_eq!(
        UserRepository::get(&store, root.id).await.unwrap(),
        expected
    );
    let revoked = |s: Option<RefreshSession>| s.unwrap().revoked_at;
    assert_eq!(revoked(find(&store, "hash-1").await), Some(now()));
    assert_eq!(revoked(find(&store, "hash-2").await), None);
}

#[tokio::test]
async fn operator_update_user_keeps_the_last_active_admin() {
    let root = root();
    let store = store_of(&[&root, &carol()]).await;
    SessionRepository::create(&store, &session(&root, 1, now() + Duration::days(3)))
        .await
        .unwrap();
    let app = Harness::default().build_on(&store);

    for update in [
        UserUpdate {
            role: Some(Role::Agent),
            is_active: None,
        },
        UserUpdate {
            role: None,
            is_active: Some(false),
        },
    ] {
        let result = app.operator_update_user(root.id, update).await;

        assert_err!(result, AppError::Conflict { field: None, .. });
        assert_eq!(UserRepository::get(&store, root.id).await.unwrap(), root);
        assert_eq!(find(&store, "hash-1").await.unwrap().revoked_at, None);
    }
}

#[tokio::test]
async fn purge_expired_sessions_deletes_sessions_expired_over_a_day_ago() {
    let carol = carol();
    let store = store_of(&[&carol]).await;
    for s in [
        session(&carol, 1, now() - Duration::days(3)),
        session(&carol, 2, now() - Duration::days(1) - Duration::seconds(1)),
        session(&carol, 3, now() - Duration::days(1) + Duration::seconds(1)),
        session(&carol, 4, now() + Duration::days(1)),
    ] {
        SessionRepository::create(&store, &s).await.unwrap();
    }
    let app = Harness::default().build_on(&store);

    assert_eq!(app.purge_expired_sessions().await.unwrap(), 2);
    for (hash, kept) in [
        ("hash-1", false),
        ("hash-2", false),
        ("hash-3", true),
        ("hash-4", true),
    ] {
        assert_eq!(find(&store, hash).await.is_some(), kept, "{hash}");
    }
}

#[tokio::test]
async fn operator_set_password_stores_the_hash_and_ends_every_session() {
    let carol = User {
        token_epoch: 2,
        ..carol()
    };
    let store = store_of(&[&carol, &root()]).await;
    let live = now() + Duration::days(3);
    for s in [session(&carol, 1, live), session(&root(), 2, live)] {
        SessionRepository::create(&store, &s).await.unwrap();
    }
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .withf(|p: &Password| p.expose() == "a brand new secret")
        .times(1)
        .returning(|_| Ok("new-hash".to_owned()));
    let app = h.build_on(&store);

    app.operator_set_password(carol.id, Password::new("a brand new secret"))
        .await
        .unwrap();

    assert_eq!(
        UserRepository::password_hash(&store, carol.id)
            .await
            .unwrap(),
        "new-hash"
    );
    let stored = UserRepository::get(&store, carol.id).await.unwrap();
    assert_eq!(stored.token_epoch, 3);
    assert_eq!(
        find(&store, "hash-1").await.unwrap().revoked_at,
        Some(now())
    );
    assert_eq!(find(&store, "hash-2").await.unwrap().revoked_at, None);
}

#[tokio::test]
async fn operator_set_password_applies_the_policy_and_changes_nothing_else() {
    let carol = carol();
    let store = store_of(&[&carol]).await;
    let mut h = Harness::default();
    h.hasher.expect_hash().never();
    let app = h.build_on(&store);

    assert_err!(
        app.operator_set_password(carol.id, Password::new("Carol!2024"))
            .await,
        AppError::Validation(errors) if errors == field_errors(
            "password",
            &["is too similar to the username or email"],
        )
    );
    assert_eq!(
        UserRepository::password_hash(&store, carol.id)
            .await
            .unwrap(),
        seed::hash_of(&carol)
    );
    assert_err!(
        app.operator_set_password(
            UserId::from_uuid(Uuid::from_u128(0xDEAD)),
            Password::new("a brand new secret")
        )
        .await,
        AppError::NotFound("user")
    );
}
