//! Issue 13, defects 5, 6 and 8: what customers must not observe of staff-only changes, crafted
//! cursors, and files attached to other people's messages.

use ticketing_domain::Role;

use crate::api::helpers::*;

/// Defect 8: a customer may not attach a file to an agent's message (403, nothing stored); the
/// author and staff may, and the attachment names who uploaded it.
async fn attaching_to_another_persons_message(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let agent = app.staff("agent1", Role::Agent).await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let reply = app
        .message(&agent.access, id, "Please try this", false)
        .await;
    let reply_id = reply["id"].as_str().unwrap();

    let res = app
        .upload(
            &carol.access,
            id,
            "official-fix.exe",
            "application/octet-stream",
            b"MZ".to_vec(),
            Some(reply_id),
        )
        .await;
    res.assert_problem(403, "forbidden");
    assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
    let detail = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(&carol.access))
        .await;
    detail.assert_status(200);
    assert_eq!(detail.body["attachments"], serde_json::json!([]));
    assert_eq!(
        detail.body["messages"][0]["attachments"],
        serde_json::json!([])
    );

    // The author attaches to their own message; staff to anyone's.
    let own = app
        .message(&carol.access, id, "Here is the log", false)
        .await;
    let own_id = own["id"].as_str().unwrap();
    let res = app
        .upload(
            &carol.access,
            id,
            "log.txt",
            "text/plain",
            b"log".to_vec(),
            Some(own_id),
        )
        .await;
    res.assert_status(201);
    assert_eq!(res.body["uploaded_by"]["id"], carol.id.as_str());
    assert_eq!(res.body["uploaded_by"]["username"], "carol");
    app.upload(
        &agent.access,
        id,
        "fix.txt",
        "text/plain",
        b"fix".to_vec(),
        Some(own_id),
    )
    .await
    .assert_status(201);
    app.upload(
        &agent.access,
        id,
        "fix2.txt",
        "text/plain",
        b"fix".to_vec(),
        Some(reply_id),
    )
    .await
    .assert_status(201);
}

backend_tests!(attaching_to_another_persons_message);
