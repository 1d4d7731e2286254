//! What the HTTP tests add to the shared harness of `ticketing_app::testing` (the `App` over
//! mocks, fixtures): the actix service over `build_app`, requests and response capture.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test;
use serde_json::Value;

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
