//! api_tokens, create_api_token, revoke_api_token, operator_create_api_token, and
//! authenticate with an API token. Outcomes on the fake store (`MemoryStore`, which keeps the
//! limit, unique names and the deletion of a user's tokens with a password or role change); the
//! writes that must not happen on the mocks.

use chrono::Duration;
use ticketing_app::ports::{ApiTokenRepository, AuditRepository, UserRepository};
use ticketing_app::testing::{Harness, alice, carol, dave, now, seed};
use ticketing_app::{
    AppError, AuditAction, AuditActor, AuditQuery, AuthFailure, Authenticated, NewApiToken,
    RepoError, UserUpdate,
};
use ticketing_domain::listing::Limit;
use ticketing_domain::{
    Access, ApiToken, ApiTokenId, ChangeError, Credential, ExpiryDays, MAX_TOKENS_PER_USER,
    Password, Refusal, Role, Rule, TokenName, TokenScope, User,
};
use ticketing_store_contract::MemoryStore;
use uuid::Uuid;

/// A fake store with these users.
async fn store_of(users: &[&User]) -> MemoryStore {
    let store = MemoryStore::new();
    seed::users(&store, users).await;
    store
}

/// The token service makes the secrets `tkt_secret-1`, `tkt_secret-2`, … and hashes any
/// secret `s` to `hash:s`.
fn token_service(h: &mut Harness) {
    let mut n = 0;
    h.tokens.expect_new_api_token().returning(move || {
        n += 1;
        let secret = format!("tkt_secret-{n}");
        let hash = format!("hash:{secret}");
        (secret, hash)
    });
    h.tokens
        .expect_hash_api_token()
        .returning(|s| format!("hash:{s}"));
}

fn input(name: &str, scope: TokenScope, days: Option<i64>) -> NewApiToken {
    NewApiToken {
        name: TokenName::parse(name).unwrap(),
        scope,
        expires_in: days.map(|d| ExpiryDays::parse(d).unwrap()),
    }
}

fn signed_in(user: &User) -> Authenticated {
    Authenticated::session(user.clone())
}

fn with_token(user: &User, scope: TokenScope) -> Authenticated {
    Authenticated {
        user: user.clone(),
        credential: Credential::ApiToken {
            id: ApiTokenId::from_uuid(Uuid::from_u128(0x70_0001)),
            scope,
        },
    }
}

async fn audit_of(store: &MemoryStore) -> Vec<(AuditActor, AuditAction, String)> {
    let q = AuditQuery {
        limit: Limit::new(200).unwrap(),
        ..AuditQuery::default()
    };
    AuditRepository::list(store, &q)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| (e.actor, e.action, e.details))
        .collect()
}

fn forbidden(rule: Rule) -> impl Fn(&AppError) -> bool {
    move |e| matches!(e, AppError::Domain(ChangeError::Refused(Refusal::Forbidden(r))) if *r == rule)
}

// ---- create, list, revoke ----------------------------------------------------------------

#[tokio::test]
async fn a_created_token_records_its_owner_is_stored_as_a_hash_and_audited() {
    let carol = User {
        token_epoch: 4,
        ..carol()
    };
    let store = store_of(&[&carol]).await;
    let mut h = Harness::default();
    token_service(&mut h);
    let app = h.build_on(&store);

    let created = app
        .create_api_token(
            &signed_in(&carol),
            input("nightly", TokenScope::Write, Some(30)),
            Some("192.0.2.7".parse().unwrap()),
        )
        .await
        .unwrap();

    assert_eq!(created.secret, "tkt_secret-1");
    let t = &created.token;
    assert_eq!(
        (t.user_id, t.role, t.token_epoch, t.scope),
        (carol.id, Role::Customer, 4, TokenScope::Write)
    );
    assert_eq!(
        (t.created_at, t.expires_at, t.last_used_at),
        (now(), Some(now() + Duration::days(30)), None)
    );
    let stored = ApiTokenRepository::find_by_hash(&store, "hash:tkt_secret-1")
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), Some(t));
    assert!(
        !format!("{created:?}").contains("tkt_secret-1"),
        "Debug hides the secret"
    );
    let log = audit_of(&store).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0, AuditActor::of(&carol));
    assert_eq!(log[0].1, AuditAction::TokenCreated);
    assert!(
        log[0].2.contains("\"nightly\" (write, expires "),
        "{}",
        log[0].2
    );
    assert!(!log[0].2.contains("secret"));
    assert_eq!(
        app.api_tokens(&signed_in(&carol)).await.unwrap(),
        vec![t.clone()]
    );
}

