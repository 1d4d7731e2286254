//! refresh, logout, authenticate, change_password.

use chrono::Duration;
use mockall::Sequence;
use mockall::predicate::eq;
use ticketing_app::ports::{AccessClaims, RefreshSession};
use ticketing_app::{AppError, AuthFailure, AuthSession, RepoError, TokenError};
use ticketing_domain::{FamilyId, Password, Role, SessionId, User};
use uuid::Uuid;

use crate::auth::{
    access_token, expect_hash, expect_no_session, expect_session_start, expect_verify,
};
use crate::support::{Harness, carol, earlier, field_errors, gen_id, now};

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
    let mut h = Harness::default();
    let carol = carol();
    let old = live_session(&carol);
    expect_presented(&mut h, Some(old.clone()));
    let c = carol.clone();
    h.users
        .expect_get()
        .with(eq(carol.id))
        .times(1)
        .returning(move |_| Ok(c.clone()));
    h.tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| ("new-refresh".to_owned(), "new-refresh-hash".to_owned()));
    let expected_new = RefreshSession {
        id: SessionId::from_uuid(gen_id(1)),
        family: old.family,
        user_id: carol.id,
        token_hash: "new-refresh-hash".to_owned(),
        created_at: now(),
        expires_at: now() + Duration::days(7),
        rotated_at: None,
        revoked_at: None,
    };
    let old_id = old.id;
    h.sessions
        .expect_rotate()
        .withf(move |o, new: &RefreshSession, at| {
            *o == old_id && *new == expected_new && *at == now()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    h.sessions.expect_revoke_family().never();
    h.sessions.expect_create().never();
    let uid = carol.id;
    h.tokens
        .expect_issue_access()
        .withf(move |u: &User, at| u.id == uid && *at == now())
        .times(1)
        .returning(|_, _| Ok(access_token()));
    let app = h.build();

    let session = app.refresh("old-token").await.unwrap();

    assert_eq!(
        session,
        AuthSession {
            user: carol,
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
}

#[tokio::test]
async fn refresh_with_a_rotated_token_revokes_the_whole_family() {
    let mut h = Harness::default();
    let old = RefreshSession {
        rotated_at: Some(earlier()),
        ..live_session(&carol())
    };
    expect_presented(&mut h, Some(old.clone()));
    h.sessions
        .expect_revoke_family()
        .with(eq(old.family), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    h.sessions.expect_rotate().never();
    h.users.expect_get().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app.refresh("old-token").await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::RefreshReused)
    );
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
    let mut h = Harness::default();
    let carol = User {
        is_active: false,
        ..carol()
    };
    let old = live_session(&carol);
    expect_presented(&mut h, Some(old.clone()));
    h.users
        .expect_get()
        .with(eq(carol.id))
        .times(1)
        .returning(move |_| Ok(carol.clone()));
    h.sessions
        .expect_revoke_family()
        .with(eq(old.family), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    h.sessions.expect_rotate().never();
    expect_no_session(&mut h);
    let app = h.build();

    assert_err!(
        app.refresh("old-token").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

// ---- logout ------------------------------------------------------------------------------

#[tokio::test]
async fn logout_revokes_the_family_of_the_presented_token() {
    let mut h = Harness::default();
    let old = live_session(&carol());
    expect_presented(&mut h, Some(old.clone()));
    h.sessions
        .expect_revoke_family()
        .with(eq(old.family), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    let app = h.build();

    app.logout(Some("old-token")).await.unwrap();
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

fn expect_user(h: &mut Harness, user: User) {
    h.users
        .expect_get()
        .with(eq(user.id))
        .times(1)
        .returning(move |_| Ok(user.clone()));
}

#[tokio::test]
async fn authenticate_returns_the_stored_user_with_the_current_role() {
    let mut h = Harness::default();
    let promoted = User {
        role: Role::Agent,
        token_epoch: 2,
        ..carol()
    };
    expect_access_token(&mut h, Ok(claims(&promoted, 2)));
    expect_user(&mut h, promoted.clone());
    let app = h.build();

    let user = app.authenticate("access").await.unwrap();

    assert_eq!(user, promoted);
}

#[tokio::test]
async fn authenticate_refuses_a_token_of_an_older_epoch() {
    let mut h = Harness::default();
    let user = User {
        token_epoch: 3,
        ..carol()
    };
    expect_access_token(&mut h, Ok(claims(&user, 2)));
    expect_user(&mut h, user);
    let app = h.build();

    assert_err!(
        app.authenticate("access").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_refuses_an_inactive_user() {
    let mut h = Harness::default();
    let user = User {
        is_active: false,
        ..carol()
    };
    expect_access_token(&mut h, Ok(claims(&user, 0)));
    expect_user(&mut h, user);
    let app = h.build();

    assert_err!(
        app.authenticate("access").await,
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
        app.authenticate("access").await,
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
        app.authenticate("access").await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn authenticate_refuses_a_token_of_a_vanished_user() {
    let mut h = Harness::default();
    expect_access_token(&mut h, Ok(claims(&carol(), 0)));
    h.users
        .expect_get()
        .times(1)
        .returning(|_| Err(RepoError::NotFound));
    let app = h.build();

    assert_err!(
        app.authenticate("access").await,
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
        app.authenticate("access").await,
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
    expect_verify(&mut h, "old secret pass", Some("old-hash"), true);
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
            &user,
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
async fn change_password_with_a_wrong_old_password_changes_nothing() {
    let mut h = Harness::default();
    let user = carol();
    expect_password_hash(&mut h, &user);
    expect_verify(&mut h, "not my password", Some("old-hash"), false);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &user,
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
    expect_verify(&mut h, "old secret pass", Some("old-hash"), true);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &user,
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
    expect_verify(&mut h, "old secret pass", Some("old-hash"), true);
    expect_no_password_change(&mut h);
    let app = h.build();

    let result = app
        .change_password(
            &user,
            Password::new("old secret pass"),
            Password::new("old secret pass"),
        )
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "new_password",
        &["must differ from the current password"],
    ));
}
