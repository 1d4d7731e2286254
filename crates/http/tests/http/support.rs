//! The harness: an `App` whose ports are mockall mocks (any call nobody expected panics), the
//! actix service over `build_app`, fixtures and response capture.

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use ticketing_app::error::TokenError;
use ticketing_app::ports::{
    AccessClaims, MockActivityRepository, MockAttachmentRepository, MockAuditRepository,
    MockBlobStore, MockHealthCheck, MockMessageRepository, MockPasswordHasher,
    MockSessionRepository, MockTicketRepository, MockTokenService, MockUserRepository,
};
use ticketing_app::system::{SystemClock, UuidV7};
use ticketing_app::{App, Ports, Settings};
use ticketing_domain::{
    Description, Email, PersonName, Priority, Role, Status, Ticket, TicketId, Topic, User, UserId,
    Username,
};
use uuid::Uuid;

/// Every port mocked. Set expectations on the fields, then `app()`.
#[derive(Default)]
pub struct Mocks {
    pub users: MockUserRepository,
    pub tickets: MockTicketRepository,
    pub messages: MockMessageRepository,
    pub attachments: MockAttachmentRepository,
    pub activities: MockActivityRepository,
    pub sessions: MockSessionRepository,
    pub audit: MockAuditRepository,
    pub health: MockHealthCheck,
    pub blobs: MockBlobStore,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenService,
}

impl Mocks {
    /// The application over these mocks (real clock and ids).
    pub fn app(self) -> App {
        App::new(
            Ports {
                users: Arc::new(self.users),
                tickets: Arc::new(self.tickets),
                messages: Arc::new(self.messages),
                attachments: Arc::new(self.attachments),
                activities: Arc::new(self.activities),
                sessions: Arc::new(self.sessions),
                audit: Arc::new(self.audit),
                health: Arc::new(self.health),
                blobs: Arc::new(self.blobs),
                hasher: Arc::new(self.hasher),
                tokens: Arc::new(self.tokens),
                clock: Arc::new(SystemClock),
                ids: Arc::new(UuidV7),
            },
            Settings::default(),
        )
    }

    /// `Authorization: Bearer <username>` authenticates as `user` (any number of times).
    pub fn caller(&mut self, user: &User) {
        let token = user.username.as_str().to_owned();
        let claims_of = user.clone();
        self.tokens
            .expect_verify_access()
            .withf(move |t, _| t == token)
            .returning(move |_, _| Ok(claims(&claims_of)));
        let id = user.id;
        let found = user.clone();
        self.users
            .expect_get()
            .withf(move |u| *u == id)
            .returning(move |_| Ok(found.clone()));
    }

    /// `Bearer <token>` is refused by the token service with `error`.
    pub fn bad_token(&mut self, token: &'static str, error: TokenError) {
        self.tokens
            .expect_verify_access()
            .withf(move |t, _| t == token)
            .returning(move |_, _| Err(error));
    }
}

/// The claims of a fresh access token of `user`.
pub fn claims(user: &User) -> AccessClaims {
    AccessClaims {
        user_id: user.id,
        role: user.role,
        token_epoch: user.token_epoch,
        jti: Uuid::nil(),
        expires_at: Utc::now() + Duration::minutes(15),
    }
}

/// Some time ago.
pub fn earlier() -> DateTime<Utc> {
    DateTime::from_timestamp(1_750_000_000, 0).unwrap()
}

fn person(id: u128, name: &str, role: Role) -> User {
    User {
        id: UserId::from_uuid(Uuid::from_u128(id)),
        username: Username::parse(name).unwrap(),
        email: Email::parse(&format!("{name}@example.com")).unwrap(),
        first_name: PersonName::empty(),
        last_name: PersonName::empty(),
        role,
        is_active: true,
        token_epoch: 0,
        date_joined: earlier(),
        last_login: None,
    }
}

/// A customer.
pub fn carol() -> User {
    person(0xCA01, "carol", Role::Customer)
}

/// The id of the ticket of the tests.
pub fn ticket_id() -> TicketId {
    TicketId::from_uuid(Uuid::from_u128(0x7001))
}

/// An open ticket of `owner` in `status`, at version 3.
pub fn ticket(owner: &User, status: Status) -> Ticket {
    Ticket {
        id: ticket_id(),
        owner: owner.id,
        assigned_to: None,
        topic: Topic::parse("VPN down").unwrap(),
        description: Description::parse("Since this morning").unwrap(),
        status,
        priority: Priority::Medium,
        created_at: earlier(),
        updated_at: earlier(),
        resolved_at: None,
        closed_at: (status == Status::Closed).then(earlier),
        version: 3,
        message_count: 0,
        internal_note_count: 0,
        deleted_at: None,
    }
}

/// Builds the actix service over `build_app` for an `App` (and an optional `HttpConfig`).
macro_rules! service {
    ($app:expr) => {
        service!($app, ticketing_http::HttpConfig::default())
    };
    ($app:expr, $config:expr) => {
        actix_web::test::init_service(ticketing_http::build_app(actix_web::web::Data::new(
            ticketing_http::HttpState::new($app, $config),
        )))
        .await
    };
}

/// A captured answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Answer {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts a problem+json answer with `status` and `code`.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:ticketing:problem:{code}"));
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        assert_eq!(self.header("x-content-type-options"), Some("nosniff"));
        assert!(self.header("content-security-policy").is_some());
        if status == 401 {
            assert_eq!(self.header("www-authenticate"), Some("Bearer"));
        }
        if status == 429 || status == 503 {
            let secs: u64 = self.header("retry-after").unwrap().parse().unwrap();
            assert!(secs >= 1);
        }
        self
    }
}

/// Calls the service and captures the answer.
pub async fn call<S, R, B>(svc: &S, req: R) -> Answer
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(svc, req).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        body,
    }
}

/// A request with `Authorization: Bearer <token>`.
pub fn bearer(req: test::TestRequest, token: &str) -> test::TestRequest {
    req.insert_header(("authorization", format!("Bearer {token}")))
}
