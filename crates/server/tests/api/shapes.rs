//! Expected JSON shapes (the exact field sets of `docs/api-guide.md`) and helpers to read answers.

use serde_json::Value;

use super::helpers::{TestApp, TestUser};

/// The keys of a JSON object, sorted.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

/// Sorted owned strings.
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

/// The fields of a user object.
pub const USER_FIELDS: &[&str] = &[
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "display_name",
    "role",
    "is_staff",
    "is_active",
];

/// The fields of an account (the profile, the login answer's user, the admin's user list): a
/// user's and `must_change_password`.
pub fn account_fields() -> Vec<String> {
    let mut f: Vec<&str> = USER_FIELDS.to_vec();
    f.push("must_change_password");
    sorted(&f)
}

/// The fields of a ticket list item.
pub const TICKET_FIELDS: &[&str] = &[
    "id",
    "number",
    "user",
    "assigned_to",
    "topic",
    "description",
    "status",
    "status_display",
    "priority",
    "priority_display",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "message_count",
    "version",
    "last_public_message",
];

/// The fields of a ticket's `last_public_message` (when not null).
pub const LAST_MESSAGE_FIELDS: &[&str] = &["user", "is_staff_message", "created_at"];

/// The fields of a message.
pub const MESSAGE_FIELDS: &[&str] = &[
    "id",
    "ticket",
    "user",
    "message",
    "is_staff_message",
    "internal",
    "created_at",
    "attachments",
];

/// The fields of an attachment.
pub const ATTACHMENT_FIELDS: &[&str] = &[
    "id",
    "ticket",
    "message",
    "filename",
    "filesize",
    "content_type",
    "uploaded_by",
    "uploaded_at",
    "file_url",
];

/// The fields of an activity entry.
pub const ACTIVITY_FIELDS: &[&str] = &[
    "id",
    "ticket",
    "action",
    "action_display",
    "performed_by",
    "details",
    "field",
    "from",
    "to",
    "created_at",
];

/// The fields of a ticket detail.
pub fn detail_fields() -> Vec<String> {
    let mut f: Vec<&str> = TICKET_FIELDS.to_vec();
    f.extend([
        "messages",
        "messages_more",
        "messages_next",
        "attachments",
        "attachments_more",
        "attachments_next",
        "activities",
        "activities_more",
        "activities_next",
        "allowed",
    ]);
    sorted(&f)
}

/// Asserts that `account` is the account of `expected` (a user object with
/// `must_change_password: false`).
#[track_caller]
pub fn assert_account(account: &Value, expected: &TestUser, role: &str) {
    assert_eq!(keys(account), account_fields(), "account: {account}");
    assert_eq!(account["must_change_password"], false);
    let mut user = account.clone();
    user.as_object_mut().unwrap().remove("must_change_password");
    assert_user(&user, expected, role);
}

/// Asserts that `user` is the user object of `expected`.
#[track_caller]
pub fn assert_user(user: &Value, expected: &TestUser, role: &str) {
    assert_eq!(keys(user), sorted(USER_FIELDS), "user: {user}");
    assert_eq!(user["id"], expected.id.as_str());
    assert_eq!(user["username"], expected.username.as_str());
    assert_eq!(user["email"], expected.email.as_str());
    assert_eq!(user["role"], role);
    assert_eq!(user["is_staff"], role != "customer");
    assert_eq!(user["is_active"], true);
}

/// Asserts an RFC 3339 UTC timestamp ending in `Z`.
#[track_caller]
pub fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    assert!(s.ends_with('Z'), "not UTC with Z: {s}");
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
}

/// The `(action, details)` pairs of an activity list, newest first.
pub fn actions(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().expect("action").to_owned(),
                a["details"].as_str().expect("details").to_owned(),
            )
        })
        .collect()
}

/// Owned `(action, details)` pairs.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, d)| ((*a).to_owned(), (*d).to_owned()))
        .collect()
}

/// The ids of a JSON array of objects.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|t| t["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// Follows `Link: rel="next"` from `first`, returning every page's ids and checking the total.
pub async fn walk_pages(app: &TestApp, first: &str, token: &str, total: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(path) = next.take() {
        let res = app.get(&path, Some(token)).await;
        res.assert_status(200);
        assert_eq!(
            res.header("x-total-count"),
            Some(total.to_string().as_str())
        );
        pages.push(ids(&res.body));
        if let Some(link) = res.header("link") {
            let target = link
                .strip_prefix('<')
                .and_then(|l| l.strip_suffix(">; rel=\"next\""))
                .unwrap_or_else(|| panic!("a next link: {link}"));
            next = Some(target.to_owned());
        }
        assert!(pages.len() <= total + 1, "endless pages");
    }
    pages
}