#[tokio::test]
async fn an_api_token_cannot_list_create_or_revoke_tokens_and_nothing_is_touched() {
    let mut h = Harness::default();
    h.tokens.expect_new_api_token().never();
    h.api_tokens.expect_create().never();
    h.api_tokens.expect_list().never();
    h.api_tokens.expect_get().never();
    h.api_tokens.expect_delete().never();
    h.users.expect_password_hash().never();
    let app = h.build();
    for scope in TokenScope::ALL {
        let caller = with_token(&carol(), scope);
        let refused = forbidden(Rule::SignInRequired);
        let e = app.api_tokens(&caller).await.unwrap_err();
        assert!(refused(&e), "{e:?}");
        let e = app
            .create_api_token(&caller, input("minted", TokenScope::Write, None), None)
            .await
            .unwrap_err();
        assert!(refused(&e), "{e:?}");
        let e = app
            .revoke_api_token(&caller, ApiTokenId::from_uuid(Uuid::from_u128(1)), None)
            .await
            .unwrap_err();
        assert!(refused(&e), "{e:?}");
        let e = app
            .change_password(
                &caller,
                Password::new("old secret pass"),
                Password::new("brand new secret"),
            )
            .await
            .unwrap_err();
        assert!(refused(&e), "{e:?}");
    }
}

#[tokio::test]
async fn names_are_unique_per_user_and_the_number_of_tokens_is_limited() {
    let (carol, dave) = (carol(), dave());
    let store = store_of(&[&carol, &dave]).await;
    let mut h = Harness::default();
    token_service(&mut h);
    let app = h.build_on(&store);
    app.create_api_token(
        &signed_in(&carol),
        input("ci", TokenScope::Read, None),
        None,
    )
    .await
    .unwrap();

    assert_err!(
        app.create_api_token(
            &signed_in(&carol),
            input("ci", TokenScope::Write, None),
            None
        )
        .await,
        AppError::Conflict {
            field: Some("name"),
            ..
        }
    );
    app.create_api_token(&signed_in(&dave), input("ci", TokenScope::Read, None), None)
        .await
        .unwrap();
    for i in 1..MAX_TOKENS_PER_USER {
        app.create_api_token(
            &signed_in(&carol),
            input(&format!("t{i}"), TokenScope::Read, Some(1)),
            None,
        )
        .await
        .unwrap();
    }
    assert_err!(
        app.create_api_token(&signed_in(&carol), input("more", TokenScope::Read, None), None)
            .await,
        AppError::Conflict { field: None, message } if message.contains("50")
    );
    assert_eq!(
        app.api_tokens(&signed_in(&carol)).await.unwrap().len(),
        MAX_TOKENS_PER_USER
    );
    assert_eq!(
        audit_of(&store).await.len(),
        1 + 1 + 49,
        "refusals are not audited"
    );
}

