//! Refresh sessions: create, find, rotate (once), revoke a family or a user's sessions, purge.

use ticketing_app::RepoError;
use ticketing_domain::{FamilyId, Role, SessionId};

use crate::StoreUnderTest;
use crate::fixtures::{add_user, assert_same, at, new_id, session, sessions, t0};

/// The whole life of refresh sessions.
pub async fn case_sessions<S: StoreUnderTest>(s: &S) {
    let u = add_user(s, "sleeper", Role::Customer).await;
    let other = add_user(s, "other", Role::Customer).await;
    let f1 = FamilyId::from_uuid(new_id());
    let s1 = session(u.id, f1, "h1", t0(), at(100));
    sessions(s).create(&s1).await.unwrap();
    assert_same(
        &sessions(s).find_by_hash("h1").await.unwrap(),
        &Some(s1.clone()),
    );
    assert!(sessions(s).find_by_hash("nope").await.unwrap().is_none());
    let dup = session(u.id, f1, "h1", t0(), at(100));
    let r = sessions(s).create(&dup).await;
    assert!(
        matches!(
            r,
            Err(RepoError::Conflict {
                field: "token_hash"
            })
        ),
        "{r:?}"
    );

    // Rotation: once only.
    let s2 = session(u.id, f1, "h2", at(10), at(110));
    sessions(s).rotate(s1.id, &s2, at(10)).await.unwrap();
    let old = sessions(s).find_by_hash("h1").await.unwrap().unwrap();
    assert_eq!((old.rotated_at, old.revoked_at), (Some(at(10)), None));
    assert_same(
        &sessions(s).find_by_hash("h2").await.unwrap(),
        &Some(s2.clone()),
    );
    let s3 = session(u.id, f1, "h3", at(11), at(111));
    let r = sessions(s).rotate(s1.id, &s3, at(11)).await;
    assert!(matches!(r, Err(RepoError::Stale)), "{r:?}");
    assert!(
        sessions(s).find_by_hash("h3").await.unwrap().is_none(),
        "nothing written"
    );
    let r = sessions(s)
        .rotate(SessionId::from_uuid(new_id()), &s3, at(11))
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    assert!(sessions(s).find_by_hash("h3").await.unwrap().is_none());

    // Revoking a family; a revoked session cannot rotate; earlier revocations are kept.
    sessions(s).revoke_family(f1, at(20)).await.unwrap();
    for h in ["h1", "h2"] {
        let got = sessions(s).find_by_hash(h).await.unwrap().unwrap();
        assert_eq!(got.revoked_at, Some(at(20)), "{h}");
    }
    let r = sessions(s).rotate(s2.id, &s3, at(21)).await;
    assert!(matches!(r, Err(RepoError::Stale)), "{r:?}");
    sessions(s).revoke_family(f1, at(30)).await.unwrap();
    let got = sessions(s).find_by_hash("h2").await.unwrap().unwrap();
    assert_eq!(got.revoked_at, Some(at(20)));

    // Revoking a user's sessions, keeping one family.
    let (f2, f3, f4) = (
        FamilyId::from_uuid(new_id()),
        FamilyId::from_uuid(new_id()),
        FamilyId::from_uuid(new_id()),
    );
    for x in [
        session(u.id, f2, "h5", at(1), at(200)),
        session(u.id, f3, "h6", at(1), at(200)),
        session(other.id, f4, "h7", at(1), at(90)),
    ] {
        sessions(s).create(&x).await.unwrap();
    }
    sessions(s)
        .revoke_user(u.id, Some(f3), at(40))
        .await
        .unwrap();
    let revoked = |h: &'static str| async move {
        sessions(s)
            .find_by_hash(h)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
    };
    assert_eq!(revoked("h5").await, Some(at(40)));
    assert_eq!(revoked("h6").await, None);
    assert_eq!(revoked("h7").await, None);
    assert_eq!(revoked("h1").await, Some(at(20)));
    sessions(s).revoke_user(u.id, None, at(50)).await.unwrap();
    assert_eq!(revoked("h5").await, Some(at(40)));
    assert_eq!(revoked("h6").await, Some(at(50)));
    assert_eq!(revoked("h7").await, None);

    // Purging: expired strictly before the instant.
    assert_eq!(sessions(s).purge_expired(at(100)).await.unwrap(), 1); // h7 (90)
    assert_eq!(sessions(s).purge_expired(at(150)).await.unwrap(), 2); // h1 (100), h2 (110)
    assert_eq!(sessions(s).purge_expired(at(150)).await.unwrap(), 0);
    for h in ["h1", "h2", "h7"] {
        assert!(sessions(s).find_by_hash(h).await.unwrap().is_none(), "{h}");
    }
    for h in ["h5", "h6"] {
        assert!(sessions(s).find_by_hash(h).await.unwrap().is_some(), "{h}");
    }
}

/// Two refreshes of the same token at once: exactly one rotation wins, the other is `Stale`.
pub async fn case_session_rotation_race<S: StoreUnderTest>(s: &S) {
    let u = add_user(s, "racer", Role::Customer).await;
    for round in 0..5 {
        let family = FamilyId::from_uuid(new_id());
        let old = session(u.id, family, &format!("old-{round}"), t0(), at(100));
        sessions(s).create(&old).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..2 {
            let store = s.clone();
            let new = session(u.id, family, &format!("new-{round}-{i}"), at(1), at(101));
            let old_id = old.id;
            tasks.push(tokio::spawn(async move {
                ticketing_app::ports::SessionRepository::rotate(&store, old_id, &new, at(1)).await
            }));
        }
        let mut wins = 0;
        let mut stale = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => wins += 1,
                Err(RepoError::Stale) => stale += 1,
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!((wins, stale), (1, 1), "round {round}");
        let mut stored = 0;
        for i in 0..2 {
            let h = format!("new-{round}-{i}");
            stored += usize::from(sessions(s).find_by_hash(&h).await.unwrap().is_some());
        }
        assert_eq!(
            stored, 1,
            "round {round}: exactly the winner's session is stored"
        );
    }
}
