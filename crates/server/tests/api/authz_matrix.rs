//! The authorization matrix, generated from one table: every endpoint of the OpenAPI document ×
//! every caller (anonymous, the owner customer, another customer, an agent, an admin, a
//! deactivated user) × every resource it applies to (the owner's ticket, a foreign ticket, the
//! owner's ticket seen through an internal note, a deleted ticket) with the expected status.
//!
//! A documented endpoint without a row fails the test, and so does a row for an endpoint the
//! document does not have. Cells that change state get a fresh resource; the others share one.
//! Where a customer may read a ticket that has an internal note, the answer must not mention the
//! note, its attachment or its activity entry; staff must see them.

use std::collections::{BTreeSet, HashMap};

use reqwest::Method;
use serde_json::{Value, json};
use ticketing_domain::Role;

use crate::api::helpers::*;

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Owner,
    Other,
    Agent,
    Admin,
    Deactivated,
}

/// The column order of every row.
const CALLERS: [Who; 6] = [
    Who::Anonymous,
    Who::Owner,
    Who::Other,
    Who::Agent,
    Who::Admin,
    Who::Deactivated,
];

/// What `{id}` (and `{aid}`) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Res {
    /// The endpoint has no resource in its path.
    Nothing,
    /// The owner customer's ticket (and an attachment the owner uploaded); for `/users/{id}/`,
    /// the owner's account.
    Own,
    /// A ticket (and attachment) of a third customer; for `/users/{id}/`, that customer.
    Foreign,
    /// The owner's ticket with a staff internal note; `{aid}` is the note's attachment.
    Note,
    /// The owner's ticket after a staff member deleted it; for `/users/{id}/`, an unknown id.
    Deleted,
}

