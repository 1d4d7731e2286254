//! Users: round trips, conflicts, credentials, the user list.

use ticketing_app::RepoError;
use ticketing_app::ports::HealthCheck;
use ticketing_domain::listing::{Limit, UserQuery, decode_user_cursor};
use ticketing_domain::{Email, LoginName, PersonName, Role, User, UserId, Username};

use crate::StoreUnderTest;
use crate::fixtures::{add_user, assert_same, at, new_id, t0, user, users};

/// `ping` answers on a working store.
pub async fn case_ping<S: StoreUnderTest>(s: &S) {
    HealthCheck::ping(s).await.expect("ping");
}

fn full_user() -> User {
    User {
        id: UserId::from_uuid(new_id()),
        username: Username::parse("Zoë_Ω.1").unwrap(),
        email: Email::parse("Zoë.Müller@Example.COM").unwrap(),
        first_name: PersonName::parse("Zoë 😀").unwrap(),
        last_name: PersonName::parse("Müller-שלום").unwrap(),
        role: Role::Agent,
        is_active: false,
        token_epoch: 42,
        date_joined: t0(),
        last_login: Some(at(3600)),
    }
}

/// Every field comes back as written, with `Option`s set and unset.
pub async fn case_user_round_trip<S: StoreUnderTest>(s: &S) {
    let full = full_user();
    users(s).insert(&full, "$argon2id$full").await.unwrap();
    let minimal = user("min", Role::Customer);
    users(s).insert(&minimal, "$argon2id$min").await.unwrap();

    assert_same(&users(s).get(full.id).await.unwrap(), &full);
    assert_same(&users(s).get(minimal.id).await.unwrap(), &minimal);
    assert_eq!(
        users(s).password_hash(full.id).await.unwrap(),
        "$argon2id$full"
    );
    assert_eq!(
        users(s).password_hash(minimal.id).await.unwrap(),
        "$argon2id$min"
    );

    let unknown = UserId::from_uuid(new_id());
    let mut many = users(s)
        .get_many(&[minimal.id, unknown, full.id])
        .await
        .unwrap();
    many.sort_by_key(|u| u.id);
    let mut want = vec![full.clone(), minimal.clone()];
    want.sort_by_key(|u| u.id);
    assert_same(&many, &want);
    assert!(users(s).get_many(&[]).await.unwrap().is_empty());
}

/// Unknown ids are `NotFound` (or skipped, or `None`).
pub async fn case_user_not_found<S: StoreUnderTest>(s: &S) {
    let ghost = user("ghost", Role::Agent);
    assert!(matches!(
        users(s).get(ghost.id).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s).password_hash(ghost.id).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s).update(&ghost).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s).set_password(ghost.id, "h", 1).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s).record_login(ghost.id, t0()).await,
        Err(RepoError::NotFound)
    ));
    assert!(users(s).get_many(&[ghost.id]).await.unwrap().is_empty());
    let login = LoginName::parse("ghost").unwrap();
    assert!(users(s).find_credentials(&login).await.unwrap().is_none());
}

fn with_email(mut u: User, email: &str) -> User {
    u.email = Email::parse(email).unwrap();
    u
}

async fn all_users<S: StoreUnderTest>(s: &S) -> Vec<User> {
    let q = UserQuery {
        role: None,
        active: None,
        after: None,
        limit: Limit::new(200).unwrap(),
    };
    users(s).list(&q).await.unwrap().items
}

/// Duplicate usernames and emails, in another case (ASCII or not), are `Conflict` naming the
/// field, and write nothing.
pub async fn case_user_conflicts_case_insensitively<S: StoreUnderTest>(s: &S) {
    let alice = add_user(s, "Alice", Role::Customer).await;
    let dup_name = with_email(user("ALICE", Role::Customer), "other@example.com");
    assert!(matches!(
        users(s).insert(&dup_name, "h").await,
        Err(RepoError::Conflict { field: "username" })
    ));
    let dup_mail = with_email(user("bob", Role::Customer), "ALICE@EXAMPLE.COM");
    assert!(matches!(
        users(s).insert(&dup_mail, "h").await,
        Err(RepoError::Conflict { field: "email" })
    ));
    // Non-ASCII case folding: Ä/ä and É/é.
    add_user(s, "Ärger", Role::Customer).await;
    let dup_umlaut = with_email(user("äRGER", Role::Customer), "a2@example.com");
    assert!(matches!(
        users(s).insert(&dup_umlaut, "h").await,
        Err(RepoError::Conflict { field: "username" })
    ));
    let emil = with_email(user("emil", Role::Customer), "ÉMIL@example.com");
    users(s).insert(&emil, "h").await.unwrap();
    let dup_emil = with_email(user("emil2", Role::Customer), "émil@EXAMPLE.com");
    assert!(matches!(
        users(s).insert(&dup_emil, "h").await,
        Err(RepoError::Conflict { field: "email" })
    ));
    assert_eq!(
        all_users(s).await.len(),
        3,
        "a refused insert wrote nothing"
    );

    // Taking another user's email on update.
    let bob = add_user(s, "bob", Role::Customer).await;
    let stolen = with_email(bob.clone(), "Alice@Example.com");
    assert!(matches!(
        users(s).update(&stolen).await,
        Err(RepoError::Conflict { field: "email" })
    ));
    assert_same(&users(s).get(bob.id).await.unwrap(), &bob);
    assert_same(&users(s).get(alice.id).await.unwrap(), &alice);
    // Changing the case of one's own email is no conflict.
    let recased = with_email(bob.clone(), "BOB@example.com");
    users(s).update(&recased).await.unwrap();
    assert_eq!(
        users(s).get(bob.id).await.unwrap().email.as_str(),
        "BOB@example.com"
    );
}

