//! Users: round trips, conflicts, credentials, the user list.

use ticketing_app::RepoError;
use ticketing_app::ports::{AccessChange, AccessOutcome, HealthCheck};
use ticketing_domain::listing::{Limit, SearchText, UserQuery, decode_user_cursor};
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
        must_change_password: false,
        token_epoch: 42,
        date_joined: t0(),
        last_login: Some(at(3600)),
    }
}

/// Every field comes back as written, with `Option`s set and unset.
pub async fn case_user_round_trip<S: StoreUnderTest>(s: &S) {
    let full = full_user();
    users(s).insert(&full, "$argon2id$full", &[]).await.unwrap();
    let minimal = user("min", Role::Customer);
    users(s)
        .insert(&minimal, "$argon2id$min", &[])
        .await
        .unwrap();

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
        users(s).update_profile(&ghost).await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s)
            .update_access(
                ghost.id,
                &AccessChange {
                    role: Some(Role::Admin),
                    is_active: Some(true),
                    revoke_tokens: true,
                },
                &[],
            )
            .await,
        Err(RepoError::NotFound)
    ));
    assert!(matches!(
        users(s).set_password(ghost.id, "h", &[]).await,
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
        text: None,
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
        users(s).insert(&dup_name, "h", &[]).await,
        Err(RepoError::Conflict { field: "username" })
    ));
    let dup_mail = with_email(user("bob", Role::Customer), "ALICE@EXAMPLE.COM");
    assert!(matches!(
        users(s).insert(&dup_mail, "h", &[]).await,
        Err(RepoError::Conflict { field: "email" })
    ));
    // Non-ASCII case folding: Ä/ä and É/é.
    add_user(s, "Ärger", Role::Customer).await;
    let dup_umlaut = with_email(user("äRGER", Role::Customer), "a2@example.com");
    assert!(matches!(
        users(s).insert(&dup_umlaut, "h", &[]).await,
        Err(RepoError::Conflict { field: "username" })
    ));
    let emil = with_email(user("emil", Role::Customer), "ÉMIL@example.com");
    users(s).insert(&emil, "h", &[]).await.unwrap();
    let dup_emil = with_email(user("emil2", Role::Customer), "émil@EXAMPLE.com");
    assert!(matches!(
        users(s).insert(&dup_emil, "h", &[]).await,
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
        users(s).update_profile(&stolen).await,
        Err(RepoError::Conflict { field: "email" })
    ));
    assert_same(&users(s).get(bob.id).await.unwrap(), &bob);
    assert_same(&users(s).get(alice.id).await.unwrap(), &alice);
    // Changing the case of one's own email is no conflict.
    let recased = with_email(bob.clone(), "BOB@example.com");
    users(s).update_profile(&recased).await.unwrap();
    assert_eq!(
        users(s).get(bob.id).await.unwrap().email.as_str(),
        "BOB@example.com"
    );
}

/// `update_profile` saves the email and names only (never role, active flag or epoch, even
/// from a copy read before an admin's change); `set_password` and `record_login` their columns.
pub async fn case_user_updates<S: StoreUnderTest>(s: &S) {
    let mut stored = user("carol", Role::Agent);
    stored.token_epoch = 3;
    users(s).insert(&stored, "hash", &[]).await.unwrap();
    let stale = stored.clone();
    // An admin deactivates carol meanwhile.
    let deactivated = access(s, stored.id, None, Some(false), true).await;
    assert!(!deactivated.is_active);
    assert_eq!(deactivated.token_epoch, 4);

    // Carol's profile edit from the copy read before: it must not undo the deactivation.
    let mut changed = with_email(stale.clone(), "carol.new@example.org");
    changed.first_name = PersonName::parse("Carol").unwrap();
    changed.last_name = PersonName::parse("Ng").unwrap();
    // Not saved by `update_profile`:
    changed.role = Role::Admin;
    changed.is_active = true;
    changed.token_epoch = 0;
    changed.username = Username::parse("renamed").unwrap();
    changed.date_joined = at(99);
    changed.last_login = Some(at(98));
    users(s).update_profile(&changed).await.unwrap();

    let want = User {
        email: changed.email.clone(),
        first_name: changed.first_name.clone(),
        last_name: changed.last_name.clone(),
        ..deactivated.clone()
    };
    assert_same(&users(s).get(stored.id).await.unwrap(), &want);

    // `set_password` increments the stored epoch (whatever the caller last saw) and says so.
    assert_eq!(
        users(s)
            .set_password(stored.id, "$new-hash", &[])
            .await
            .unwrap(),
        5
    );
    assert_eq!(
        users(s).password_hash(stored.id).await.unwrap(),
        "$new-hash"
    );
    assert_eq!(users(s).get(stored.id).await.unwrap().token_epoch, 5);
    assert_eq!(
        users(s)
            .set_password(stored.id, "$newer-hash", &[])
            .await
            .unwrap(),
        6
    );
    let after = users(s).get(stored.id).await.unwrap();
    assert_same(
        &after,
        &User {
            token_epoch: 6,
            ..want.clone()
        },
    );

    users(s).record_login(stored.id, at(500)).await.unwrap();
    assert_eq!(
        users(s).get(stored.id).await.unwrap().last_login,
        Some(at(500))
    );
}

