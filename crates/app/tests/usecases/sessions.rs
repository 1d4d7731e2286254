//! refresh, logout, authenticate, change_password, end_sessions. Outcomes on the fake store (`MemoryStore`)
//! with the hasher and token service mocked; refusals that must write nothing, lost races, the
//! order of writes and injected failures on the mocks.

use chrono::Duration;
use mockall::Sequence;
use mockall::predicate::eq;
use ticketing_app::ports::{
    AccessChange, AccessClaims, AccessOutcome, RefreshSession, SessionRepository, UserRepository,
};
use ticketing_app::{AppError, AuthFailure, AuthSession, Authenticated, RepoError, TokenError};
use ticketing_domain::{Access, FamilyId, Password, Role, SessionId, User};
use uuid::Uuid;

use crate::auth::{
    access_token, expect_hash, expect_no_session, expect_session_start, expect_session_tokens,
    new_session, started_session,
};
use ticketing_app::testing::{Harness, carol, dave, earlier, field_errors, now, seed};
use ticketing_store_contract::MemoryStore;

/// A fake store with these users and sessions.
async fn store_of(users: &[&User], sessions: &[RefreshSession]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, users).await;
    for session in sessions {
        SessionRepository::create(&store, session).await.unwrap();
    }
    store
}

/// The session stored under `hash`.
async fn session(store: &MemoryStore, hash: &str) -> RefreshSession {
    SessionRepository::find_by_hash(store, hash)
        .await
        .unwrap()
        .unwrap()
}

/// A live session of `user` numbered `n` (`0x5E_000n`, hash `hash-n`) in family `0xFA_000f`.
fn session_n(user: &User, n: u128, f: u128) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(Uuid::from_u128(0x5E_0000 + n)),
        family: FamilyId::from_uuid(Uuid::from_u128(0xFA_0000 + f)),
        token_hash: format!("hash-{n}"),
        ..live_session(user)
    }
}

/// The cookie `old-token` is presented; it hashes to `old-hash` (the store looks it up).
fn expect_presented_hash(h: &mut Harness) {
    h.tokens
        .expect_hash_refresh_token()
        .with(eq("old-token"))
        .times(1)
        .returning(|_| "old-hash".to_owned());
}

// ---- refresh -----------------------------------------------------------------------------

fn live_session(user: &User) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(Uuid::from_u128(0x5E_0001)),
        family: FamilyId::from_uuid(Uuid::from_u128(0xFA_0001)),
        user_id: user.id,
        token_hash: "old-hash".to_owned(),
        created_at: earlier(),
        expires_at: now() + Duration::days(4),
        rotated_at: None,
        revoked_at: None,
    }
}

/// The cookie `old-token` is presented; its hash finds `session`.
fn expect_presented(h: &mut Harness, session: Option<RefreshSession>) {
    h.tokens
        .expect_hash_refresh_token()
        .with(eq("old-token"))
        .times(1)
        .returning(|_| "old-hash".to_owned());
    h.sessions
        .expect_find_by_hash()
        .with(eq("old-hash"))
        .times(1)
        .returning(move |_| Ok(session.clone()));
}

#[tokio::test]
async fn refresh_rotates_the_session_within_its_family() {
    let carol = carol();
    let old = live_session(&carol);
    let store = store_of(&[&carol], std::slice::from_ref(&old)).await;
    let mut h = Harness::default();
    expect_presented_hash(&mut h);
    expect_session_tokens(&mut h, carol.id, 0);
    let app = h.build_on(&store);

    let session_now = app.refresh("old-token").await.unwrap();

    assert_eq!(
        session_now,
        AuthSession {
            user: carol.clone(),
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
    assert_eq!(
        session(&store, "old-hash").await,
        RefreshSession {
            rotated_at: Some(now()),
            ..old.clone()
        }
    );
    assert_eq!(
        new_session(&store).await,
        Some(RefreshSession {
            family: old.family,
            ..started_session(carol.id, 1, 0)
        })
    );
}

#[tokio::test]
async fn refresh_with_a_rotated_token_revokes_the_whole_family() {
    let carol = carol();
    let old = RefreshSession {
        rotated_at: Some(earlier()),
        ..live_session(&carol)
    };
    // Its successor (same family), and another login of carol's.
    let successor = session_n(&carol, 2, 1);
    let elsewhere = session_n(&carol, 3, 3);
    let store = store_of(&[&carol], &[old.clone(), successor, elsewhere]).await;
    let mut h = Harness::default();
    expect_presented_hash(&mut h);
    expect_no_session(&mut h);
    let app = h.build_on(&store);

    let result = app.refresh("old-token").await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::RefreshReused)
    );
    for (hash, revoked) in [("old-hash", true), ("hash-2", true), ("hash-3", false)] {
        let found = session(&store, hash).await;
        assert_eq!(found.revoked_at, revoked.then(now), "{hash}");
    }
    assert_eq!(new_session(&store).await, None);
}