/// `update` saves its documented fields only; `set_password` and `record_login` theirs.
pub async fn case_user_updates<S: StoreUnderTest>(s: &S) {
    let original = add_user(s, "carol", Role::Customer).await;
    let mut changed = with_email(original.clone(), "carol.new@example.org");
    changed.first_name = PersonName::parse("Carol").unwrap();
    changed.last_name = PersonName::parse("Ng").unwrap();
    changed.role = Role::Admin;
    changed.is_active = false;
    changed.token_epoch = 7;
    // Not saved by `update`:
    changed.username = Username::parse("renamed").unwrap();
    changed.date_joined = at(99);
    changed.last_login = Some(at(98));
    users(s).update(&changed).await.unwrap();

    let want = User {
        username: original.username.clone(),
        date_joined: original.date_joined,
        last_login: None,
        ..changed.clone()
    };
    assert_same(&users(s).get(original.id).await.unwrap(), &want);

    users(s)
        .set_password(original.id, "$new-hash", 8)
        .await
        .unwrap();
    assert_eq!(
        users(s).password_hash(original.id).await.unwrap(),
        "$new-hash"
    );
    assert_eq!(users(s).get(original.id).await.unwrap().token_epoch, 8);

    users(s).record_login(original.id, at(500)).await.unwrap();
    assert_eq!(
        users(s).get(original.id).await.unwrap().last_login,
        Some(at(500))
    );
}

/// Login by username or email, any case, with the hash; an email-shaped login prefers the
/// email, a username login the username.
pub async fn case_find_credentials<S: StoreUnderTest>(s: &S) {
    let dave = with_email(user("Dave", Role::Agent), "Dave.Smith@Example.com");
    users(s).insert(&dave, "$dave").await.unwrap();

    for login in [
        "dave",
        "DAVE",
        "dave.smith@example.com",
        "DAVE.SMITH@EXAMPLE.COM",
    ] {
        let found = users(s)
            .find_credentials(&LoginName::parse(login).unwrap())
            .await
            .unwrap();
        let (u, hash) = found.unwrap_or_else(|| panic!("{login} not found"));
        assert_eq!(u.id, dave.id, "{login}");
        assert_eq!(hash, "$dave");
    }
    assert!(
        users(s)
            .find_credentials(&LoginName::parse("dave.smith@example.org").unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // One user's username is another's email.
    let named_like_mail = with_email(
        user("erin@example.net", Role::Customer),
        "erin.real@example.net",
    );
    users(s).insert(&named_like_mail, "$by-name").await.unwrap();
    let mailed = with_email(user("erin2", Role::Customer), "Erin@Example.net");
    users(s).insert(&mailed, "$by-mail").await.unwrap();
    let as_email = LoginName::Email(Email::parse("erin@example.net").unwrap());
    let (u, _) = users(s).find_credentials(&as_email).await.unwrap().unwrap();
    assert_eq!(u.id, mailed.id);
    let as_name = LoginName::Username(Username::parse("ERIN@example.net").unwrap());
    let (u, hash) = users(s).find_credentials(&as_name).await.unwrap().unwrap();
    assert_eq!(u.id, named_like_mail.id);
    assert_eq!(hash, "$by-name");
}

/// The user list: role and activity filters, order by lower-cased username then id, pages,
/// totals; `count_active`.
pub async fn case_user_list_and_count<S: StoreUnderTest>(s: &S) {
    for (name, role) in [
        ("dave", Role::Agent),
        ("Bob", Role::Agent),
        ("carol", Role::Admin),
        ("Eve", Role::Customer),
        ("frank", Role::Agent),
        ("Ärger", Role::Agent),
        ("zed", Role::Customer),
    ] {
        add_user(s, name, role).await;
    }
    let mut alice = user("alice", Role::Agent);
    alice.is_active = false;
    users(s).insert(&alice, "h").await.unwrap();

    let mut q = UserQuery {
        role: Some(Role::Agent),
        active: None,
        after: None,
        limit: Limit::new(2).unwrap(),
    };
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let page = users(s).list(&q).await.unwrap();
        pages += 1;
        assert_eq!(page.total, 5);
        assert!(page.items.len() <= 2);
        names.extend(page.items.iter().map(|u| u.username.as_str().to_owned()));
        match page.next {
            None => break,
            Some(c) => q.after = Some(decode_user_cursor(&c).unwrap()),
        }
        assert!(pages < 10);
    }
    assert_eq!(names, ["alice", "Bob", "dave", "frank", "Ärger"]);
    assert_eq!(pages, 3);

    let active_agents = UserQuery {
        role: Some(Role::Agent),
        active: Some(true),
        after: None,
        limit: Limit::new(200).unwrap(),
    };
    let page = users(s).list(&active_agents).await.unwrap();
    assert_eq!(page.total, 4);
    assert!(page.next.is_none());
    let inactive = UserQuery {
        role: None,
        active: Some(false),
        ..active_agents.clone()
    };
    let page = users(s).list(&inactive).await.unwrap();
    assert_eq!(
        page.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        [alice.id]
    );
    let everyone = UserQuery {
        role: None,
        active: None,
        ..active_agents
    };
    let page = users(s).list(&everyone).await.unwrap();
    let names: Vec<&str> = page.items.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(
        names,
        [
            "alice", "Bob", "carol", "dave", "Eve", "frank", "zed", "Ärger"
        ]
    );

    assert_eq!(users(s).count_active(Role::Agent).await.unwrap(), 4);
    assert_eq!(users(s).count_active(Role::Admin).await.unwrap(), 1);
    assert_eq!(users(s).count_active(Role::Customer).await.unwrap(), 2);
}
