//! register, login. Outcomes on the fake store (`MemoryStore`: unique usernames and emails,
//! stored sessions) with the hasher and the token service mocked; refusals that must write
//! nothing and injected failures on the mocks.

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{IssuedToken, RefreshSession, SessionRepository, UserRepository};
use ticketing_app::{
    AppError, AuthFailure, AuthSession, CryptoError, LoginInput, RegisterInput, RepoError,
};
use ticketing_domain::{
    Email, FamilyId, LoginName, Password, PersonName, Role, SessionId, User, UserId, Username,
};

use ticketing_app::testing::{Harness, carol, field_errors, gen_id, now, seed};
use ticketing_store_contract::MemoryStore;

pub fn access_token() -> IssuedToken {
    IssuedToken {
        token: "access-token".to_owned(),
        expires_at: now() + Duration::minutes(15),
    }
}

/// The session a start stores for `user_id`: the refresh token `new-refresh` (hashed
/// `new-refresh-hash`) as session `gen_id(session)` of family `gen_id(family)`.
pub fn started_session(user_id: UserId, session: u128, family: u128) -> RefreshSession {
    RefreshSession {
        id: SessionId::from_uuid(gen_id(session)),
        family: FamilyId::from_uuid(gen_id(family)),
        user_id,
        token_hash: "new-refresh-hash".to_owned(),
        created_at: now(),
        expires_at: now() + Duration::days(7),
        rotated_at: None,
        revoked_at: None,
    }
}

/// Expects the tokens of a session start for `user_id` (with `token_epoch`): a fresh refresh
/// token and an access token.
pub fn expect_session_tokens(h: &mut Harness, user_id: UserId, token_epoch: i64) {
    h.tokens
        .expect_new_refresh_token()
        .times(1)
        .returning(|| ("new-refresh".to_owned(), "new-refresh-hash".to_owned()));
    h.tokens
        .expect_issue_access()
        .withf(move |u: &User, at| u.id == user_id && u.token_epoch == token_epoch && *at == now())
        .times(1)
        .returning(|_, _| Ok(access_token()));
}

/// Expects a session to start for `user_id` (with `token_epoch`), stored in the session mock
/// as [`started_session`].
pub fn expect_session_start(
    h: &mut Harness,
    user_id: UserId,
    session: u128,
    family: u128,
    token_epoch: i64,
) {
    expect_session_tokens(h, user_id, token_epoch);
    let expected = started_session(user_id, session, family);
    h.sessions
        .expect_create()
        .withf(move |s: &RefreshSession| *s == expected)
        .times(1)
        .returning(|_| Ok(()));
}

