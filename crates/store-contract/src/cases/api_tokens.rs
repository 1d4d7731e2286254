//! API tokens: create (with the limit, unique names and hashes, audited), find by hash, list,
//! delete (audited, only the owner's), touch, and the changes of the owner that delete them.

use chrono::Duration;
use ticketing_app::ports::{AccessChange, ApiTokenRepository, AuditRepository, TokenCreated};
use ticketing_app::{AuditAction, AuditActor, AuditEntry, AuditQuery, RepoError};
use ticketing_domain::listing::Limit;
use ticketing_domain::{ApiToken, ApiTokenId, Role, TokenName, TokenScope, User, UserId};

use crate::StoreUnderTest;
use crate::fixtures::{add_user, assert_same, at, new_id, t0, users};

/// The API token port of a store.
pub fn api_tokens<S: StoreUnderTest>(s: &S) -> &dyn ApiTokenRepository {
    s
}

/// A token of `owner` named `name`, created at `at(seconds)`, expiring a day later.
fn token(owner: &User, name: &str, seconds: i64) -> ApiToken {
    ApiToken {
        id: ApiTokenId::from_uuid(new_id()),
        user_id: owner.id,
        name: TokenName::parse(name).unwrap(),
        scope: TokenScope::Read,
        role: owner.role,
        token_epoch: owner.token_epoch,
        created_at: at(seconds),
        expires_at: Some(at(seconds) + Duration::days(1)),
        last_used_at: None,
    }
}

fn audited(action: AuditAction, owner: &User) -> AuditEntry {
    AuditEntry {
        id: new_id(),
        at: t0(),
        actor: AuditActor::of(owner),
        action,
        target_id: Some(owner.id),
        target: owner.username.as_str().to_owned(),
        details: "\"ci\" (read, never expires)".to_owned(),
        address: None,
    }
}

async fn audit_ids<S: StoreUnderTest>(s: &S) -> Vec<uuid::Uuid> {
    let q = AuditQuery {
        limit: Limit::new(200).unwrap(),
        ..AuditQuery::default()
    };
    let mut ids: Vec<uuid::Uuid> = AuditRepository::list(s, &q)
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.id)
        .collect();
    ids.sort();
    ids
}

async fn names<S: StoreUnderTest>(s: &S, user: UserId) -> Vec<String> {
    api_tokens(s)
        .list(user)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.as_str().to_owned())
        .collect()
}

/// The whole life of API tokens.
pub async fn case_api_tokens<S: StoreUnderTest>(s: &S) {
    let carol = add_user(s, "carol", Role::Customer).await;
    let dave = add_user(s, "dave", Role::Customer).await;
    let first = token(&carol, "first", 1);
    let created = audited(AuditAction::TokenCreated, &carol);
    let out = api_tokens(s)
        .create(&first, "hash-1", 3, std::slice::from_ref(&created))
        .await
        .unwrap();
    assert_eq!(out, TokenCreated::Created);
    assert_same(
        &api_tokens(s).find_by_hash("hash-1").await.unwrap(),
        &Some(first.clone()),
    );
    assert!(api_tokens(s).find_by_hash("nope").await.unwrap().is_none());
    assert_same(
        &api_tokens(s).get(carol.id, first.id).await.unwrap(),
        &first,
    );
    assert_eq!(audit_ids(s).await, vec![created.id], "audited with it");

    // Another user's token is not found through the other user.
    let r = api_tokens(s).get(dave.id, first.id).await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    let r = api_tokens(s)
        .get(carol.id, ApiTokenId::from_uuid(new_id()))
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");

    // Names are unique per owner; hashes everywhere. A refused write appends nothing.
    let same_name = token(&carol, "first", 2);
    let r = api_tokens(s)
        .create(
            &same_name,
            "hash-2",
            3,
            &[audited(AuditAction::TokenCreated, &carol)],
        )
        .await;
    assert!(
        matches!(r, Err(RepoError::Conflict { field: "name" })),
        "{r:?}"
    );
    let same_hash = token(&dave, "other", 2);
    let r = api_tokens(s).create(&same_hash, "hash-1", 3, &[]).await;
    assert!(
        matches!(
            r,
            Err(RepoError::Conflict {
                field: "token_hash"
            })
        ),
        "{r:?}"
    );
    assert_eq!(audit_ids(s).await, vec![created.id], "nothing appended");
    let daves = token(&dave, "first", 2);
    api_tokens(s)
        .create(&daves, "hash-dave", 3, &[])
        .await
        .unwrap();

    // Unknown owner.
    let ghost = crate::fixtures::user("ghost", Role::Customer);
    let r = api_tokens(s)
        .create(&token(&ghost, "x", 1), "hash-ghost", 3, &[])
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");

    // The limit counts every token of the owner (expired ones too); at it, nothing is written.
    let second = token(&carol, "second", 3);
    let third = token(&carol, "third", 4);
    for (t, h) in [(&second, "hash-s"), (&third, "hash-t")] {
        assert_eq!(
            api_tokens(s).create(t, h, 3, &[]).await.unwrap(),
            TokenCreated::Created
        );
    }
    let fourth = token(&carol, "fourth", 5);
    let out = api_tokens(s)
        .create(
            &fourth,
            "hash-4",
            3,
            &[audited(AuditAction::TokenCreated, &carol)],
        )
        .await
        .unwrap();
    assert_eq!(out, TokenCreated::LimitReached);
    assert!(
        api_tokens(s)
            .find_by_hash("hash-4")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit_ids(s).await, vec![created.id], "nothing appended");
    assert_eq!(names(s, carol.id).await, ["third", "second", "first"]);
    assert_eq!(names(s, dave.id).await, ["first"]);

    // Touch: moves forward only; a missing token is fine.
    api_tokens(s).touch(first.id, at(100)).await.unwrap();
    api_tokens(s).touch(first.id, at(50)).await.unwrap();
    api_tokens(s)
        .touch(ApiTokenId::from_uuid(new_id()), at(100))
        .await
        .unwrap();
    let touched = api_tokens(s).get(carol.id, first.id).await.unwrap();
    assert_eq!(touched.last_used_at, Some(at(100)));

    // Delete: only the owner's; audited with it.
    let r = api_tokens(s)
        .delete(
            dave.id,
            first.id,
            &[audited(AuditAction::TokenRevoked, &dave)],
        )
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    assert_eq!(audit_ids(s).await, vec![created.id], "nothing appended");
    let revoked = audited(AuditAction::TokenRevoked, &carol);
    api_tokens(s)
        .delete(carol.id, first.id, std::slice::from_ref(&revoked))
        .await
        .unwrap();
    assert!(
        api_tokens(s)
            .find_by_hash("hash-1")
            .await
            .unwrap()
            .is_none()
    );
    let mut want = vec![created.id, revoked.id];
    want.sort();
    assert_eq!(audit_ids(s).await, want);
    let r = api_tokens(s).delete(carol.id, first.id, &[]).await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    // The name is free again.
    api_tokens(s)
        .create(&token(&carol, "first", 6), "hash-1b", 3, &[])
        .await
        .unwrap();
}

