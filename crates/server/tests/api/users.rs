//! `/api/v1/users/`: the staff list (role filter, pages) and admin changes.

use serde_json::json;
use ticketing_domain::Role;

use crate::api::helpers::*;

async fn staff_list_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;

    for token in [&carol.access, &dave.access] {
        app.get("/api/v1/users/", Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/users/", None)
        .await
        .assert_problem(401, "unauthenticated");

    for token in [&alice.access, &root.access] {
        let res = app.get("/api/v1/users/", Some(token)).await;
        res.assert_status(200);
        assert_eq!(res.header("x-total-count"), Some("4"));
        assert!(res.header("link").is_none());
        // Ordered by username.
        assert_eq!(
            ids(&res.body),
            [&alice.id, &carol.id, &dave.id, &root.id].map(|s| s.clone())
        );
        assert_account(&res.body[0], &alice, "agent");
        assert_account(&res.body[1], &carol, "customer");
        assert_account(&res.body[3], &root, "admin");
    }

    let agents = app
        .get("/api/v1/users/?role=agent", Some(&alice.access))
        .await;
    agents.assert_status(200);
    assert_eq!(ids(&agents.body), vec![alice.id.clone()]);
    assert_eq!(agents.header("x-total-count"), Some("1"));
    let customers = app
        .get("/api/v1/users/?role=customer", Some(&alice.access))
        .await;
    assert_eq!(
        ids(&customers.body),
        vec![carol.id.clone(), dave.id.clone()]
    );
    let admins = app
        .get("/api/v1/users?role=admin", Some(&alice.access))
        .await;
    assert_eq!(ids(&admins.body), vec![root.id.clone()]);
    let inactive = app
        .get("/api/v1/users/?is_active=false", Some(&alice.access))
        .await;
    inactive.assert_status(200);
    assert_eq!(inactive.body, json!([]));
    assert_eq!(inactive.header("x-total-count"), Some("0"));

    // Pages of one, linked until the end, without overlap or gap.
    let pages = walk_pages(&app, "/api/v1/users/?limit=1", &root.access, 4).await;
    assert_eq!(pages.len(), 4);
    assert_eq!(
        pages.concat(),
        [&alice.id, &carol.id, &dave.id, &root.id].map(|s| s.clone())
    );
    let pages = walk_pages(
        &app,
        "/api/v1/users/?role=customer&limit=1",
        &root.access,
        2,
    )
    .await;
    assert_eq!(pages.concat(), vec![carol.id.clone(), dave.id.clone()]);

    for (query, field) in [
        ("role=boss", "role"),
        ("role=Agent", "role"),
        ("is_active=maybe", "is_active"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("cursor=garbage!", "cursor"),
    ] {
        let res = app
            .get(&format!("/api/v1/users/?{query}"), Some(&root.access))
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(
            res.body["errors"][field].is_array(),
            "{query}: {}",
            res.body
        );
    }
}

async fn admin_manages_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let carol_path = format!("/api/v1/users/{}/", carol.id);

    // Only admins.
    for token in [&alice.access, &dave.access, &carol.access] {
        app.patch(&carol_path, Some(token), &json!({"role": "agent"}))
            .await
            .assert_problem(403, "forbidden");
    }
    app.patch(&carol_path, None, &json!({"role": "agent"}))
        .await
        .assert_problem(401, "unauthenticated");

    let res = app
        .patch(&carol_path, Some(&root.access), &json!({"role": "agent"}))
        .await;
    res.assert_status(200);
    assert_eq!(keys(&res.body), account_fields());
    assert_eq!(res.body["role"], "agent");
    assert_eq!(res.body["is_staff"], true);
    assert_eq!(res.body["is_active"], true);
    // The new role applies at once, to the tokens she already has.
    app.get("/api/v1/users/", Some(&carol.access))
        .await
        .assert_status(200);
    let res = app
        .patch(
            &carol_path,
            Some(&root.access),
            &json!({"role": "customer"}),
        )
        .await;
    assert_eq!(res.body["role"], "customer");
    assert_eq!(res.body["is_staff"], false);
    app.get("/api/v1/users/", Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");

    // Bad requests.
    let unknown = format!("/api/v1/users/{}/", uuid::Uuid::now_v7());
    app.patch(&unknown, Some(&root.access), &json!({"role": "agent"}))
        .await
        .assert_problem(404, "not_found");
    app.patch(
        "/api/v1/users/not-a-uuid/",
        Some(&root.access),
        &json!({"role": "agent"}),
    )
    .await
    .assert_problem(404, "not_found");
    for body in [
        json!({"role": "superuser"}),
        json!({"is_active": "no"}),
        json!({"username": "caz"}),
        json!({"is_staff": true}),
    ] {
        app.patch(&carol_path, Some(&root.access), &body)
            .await
            .assert_problem(400, "validation_failed");
    }

    // The last active admin can neither be demoted nor deactivated.
    let root_path = format!("/api/v1/users/{}/", root.id);
    for body in [json!({"role": "agent"}), json!({"is_active": false})] {
        let res = app.patch(&root_path, Some(&root.access), &body).await;
        res.assert_problem(409, "conflict");
    }
    app.get("/api/v1/users/profile/", Some(&root.access))
        .await
        .assert_status(200);
    // With a second admin, the first one may step down.
    let res = app
        .patch(
            &format!("/api/v1/users/{}/", dave.id),
            Some(&root.access),
            &json!({"role": "admin"}),
        )
        .await;
    res.assert_status(200);
    let res = app
        .patch(&root_path, Some(&dave.access), &json!({"role": "agent"}))
        .await;
    res.assert_status(200);
    assert_eq!(res.body["role"], "agent");
    app.patch(&carol_path, Some(&root.access), &json!({"role": "agent"}))
        .await
        .assert_problem(403, "forbidden");
}

/// Sets a user's names through their own profile.
async fn rename_person(app: &TestApp, user: &TestUser, first: &str, last: &str) {
    app.patch(
        "/api/v1/users/profile/",
        Some(&user.access),
        &json!({"first_name": first, "last_name": last}),
    )
    .await
    .assert_status(200);
}

async fn staff_search_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let casey = app.register("cjones").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    rename_person(&app, &carol, "Carol", "Rivera").await;
    rename_person(&app, &casey, "Casey", "Jones").await;
    rename_person(&app, &alice, "Alex", "Rivera").await;

    let search = async |query: &str| {
        let res = app
            .get(&format!("/api/v1/users/?{query}"), Some(&alice.access))
            .await;
        res.assert_status(200);
        let total: usize = res.header("x-total-count").unwrap().parse().unwrap();
        assert_eq!(total, ids(&res.body).len(), "{query}");
        ids(&res.body)
    };
    // Names, username, email; case-insensitive, anywhere in a word; every word must match.
    assert_eq!(
        search("q=rivera").await,
        [alice.id.clone(), carol.id.clone()]
    );
    assert_eq!(
        search("q=RIVERA%20alex").await,
        std::slice::from_ref(&alice.id)
    );
    assert_eq!(search("q=ivera+car").await, std::slice::from_ref(&carol.id));
    assert_eq!(search("q=cjon").await, std::slice::from_ref(&casey.id));
    assert_eq!(
        search("q=root%40example.com").await,
        std::slice::from_ref(&root.id)
    );
    assert_eq!(search("q=example").await.len(), 4);
    assert_eq!(search("q=rivera%20jones").await, Vec::<String>::new());
    // With the role filter, and blank as no search.
    assert_eq!(
        search("q=rivera&role=customer").await,
        std::slice::from_ref(&carol.id)
    );
    assert_eq!(
        search("q=&role=admin").await,
        std::slice::from_ref(&root.id)
    );
    // Paged like the list, the search kept in the next link.
    let pages = walk_pages(&app, "/api/v1/users/?q=example&limit=1", &root.access, 4).await;
    assert_eq!(
        pages.concat(),
        [&alice.id, &carol.id, &casey.id, &root.id].map(|s| s.clone())
    );
    // A name change is found at once.
    rename_person(&app, &casey, "Casey", "Rivera").await;
    assert_eq!(
        search("q=rivera").await,
        [alice.id.clone(), carol.id.clone(), casey.id.clone()]
    );

    // Customers may not search; bad searches are 400.
    app.get("/api/v1/users/?q=rivera", Some(&carol.access))
        .await
        .assert_problem(403, "forbidden");
    let long = "a".repeat(201);
    for query in ["q=%21%21%21", &format!("q={long}")] {
        let res = app
            .get(&format!("/api/v1/users/?{query}"), Some(&root.access))
            .await;
        res.assert_problem(400, "validation_failed");
        assert!(res.body["errors"]["q"].is_array(), "{query}: {}", res.body);
    }
}

async fn admin_creates_users_with_temporary_passwords(backend: Backend) {
    const TEMP: &str = "Temporary-pass-4821";
    const OWN: &str = "My own secret phrase 77";
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let root = app.staff("root", Role::Admin).await;
    let body = json!({
        "username": "newagent",
        "email": "New.Agent@example.com",
        "role": "agent",
        "password": TEMP,
        "first_name": "Nora",
        "last_name": "Quinn",
    });

    // Only admins; nothing is created otherwise.
    for token in [&alice.access, &carol.access] {
        app.post("/api/v1/users/", Some(token), &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.post("/api/v1/users/", None, &body)
        .await
        .assert_problem(401, "unauthenticated");
    for (bad, field) in [
        (json!({"role": "boss"}), "role"),
        (json!({"username": "a@b"}), "username"),
        (json!({"email": "not an email"}), "email"),
        (json!({"password": "newagent"}), "password"),
        (json!({"first_name": "x".repeat(151)}), "first_name"),
    ] {
        let mut wrong = body.clone();
        for (k, v) in bad.as_object().unwrap() {
            wrong[k] = v.clone();
        }
        let res = app.post("/api/v1/users/", Some(&root.access), &wrong).await;
        res.assert_problem(400, "validation_failed");
        assert!(
            res.body["errors"][field].is_array(),
            "{field}: {}",
            res.body
        );
    }
    let mut unknown = body.clone();
    unknown["is_staff"] = json!(true);
    app.post("/api/v1/users/", Some(&root.access), &unknown)
        .await
        .assert_problem(400, "validation_failed");
    let mut taken = body.clone();
    taken["username"] = json!("CAROL");
    app.post("/api/v1/users/", Some(&root.access), &taken)
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.login("newagent").await.status, 401);

    let res = app.post("/api/v1/users/", Some(&root.access), &body).await;
    res.assert_status(201);
    assert_eq!(keys(&res.body), account_fields());
    let id = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        res.header("location"),
        Some(format!("/api/v1/users/{id}/").as_str())
    );
    assert_eq!(res.body["role"], "agent");
    assert_eq!(res.body["is_staff"], true);
    assert_eq!(res.body["display_name"], "Nora Quinn");
    assert_eq!(res.body["must_change_password"], true);
    // The admin's user list shows the flag.
    let listed = app.get("/api/v1/users/?q=quinn", Some(&root.access)).await;
    assert_eq!(listed.body[0]["must_change_password"], true);
    // Audited with the admin as the actor.
    let audit = app
        .get(&format!("/api/v1/audit/?target={id}"), Some(&root.access))
        .await;
    audit.assert_status(200);
    assert_eq!(audit.body.as_array().unwrap().len(), 1);
    assert_eq!(audit.body[0]["action"], "user.created");
    assert_eq!(audit.body[0]["actor"], "root");
    assert_eq!(audit.body[0]["actor_id"], root.id.as_str());
    assert_eq!(audit.body[0]["target"], "newagent");
    assert_eq!(audit.body[0]["details"], "role agent, temporary password");

    // The new user signs in and learns they must change the password.
    let login = app
        .post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"email": "new.agent@example.com", "password": TEMP}),
        )
        .await;
    login.assert_status(200);
    assert_eq!(login.body["user"]["must_change_password"], true);
    let access = login.body["access"].as_str().unwrap().to_owned();
    let refresh = login.refresh_cookie().unwrap();
    // Everything but the profile, the password change, refresh and logout is refused.
    let ticket = app.ticket(&carol.access, "Printer").await;
    let ticket_path = format!("/api/v1/tickets/{}/", ticket["id"].as_str().unwrap());
    for res in [
        app.get("/api/v1/tickets/", Some(&access)).await,
        app.get(&ticket_path, Some(&access)).await,
        app.get("/api/v1/users/", Some(&access)).await,
        app.get("/api/v1/assigned-tickets/", Some(&access)).await,
        app.post(
            "/api/v1/tickets/",
            Some(&access),
            &json!({"topic": "t", "description": "d"}),
        )
        .await,
        app.patch(
            &ticket_path,
            Some(&access),
            &json!({"status": "in_progress"}),
        )
        .await,
        app.patch(
            "/api/v1/users/profile/",
            Some(&access),
            &json!({"first_name": "N"}),
        )
        .await,
    ] {
        res.assert_problem(403, "password_change_required");
    }
    let profile = app.get("/api/v1/users/profile/", Some(&access)).await;
    profile.assert_status(200);
    assert_eq!(profile.body["must_change_password"], true);
    let refreshed = app
        .post_cookie("/api/v1/users/auth/refresh/", Some(&refresh))
        .await;
    refreshed.assert_status(200);
    let access = refreshed.body["access"].as_str().unwrap().to_owned();
    app.get("/api/v1/tickets/", Some(&access))
        .await
        .assert_problem(403, "password_change_required");
    // The temporary password cannot be kept.
    let change = |old: &str, new: &str| json!({"old_password": old, "new_password": new, "new_password_confirmation": new});
    app.post(
        "/api/v1/users/profile/change-password/",
        Some(&access),
        &change(TEMP, TEMP),
    )
    .await
    .assert_problem(400, "validation_failed");
    let changed = app
        .post(
            "/api/v1/users/profile/change-password/",
            Some(&access),
            &change(TEMP, OWN),
        )
        .await;
    changed.assert_status(200);
    let access = changed.body["access"].as_str().unwrap().to_owned();
    app.get("/api/v1/tickets/", Some(&access))
        .await
        .assert_status(200);
    app.get(&ticket_path, Some(&access))
        .await
        .assert_status(200);
    let profile = app.get("/api/v1/users/profile/", Some(&access)).await;
    assert_eq!(profile.body["must_change_password"], false);
    let login = app
        .post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"username": "newagent", "password": OWN}),
        )
        .await;
    login.assert_status(200);
    assert_eq!(login.body["user"]["must_change_password"], false);

    // A password that is not temporary works at once.
    let mut lasting = body.clone();
    lasting["username"] = json!("other");
    lasting["email"] = json!("other@example.com");
    lasting["role"] = json!("customer");
    lasting["temporary"] = json!(false);
    let res = app
        .post("/api/v1/users/", Some(&root.access), &lasting)
        .await;
    res.assert_status(201);
    assert_eq!(res.body["must_change_password"], false);
    let login = app
        .post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"username": "other", "password": TEMP}),
        )
        .await;
    let access = login.body["access"].as_str().unwrap();
    app.get("/api/v1/tickets/", Some(access))
        .await
        .assert_status(200);
    let audit = app
        .get(
            &format!("/api/v1/audit/?target={}", res.body["id"].as_str().unwrap()),
            Some(&root.access),
        )
        .await;
    assert_eq!(audit.body[0]["details"], "role customer");
}

backend_tests!(
    staff_list_users,
    staff_search_users,
    admin_manages_users,
    admin_creates_users_with_temporary_passwords,
);