/// The session stored under `new-refresh-hash`, if any.
pub async fn new_session(store: &MemoryStore) -> Option<RefreshSession> {
    SessionRepository::find_by_hash(store, "new-refresh-hash")
        .await
        .unwrap()
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

/// Someone already registered: username `jane`, email `someone@example.com`.
fn jane() -> User {
    User {
        id: UserId::from_uuid(uuid::Uuid::from_u128(0x1A_0001)),
        username: Username::parse("jane").unwrap(),
        email: Email::parse("someone@example.com").unwrap(),
        ..carol()
    }
}

#[tokio::test]
async fn register_derives_the_username_from_the_email_and_signs_in() {
    let store = MemoryStore::new();
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    let uid = UserId::from_uuid(gen_id(1));
    expect_session_tokens(&mut h, uid, 0);
    let app = h.build_on(&store);

    let session = app
        .register(registration(
            "Jane.Doe+x@Example.com",
            None,
            "correct horse battery",
        ))
        .await
        .unwrap();

    let user = User {
        id: uid,
        username: Username::parse("Jane.Doe+x").unwrap(),
        email: Email::parse("Jane.Doe+x@Example.com").unwrap(),
        first_name: PersonName::parse("Jane").unwrap(),
        last_name: PersonName::parse("Doe").unwrap(),
        role: Role::Customer,
        is_active: true,
        must_change_password: false,
        token_epoch: 0,
        date_joined: now(),
        last_login: Some(now()),
    };
    assert_eq!(
        session,
        AuthSession {
            user: user.clone(),
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
    // Stored with its hash, and signed in.
    assert_eq!(UserRepository::get(&store, uid).await.unwrap(), user);
    assert_eq!(
        UserRepository::password_hash(&store, uid).await.unwrap(),
        "argon-hash"
    );
    assert_eq!(new_session(&store).await, Some(started_session(uid, 2, 3)));
}

#[tokio::test]
async fn register_retries_a_taken_derived_username_with_a_suffix() {
    let store = MemoryStore::new();
    seed::users(&store, &[&jane()]).await;
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    let uid = UserId::from_uuid(gen_id(1));
    expect_session_tokens(&mut h, uid, 0);
    let app = h.build_on(&store);

    let session = app
        .register(registration(
            "jane@example.com",
            None,
            "correct horse battery",
        ))
        .await
        .unwrap();

    // The suffix comes from the next id: gen_id(2) % 9000 + 1000.
    assert_eq!(session.user.username.as_str(), "jane1002");
    let stored = UserRepository::get(&store, uid).await.unwrap();
    assert_eq!(stored.username.as_str(), "jane1002");
    assert_eq!(new_session(&store).await, Some(started_session(uid, 3, 4)));
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
    let store = MemoryStore::new();
    seed::users(&store, &[&jane()]).await;
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    expect_no_session(&mut h);
    let app = h.build_on(&store);

    let result = app
        .register(registration(
            "jane@example.com",
            Some("JANE"),
            "correct horse battery",
        ))
        .await;

    assert_err!(result, AppError::Conflict { field: Some("username"), message } if message == "username is already taken");
    let email = LoginName::Email(Email::parse("jane@example.com").unwrap());
    assert_eq!(
        UserRepository::find_credentials(&store, &email)
            .await
            .unwrap(),
        None
    );
    assert_eq!(new_session(&store).await, None);
}

#[tokio::test]
async fn register_returns_conflict_for_a_taken_email() {
    let store = MemoryStore::new();
    seed::users(&store, &[&jane()]).await;
    let mut h = Harness::default();
    expect_hash(&mut h, "correct horse battery", "argon-hash");
    expect_no_session(&mut h);
    let app = h.build_on(&store);

    let result = app
        .register(registration(
            "Someone@Example.com",
            None,
            "correct horse battery",
        ))
        .await;

    assert_err!(result, AppError::Conflict { field: Some("email"), message } if message == "email is already taken");
    let derived = LoginName::Username(Username::parse("Someone").unwrap());
    assert_eq!(
        UserRepository::find_credentials(&store, &derived)
            .await
            .unwrap(),
        None
    );
    assert_eq!(new_session(&store).await, None);
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
    let carol = carol();
    let store = MemoryStore::new();
    seed::users(&store, &[&carol]).await;
    let mut h = Harness::default();
    expect_verify(&mut h, "s3cret pass", Some("hash-of-carol"), true);
    expect_session_tokens(&mut h, carol.id, 0);
    let app = h.build_on(&store);

    let session = app.login(login_as("carol", "s3cret pass")).await.unwrap();

    let user = User {
        last_login: Some(now()),
        ..carol.clone()
    };
    assert_eq!(
        session,
        AuthSession {
            user: user.clone(),
            access: access_token(),
            refresh_token: "new-refresh".to_owned(),
            refresh_expires_at: now() + Duration::days(7),
        }
    );
    assert_eq!(UserRepository::get(&store, carol.id).await.unwrap(), user);
    assert_eq!(
        new_session(&store).await,
        Some(started_session(carol.id, 1, 2))
    );
}

#[tokio::test]
async fn login_by_email_looks_the_user_up_by_email() {
    let carol = carol();
    let store = MemoryStore::new();
    seed::users(&store, &[&carol, &jane()]).await;
    let mut h = Harness::default();
    expect_verify(&mut h, "s3cret pass", Some("hash-of-carol"), true);
    expect_session_tokens(&mut h, carol.id, 0);
    let app = h.build_on(&store);

    let session = app
        .login(login_as("Carol@Example.com", "s3cret pass"))
        .await
        .unwrap();

    assert_eq!(session.user.id, carol.id);
    assert_eq!(
        new_session(&store).await,
        Some(started_session(carol.id, 1, 2))
    );
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