/// `update_access` with the given fields; panics unless it is applied. Returns the stored user.
async fn access<S: StoreUnderTest>(
    s: &S,
    id: UserId,
    role: Option<Role>,
    is_active: Option<bool>,
    revoke_tokens: bool,
) -> User {
    let change = AccessChange {
        role,
        is_active,
        revoke_tokens,
    };
    match users(s).update_access(id, &change, &[]).await.unwrap() {
        AccessOutcome::Updated(u) => u,
        AccessOutcome::LastAdmin => panic!("{change:?} refused as the last admin"),
    }
}

/// `update_access` sets the given fields only, increments the stored epoch (never writes one
/// computed elsewhere) when asked, leaves the profile alone and returns the user as stored.
pub async fn case_user_access_updates<S: StoreUnderTest>(s: &S) {
    add_user(s, "keeper", Role::Admin).await; // so that `full` may stop being an admin
    let full = full_user(); // an inactive agent at epoch 42
    users(s).insert(&full, "$argon2id$full", &[]).await.unwrap();

    let promoted = access(s, full.id, Some(Role::Admin), None, false).await;
    let want = User {
        role: Role::Admin,
        ..full.clone()
    };
    assert_same(&promoted, &want);
    assert_same(&users(s).get(full.id).await.unwrap(), &want);

    let activated = access(s, full.id, None, Some(true), false).await;
    let want = User {
        is_active: true,
        ..want
    };
    assert_same(&activated, &want);

    // Revoking tokens increments the stored epoch, whatever a caller's copy says.
    let revoked = access(s, full.id, None, None, true).await;
    assert_eq!(revoked.token_epoch, 43);
    let both = access(s, full.id, Some(Role::Customer), Some(false), true).await;
    let want = User {
        role: Role::Customer,
        is_active: false,
        token_epoch: 44,
        ..want
    };
    assert_same(&both, &want);
    assert_same(&users(s).get(full.id).await.unwrap(), &want);
    assert_eq!(
        users(s).password_hash(full.id).await.unwrap(),
        "$argon2id$full",
        "the hash is untouched"
    );

    // Nothing to change is fine, and changes nothing.
    let same = access(s, full.id, None, None, false).await;
    assert_same(&same, &want);
}

