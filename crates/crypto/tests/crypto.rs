//! Behaviour of the crypto adapters through their ports.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration as StdDuration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Sha256, Sha512};
use ticketing_app::error::{CryptoError, TokenError};
use ticketing_app::ports::{PasswordHasher, TokenService};
use ticketing_crypto::{Argon2Hasher, Argon2Params, HasherConfig, JwtTokens};
use ticketing_domain::{AttachmentId, Email, Password, PersonName, Role, User, UserId, Username};
use uuid::Uuid;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test-secret";

fn fast() -> Argon2Hasher {
    Argon2Hasher::new(HasherConfig::fast_for_tests()).unwrap()
}

fn pw(s: &str) -> Password {
    Password::new(s)
}

// ---------------------------------------------------------------- passwords

#[tokio::test]
async fn hash_then_verify_round_trips() {
    let h = fast();
    let hash = h.hash(&pw("correct horse battery")).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(
        h.verify(&pw("correct horse battery"), Some(hash))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn wrong_password_is_false() {
    let h = fast();
    let hash = h.hash(&pw("correct horse battery")).await.unwrap();
    assert!(
        !h.verify(&pw("correct horse batterY"), Some(hash))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn unknown_user_verifies_against_the_dummy_and_is_false() {
    let h = fast();
    assert!(!h.verify(&pw("anything at all"), None).await.unwrap());
    // Twice: the second call uses the cached dummy hash.
    assert!(!h.verify(&pw(""), None).await.unwrap());
}

#[tokio::test]
async fn every_hash_gets_a_fresh_salt() {
    let h = fast();
    let a = h.hash(&pw("same password")).await.unwrap();
    let b = h.hash(&pw("same password")).await.unwrap();
    assert_ne!(a, b);
    let salt = |s: &str| s.split('$').nth(4).map(str::to_owned);
    assert_ne!(salt(&a), salt(&b));
}

#[tokio::test]
async fn default_config_uses_owasp_parameters() {
    let config = HasherConfig::default();
    assert_eq!(config.params, Argon2Params::OWASP);
    assert!(config.max_concurrent >= 1);
    let h = Argon2Hasher::new(config).unwrap();
    let hash = h.hash(&pw("correct horse battery")).await.unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    // A hash made with other (e.g. older, cheaper) parameters still verifies.
    let cheap = fast().hash(&pw("old password")).await.unwrap();
    assert!(h.verify(&pw("old password"), Some(cheap)).await.unwrap());
}

#[tokio::test]
async fn malformed_stored_hash_is_unexpected() {
    let h = fast();
    for bad in ["", "not a hash", "$argon2id$v=19$m=8,t=1,p=1$", "$md5$abc"] {
        let result = h.verify(&pw("whatever"), Some(bad.to_owned())).await;
        assert!(
            matches!(result, Err(CryptoError::Unexpected(_))),
            "{bad}: {result:?}"
        );
    }
}

#[tokio::test]
async fn overlong_passwords_never_match_and_are_not_hashed() {
    let h = fast();
    let long = "x".repeat(Password::MAX_BYTES + 1);
    let hash = h.hash(&pw("x")).await.unwrap();
    assert!(!h.verify(&pw(&long), Some(hash)).await.unwrap());
    assert!(!h.verify(&pw(&long), None).await.unwrap());
    assert!(matches!(
        h.hash(&pw(&long)).await,
        Err(CryptoError::Unexpected(_))
    ));
    let max = "x".repeat(Password::MAX_BYTES);
    let hash = h.hash(&pw(&max)).await.unwrap();
    assert!(h.verify(&pw(&max), Some(hash)).await.unwrap());
}

#[tokio::test]
async fn busy_when_no_permit_comes_in_time() {
    let h = Argon2Hasher::new(HasherConfig {
        max_concurrent: 1,
        queue_timeout: StdDuration::from_millis(10),
        params: Argon2Params {
            memory_kib: 32 * 1024,
            iterations: 3,
            parallelism: 1,
        },
        ..HasherConfig::default()
    })
    .unwrap();
    let slow = {
        let h = h.clone();
        tokio::spawn(async move { h.hash(&Password::new("slow one")).await })
    };
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(5);
    while h.available_permits() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "slow hash never started"
        );
        tokio::time::sleep(StdDuration::from_millis(1)).await;
    }
    assert!(matches!(
        h.hash(&pw("second")).await,
        Err(CryptoError::Busy)
    ));
    assert!(matches!(
        h.verify(&pw("second"), None).await,
        Err(CryptoError::Busy)
    ));
    slow.await.unwrap().unwrap();
    assert_eq!(h.available_permits(), 1);
}

// ---------------------------------------------------------------- access tokens

fn tokens() -> JwtTokens {
    JwtTokens::new(SECRET, Duration::minutes(15)).unwrap()
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 2, 3, 4, 5).unwrap()
}

fn user(role: Role, epoch: i64) -> User {
    User {
        id: UserId::from_uuid(Uuid::new_v4()),
        username: Username::parse("alice").unwrap(),
        email: Email::parse("alice@example.com").unwrap(),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role,
        is_active: true,
        must_change_password: false,
        token_epoch: epoch,
        date_joined: t0(),
        last_login: None,
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A hand-made JWT: header and claims as given, signed by `sign` over `header.payload`.
fn craft(
    header: serde_json::Value,
    claims: &serde_json::Value,
    sign: impl Fn(&[u8]) -> Vec<u8>,
) -> String {
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = sign(message.as_bytes());
    format!("{message}.{}", b64(&sig))
}

fn hs256(key: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> {
    let key = key.to_vec();
    move |m| {
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
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

fn claims_at(now: DateTime<Utc>) -> serde_json::Value {
    json!({
        "sub": Uuid::new_v4().to_string(), "role": "agent",
        "exp": now.timestamp() + 600, "iat": now.timestamp(), "nbf": now.timestamp(),
        "jti": Uuid::new_v4().to_string(), "ep": 3, "typ": "access",
    })
}

#[test]
fn access_token_round_trips_every_claim() {
    let t = tokens();
    let u = user(Role::Agent, 42);
    let issued = t.issue_access(&u, t0()).unwrap();
    assert_eq!(issued.expires_at, t0() + Duration::minutes(15));
    let claims = t
        .verify_access(&issued.token, t0() + Duration::seconds(30))
        .unwrap();
    assert_eq!(claims.user_id, u.id);
    assert_eq!(claims.role, Role::Agent);
    assert_eq!(claims.token_epoch, 42);
    assert_eq!(claims.expires_at, issued.expires_at);
    assert_eq!(claims.jti.get_version_num(), 4);
    let again = t.issue_access(&u, t0()).unwrap();
    assert_ne!(t.verify_access(&again.token, t0()).unwrap().jti, claims.jti);
}

#[test]
fn expired_token_is_expired_exactly_at_exp() {
    let t = tokens();
    let issued = t.issue_access(&user(Role::Customer, 0), t0()).unwrap();
    let exp = issued.expires_at;
    assert!(
        t.verify_access(&issued.token, exp - Duration::seconds(1))
            .is_ok()
    );
    assert_eq!(
        t.verify_access(&issued.token, exp),
        Err(TokenError::Expired)
    );
    assert_eq!(
        t.verify_access(&issued.token, exp + Duration::days(1)),
        Err(TokenError::Expired)
    );
}

#[test]
fn token_not_yet_valid_is_invalid() {
    let t = tokens();
    let issued = t.issue_access(&user(Role::Customer, 0), t0()).unwrap();
    assert_eq!(
        t.verify_access(&issued.token, t0() - Duration::seconds(10)),
        Err(TokenError::Invalid)
    );
    // LEEWAY_SECS (5 s) of tolerance for nbf and iat, none beyond.
    let cases = [
        ("nbf", 60, false),
        ("nbf", 6, false),
        ("nbf", 5, true),
        ("iat", 6, false),
    ];
    for (field, ahead, ok) in cases {
        let mut claims = claims_at(t0());
        claims[field] = json!(t0().timestamp() + ahead);
        let token = craft(json!({"alg": "HS256"}), &claims, hs256(SECRET));
        let result = t.verify_access(&token, t0());
        if ok {
            assert!(result.is_ok(), "{field} +{ahead}s: {result:?}");
        } else {
            assert_eq!(result, Err(TokenError::Invalid), "{field} +{ahead}s");
        }
    }
}

#[test]
fn hand_made_hs256_token_is_accepted_as_a_control() {
    let token = craft(
        json!({"alg": "HS256", "typ": "JWT"}),
        &claims_at(t0()),
        hs256(SECRET),
    );
    let claims = tokens().verify_access(&token, t0()).unwrap();
    assert_eq!(claims.role, Role::Agent);
    assert_eq!(claims.token_epoch, 3);
}

#[test]
fn alg_none_is_invalid() {
    let claims = claims_at(t0());
    let token = craft(json!({"alg": "none", "typ": "JWT"}), &claims, |_| vec![]);
    assert!(token.ends_with('.'));
    assert_eq!(
        tokens().verify_access(&token, t0()),
        Err(TokenError::Invalid)
    );
    let token = craft(json!({"alg": "None"}), &claims, |_| vec![]);
    assert_eq!(
        tokens().verify_access(&token, t0()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn other_hmac_sizes_with_the_same_secret_are_invalid() {
    let claims = claims_at(t0());
    let token = craft(
        json!({"alg": "HS512", "typ": "JWT"}),
        &claims,
        hs512(SECRET),
    );
    assert_eq!(
        tokens().verify_access(&token, t0()),
        Err(TokenError::Invalid)
    );
    let token = craft(
        json!({"alg": "HS384", "typ": "JWT"}),
        &claims,
        hs512(SECRET),
    );
    assert_eq!(
        tokens().verify_access(&token, t0()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn asymmetric_labels_with_an_hmac_signature_are_invalid() {
    let claims = claims_at(t0());
    for alg in ["RS256", "ES256", "PS256", "EdDSA"] {
        let token = craft(json!({"alg": alg, "typ": "JWT"}), &claims, hs256(SECRET));
        assert_eq!(
            tokens().verify_access(&token, t0()),
            Err(TokenError::Invalid),
            "{alg}"
        );
    }
}

#[test]
fn wrong_key_is_invalid_even_when_expired() {
    let other = JwtTokens::new(&[9u8; 32], Duration::minutes(15)).unwrap();
    let issued = other.issue_access(&user(Role::Admin, 0), t0()).unwrap();
    assert_eq!(
        tokens().verify_access(&issued.token, t0()),
        Err(TokenError::Invalid)
    );
    let late = issued.expires_at + Duration::hours(1);
    assert_eq!(
        tokens().verify_access(&issued.token, late),
        Err(TokenError::Invalid)
    );
}

#[test]
fn wrong_kind_or_role_is_invalid_even_when_expired() {
    let t = tokens();
    for (field, value) in [("typ", json!("refresh")), ("role", json!("root"))] {
        let mut claims = claims_at(t0());
        claims[field] = value;
        let token = craft(json!({"alg": "HS256"}), &claims, hs256(SECRET));
        assert_eq!(
            t.verify_access(&token, t0()),
            Err(TokenError::Invalid),
            "{field}"
        );
        let late = t0() + Duration::days(1);
        assert_eq!(
            t.verify_access(&token, late),
            Err(TokenError::Invalid),
            "{field}"
        );
    }
    let mut claims = claims_at(t0());
    claims.as_object_mut().unwrap().remove("typ");
    let token = craft(json!({"alg": "HS256"}), &claims, hs256(SECRET));
    assert_eq!(t.verify_access(&token, t0()), Err(TokenError::Invalid));
}

#[test]
fn truncated_or_garbage_tokens_are_invalid() {
    let t = tokens();
    let good = t
        .issue_access(&user(Role::Customer, 0), t0())
        .unwrap()
        .token;
    let mut flipped = good.clone().into_bytes();
    let mid = flipped.len() / 2;
    flipped[mid] = if flipped[mid] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let two_parts = good.rsplit_once('.').unwrap().0.to_owned();
    let cases = [
        String::new(),
        "garbage".to_owned(),
        "a.b.c".to_owned(),
        good[..good.len() - 1].to_owned(),
        good[..good.len() / 2].to_owned(),
        two_parts.clone(),
        format!("{two_parts}."),
        format!("{good}.extra"),
        flipped,
        "x".repeat(10_000),
    ];
    for case in cases {
        assert_eq!(
            t.verify_access(&case, t0()),
            Err(TokenError::Invalid),
            "{case}"
        );
    }
}

#[test]
fn refresh_tokens_are_random_and_hashed() {
    let t = tokens();
    let (token, hash) = t.new_refresh_token();
    let (other, other_hash) = t.new_refresh_token();
    assert_ne!(token, other);
    assert_ne!(hash, other_hash);
    assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
    assert_eq!(hash, t.hash_refresh_token(&token));
    assert_eq!(hash.len(), 64);
    assert!(hash.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    assert_eq!(t.verify_access(&token, t0()), Err(TokenError::Invalid));
}

// ---------------------------------------------------------------- download links

fn attachment() -> AttachmentId {
    AttachmentId::from_uuid(Uuid::from_u128(0xa77a))
}

#[test]
fn download_token_round_trips() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let token = t.sign_download(attachment(), u, 3, t0() + Duration::minutes(5));
    assert_eq!(t.verify_download(&token, attachment(), t0()), Ok((u, 3)));
}

#[test]
fn download_token_carries_the_token_epoch() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let token = t.sign_download(attachment(), u, 41, t0() + Duration::minutes(5));
    assert_eq!(t.verify_download(&token, attachment(), t0()), Ok((u, 41)));
}

/// Version 1 links (no token epoch) are no longer accepted.
#[test]
fn version_one_download_tokens_are_refused() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let derived = hs256(SECRET)(b"ticketing/download-links/v1");
    let mut payload = vec![1u8];
    payload.extend_from_slice(attachment().as_uuid().as_bytes());
    payload.extend_from_slice(u.as_uuid().as_bytes());
    payload.extend_from_slice(
        &(t0() + Duration::minutes(5))
            .timestamp_micros()
            .to_be_bytes(),
    );
    let old = format!("{}.{}", b64(&payload), b64(&hs256(&derived)(&payload)));
    assert_eq!(
        t.verify_download(&old, attachment(), t0()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn download_token_for_another_attachment_is_invalid() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let token = t.sign_download(attachment(), u, 3, t0() + Duration::minutes(5));
    let other = AttachmentId::from_uuid(Uuid::from_u128(0xb00));
    assert_eq!(
        t.verify_download(&token, other, t0()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn expired_download_token_is_expired() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let until = t0() + Duration::minutes(5);
    let token = t.sign_download(attachment(), u, 3, until);
    let just_before = until - Duration::microseconds(1);
    assert_eq!(
        t.verify_download(&token, attachment(), just_before),
        Ok((u, 3))
    );
    assert_eq!(
        t.verify_download(&token, attachment(), until),
        Err(TokenError::Expired)
    );
}

#[test]
fn tampered_download_tokens_are_invalid() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let token = t.sign_download(attachment(), u, 3, t0() + Duration::minutes(5));
    let (payload, mac) = token.split_once('.').unwrap();

    // Payload: extend the expiry by changing its last byte, keep the MAC.
    let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let tampered = format!("{}.{mac}", b64(&bytes));
    assert_eq!(
        t.verify_download(&tampered, attachment(), t0()),
        Err(TokenError::Invalid)
    );

    // Payload: another user, another token epoch.
    for at in [20, 40] {
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
        bytes[at] ^= 0x01;
        let tampered = format!("{}.{mac}", b64(&bytes));
        assert_eq!(
            t.verify_download(&tampered, attachment(), t0()),
            Err(TokenError::Invalid)
        );
    }

    // MAC: one bit flipped, truncated, missing.
    let mut tag = URL_SAFE_NO_PAD.decode(mac).unwrap();
    tag[0] ^= 0x01;
    for bad in [
        format!("{payload}.{}", b64(&tag)),
        format!("{payload}.{}", &mac[..mac.len() - 2]),
        format!("{payload}."),
        payload.to_owned(),
        format!("{token}.x"),
        "garbage".to_owned(),
        String::new(),
    ] {
        assert_eq!(
            t.verify_download(&bad, attachment(), t0()),
            Err(TokenError::Invalid),
            "{bad}"
        );
    }

    // Another secret.
    let other = JwtTokens::new(&[5u8; 40], Duration::minutes(15)).unwrap();
    let foreign = other.sign_download(attachment(), u, 3, t0() + Duration::minutes(5));
    assert_eq!(
        t.verify_download(&foreign, attachment(), t0()),
        Err(TokenError::Invalid)
    );
}

/// A download token in the documented format (version 2, attachment, user, token epoch 3,
/// expiry in µs), MAC'd with `key`.
fn download_token_with_key(key: &[u8], user: UserId, until: DateTime<Utc>) -> String {
    let mut payload = vec![2u8];
    payload.extend_from_slice(attachment().as_uuid().as_bytes());
    payload.extend_from_slice(user.as_uuid().as_bytes());
    payload.extend_from_slice(&3_i64.to_be_bytes());
    payload.extend_from_slice(&until.timestamp_micros().to_be_bytes());
    format!("{}.{}", b64(&payload), b64(&hs256(key)(&payload)))
}

#[test]
fn download_links_use_a_key_derived_from_but_not_equal_to_the_secret() {
    let t = tokens();
    let u = UserId::from_uuid(Uuid::new_v4());
    let until = t0() + Duration::minutes(5);
    let derived = hs256(SECRET)(b"ticketing/download-links/v1");
    let control = download_token_with_key(&derived, u, until);
    assert_eq!(control, t.sign_download(attachment(), u, 3, until));
    assert_eq!(t.verify_download(&control, attachment(), t0()), Ok((u, 3)));
    let raw = download_token_with_key(SECRET, u, until);
    assert_eq!(
        t.verify_download(&raw, attachment(), t0()),
        Err(TokenError::Invalid)
    );
}

#[test]
fn download_and_access_tokens_are_not_interchangeable() {
    let t = tokens();
    let u = user(Role::Agent, 0);
    let download = t.sign_download(attachment(), u.id, 3, t0() + Duration::minutes(5));
    assert_eq!(t.verify_access(&download, t0()), Err(TokenError::Invalid));
    let access = t.issue_access(&u, t0()).unwrap().token;
    assert_eq!(
        t.verify_download(&access, attachment(), t0()),
        Err(TokenError::Invalid)
    );
    let (refresh, _) = t.new_refresh_token();
    assert_eq!(
        t.verify_download(&refresh, attachment(), t0()),
        Err(TokenError::Invalid)
    );
}