#[tokio::test]
async fn revoking_deletes_the_token_and_is_audited_and_another_users_token_is_not_found() {
    let (carol, dave) = (carol(), dave());
    let store = store_of(&[&carol, &dave]).await;
    let mut h = Harness::default();
    token_service(&mut h);
    let app = h.build_on(&store);
    let created = app
        .create_api_token(
            &signed_in(&carol),
            input("ci", TokenScope::Read, None),
            None,
        )
        .await
        .unwrap();
    let id = created.token.id;

    assert_err!(
        app.revoke_api_token(&signed_in(&dave), id, None).await,
        AppError::NotFound("API token")
    );
    assert_eq!(audit_of(&store).await.len(), 1, "nothing audited");
    app.authenticate(&created.secret, Access::Read)
        .await
        .unwrap();

    app.revoke_api_token(&signed_in(&carol), id, None)
        .await
        .unwrap();

    assert!(app.api_tokens(&signed_in(&carol)).await.unwrap().is_empty());
    let log = audit_of(&store).await;
    assert_eq!(log[0].1, AuditAction::TokenRevoked);
    assert_eq!(log[0].2, "\"ci\" (read)");
    assert_err!(
        app.authenticate(&created.secret, Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
    assert_err!(
        app.revoke_api_token(&signed_in(&carol), id, None).await,
        AppError::NotFound("API token")
    );
}

#[tokio::test]
async fn the_operator_creates_tokens_for_active_users_only() {
    let gone = User {
        is_active: false,
        ..dave()
    };
    let carol = carol();
    let store = store_of(&[&carol, &gone]).await;
    let mut h = Harness::default();
    token_service(&mut h);
    let app = h.build_on(&store);

    let created = app
        .operator_create_api_token(carol.id, input("backup", TokenScope::Read, None))
        .await
        .unwrap();
    assert_eq!(created.token.user_id, carol.id);
    assert_eq!(audit_of(&store).await[0].0, AuditActor::Cli);
    assert!(audit_of(&store).await[0].2.contains("never expires"));
    assert_err!(
        app.operator_create_api_token(gone.id, input("backup", TokenScope::Read, None))
            .await,
        AppError::Conflict { field: None, .. }
    );
    assert_err!(
        app.operator_create_api_token(alice().id, input("backup", TokenScope::Read, None))
            .await,
        AppError::NotFound("user")
    );
}

// ---- authenticate --------------------------------------------------------------------------

/// A stored token of `owner` (created a day before `now()`).
async fn stored_token(
    store: &MemoryStore,
    owner: &User,
    scope: TokenScope,
    secret: &str,
) -> ApiToken {
    let token = ApiToken {
        created_at: now() - Duration::days(1),
        ..ApiToken::issue(
            ApiTokenId::from_uuid(Uuid::new_v4()),
            owner,
            TokenName::parse(secret).unwrap(),
            scope,
            None,
            now() - Duration::days(1),
        )
    };
    ApiTokenRepository::create(store, &token, &format!("hash:{secret}"), 50, &[])
        .await
        .unwrap();
    token
}

#[tokio::test]
async fn an_api_token_stands_for_its_owner_within_its_scope_and_its_use_is_recorded() {
    let alice = alice();
    let store = store_of(&[&alice]).await;
    let read = stored_token(&store, &alice, TokenScope::Read, "tkt_read").await;
    let mut h = Harness::default();
    token_service(&mut h);
    let app = h.build_on(&store);

    let who = app.authenticate("tkt_read", Access::Read).await.unwrap();
    assert_eq!(who.user, alice);
    assert_eq!(who.credential, read.credential());
    let used = ApiTokenRepository::get(&store, alice.id, read.id)
        .await
        .unwrap();
    assert_eq!(used.last_used_at, Some(now()));

    let e = app
        .authenticate("tkt_read", Access::Write)
        .await
        .unwrap_err();
    assert!(forbidden(Rule::ReadOnlyToken)(&e), "{e:?}");

    stored_token(&store, &alice, TokenScope::Write, "tkt_write").await;
    let who = app.authenticate("tkt_write", Access::Write).await.unwrap();
    assert!(matches!(
        who.credential,
        Credential::ApiToken {
            scope: TokenScope::Write,
            ..
        }
    ));
}

#[tokio::test]
async fn a_use_within_the_minute_is_not_written_and_a_failed_write_fails_nothing() {
    let carol = carol();
    let recent = ApiToken {
        last_used_at: Some(now() - Duration::seconds(30)),
        ..ApiToken::issue(
            ApiTokenId::from_uuid(Uuid::from_u128(7)),
            &carol,
            TokenName::parse("ci").unwrap(),
            TokenScope::Read,
            None,
            now() - Duration::days(1),
        )
    };
    let mut h = Harness::default();
    token_service(&mut h);
    let found = recent.clone();
    h.api_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(found.clone())));
    let owner = carol.clone();
    h.users.expect_get().returning(move |_| Ok(owner.clone()));
    h.api_tokens.expect_touch().never();
    let app = h.build();
    app.authenticate("tkt_x", Access::Read).await.unwrap();

    let stale = ApiToken {
        last_used_at: Some(now() - Duration::seconds(60)),
        ..recent
    };
    let mut h = Harness::default();
    token_service(&mut h);
    h.api_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(stale.clone())));
    h.users.expect_get().returning(move |_| Ok(carol.clone()));
    h.api_tokens
        .expect_touch()
        .times(1)
        .returning(|_, _| Err(RepoError::Unavailable("pool timeout".to_owned())));
    let app = h.build();
    app.authenticate("tkt_x", Access::Read).await.unwrap();
}