/// The last active admin can be neither demoted nor deactivated: `LastAdmin`, nothing changed
/// (not even the epoch). Inactive admins do not count; another active admin lifts the rule.
pub async fn case_last_active_admin_is_kept<S: StoreUnderTest>(s: &S) {
    let root = add_user(s, "root", Role::Admin).await;
    let mut retired = user("retired", Role::Admin);
    retired.is_active = false;
    users(s).insert(&retired, "h", &[]).await.unwrap();
    let agent = add_user(s, "agent", Role::Agent).await;

    for (role, is_active) in [
        (Some(Role::Agent), None),
        (Some(Role::Customer), Some(true)),
        (None, Some(false)),
        (Some(Role::Agent), Some(false)),
    ] {
        let change = AccessChange {
            role,
            is_active,
            revoke_tokens: true,
        };
        assert_eq!(
            users(s).update_access(root.id, &change, &[]).await.unwrap(),
            AccessOutcome::LastAdmin,
            "{change:?}"
        );
        assert_same(&users(s).get(root.id).await.unwrap(), &root);
    }
    // Changes that keep root an active admin, and changes of other users, are not refused.
    let kept = access(s, root.id, Some(Role::Admin), Some(true), true).await;
    assert_eq!(kept.token_epoch, 1);
    access(s, agent.id, Some(Role::Customer), Some(false), true).await;
    access(s, retired.id, Some(Role::Agent), None, false).await;

    // With a second active admin, either may go, then the other is the last one.
    let second = access(s, agent.id, Some(Role::Admin), Some(true), false).await;
    let demoted = access(s, root.id, Some(Role::Agent), None, false).await;
    assert_eq!(demoted.role, Role::Agent);
    assert_eq!(
        users(s)
            .update_access(
                second.id,
                &AccessChange {
                    is_active: Some(false),
                    revoke_tokens: true,
                    ..AccessChange::default()
                },
                &[],
            )
            .await
            .unwrap(),
        AccessOutcome::LastAdmin
    );
    assert_same(&users(s).get(second.id).await.unwrap(), &second);
}

/// Login by username or email, any case, with the hash; a username is never another user's
/// email (either way round).
pub async fn case_find_credentials<S: StoreUnderTest>(s: &S) {
    let dave = with_email(user("Dave", Role::Agent), "Dave.Smith@Example.com");
    users(s).insert(&dave, "$dave", &[]).await.unwrap();

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

    // One user's username is never another's email (the two share one namespace), whichever
    // comes first.
    let named_like_mail = with_email(
        user("erin@example.net", Role::Customer),
        "erin.real@example.net",
    );
    users(s)
        .insert(&named_like_mail, "$by-name", &[])
        .await
        .unwrap();
    let mailed = with_email(user("erin2", Role::Customer), "Erin@Example.net");
    let err = users(s).insert(&mailed, "$by-mail", &[]).await.unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "email" }),
        "{err:?}"
    );
    let as_name = LoginName::Username(Username::parse("ERIN@example.net").unwrap());
    let (u, hash) = users(s).find_credentials(&as_name).await.unwrap().unwrap();
    assert_eq!(u.id, named_like_mail.id);
    assert_eq!(hash, "$by-name");
    let frank = with_email(user("frank", Role::Customer), "frank@example.net");
    users(s).insert(&frank, "$frank", &[]).await.unwrap();
    let err = users(s)
        .insert(
            &with_email(user("FRANK@example.net", Role::Customer), "f2@example.net"),
            "$x",
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "username" }),
        "{err:?}"
    );
    let err = users(s)
        .rename(dave.id, &Username::parse("Frank@Example.net").unwrap(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, RepoError::Conflict { field: "username" }),
        "{err:?}"
    );
}

/// The user list: role and activity filters, order by lower-cased username then id, pages,
/// totals.
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
    users(s).insert(&alice, "h", &[]).await.unwrap();

    let mut q = UserQuery {
        role: Some(Role::Agent),
        active: None,
        text: None,
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
        text: None,
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

    for (role, want) in [(Role::Agent, 4), (Role::Admin, 1), (Role::Customer, 2)] {
        let q = UserQuery {
            role: Some(role),
            active: Some(true),
            text: None,
            after: None,
            limit: Limit::new(200).unwrap(),
        };
        assert_eq!(users(s).list(&q).await.unwrap().total, want, "{role:?}");
    }
}

fn named(username: &str, first: &str, last: &str, email: &str, role: Role) -> User {
    let mut u = user(username, role);
    u.first_name = PersonName::parse(first).unwrap();
    u.last_name = PersonName::parse(last).unwrap();
    u.email = Email::parse(email).unwrap();
    u
}

