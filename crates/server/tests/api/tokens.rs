//! Access and refresh tokens through the HTTP API, with JWTs crafted by hand (base64 + HMAC):
//! `alg: none`, other HMAC sizes, RS256 confusion, a wrong key, expired and not-yet-valid tokens,
//! truncated and tampered ones, forged claims (role, subject, epoch, kind), refresh and access
//! tokens swapped, a refresh race, and tokens after a password change or a deactivation.
//! `crates/crypto/tests` covers the verifier itself; this checks what the server does with it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Sha256, Sha384, Sha512};
use ticketing_domain::Role;

use crate::api::helpers::*;

const PROFILE: &str = "/api/v1/users/profile/";
const REFRESH: &str = "/api/v1/users/auth/refresh/";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT with this header and these claims, signed by `sign` over `header.payload`.
fn craft(header: Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = sign(message.as_bytes());
    format!("{message}.{}", b64(&signature))
}

fn hs256(key: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = key.to_vec();
    move |m| {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(m);
        mac.finalize().into_bytes().to_vec()
    }
}

fn hs384(key: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = key.to_vec();
    move |m| {
        let mut mac = Hmac::<Sha384>::new_from_slice(&key).unwrap();
        mac.update(m);
        mac.finalize().into_bytes().to_vec()
    }
}

fn hs512(key: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = key.to_vec();
    move |m| {
        let mut mac = Hmac::<Sha512>::new_from_slice(&key).unwrap();
        mac.update(m);
        mac.finalize().into_bytes().to_vec()
    }
}