/// The changes that end a user's tokens delete them (and only theirs): a password change, a
/// role change, a revocation of the token epoch; an activation change alone or a role "change"
/// to the same role keeps them.
pub async fn case_api_tokens_end_with_their_owner<S: StoreUnderTest>(s: &S) {
    add_user(s, "keeper", Role::Admin).await;
    let carol = add_user(s, "carol", Role::Agent).await;
    let dave = add_user(s, "dave", Role::Agent).await;
    let mut n = 0;
    let mut give = async |owner: &User| {
        n += 1;
        let t = token(owner, &format!("t{n}"), n);
        api_tokens(s)
            .create(&t, &format!("hash-{n}"), 50, &[])
            .await
            .unwrap();
    };
    give(&carol).await;
    give(&dave).await;

    let keeps = [
        AccessChange {
            role: Some(Role::Agent),
            ..AccessChange::default()
        },
        AccessChange {
            is_active: Some(true),
            ..AccessChange::default()
        },
    ];
    for change in keeps {
        users(s)
            .update_access(carol.id, &change, &[])
            .await
            .unwrap();
        assert_eq!(names(s, carol.id).await.len(), 1, "{change:?}");
    }

    users(s).set_password(carol.id, "new", &[]).await.unwrap();
    assert!(names(s, carol.id).await.is_empty(), "password change");
    assert_eq!(names(s, dave.id).await.len(), 1, "only the user's");

    let ends = [
        AccessChange {
            role: Some(Role::Customer),
            ..AccessChange::default()
        },
        AccessChange {
            revoke_tokens: true,
            ..AccessChange::default()
        },
        AccessChange {
            is_active: Some(false),
            revoke_tokens: true,
            ..AccessChange::default()
        },
    ];
    for change in ends {
        give(&carol).await;
        users(s)
            .update_access(carol.id, &change, &[])
            .await
            .unwrap();
        assert!(names(s, carol.id).await.is_empty(), "{change:?}");
    }
    assert_eq!(names(s, dave.id).await.len(), 1, "only the user's");
}

/// Concurrent creations of one owner never pass the limit together.
pub async fn case_concurrent_token_creations_keep_the_limit<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "busy", Role::Customer).await;
    let tasks = (0..12)
        .map(|i| {
            let store = s.clone();
            let t = token(&owner, &format!("token {i}"), i);
            tokio::spawn(async move {
                ApiTokenRepository::create(&store, &t, &format!("hash-{i}"), 5, &[]).await
            })
        })
        .collect::<Vec<_>>();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap().expect("no error") {
            TokenCreated::Created => created += 1,
            TokenCreated::LimitReached => {}
        }
    }
    assert_eq!(created, 5);
    assert_eq!(names(s, owner.id).await.len(), 5);
}