/// The usernames `q` (with `role`) finds, walking every page of two; checks `total` on each.
async fn search<S: StoreUnderTest>(s: &S, q: &str, role: Option<Role>) -> Vec<String> {
    let mut query = UserQuery {
        role,
        active: None,
        text: Some(SearchText::parse(q).unwrap()),
        after: None,
        limit: Limit::new(2).unwrap(),
    };
    let mut names = Vec::new();
    let mut total = None;
    loop {
        let page = users(s).list(&query).await.unwrap();
        assert!(total.is_none_or(|t| t == page.total), "{q}: total moved");
        total = Some(page.total);
        names.extend(page.items.iter().map(|u| u.username.as_str().to_owned()));
        match page.next {
            None => break,
            Some(c) => query.after = Some(decode_user_cursor(&c).unwrap()),
        }
        assert!(names.len() < 50);
    }
    assert_eq!(total, Some(names.len() as u64), "{q}: total");
    names
}

/// The user search: every term must occur (case-insensitively, anywhere in a word) in the first
/// name, last name, username or email; combined with the role filter, paged like the list, and
/// kept up to date by profile changes and renames.
pub async fn case_user_search<S: StoreUnderTest>(s: &S) {
    let alex = named(
        "arivera",
        "Alex",
        "Rivera",
        "alex.r@corp.example",
        Role::Agent,
    );
    let alexa = named(
        "alexa",
        "Alexa",
        "Stone",
        "stone@mail.example",
        Role::Customer,
    );
    let zoe = named(
        "zmu",
        "ZOË",
        "Müller-Lüdenscheidt",
        "zoe@EXAMPLE.org",
        Role::Customer,
    );
    let river = named("riverside", "", "", "info@river.example", Role::Customer);
    let sam = named(
        "sk_admin",
        "Sam",
        "Kowalski",
        "sam@corp.example",
        Role::Admin,
    );
    for u in [&alex, &alexa, &zoe, &river, &sam] {
        users(s).insert(u, "h", &[]).await.unwrap();
    }

    // A word anywhere: first name, inside a last name, the username, the email's parts.
    assert_eq!(search(s, "alex", None).await, ["alexa", "arivera"]);
    assert_eq!(search(s, "IVER", None).await, ["arivera", "riverside"]);
    assert_eq!(search(s, "corp", None).await, ["arivera", "sk_admin"]);
    assert_eq!(search(s, "admin", None).await, ["sk_admin"]);
    // Every term must match, each in any field.
    assert_eq!(search(s, "alex rivera", None).await, ["arivera"]);
    assert_eq!(search(s, "Rivera, Alex", None).await, ["arivera"]);
    assert_eq!(
        search(s, "alex stone corp", None).await,
        Vec::<String>::new()
    );
    // An email as typed; its pieces are terms.
    assert_eq!(search(s, "alex.r@corp.example", None).await, ["arivera"]);
    // Full Unicode lower-casing on both databases.
    assert_eq!(search(s, "zoë lüdenscheidt", None).await, ["zmu"]);
    assert_eq!(search(s, "MÜLLER", None).await, ["zmu"]);
    // With the role filter.
    assert_eq!(search(s, "alex", Some(Role::Agent)).await, ["arivera"]);
    assert_eq!(
        search(s, "corp", Some(Role::Customer)).await,
        Vec::<String>::new()
    );
    // Every page of a larger result, in username order.
    assert_eq!(
        search(s, "example", None).await,
        ["alexa", "arivera", "riverside", "sk_admin", "zmu"]
    );

    // A profile change and a rename are searchable at once; the old words are gone.
    let mut renamed = alexa.clone();
    renamed.last_name = PersonName::parse("Quartermain").unwrap();
    users(s).update_profile(&renamed).await.unwrap();
    assert_eq!(search(s, "quarter", None).await, ["alexa"]);
    assert_eq!(search(s, "stone alexa", None).await, ["alexa"]);
    assert_eq!(search(s, "stone", None).await, ["alexa"]);
    let mut moved = renamed.clone();
    moved.email = Email::parse("aq@new.example").unwrap();
    users(s).update_profile(&moved).await.unwrap();
    assert_eq!(search(s, "stone", None).await, Vec::<String>::new());
    users(s)
        .rename(sam.id, &Username::parse("skowalski").unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(search(s, "admin", None).await, Vec::<String>::new());
    assert_eq!(search(s, "skowal", None).await, ["skowalski"]);
}