fn jwt_header(alg: &str) -> Value {
    json!({"alg": alg, "typ": "JWT"})
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a valid access token of `user` at epoch `ep`.
fn claims(user: &str, role: &str, ep: i64) -> Value {
    let t = now();
    json!({
        "sub": user, "role": role, "exp": t + 600, "iat": t, "nbf": t,
        "jti": uuid::Uuid::new_v4().to_string(), "ep": ep, "typ": "access",
    })
}

/// The claims of a token the server issued.
fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON claims")
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// GET the profile with `token`: the status and the problem code.
async fn profile_with(app: &TestApp, token: &str) -> Resp {
    app.get(PROFILE, Some(token)).await
}

#[track_caller]
fn assert_refused(res: &Resp, code: &str, what: &str) {
    assert_eq!(res.status, 401, "{what}: {}", res.text());
    assert_eq!(res.body["code"], code, "{what}: {}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("application/problem+json"),
        "{what}"
    );
    assert_eq!(res.header("www-authenticate"), Some("Bearer"), "{what}");
}

async fn forged_and_malformed_access_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let key = JWT_SECRET.as_bytes();
    let ep = payload(&carol.access)["ep"].as_i64().unwrap();
    let good = claims(&carol.id, "customer", ep);

    // Control: a hand-made token with the right key and claims is accepted, so every refusal
    // below is about the one thing that was changed.
    let control = craft(jwt_header("HS256"), &good, hs256(key));
    profile_with(&app, &control).await.assert_status(200);
    // The scheme is case-insensitive (RFC 9110); anything else is not a bearer token.
    fetch(
        app.request(Method::GET, PROFILE, None)
            .header("authorization", format!("bearer {control}")),
    )
    .await
    .assert_status(200);

    let t = now();
    let real_sig = carol.access.rsplit('.').next().unwrap().to_owned();
    let real_head_body = carol.access.rsplit_once('.').unwrap().0.to_owned();
    let mut rsa_like = vec![0u8; 256];
    rsa_like[0] = 1;
    let big = format!(
        "{}.{}.{}",
        b64(jwt_header("HS256").to_string().as_bytes()),
        b64(with(good.clone(), "pad", json!("x".repeat(5000)))
            .to_string()
            .as_bytes()),
        "x"
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none, no signature",
            format!(
                "{}.{}.",
                b64(jwt_header("none").to_string().as_bytes()),
                b64(good.to_string().as_bytes())
            ),
            "unauthenticated",
        ),
        (
            "alg None with the real signature",
            craft(jwt_header("None"), &good, hs256(key)),
            "unauthenticated",
        ),
        (
            "alg NONE",
            format!(
                "{}.{}.",
                b64(jwt_header("NONE").to_string().as_bytes()),
                b64(good.to_string().as_bytes())
            ),
            "unauthenticated",
        ),
        (
            "HS512 with the server's secret",
            craft(jwt_header("HS512"), &good, hs512(key)),
            "unauthenticated",
        ),
        (
            "HS384 with the server's secret",
            craft(jwt_header("HS384"), &good, hs384(key)),
            "unauthenticated",
        ),
        (
            "RS256 header, HMAC-SHA256 signature with the secret (key confusion)",
            craft(jwt_header("RS256"), &good, hs256(key)),
            "unauthenticated",
        ),
        (
            "RS256 header, an RSA-sized signature",
            craft(jwt_header("RS256"), &good, |_| rsa_like.clone()),
            "unauthenticated",
        ),
        (
            "ES256 header",
            craft(jwt_header("ES256"), &good, hs256(key)),
            "unauthenticated",
        ),
        (
            "HS256 with a jwk header naming the attacker's key",
            craft(
                json!({"alg": "HS256", "typ": "JWT", "jwk": {"kty": "oct", "k": b64(b"attacker key of 32 bytes or more!!")}}),
                &good,
                hs256(b"attacker key of 32 bytes or more!!"),
            ),
            "unauthenticated",
        ),
        (
            "a wrong key",
            craft(
                jwt_header("HS256"),
                &good,
                hs256(b"another secret of at least thirty-two bytes"),
            ),
            "unauthenticated",
        ),
        (
            "the empty key",
            craft(jwt_header("HS256"), &good, hs256(b"")),
            "unauthenticated",
        ),
        (
            "expired",
            craft(
                jwt_header("HS256"),
                &with(
                    with(
                        with(good.clone(), "exp", json!(t - 10)),
                        "iat",
                        json!(t - 900),
                    ),
                    "nbf",
                    json!(t - 900),
                ),
                hs256(key),
            ),
            "token_expired",
        ),
        (
            "expired and signed with a wrong key (no expiry oracle)",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "exp", json!(t - 10)),
                hs256(b"another secret of at least thirty-two bytes"),
            ),
            "unauthenticated",
        ),
        (
            "not yet valid (nbf in two minutes)",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "nbf", json!(t + 120)),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "issued in the future (iat in two minutes)",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "iat", json!(t + 120)),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "without exp",
            craft(
                jwt_header("HS256"),
                &without(good.clone(), "exp"),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "without nbf",
            craft(
                jwt_header("HS256"),
                &without(good.clone(), "nbf"),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "exp as a string",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "exp", json!((t + 600).to_string())),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "a refresh-kind token",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "typ", json!("refresh")),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "no kind",
            craft(
                jwt_header("HS256"),
                &without(good.clone(), "typ"),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "an unknown user",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "sub", json!(uuid::Uuid::now_v7().to_string())),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "a subject that is not a user id",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "sub", json!("carol")),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "another token epoch",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "ep", json!(ep + 1)),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "an unknown role",
            craft(
                jwt_header("HS256"),
                &with(good.clone(), "role", json!("root")),
                hs256(key),
            ),
            "unauthenticated",
        ),
        (
            "truncated by one character",
            carol.access[..carol.access.len() - 1].to_owned(),
            "unauthenticated",
        ),
        (
            "signature cut off",
            format!("{real_head_body}."),
            "unauthenticated",
        ),
        ("two segments", real_head_body.clone(), "unauthenticated"),
        (
            "the header only",
            carol.access.split('.').next().unwrap().to_owned(),
            "unauthenticated",
        ),
        (
            "four segments",
            format!("{}.{real_sig}", carol.access),
            "unauthenticated",
        ),
        (
            "claims swapped for an admin's, signature kept",
            format!(
                "{}.{}.{real_sig}",
                carol.access.split('.').next().unwrap(),
                b64(with(good.clone(), "role", json!("admin"))
                    .to_string()
                    .as_bytes())
            ),
            "unauthenticated",
        ),
        ("longer than 4 KiB", big, "unauthenticated"),
        ("not base64", "@@@.@@@.@@@".to_owned(), "unauthenticated"),
    ];
    for (what, token, code) in &cases {
        let res = profile_with(&app, token).await;
        assert_refused(&res, code, what);
    }
    // Other ways of presenting a token are not accepted.
    for (what, header) in [
        ("Basic scheme", format!("Basic {control}")),
        ("no scheme", control.clone()),
        ("empty bearer", "Bearer ".to_owned()),
        ("token scheme", format!("Token {control}")),
    ] {
        let res = fetch(
            app.request(Method::GET, PROFILE, None)
                .header("authorization", header),
        )
        .await;
        assert_refused(&res, "unauthenticated", what);
    }
    let res = app
        .get(&format!("{PROFILE}?access_token={control}"), None)
        .await;
    assert_refused(&res, "unauthenticated", "a token in the query string");

    // A correctly signed token whose role claim says admin does not make a customer an admin:
    // the role comes from the account, not from the token.
    let escalated = craft(
        jwt_header("HS256"),
        &with(good.clone(), "role", json!("admin")),
        hs256(key),
    );
    app.get("/api/v1/users/", Some(&escalated))
        .await
        .assert_problem(403, "forbidden");
    let me = profile_with(&app, &escalated).await;
    me.assert_status(200);
    assert_eq!(me.body["role"], "customer");
}

