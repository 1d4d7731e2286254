//! register, login, refresh, logout, authenticate, change_password.

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{IssuedToken, RefreshSession};
use ticketing_app::{
    AppError, AuthFailure, AuthSession, CryptoError, LoginInput, RegisterInput, RepoError,
};
use ticketing_domain::{
    Email, FamilyId, LoginName, Password, PersonName, Role, SessionId, User, UserId, Username,
};

use crate::support::{Harness, carol, field_errors, gen_id, now};

pub fn access_token() -> IssuedToken {
    IssuedToken {
        token: "access-token".to_owned(),
        expires_at: now() + Duration::minutes(15),
    }
}

/// Expects a session to start for `user_id` (with `token_epoch`): a fresh refresh token stored
/// as session `gen_id(session)` of family `gen_id(family)`, and an access token.
pub fn expect_session_start(
    h: &mut Harness,
    user_id: UserId,
    session: u128,
    family: u128,
    token_epoch: i64,
) {
    h.tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| ("new-refresh".to_owned(), "new-refresh-hash".to_owned()));
    let expected = RefreshSession {
        id: SessionId::from_uuid(gen_id(session)),
        family: FamilyId::from_uuid(gen_id(family)),
        user_id,
        token_hash: "new-refresh-hash".to_owned(),
        created_at: now(),
        expires_at: now() + Duration::days(7),
        rotated_at: None,
        revoked_at: None,
    };
    h.sessions
        .expect_create()
        .withf(move |s: &RefreshSession| *s == expected)
        .times(1)
        .returning(|_| Ok(()));
    h.tokens
        .expect_issue_access()
        .withf(move |u: &User, at| u.id == user_id && u.token_epoch == token_epoch && *at == now())
        .times(1)
        .returning(|_, _| Ok(access_token()));
}

/// Expects no session to start and no token to be issued.
pub fn expect_no_session(h: &mut Harness) {
    h.sessions.expect_create().never();
    h.tokens.expect_new_refresh_token().never();
    h.tokens.expect_issue_access().never();
}

fn registration(email: &str, username: Option<&str>, password: &str) -> RegisterInput {
    RegisterInput {
        email: Email::parse(email).unwrap(),
        username: username.map(|u| Username::parse(u).unwrap()),
        password: Password::new(password),
        first_name: PersonName::parse("Jane").unwrap(),
        last_name: PersonName::parse("Doe").unwrap(),
    }
}

pub fn expect_hash(h: &mut Harness, password: &'static str, hash: &'static str) {
    h.hasher
        .expect_hash()
        .withf(move |p: &Password| p.expose() == password)
        .times(1)
        .returning(move |_| Ok(hash.to_owned()));
}

// ---- register ----------------------------------------------------------------------------

#[tokio::test]
async fn register_derives_the_username_from_the_email_and_signs_in() {
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    let uid = UserId::from_uuid(gen_id(1));
    h.users
        .expect_insert()
        .withf(move |u: &User, hash: &str, _: &[_]| {
            u.id == uid
                && u.username.as_str() == "Jane.Doe+x"
                && u.email.as_str() == "Jane.Doe+x@Example.com"
                && u.role == Role::Customer
                && u.is_active
                && u.token_epoch == 0
                && u.date_joined == now()
                && hash == "argon-hash"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    expect_session_start(&mut h, uid, 2, 3, 0);
    let app = h.build();

    let session = app
        .register(registration(
            "Jane.Doe+x@Example.com",
            None,
            "correct horse battery",
        ))
        .await
        .unwrap();

    assert_eq!(session.user.username.as_str(), "Jane.Doe+x");
    assert_eq!(
        session,
        AuthSession {
            user: User {
                id: uid,
                username: Username::parse("Jane.Doe+x").unwrap(),
                email: Email::parse("Jane.Doe+x@Example.com").unwrap(),
                first_name: PersonName::parse("Jane").unwrap(),
                last_name: PersonName::parse("Doe").unwrap(),
                role: Role::Customer,
                is_active: true,
                token_epoch: 0,
                date_joined: now(),
                last_login: Some(now()),
            },
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
}

#[tokio::test]
async fn register_retries_a_taken_derived_username_with_a_suffix() {
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    h.users
        .expect_insert()
        .withf(|u: &User, _: &str, _: &[_]| u.username.as_str() == "jane")
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "username" }));
    // The suffix comes from the next id: gen_id(2) % 9000 + 1000.
    h.users
        .expect_insert()
        .withf(|u: &User, _: &str, _: &[_]| {
            u.username.as_str() == "jane1002" && u.id == UserId::from_uuid(gen_id(1))
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    expect_session_start(&mut h, UserId::from_uuid(gen_id(1)), 3, 4, 0);
    let app = h.build();

    let session = app
        .register(registration(
            "jane@example.com",
            None,
            "correct horse battery",
        ))
        .await
        .unwrap();

    assert_eq!(session.user.username.as_str(), "jane1002");
}

#[tokio::test]
async fn register_gives_up_on_derived_usernames_after_six_retries() {
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    h.users
        .expect_insert()
        .times(7)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "username" }));
    expect_no_session(&mut h);
    let app = h.build();

    let result = app
        .register(registration(
            "jane@example.com",
            None,
            "correct horse battery",
        ))
        .await;

    assert_err!(
        result,
        AppError::Conflict {
            field: Some("username"),
            ..
        }
    );
}

#[tokio::test]
async fn register_does_not_retry_an_explicitly_chosen_username() {
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    h.users
        .expect_insert()
        .withf(|u: &User, _: &str, _: &[_]| u.username.as_str() == "janed")
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "username" }));
    expect_no_session(&mut h);
    let app = h.build();

    let result = app
        .register(registration(
            "jane@example.com",
            Some("janed"),
            "correct horse battery",
        ))
        .await;

    assert_err!(result, AppError::Conflict { field: Some("username"), message } if message == "username is already taken");
}

