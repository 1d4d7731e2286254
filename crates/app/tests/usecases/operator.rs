//! Operator commands (no actor): create_user, find_user, operator_update_user,
//! purge_expired_sessions.

use chrono::Duration;
use mockall::predicate::eq;
use ticketing_app::ports::{AccessChange, AccessOutcome};
use ticketing_app::{AppError, CreateUserInput, RepoError, UserUpdate};
use ticketing_domain::{
    Email, FamilyId, LoginName, Password, PersonName, Role, User, UserId, Username,
};

use crate::support::{Harness, field_errors, gen_id, now, root};

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
        token_epoch: 0,
        date_joined: now(),
        last_login: None,
    }
}

#[tokio::test]
async fn create_user_hashes_the_password_and_stores_the_account_with_its_role() {
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .withf(|p: &Password| p.expose() == "long enough secret")
        .times(1)
        .returning(|_| Ok("argon-hash".to_owned()));
    let expected = created_admin();
    h.users
        .expect_insert()
        .withf(move |u: &User, hash: &str, _: &[_]| *u == expected && hash == "argon-hash")
        .times(1)
        .returning(|_, _, _| Ok(()));
    h.sessions.expect_create().never();
    let app = h.build();

    let user = app
        .create_user(new_admin("long enough secret"))
        .await
        .unwrap();

    assert_eq!(user, created_admin());
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
    let mut h = Harness::default();
    h.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok("argon-hash".to_owned()));
    h.users
        .expect_insert()
        .times(1)
        .returning(|_, _, _| Err(RepoError::Conflict { field: "username" }));
    let app = h.build();

    assert_err!(
        app.create_user(new_admin("long enough secret")).await,
        AppError::Conflict {
            field: Some("username"),
            ..
        }
    );
}

#[tokio::test]
async fn find_user_looks_up_by_login_name() {
    let mut h = Harness::default();
    let login = LoginName::parse("root@example.com").unwrap();
    h.users
        .expect_find_credentials()
        .with(eq(login.clone()))
        .times(1)
        .returning(|_| Ok(Some((root(), "stored-hash".to_owned()))));
    h.users
        .expect_find_credentials()
        .with(eq(LoginName::parse("nobody").unwrap()))
        .times(1)
        .returning(|_| Ok(None));
    h.hasher.expect_verify().never();
    let app = h.build();

    assert_eq!(app.find_user(&login).await.unwrap(), root());
    assert_err!(
        app.find_user(&LoginName::parse("nobody").unwrap()).await,
        AppError::NotFound("user")
    );
}

#[tokio::test]
async fn operator_update_user_deactivates_with_the_same_rules_as_an_admin() {
    let mut h = Harness::default();
    let root = root();
    let r = root.clone();
    h.users
        .expect_get()
        .with(eq(root.id))
        .times(1)
        .returning(move |_| Ok(r.clone()));
    let expected = User {
        is_active: false,
        token_epoch: 1,
        ..root.clone()
    };
    let e = expected.clone();
    h.users
        .expect_update_access()
        .with(
            eq(root.id),
            eq(AccessChange {
                role: None,
                is_active: Some(false),
                revoke_tokens: true,
            }),
            mockall::predicate::always(),
        )
        .times(1)
        .returning(move |_, _, _| Ok(AccessOutcome::Updated(e.clone())));
    h.sessions
        .expect_revoke_user()
        .with(eq(root.id), eq(None::<FamilyId>), eq(now()))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let app = h.build();

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
}

#[tokio::test]
async fn operator_update_user_keeps_the_last_active_admin() {
    let mut h = Harness::default();
    let root = root();
    let r = root.clone();
    h.users
        .expect_get()
        .times(1)
        .returning(move |_| Ok(r.clone()));
    h.users
        .expect_update_access()
        .times(1)
        .returning(|_, _, _| Ok(AccessOutcome::LastAdmin));
    h.sessions.expect_revoke_user().never();
    let app = h.build();

    let result = app
        .operator_update_user(
            root.id,
            UserUpdate {
                role: Some(Role::Agent),
                is_active: None,
            },
        )
        .await;

    assert_err!(result, AppError::Conflict { field: None, .. });
}

#[tokio::test]
async fn purge_expired_sessions_deletes_sessions_expired_over_a_day_ago() {
    let mut h = Harness::default();
    h.sessions
        .expect_purge_expired()
        .with(eq(now() - Duration::days(1)))
        .times(1)
        .returning(|_| Ok(3));
    let app = h.build();

    assert_eq!(app.purge_expired_sessions().await.unwrap(), 3);
}
