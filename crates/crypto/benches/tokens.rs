//! How long verifying an access token takes (it runs on every authenticated request).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Duration, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ticketing_app::ports::TokenService;
use ticketing_crypto::{JwtTokens, generate_secret};
use ticketing_domain::{Email, PersonName, Role, User, UserId, Username};
use uuid::Uuid;

fn verify_access(c: &mut Criterion) {
    let secret = generate_secret();
    let tokens = JwtTokens::new(secret.as_bytes(), Duration::minutes(15)).unwrap();
    let now = Utc::now();
    let user = User {
        id: UserId::from_uuid(Uuid::new_v4()),
        username: Username::parse("bench").unwrap(),
        email: Email::parse("bench@example.com").unwrap(),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role: Role::Agent,
        is_active: true,
        must_change_password: false,
        token_epoch: 1,
        date_joined: now,
        last_login: None,
    };
    let token = tokens.issue_access(&user, now).unwrap().token;
    c.bench_function("verify_access", |b| {
        b.iter(|| tokens.verify_access(black_box(&token), black_box(now)))
    });
}

criterion_group!(benches, verify_access);
criterion_main!(benches);