#[derive(Debug, Clone, Copy)]
enum Body {
    Empty,
    Json(&'static str),
    Upload,
    /// No body, and the answer is an endless stream: only its status is read when it is a 2xx.
    Stream,
}

/// One row: an operation (`label` tells variants of one operation apart) and, per resource, the
/// expected status for each caller in [`CALLERS`] order.
struct Row {
    method: &'static str,
    path: &'static str,
    label: &'static str,
    body: Body,
    cells: &'static [(Res, [u16; 6])],
}

const NOTE_TEXT: &str = "matrix-secret-internal-note";
const NOTE_FILE: &str = "matrix-secret-note.txt";

use Res::{Deleted, Foreign, Note, Nothing, Own};

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // Public endpoints: the bearer header changes nothing.          anon owner other agent admin deact
    Row { method: "POST", path: "/api/v1/users/auth/register/", label: "too short a password", body: Body::Json(r#"{"email": "matrix@example.com", "password": "short"}"#),
          cells: &[(Nothing, [400, 400, 400, 400, 400, 400])] },
    Row { method: "POST", path: "/api/v1/users/auth/login/", label: "the owner's credentials", body: Body::Json(r#"{"username": "carol", "password": "correct horse battery staple"}"#),
          cells: &[(Nothing, [200, 200, 200, 200, 200, 200])] },
    Row { method: "POST", path: "/api/v1/users/auth/refresh/", label: "no cookie", body: Body::Empty,
          cells: &[(Nothing, [401, 401, 401, 401, 401, 401])] },
    Row { method: "POST", path: "/api/v1/users/auth/logout/", label: "no cookie", body: Body::Empty,
          cells: &[(Nothing, [204, 204, 204, 204, 204, 204])] },
    // Password reset by mail: this server has no mail set up (503); a bad token is 400.
    Row { method: "POST", path: "/api/v1/users/auth/password-reset/", label: "no mail configured", body: Body::Json(r#"{"email": "carol@example.com"}"#),
          cells: &[(Nothing, [503, 503, 503, 503, 503, 503])] },
    Row { method: "POST", path: "/api/v1/users/auth/password-reset/confirm/", label: "unknown token", body: Body::Json(r#"{"token": "not-a-reset-token", "new_password": "another long passphrase"}"#),
          cells: &[(Nothing, [400, 400, 400, 400, 400, 400])] },
    Row { method: "GET", path: "/healthz", label: "", body: Body::Empty,
          cells: &[(Nothing, [200, 200, 200, 200, 200, 200])] },
    Row { method: "GET", path: "/readyz", label: "", body: Body::Empty,
          cells: &[(Nothing, [200, 200, 200, 200, 200, 200])] },
    // The caller's own account.
    Row { method: "GET", path: "/api/v1/users/profile/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "PUT", path: "/api/v1/users/profile/", label: "", body: Body::Json(r#"{"first_name": "Matrix"}"#),
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "PATCH", path: "/api/v1/users/profile/", label: "", body: Body::Json(r#"{"last_name": "Matrix"}"#),
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "POST", path: "/api/v1/users/profile/change-password/", label: "wrong old password", body: Body::Json(r#"{"old_password": "not the password", "new_password": "another long passphrase"}"#),
          cells: &[(Nothing, [401, 400, 400, 400, 400, 401])] },
    // The caller's notification preferences.
    Row { method: "GET", path: "/api/v1/users/profile/notifications/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "PATCH", path: "/api/v1/users/profile/notifications/", label: "", body: Body::Json(r#"{"status": false}"#),
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    // The caller's API tokens: with a session only (the deactivated user's session is dead).
    Row { method: "GET", path: "/api/v1/users/profile/tokens/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "POST", path: "/api/v1/users/profile/tokens/", label: "", body: Body::Json(r#"{"name": "Matrix token", "scope": "read"}"#),
          cells: &[(Nothing, [401, 201, 201, 201, 201, 401])] },
    Row { method: "DELETE", path: "/api/v1/users/profile/tokens/{id}/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 204, 404, 404, 404, 401]),
                   (Foreign, [401, 404, 404, 404, 404, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // Users.
    Row { method: "GET", path: "/api/v1/users/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 403, 403, 200, 200, 401])] },
    Row { method: "POST", path: "/api/v1/users/", label: "a new agent, temporary password", body: Body::Json(r#"{"username": "matrixnew", "email": "matrixnew@example.com", "role": "agent", "password": "a long temporary passphrase"}"#),
          cells: &[(Nothing, [401, 403, 403, 403, 201, 401])] },
    Row { method: "PATCH", path: "/api/v1/users/{id}/", label: "", body: Body::Json(r#"{"is_active": true}"#),
          cells: &[(Own,     [401, 403, 403, 403, 200, 401]),
                   (Foreign, [401, 403, 403, 403, 200, 401]),
                   (Deleted, [401, 403, 403, 403, 404, 401])] },
    // The audit log: admins only.
    Row { method: "GET", path: "/api/v1/audit/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 403, 403, 403, 200, 401])] },
    // The mails given up: admins only.
    Row { method: "GET", path: "/api/v1/mail/failures/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 403, 403, 403, 200, 401])] },
    // Ticket lists and creation.
    Row { method: "GET", path: "/api/v1/tickets/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "GET", path: "/api/v1/my-tickets/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
    Row { method: "GET", path: "/api/v1/assigned-tickets/", label: "", body: Body::Empty,
          cells: &[(Nothing, [401, 403, 403, 200, 200, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/", label: "", body: Body::Json(r#"{"topic": "Matrix", "description": "A matrix ticket"}"#),
          cells: &[(Nothing, [401, 201, 201, 201, 201, 401])] },
    // One ticket.
    Row { method: "GET", path: "/api/v1/tickets/{id}/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "PATCH", path: "/api/v1/tickets/{id}/", label: "topic", body: Body::Json(r#"{"topic": "Edited by the matrix"}"#),
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "PATCH", path: "/api/v1/tickets/{id}/", label: "priority (staff only)", body: Body::Json(r#"{"priority": "critical"}"#),
          cells: &[(Own,     [401, 403, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 403, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "PATCH", path: "/api/v1/tickets/{id}/", label: "close", body: Body::Json(r#"{"status": "closed"}"#),
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "PUT", path: "/api/v1/tickets/{id}/", label: "topic", body: Body::Json(r#"{"topic": "Put by the matrix"}"#),
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "DELETE", path: "/api/v1/tickets/{id}/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 403, 404, 204, 204, 401]),
                   (Foreign, [401, 404, 404, 204, 204, 401]),
                   (Note,    [401, 403, 404, 204, 204, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // Messages.
    Row { method: "GET", path: "/api/v1/tickets/{id}/messages/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/messages/", label: "public reply", body: Body::Json(r#"{"message": "A matrix reply"}"#),
          cells: &[(Own,     [401, 201, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Note,    [401, 201, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/messages/", label: "internal note", body: Body::Json(r#"{"message": "A matrix note", "internal": true}"#),
          cells: &[(Own,     [401, 403, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Note,    [401, 403, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/messages/", label: "reply and resolve (staff only)", body: Body::Json(r#"{"message": "Solved", "status": "resolved"}"#),
          cells: &[(Own,     [401, 403, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Note,    [401, 403, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/messages/", label: "reply and close", body: Body::Json(r#"{"message": "Thanks", "status": "closed"}"#),
          cells: &[(Own,     [401, 201, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/messages/", label: "reply and assign (staff only)", body: Body::Json(r#"{"message": "Mine now", "assigned_to": null, "priority": "high"}"#),
          cells: &[(Own,     [401, 403, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // Presence: staff only (a customer's own ticket is 403, another's 404, as everywhere).
    Row { method: "POST", path: "/api/v1/tickets/{id}/presence/", label: "viewing", body: Body::Json(r#"{"state": "viewing"}"#),
          cells: &[(Own,     [401, 403, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 403, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "DELETE", path: "/api/v1/tickets/{id}/presence/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 403, 404, 204, 204, 401]),
                   (Foreign, [401, 404, 404, 204, 204, 401]),
                   (Note,    [401, 403, 404, 204, 204, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // Bulk changes: staff only; the ticket named in the body (`{id}`) is answered inside the 200.
    Row { method: "POST", path: "/api/v1/tickets/bulk/", label: "priority", body: Body::Json(r#"{"ids": ["{id}"], "changes": {"priority": "low"}}"#),
          cells: &[(Own,     [401, 403, 403, 200, 200, 401]),
                   (Foreign, [401, 403, 403, 200, 200, 401]),
                   (Note,    [401, 403, 403, 200, 200, 401]),
                   (Deleted, [401, 403, 403, 200, 200, 401])] },
    // Attachments.
    Row { method: "GET", path: "/api/v1/tickets/{id}/attachments/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "POST", path: "/api/v1/tickets/{id}/attachments/", label: "", body: Body::Upload,
          cells: &[(Own,     [401, 201, 404, 201, 201, 401]),
                   (Foreign, [401, 404, 404, 201, 201, 401]),
                   (Note,    [401, 201, 404, 201, 201, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "GET", path: "/api/v1/tickets/{id}/attachments/{aid}/download/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 404, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    Row { method: "DELETE", path: "/api/v1/tickets/{id}/attachments/{aid}/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 204, 404, 204, 204, 401]),
                   (Foreign, [401, 404, 404, 204, 204, 401]),
                   (Note,    [401, 404, 404, 204, 204, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // The activity log.
    Row { method: "GET", path: "/api/v1/tickets/{id}/activities/", label: "", body: Body::Empty,
          cells: &[(Own,     [401, 200, 404, 200, 200, 401]),
                   (Foreign, [401, 404, 404, 200, 200, 401]),
                   (Note,    [401, 200, 404, 200, 200, 401]),
                   (Deleted, [401, 404, 404, 404, 404, 401])] },
    // The event stream: every signed-in user has one (what it carries: api/events.rs).
    Row { method: "GET", path: "/api/v1/events/", label: "", body: Body::Stream,
          cells: &[(Nothing, [401, 200, 200, 200, 200, 401])] },
];

/// The people of the matrix.
struct World {
    owner: TestUser,
    other: TestUser,
    third: TestUser,
    agent: TestUser,
    admin: TestUser,
    gone: TestUser,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Owner => Some(&self.owner.access),
            Who::Other => Some(&self.other.access),
            Who::Agent => Some(&self.agent.access),
            Who::Admin => Some(&self.admin.access),
            Who::Deactivated => Some(&self.gone.access),
        }
    }
}

/// What the path parameters of a cell name.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    aid: String,
}

async fn upload(
    app: &TestApp,
    token: &str,
    ticket: &str,
    name: &str,
    message: Option<&str>,
) -> String {
    let res = app
        .upload(
            token,
            ticket,
            name,
            "text/plain",
            b"matrix".to_vec(),
            message,
        )
        .await;
    res.assert_status(201);
    res.body["id"].as_str().unwrap().to_owned()
}

/// Makes a fresh resource of kind `res`.
async fn make(app: &TestApp, w: &World, res: Res) -> Target {
    let ticket = |owner: &TestUser| {
        let token = owner.access.clone();
        async move {
            app.ticket(&token, "Matrix subject").await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    match res {
        Res::Nothing => Target {
            id: String::new(),
            aid: String::new(),
        },
        Res::Own => {
            let id = ticket(&w.owner).await;
            let aid = upload(app, &w.owner.access, &id, "own.txt", None).await;
            Target { id, aid }
        }
        Res::Foreign => {
            let id = ticket(&w.third).await;
            let aid = upload(app, &w.third.access, &id, "foreign.txt", None).await;
            Target { id, aid }
        }
        Res::Note => {
            let id = ticket(&w.owner).await;
            app.message(&w.owner.access, &id, "A public question", false)
                .await;
            let note = app.message(&w.agent.access, &id, NOTE_TEXT, true).await;
            let note_id = note["id"].as_str().unwrap().to_owned();
            let aid = upload(app, &w.agent.access, &id, NOTE_FILE, Some(&note_id)).await;
            Target { id, aid }
        }
        Res::Deleted => {
            let id = ticket(&w.owner).await;
            let aid = upload(app, &w.owner.access, &id, "deleted.txt", None).await;
            app.delete(&format!("/api/v1/tickets/{id}/"), Some(&w.agent.access))
                .await
                .assert_status(204);
            Target { id, aid }
        }
    }
}

/// `{id}` of the `/users/{id}/` rows.
fn user_target(w: &World, res: Res) -> Target {
    let id = match res {
        Res::Own => w.owner.id.clone(),
        Res::Foreign => w.third.id.clone(),
        _ => uuid::Uuid::now_v7().to_string(),
    };
    Target {
        id,
        aid: String::new(),
    }
}

/// `{id}` of the `/users/profile/tokens/{id}/` rows: a fresh token of the owner (`Own`) or of the
/// third customer (`Foreign`), or an unknown id.
async fn token_target(app: &TestApp, w: &World, res: Res) -> Target {
    let holder = match res {
        Res::Own => Some(&w.owner),
        Res::Foreign => Some(&w.third),
        _ => None,
    };
    let id = match holder {
        Some(user) => {
            let created = app
                .post(
                    "/api/v1/users/profile/tokens/",
                    Some(&user.access),
                    &json!({"name": format!("matrix {}", uuid::Uuid::now_v7()), "scope": "write"}),
                )
                .await;
            created.assert_status(201);
            created.body["id"].as_str().unwrap().to_owned()
        }
        None => uuid::Uuid::now_v7().to_string(),
    };
    Target {
        id,
        aid: String::new(),
    }
}

/// Checks that a customer's view of the internal-note ticket hides the note and that staff see it.
#[track_caller]
fn check_note_visibility(row: &Row, who: Who, res: &Resp) {
    let text = res.text();
    let markers = [NOTE_TEXT, NOTE_FILE, "internal_note_added"];
    match who {
        Who::Owner | Who::Other => {
            for m in markers {
                assert!(
                    !text.contains(m),
                    "{} {}: a customer sees `{m}`: {text}",
                    row.method,
                    row.path
                );
            }
        }
        Who::Agent | Who::Admin if row.method == "GET" && !row.path.ends_with("/download/") => {
            assert!(
                markers.iter().any(|m| text.contains(m)),
                "{} {}: staff should see the internal note: {text}",
                row.method,
                row.path
            );
        }
        _ => {}
    }
}

async fn authorization_matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let world = World {
        owner: app.register("carol").await,
        other: app.register("dave").await,
        third: app.register("erin").await,
        agent: app.staff("alice", Role::Agent).await,
        admin: app.staff("root", Role::Admin).await,
        gone: app.staff("gone", Role::Agent).await,
    };
    app.patch(
        &format!("/api/v1/users/{}/", world.gone.id),
        Some(&world.admin.access),
        &json!({"is_active": false}),
    )
    .await
    .assert_status(200);

    // Every documented operation has a row, and every row is a documented operation.
    let doc: Value = serde_json::from_str(&ticketing_http::openapi_json()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let in_table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&in_table).collect();
    assert!(
        missing.is_empty(),
        "endpoints of the OpenAPI document without a row in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = in_table.difference(&documented).collect();
    assert!(
        stale.is_empty(),
        "rows for endpoints the document does not have: {stale:?}"
    );

    let mut shared: HashMap<Res, Target> = HashMap::new();
    let mut failures = Vec::new();
    let mut cells = 0;
    for row in TABLE {
        let mutates = row.method != "GET";
        for (res, expected) in row.cells {
            for (who, want) in CALLERS.iter().zip(expected) {
                let target = if row.path.starts_with("/api/v1/users/{id}") {
                    user_target(&world, *res)
                } else if row.path.starts_with("/api/v1/users/profile/tokens/{id}") {
                    token_target(&app, &world, *res).await
                } else if mutates {
                    make(&app, &world, *res).await
                } else {
                    match shared.get(res) {
                        Some(t) => t.clone(),
                        None => {
                            let t = make(&app, &world, *res).await;
                            shared.insert(*res, t.clone());
                            t
                        }
                    }
                };
                let path = row
                    .path
                    .replace("{id}", &target.id)
                    .replace("{aid}", &target.aid);
                let method = Method::from_bytes(row.method.as_bytes()).unwrap();
                let mut rb = app.request(method, &path, world.token(*who));
                rb = match row.body {
                    Body::Empty | Body::Stream => rb,
                    Body::Json(text) => rb.json(
                        &serde_json::from_str::<Value>(&text.replace("{id}", &target.id)).unwrap(),
                    ),
                    Body::Upload => rb.multipart(
                        reqwest::multipart::Form::new().part(
                            "file",
                            reqwest::multipart::Part::bytes(b"matrix upload".to_vec())
                                .file_name("matrix.txt"),
                        ),
                    ),
                };
                let res_ = match row.body {
                    Body::Stream => {
                        let sent = rb.send().await.expect("the request is answered");
                        if sent.status().is_success() {
                            Resp {
                                status: sent.status().as_u16(),
                                headers: sent.headers().clone(),
                                bytes: Vec::new(),
                                body: Value::Null,
                            }
                        } else {
                            let status = sent.status().as_u16();
                            let headers = sent.headers().clone();
                            let bytes = sent.bytes().await.expect("a body").to_vec();
                            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                            Resp {
                                status,
                                headers,
                                bytes,
                                body,
                            }
                        }
                    }
                    _ => fetch(rb).await,
                };
                cells += 1;
                if res_.status != *want {
                    failures.push(format!(
                        "{} {} [{}] as {who:?} on {res:?}: expected {want}, got {} {}",
                        row.method,
                        row.path,
                        row.label,
                        res_.status,
                        res_.text()
                    ));
                    continue;
                }
                if res_.status >= 400 {
                    assert_eq!(
                        res_.header("content-type"),
                        Some("application/problem+json"),
                        "{} {} as {who:?}",
                        row.method,
                        row.path
                    );
                }
                if *res == Res::Note && res_.status < 300 {
                    check_note_visibility(row, *who, &res_);
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells of the authorization matrix failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells > 400, "only {cells} cells");
}

backend_tests!(authorization_matrix);