#[tokio::test]
async fn a_token_ends_with_expiry_and_with_every_change_of_its_owner() {
    let (carol, alice) = (carol(), alice());
    let store = store_of(&[&carol, &alice]).await;
    let mut h = Harness::default();
    token_service(&mut h);
    h.hasher
        .expect_hash()
        .returning(|_| Ok("$argon2id$new".to_owned()));
    let app = h.build_on(&store);

    // Expired: its own answer (nothing to refresh).
    let expiring = ApiToken {
        expires_at: Some(now()),
        ..stored_token(&store, &carol, TokenScope::Read, "tkt_expiring").await
    };
    ApiTokenRepository::delete(&store, carol.id, expiring.id, &[])
        .await
        .unwrap();
    ApiTokenRepository::create(&store, &expiring, "hash:tkt_expiring", 50, &[])
        .await
        .unwrap();
    assert_err!(
        app.authenticate("tkt_expiring", Access::Read).await,
        AppError::Unauthenticated(AuthFailure::ApiTokenExpired)
    );

    // A role change, a deactivation, a password reset: invalid.
    stored_token(&store, &alice, TokenScope::Read, "tkt_role").await;
    app.operator_update_user(
        alice.id,
        UserUpdate {
            role: Some(Role::Admin),
            is_active: None,
        },
    )
    .await
    .unwrap();
    assert_err!(
        app.authenticate("tkt_role", Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
    stored_token(&store, &carol, TokenScope::Read, "tkt_active").await;
    app.operator_update_user(
        carol.id,
        UserUpdate {
            role: None,
            is_active: Some(false),
        },
    )
    .await
    .unwrap();
    assert_err!(
        app.authenticate("tkt_active", Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
    app.operator_update_user(
        carol.id,
        UserUpdate {
            role: None,
            is_active: Some(true),
        },
    )
    .await
    .unwrap();
    let carol = UserRepository::get(&store, carol.id).await.unwrap();
    stored_token(&store, &carol, TokenScope::Read, "tkt_password").await;
    app.authenticate("tkt_password", Access::Read)
        .await
        .unwrap();
    app.operator_set_password(carol.id, Password::new("a brand new secret"))
        .await
        .unwrap();
    assert_err!(
        app.authenticate("tkt_password", Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}

#[tokio::test]
async fn an_unknown_or_oversized_token_is_refused_without_loading_anyone() {
    let mut h = Harness::default();
    token_service(&mut h);
    h.api_tokens
        .expect_find_by_hash()
        .times(1)
        .returning(|_| Ok(None));
    h.users.expect_get().never();
    h.api_tokens.expect_touch().never();
    let app = h.build();
    assert_err!(
        app.authenticate("tkt_unknown", Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
    let huge = format!("tkt_{}", "a".repeat(300));
    assert_err!(
        app.authenticate(&huge, Access::Read).await,
        AppError::Unauthenticated(AuthFailure::TokenInvalid)
    );
}