#[tokio::test]
async fn register_returns_conflict_for_a_taken_email() {
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    h.users
        .expect_insert()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "email" }));
    expect_no_session(&mut h);
    let app = h.build();

    let result = app
        .register(registration(
            "jane@example.com",
            None,
            "correct horse battery",
        ))
        .await;

    assert_err!(result, AppError::Conflict { field: Some("email"), message } if message == "email is already taken");
}

#[tokio::test]
async fn register_refuses_a_weak_password_before_hashing() {
    let mut h = Harness::default();
    h.hasher.expect_hash().never();
    h.users.expect_insert().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app
        .register(registration("jane@example.com", None, "12345678"))
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "password",
        &["must not be entirely numeric", "is too common"],
    ));
}

#[tokio::test]
async fn register_refuses_a_password_like_the_derived_username() {
    let mut h = Harness::default();
    h.hasher.expect_hash().never();
    h.users.expect_insert().never();
    let app = h.build();

    let result = app
        .register(registration("jane.doe@example.com", None, "Jane.Doe2024"))
        .await;

    assert_err!(result, AppError::Validation(errors) if errors == field_errors(
        "password",
        &["is too similar to the username or email"],
    ));
}

// ---- login -------------------------------------------------------------------------------

fn login_as(name: &str, password: &str) -> LoginInput {
    LoginInput {
        login: LoginName::parse(name).unwrap(),
        password: Password::new(password),
    }
}

fn expect_credentials(h: &mut Harness, login: LoginName, found: Option<User>) {
    h.users
        .expect_find_credentials()
        .with(eq(login))
        .times(1)
        .returning(move |_| Ok(found.clone().map(|u| (u, "stored-hash".to_owned()))));
}

pub fn expect_verify(
    h: &mut Harness,
    password: &'static str,
    hash: Option<&'static str>,
    ok: bool,
) {
    h.hasher
        .expect_verify()
        .withf(move |p: &Password, stored: &Option<String>| {
            p.expose() == password && stored.as_deref() == hash
        })
        .times(1)
        .returning(move |_, _| Ok(ok));
}

#[tokio::test]
async fn login_with_the_right_password_records_the_login_and_starts_a_session() {
    let mut h = Harness::default();
    let carol = carol();
    expect_credentials(
        &mut h,
        LoginName::Username(Username::parse("carol").unwrap()),
        Some(carol.clone()),
    );
    expect_verify(&mut h, "s3cret pass", Some("stored-hash"), true);
    h.users
        .expect_record_login()
        .with(eq(carol.id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    expect_session_start(&mut h, carol.id, 1, 2, 0);
    let app = h.build();

    let session = app.login(login_as("carol", "s3cret pass")).await.unwrap();

    assert_eq!(
        session,
        AuthSession {
            user: User {
                last_login: Some(now()),
                ..carol
            },
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
}

#[tokio::test]
async fn login_by_email_looks_the_user_up_by_email() {
    let mut h = Harness::default();
    let carol = carol();
    expect_credentials(
        &mut h,
        LoginName::Email(Email::parse("carol@example.com").unwrap()),
        Some(carol.clone()),
    );
    expect_verify(&mut h, "s3cret pass", Some("stored-hash"), true);
    h.users
        .expect_record_login()
        .with(eq(carol.id), eq(now()))
        .times(1)
        .returning(|_, _| Ok(()));
    expect_session_start(&mut h, carol.id, 1, 2, 0);
    let app = h.build();

    let session = app
        .login(login_as("Carol@Example.com", "s3cret pass"))
        .await
        .unwrap();

    assert_eq!(session.user.id, carol.id);
}

#[tokio::test]
async fn login_with_a_wrong_password_creates_no_session() {
    let mut h = Harness::default();
    expect_credentials(
        &mut h,
        LoginName::Username(Username::parse("carol").unwrap()),
        Some(carol()),
    );
    expect_verify(&mut h, "wrong pass", Some("stored-hash"), false);
    h.users.expect_record_login().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app.login(login_as("carol", "wrong pass")).await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_of_an_unknown_user_still_verifies_against_a_dummy_hash() {
    let mut h = Harness::default();
    expect_credentials(
        &mut h,
        LoginName::Username(Username::parse("nobody").unwrap()),
        None,
    );
    expect_verify(&mut h, "s3cret pass", None, false);
    h.users.expect_record_login().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app.login(login_as("nobody", "s3cret pass")).await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_of_an_inactive_user_is_refused_after_verifying() {
    let mut h = Harness::default();
    expect_credentials(
        &mut h,
        LoginName::Username(Username::parse("carol").unwrap()),
        Some(User {
            is_active: false,
            ..carol()
        }),
    );
    expect_verify(&mut h, "s3cret pass", Some("stored-hash"), true);
    h.users.expect_record_login().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app.login(login_as("carol", "s3cret pass")).await;

    assert_err!(
        result,
        AppError::Unauthenticated(AuthFailure::InvalidCredentials)
    );
}

#[tokio::test]
async fn login_while_the_hasher_is_busy_is_unavailable() {
    let mut h = Harness::default();
    expect_credentials(
        &mut h,
        LoginName::Username(Username::parse("carol").unwrap()),
        Some(carol()),
    );
    h.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Err(CryptoError::Busy));
    h.users.expect_record_login().never();
    expect_no_session(&mut h);
    let app = h.build();

    let result = app.login(login_as("carol", "s3cret pass")).await;

    assert_err!(result, AppError::Unavailable(_));
}
