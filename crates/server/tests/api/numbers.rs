//! Ticket numbers (in every ticket answer, sequential, found with `q=#N`) and who spoke last
//! (`last_public_message` on list items, never an internal note), through the whole server.

use serde_json::Value;
use ticketing_domain::Role;

use crate::api::helpers::*;
use crate::api::shapes::{LAST_MESSAGE_FIELDS, USER_FIELDS, keys, sorted};

fn number(t: &Value) -> u64 {
    t["number"]
        .as_u64()
        .unwrap_or_else(|| panic!("no number: {t}"))
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect()
}

/// Creation answers, details, PATCH answers and list items carry the number; numbers follow
/// each other; a deleted ticket's number is not given again.
async fn numbers_in_every_ticket_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let first = app.ticket(&carol.access, "First").await;
    let second = app.ticket(&carol.access, "Second").await;
    assert_eq!(number(&second), number(&first) + 1);
    let id = second["id"].as_str().unwrap();

    let detail = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    detail.assert_status(200);
    assert_eq!(number(&detail.body), number(&second));
    let patched = app
        .patch_ticket(&alice.access, id, serde_json::json!({"priority": "high"}))
        .await;
    assert_eq!(number(&patched), number(&second));
    for path in ["/api/v1/tickets/", "/api/v1/my-tickets/"] {
        let list = app.get(path, Some(&carol.access)).await;
        list.assert_status(200);
        let got: Vec<u64> = list.body.as_array().unwrap().iter().map(number).collect();
        assert_eq!(got, [number(&second), number(&first)], "{path}");
    }

    app.delete(&format!("/api/v1/tickets/{id}/"), Some(&alice.access))
        .await
        .assert_status(204);
    let third = app.ticket(&carol.access, "Third").await;
    assert_eq!(number(&third), number(&second) + 1);
}

/// `q=#N` and `q=N` list ticket N first, then the text matches; customers find only their own.
async fn search_by_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let dave = app.register("dave").await;
    let alice = app.staff("alice", Role::Agent).await;
    let sought = app.ticket(&carol.access, "Printer on fire").await;
    let n = number(&sought);
    // Newer tickets that mention the number: they come after it.
    let mention = app.ticket(&carol.access, &format!("Like ticket {n}")).await;
    let theirs = app.ticket(&dave.access, &format!("Also {n}")).await;
    let sought_id = sought["id"].as_str().unwrap();

    for q in [format!("%23{n}"), format!("{n}"), format!("%20%23{n}%20")] {
        let res = app
            .get(&format!("/api/v1/tickets/?q={q}"), Some(&alice.access))
            .await;
        res.assert_status(200);
        assert_eq!(res.header("x-total-count"), Some("3"), "{q}");
        let got = ids(&res.body);
        assert_eq!(got[0], sought_id, "{q}: the numbered ticket first");
        assert_eq!(
            got[1..],
            [
                theirs["id"].as_str().unwrap(),
                mention["id"].as_str().unwrap()
            ],
            "{q}: then the text matches, newest first"
        );
        // One at a time, following the links: the same order.
        let mut walked = Vec::new();
        let mut path = format!("/api/v1/tickets/?q={q}&limit=1");
        for _ in 0..5 {
            let page = app.get(&path, Some(&alice.access)).await;
            page.assert_status(200);
            walked.extend(ids(&page.body).into_iter().map(str::to_owned));
            match page.header("link") {
                Some(link) => {
                    let url = link.split(['<', '>']).nth(1).unwrap().to_owned();
                    path = url;
                }
                None => break,
            }
        }
        assert_eq!(walked, got, "{q}: pages");
    }
    // dave (a customer) finds only his own mention, not carol's ticket of that number.
    let res = app
        .get(&format!("/api/v1/tickets/?q=%23{n}"), Some(&dave.access))
        .await;
    assert_eq!(ids(&res.body), [theirs["id"].as_str().unwrap()]);
    // A number nobody has: an empty list, not an error.
    let res = app
        .get("/api/v1/tickets/?q=%23999999", Some(&alice.access))
        .await;
    res.assert_status(200);
    assert_eq!(res.header("x-total-count"), Some("0"));
}

/// List items say who spoke last: null before any public message, the customer after theirs,
/// the agent after a reply; an internal note changes nothing, for staff and customers alike.
async fn who_spoke_last(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let alice = app.staff("alice", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN down").await;
    let id = t["id"].as_str().unwrap().to_owned();
    assert_eq!(t["last_public_message"], Value::Null);

    let last = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let list = app.get("/api/v1/tickets/", Some(&token)).await;
            list.assert_status(200);
            let item = list
                .body
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id.as_str())
                .unwrap()
                .clone();
            item["last_public_message"].clone()
        }
    };
    assert_eq!(last(alice.access.clone()).await, Value::Null);

    let asked = app.message(&carol.access, &id, "Any news?", false).await;
    for token in [&alice.access, &carol.access] {
        let l = last(token.clone()).await;
        assert_eq!(keys(&l), sorted(LAST_MESSAGE_FIELDS));
        assert_eq!(keys(&l["user"]), sorted(USER_FIELDS));
        assert_eq!(l["user"]["username"], "carol");
        assert_eq!(l["is_staff_message"], false);
        assert_eq!(l["created_at"], asked["created_at"]);
    }
    // An internal note does not count, and customers learn nothing of it.
    app.message(&alice.access, &id, "Checking the logs", true)
        .await;
    for token in [&alice.access, &carol.access] {
        let l = last(token.clone()).await;
        assert_eq!(l["user"]["username"], "carol");
        assert_eq!(l["created_at"], asked["created_at"]);
    }
    let answered = app.message(&alice.access, &id, "Fixed", false).await;
    let l = last(carol.access.clone()).await;
    assert_eq!(l["user"]["username"], "alice");
    assert_eq!(l["is_staff_message"], true);
    assert_eq!(l["created_at"], answered["created_at"]);
    // The detail carries it too.
    let detail = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    assert_eq!(detail.body["last_public_message"], l);
}

backend_tests!(
    numbers_in_every_ticket_answer,
    search_by_number,
    who_spoke_last
);