async fn refresh_and_access_tokens_are_not_interchangeable(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let t = app.ticket(&carol.access, "VPN").await;
    let id = t["id"].as_str().unwrap();
    let up = app
        .upload(
            &carol.access,
            id,
            "a.txt",
            "text/plain",
            b"abc".to_vec(),
            None,
        )
        .await;
    up.assert_status(201);
    let file_url = up.body["file_url"].as_str().unwrap().to_owned();
    let download_token = file_url.split("token=").nth(1).unwrap().to_owned();

    // A refresh token as a bearer token, and a download token too.
    assert_refused(
        &profile_with(&app, &carol.refresh).await,
        "unauthenticated",
        "refresh token as access token",
    );
    assert_refused(
        &profile_with(&app, &download_token).await,
        "unauthenticated",
        "download token as access token",
    );
    // An access token as the refresh cookie.
    app.post_cookie(REFRESH, Some(&carol.access))
        .await
        .assert_problem(401, "unauthenticated");
    // An access token as a download token.
    let path = file_url.split('?').next().unwrap();
    fetch(
        app.client
            .get(app.url(&format!("{path}?token={}", carol.access))),
    )
    .await
    .assert_problem(401, "unauthenticated");
    // None of the refused attempts touched the real session: the refresh token still rotates.
    let res = app.post_cookie(REFRESH, Some(&carol.refresh)).await;
    res.assert_status(200);
    let access = res.body["access"].as_str().unwrap();
    profile_with(&app, access).await.assert_status(200);
    // The download link works as issued.
    fetch(app.client.get(app.url(&file_url)))
        .await
        .assert_status(200);
}