#[tokio::test]
async fn refresh_that_loses_the_rotation_race_revokes_the_family() {
    let mut h = Harness::default();
    let carol = carol();
    let old = live_session(&carol);
    expect_presented(&mut h, Some(old.clone()));
    let c = carol.clone();
    h.users
        .expect_get()
        .times(1)
        .returning(move |_| Ok(c.clone()));
    h.tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| ("new-refresh".to_owned(), "new-refresh-hash".to_owned()));
    h.sessions
        .expect_rotate()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Stale));
    h.sessions
        .expect_revoke_family()
        .with(eq(old.family), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    h.tokens.expect_issue_access().never();
    let app = h.build();

    let result = app.refresh("old-token").await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::RefreshReused)
    );
}

#[tokio::test]
async fn refresh_with_an_unknown_token_is_invalid() {
    let mut h = Harness::default();
    expect_presented(&mut h, None);
    h.sessions.expect_revoke_family().never();
    h.sessions.expect_rotate().never();
    expect_no_session(&mut h);
    let app = h.build();

    assert_err!(
        app.refresh("old-token").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn refresh_with_a_revoked_token_is_invalid_and_revokes_nothing() {
    let mut h = Harness::default();
    expect_presented(
        &mut h,
        Some(RefreshSession {
            revoked_at: Some(earlier()),
            ..live_session(&carol())
        }),
    );
    h.sessions.expect_revoke_family().never();
    h.sessions.expect_rotate().never();
    h.users.expect_get().never();
    expect_no_session(&mut h);
    let app = h.build();

    assert_err!(
        app.refresh("old-token").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn refresh_with_an_expired_token_is_invalid() {
    let mut h = Harness::default();
    expect_presented(
        &mut h,
        Some(RefreshSession {
            expires_at: now(),
            ..live_session(&carol())
        }),
    );
    h.sessions.expect_revoke_family().never();
    h.sessions.expect_rotate().never();
    h.users.expect_get().never();
    expect_no_session(&mut h);
    let app = h.build();

    assert_err!(
        app.refresh("old-token").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn refresh_for_a_deactivated_user_revokes_the_family() {
    let carol = User {
        is_active: false,
        ..carol()
    };
    let old = live_session(&carol);
    let store = store_of(&[&carol], &[old, session_n(&carol, 2, 1)]).await;
    let mut h = Harness::default();
    expect_presented_hash(&mut h);
    expect_no_session(&mut h);
    let app = h.build_on(&store);

    assert_err!(
        app.refresh("old-token").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
    for hash in ["old-hash", "hash-2"] {
        assert_eq!(
            session(&store, hash).await.revoked_at,
            Some(now()),
            "{hash}"
        );
        assert_eq!(session(&store, hash).await.rotated_at, None, "{hash}");
    }
}

// ---- logout ------------------------------------------------------------------------------

#[tokio::test]
async fn logout_revokes_the_family_of_the_presented_token() {
    let carol = carol();
    let sessions = [
        live_session(&carol),
        session_n(&carol, 2, 1),
        session_n(&carol, 3, 3),
        session_n(&dave(), 4, 4),
    ];
    let store = store_of(&[&carol, &dave()], &sessions).await;
    let mut h = Harness::default();
    expect_presented_hash(&mut h);
    let app = h.build_on(&store);

    app.logout(Some("old-token")).await.unwrap();

    for (hash, revoked) in [
        ("old-hash", true),
        ("hash-2", true),
        ("hash-3", false),
        ("hash-4", false),
    ] {
        let found = session(&store, hash).await;
        assert_eq!(found.revoked_at, revoked.then(now), "{hash}");
    }
}

#[tokio::test]
async fn logout_without_a_cookie_touches_nothing() {
    let mut h = Harness::default();
    h.tokens.expect_hash_refresh_token().never();
    h.sessions.expect_find_by_hash().never();
    h.sessions.expect_revoke_family().never();
    let app = h.build();

    app.logout(None).await.unwrap();
}

#[tokio::test]
async fn logout_with_an_unknown_or_revoked_token_succeeds_without_revoking() {
    for session in [
        None,
        Some(RefreshSession {
            revoked_at: Some(earlier()),
            ..live_session(&carol())
        }),
    ] {
        let mut h = Harness::default();
        expect_presented(&mut h, session);
        h.sessions.expect_revoke_family().never();
        let app = h.build();

        app.logout(Some("old-token")).await.unwrap();
    }
}

// ---- authenticate ------------------------------------------------------------------------

fn claims(user: &User, token_epoch: i64) -> AccessClaims {
    AccessClaims {
        user_id: user.id,
        role: Role::Customer,
        token_epoch,
        jti: Uuid::from_u128(0x7171),
        expires_at: now() + Duration::minutes(10),
    }
}

fn expect_access_token(h: &mut Harness, verified: Result<AccessClaims, TokenError>) {
    h.tokens
        .expect_verify_access()
        .with(eq("access"), eq(now()))
        .times(1)
        .returning(move |_, _| verified.clone());
}

/// The app over a fake store holding `user` (when given); the access token `access` verifies
/// as `verified`.
async fn authenticating(
    user: Option<&User>,
    verified: Result<AccessClaims, TokenError>,
) -> ticketing_app::App {
    let store = store_of(user.as_slice(), &[]).await;
    let mut h = Harness::default();
    expect_access_token(&mut h, verified);
    h.build_on(&store)
}

#[tokio::test]
async fn authenticate_returns_the_stored_user_with_the_current_role() {
    let promoted = User {
        role: Role::Agent,
        token_epoch: 2,
        ..carol()
    };
    let app = authenticating(Some(&promoted), Ok(claims(&promoted, 2))).await;

    let user = app
        .authenticate("access", Access::Write)
        .await
        .map(|a| a.user)
        .unwrap();

    assert_eq!(user, promoted);
}

#[tokio::test]
async fn authenticate_refuses_a_token_of_an_older_epoch() {
    let user = User {
        token_epoch: 3,
        ..carol()
    };
    let app = authenticating(Some(&user), Ok(claims(&user, 2))).await;

    assert_err!(
        app.authenticate("access", Access::Write)
            .await
            .map(|a| a.user),
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_refuses_an_inactive_user() {
    let user = User {
        is_active: false,
        ..carol()
    };
    let app = authenticating(Some(&user), Ok(claims(&user, 0))).await;

    assert_err!(
        app.authenticate("access", Access::Write)
            .await
            .map(|a| a.user),
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_reports_an_expired_token_without_loading_the_user() {
    let mut h = Harness::default();
    expect_access_token(&mut h, Err(TokenError::Expired));
    h.users.expect_get().never();
    let app = h.build();

    assert_err!(
        app.authenticate("access", Access::Write)
            .await
            .map(|a| a.user),
        AppError::Unauthenticated(AuthFailure::TokenExpired)
    );
}

#[tokio::test]
async fn authenticate_refuses_an_invalid_token_without_loading_the_user() {
    let mut h = Harness::default();
    expect_access_token(&mut h, Err(TokenError::Invalid));
    h.users.expect_get().never();
    let app = h.build();

    assert_err!(
        app.authenticate("access", Access::Write)
            .await
            .map(|a| a.user),
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_refuses_a_token_of_a_vanished_user() {
    let app = authenticating(None, Ok(claims(&carol(), 0))).await;

    assert_err!(
        app.authenticate("access", Access::Write)
            .await
            .map(|a| a.user),
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_reports_an_unavailable_store_as_unavailable() {
    let mut h = Harness::default();
    expect_access_token(&mut h, Ok(claims(&carol(), 0)));
    h.users
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::Unavailable("pool timeout".to_owned())));
    let app = h.build();

    assert_err!(
        app.authenticate("access", Access::Write).await.map(|a| a.user),
        AppError::Unavailable(m) if m == "pool timeout"
    );
}

// ---- change_password ---------------------------------------------------------------------

fn expect_password_hash(h: &mut Harness, user: &User) {
    h.users
        .expect_password_hash()
        .with(eq(user.id))
        .times(1)
        .returning(|_| Ok("old-hash".to_owned()));
}

/// The old password is checked on the signed-in share of the hashing threads, against `hash`.
fn expect_verify_signed_in(h: &mut Harness, password: &'static str, hash: &'static str, ok: bool) {
    h.hasher.expect_verify().never();
    h.hasher
        .expect_verify_signed_in()
        .withf(move |p: &Password, stored: &String| p.expose() == password && stored == hash)
        .times(1)
        .returning(move |_, _| Ok(ok));
}

fn expect_no_password_change(h: &mut Harness) {
    h.hasher.expect_hash().never();
    h.users.expect_set_password().never();
    h.sessions.expect_revoke_user().never();
    expect_no_session(h);
}

#[tokio::test]
async fn change_password_bumps_the_epoch_revokes_sessions_and_signs_in_again() {
    let mut h = Harness::default();
    let user = User {
        token_epoch: 4,
        ..carol()
    };
    expect_password_hash(&mut h, &user);
    expect_verify_signed_in(&mut h, "old secret pass", "old-hash", true);
    expect_hash(&mut h, "brand new secret", "new-hash");
    let mut seq = Sequence::new();
    // The store increments the epoch itself and says where it landed: 7, not 4 + 1, because
    // an admin revoked the user's tokens twice since `user` was read.
    h.users
        .expect_set_password()
        .with(eq(user.id), eq("new-hash"), mockall::predicate::always())
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(7));
    h.sessions
        .expect_revoke_user()
        .with(eq(user.id), eq(None::<FamilyId>), eq(now()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(()));
    expect_session_start(&mut h, user.id, 1, 2, 7);
    let app = h.build();

    let session = app
        .change_password(
            &Authenticated::session(user.clone()),
            Password::new("old secret pass"),
            Password::new("brand new secret"),
        )
        .await
        .unwrap();

    assert_eq!(
        session.user,
        User {
            token_epoch: 7,
            ..user
        }
    );
    assert_eq!(session.refresh_token, "new-refresh");
}

#[tokio::test]
async fn change_password_on_the_store_ends_the_other_sessions_and_keeps_the_new_one() {
    // `user` is the caller as read when the request came in; an admin revoked their tokens
    // twice since, so the store is at epoch 6 and the change lands at 7.
    let user = User {
        token_epoch: 4,
        ..carol()
    };
    let stored = User {
        token_epoch: 6,
        ..user.clone()
    };
    let sessions = [
        session_n(&user, 1, 1),
        session_n(&user, 2, 2),
        session_n(&dave(), 3, 3),
    ];
    let store = store_of(&[&stored, &dave()], &sessions).await;
    let mut h = Harness::default();
    expect_verify_signed_in(&mut h, "old secret pass", "hash-of-carol", true);
    expect_hash(&mut h, "brand new secret", "new-hash");
    expect_session_tokens(&mut h, user.id, 7);
    let app = h.build_on(&store);

    let session_now = app
        .change_password(
            &Authenticated::session(user.clone()),
            Password::new("old secret pass"),
            Password::new("brand new secret"),
        )
        .await
        .unwrap();

    assert_eq!(
        session_now.user,
        User {
            token_epoch: 7,
            ..user.clone()
        }
    );
    assert_eq!(
        UserRepository::get(&store, user.id)
            .await
            .unwrap()
            .token_epoch,
        7
    );
    assert_eq!(
        UserRepository::password_hash(&store, user.id)
            .await
            .unwrap(),
        "new-hash"
    );
    for (hash, revoked) in [("hash-1", true), ("hash-2", true), ("hash-3", false)] {
        let found = session(&store, hash).await;
        assert_eq!(found.revoked_at, revoked.then(now), "{hash}");
    }
    // Started after the others ended: live.
    assert_eq!(
        new_session(&store).await,
        Some(started_session(user.id, 1, 2))
    );
}

#[tokio::test]
async fn change_password_with_a_wrong_old_password_changes_nothing() {
    let mut h = Harness::default();
    let user = carol();
    expect_password_hash(&mut h, &user);
    expect_verify_signed_in(&mut h, "not my password", "old-hash", false);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &Authenticated::session(user.clone()),
            Password::new("not my password"),
            Password::new("brand new secret"),
        )
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "old_password",
        &["is not your current password"],
    ));
}

#[tokio::test]
async fn change_password_applies_the_policy_to_the_new_password() {
    let mut h = Harness::default();
    let user = carol();
    expect_password_hash(&mut h, &user);
    expect_verify_signed_in(&mut h, "old secret pass", "old-hash", true);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &Authenticated::session(user.clone()),
            Password::new("old secret pass"),
            Password::new("Carol!!!2"),
        )
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "new_password",
        &["is too similar to the username or email"],
    ));
}

#[tokio::test]
async fn change_password_refuses_the_same_password() {
    let mut h = Harness::default();
    let user = carol();
    expect_password_hash(&mut h, &user);
    expect_verify_signed_in(&mut h, "old secret pass", "old-hash", true);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &Authenticated::session(user.clone()),
            Password::new("old secret pass"),
            Password::new("old secret pass"),
        )
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "new_password",
        &["must differ from the current password"],
    ));
}

// ---- end_sessions --------------------------------------------------------------------------

#[tokio::test]
async fn end_sessions_moves_the_epoch_and_revokes_every_session() {
    let mut h = Harness::default();
    let user = carol();
    let mut seq = Sequence::new();
    let stored = User {
        token_epoch: user.token_epoch + 1,
        ..user.clone()
    };
    h.users
        .expect_update_access()
        .with(
            eq(user.id),
            eq(AccessChange {
                role: None,
                is_active: None,
                revoke_tokens: true,
            }),
            // Not an administrator's act: no audit entry.
            mockall::predicate::function(|audit: &[ticketing_app::AuditEntry]| audit.is_empty()),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(move |_, _, _| Ok(AccessOutcome::Updated(stored.clone())));
    h.sessions
        .expect_revoke_user()
        .with(eq(user.id), eq(None::<FamilyId>), eq(now()))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _| Ok(()));
    let app = h.build();

    app.end_sessions(user.id).await.unwrap();
}