async fn refresh_race_and_reuse_revoke_the_family(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let laptop = app.login("carol").await;
    laptop.assert_status(200);
    let laptop_refresh = laptop.refresh_cookie().unwrap();

    // The same refresh token presented twice at once (a stolen copy racing the owner): exactly
    // one rotation succeeds, the other is a reuse, and the whole family dies with it.
    let (a, b) = tokio::join!(
        app.post_cookie(REFRESH, Some(&carol.refresh)),
        app.post_cookie(REFRESH, Some(&carol.refresh)),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{} / {}", a.text(), b.text());
    let winner = if a.status == 200 { &a } else { &b };
    let rotated = winner.refresh_cookie().unwrap();
    app.post_cookie(REFRESH, Some(&rotated))
        .await
        .assert_problem(401, "unauthenticated");
    app.post_cookie(REFRESH, Some(&carol.refresh))
        .await
        .assert_problem(401, "unauthenticated");
    // Another session of the same user (another family) is not affected.
    app.post_cookie(REFRESH, Some(&laptop_refresh))
        .await
        .assert_status(200);
}

async fn tokens_after_password_change_and_deactivation(backend: Backend) {
    let app = spawn_app(backend).await;
    let carol = app.register("carol").await;
    let root = app.staff("root", Role::Admin).await;
    let key = JWT_SECRET.as_bytes();
    let ep0 = payload(&carol.access)["ep"].as_i64().unwrap();
    let forged_old = craft(
        jwt_header("HS256"),
        &claims(&carol.id, "customer", ep0),
        hs256(key),
    );
    profile_with(&app, &forged_old).await.assert_status(200);

    // A password change moves the account to a new token epoch: every token of the old one,
    // even a correctly signed fresh one, is dead; the new access token carries the new epoch.
    const NEW: &str = "a much better passphrase";
    let res = app
        .post(
            "/api/v1/users/profile/change-password/",
            Some(&carol.access),
            &json!({"old_password": PASSWORD, "new_password": NEW}),
        )
        .await;
    res.assert_status(200);
    let fresh = res.body["access"].as_str().unwrap().to_owned();
    let ep1 = payload(&fresh)["ep"].as_i64().unwrap();
    assert_ne!(ep1, ep0);
    for (what, token) in [
        ("old access token", &carol.access),
        ("forged old epoch", &forged_old),
    ] {
        assert_refused(&profile_with(&app, token).await, "unauthenticated", what);
    }
    let forged_new = craft(
        jwt_header("HS256"),
        &claims(&carol.id, "customer", ep1),
        hs256(key),
    );
    profile_with(&app, &fresh).await.assert_status(200);
    profile_with(&app, &forged_new).await.assert_status(200);

    // Deactivation: every token stops working at once, whatever its epoch.
    let user_path = format!("/api/v1/users/{}/", carol.id);
    app.patch(&user_path, Some(&root.access), &json!({"is_active": false}))
        .await
        .assert_status(200);
    for (what, token) in [
        ("issued access token", &fresh),
        ("forged current epoch", &forged_new),
    ] {
        assert_refused(&profile_with(&app, token).await, "unauthenticated", what);
    }
    let refresh_after = res.refresh_cookie().unwrap();
    app.post_cookie(REFRESH, Some(&refresh_after))
        .await
        .assert_problem(401, "unauthenticated");
    // Reactivation does not bring the old tokens back; a new login works.
    app.patch(&user_path, Some(&root.access), &json!({"is_active": true}))
        .await
        .assert_status(200);
    assert_refused(
        &profile_with(&app, &fresh).await,
        "unauthenticated",
        "pre-deactivation token",
    );
    let login = app
        .post(
            "/api/v1/users/auth/login/",
            None,
            &json!({"username": "carol", "password": NEW}),
        )
        .await;
    login.assert_status(200);
    let ep2 = payload(login.body["access"].as_str().unwrap())["ep"]
        .as_i64()
        .unwrap();
    assert_ne!(ep2, ep1);
    profile_with(&app, login.body["access"].as_str().unwrap())
        .await
        .assert_status(200);
}

backend_tests!(
    forged_and_malformed_access_tokens_are_refused,
    refresh_and_access_tokens_are_not_interchangeable,
    refresh_race_and_reuse_revoke_the_family,
    tokens_after_password_change_and_deactivation,
);
