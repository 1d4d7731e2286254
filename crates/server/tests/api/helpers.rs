//! `spawn_app()`: a real server on `127.0.0.1:0` over a fresh database (SQLite always; a fresh
//! PostgreSQL database per test when `TEST_DATABASE_URL` is set), plus request helpers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tempfile::TempDir;
use ticketing_app::{App, UserUpdate};
use ticketing_domain::{Role, UserId};
use ticketing_server::settings::Value as _;
use ticketing_server::settings::{BindAddress, DatabaseUrl, LogFilter, Secret};
use ticketing_server::{Application, Settings};
use uuid::Uuid;

pub use super::shapes::*;

/// A fixed HS256 key of 64 characters.
pub const JWT_SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// The password every test user gets (meets the policy).
pub const PASSWORD: &str = "correct horse battery staple";

/// Generates, for each named `async fn name(backend: Backend)` of the calling module, one
/// `sqlite::name` test and one `postgres::name` test (the latter runs when `TEST_DATABASE_URL`
/// is set, and fails when `TICKETING_REQUIRE_POSTGRES=1` is set without it).
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::api::helpers::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(backend) = crate::api::helpers::Backend::postgres() {
                        super::$name(backend).await;
                    }
                }
            )*
        }
    };
}

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A fresh SQLite file in the test's data directory.
    Sqlite,
    /// A fresh database created on the server of this URL.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend of `TEST_DATABASE_URL`; `None` (the test is skipped) when it is
    /// not set, unless `TICKETING_REQUIRE_POSTGRES=1`, which makes the test fail.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Some(Backend::Postgres(url.trim().to_owned())),
            _ => {
                assert!(
                    std::env::var("TICKETING_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "TICKETING_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: \
                     the PostgreSQL variant of this test cannot run"
                );
                eprintln!("TEST_DATABASE_URL is not set: PostgreSQL variant skipped");
                None
            }
        }
    }
}

/// A database created for one test and dropped after it.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-qAtc", sql])
        .output()
        .map_err(|e| format!("cannot run psql (install postgresql-client): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (rest, None),
    };
    let authority = main.split_once('/').map_or(main, |(a, _)| a);
    match query {
        Some(q) => format!("{scheme}://{authority}/{db}?{q}"),
        None => format!("{scheme}://{authority}/{db}"),
    }
}

/// The default test settings: a fresh data directory, port 0, plain-HTTP cookies, a fixed JWT
/// secret and rate limits too high to matter.
pub fn test_settings(data_dir: &Path) -> Settings {
    let mut s = Settings::default();
    let sqlite = format!("sqlite://{}", data_dir.join("ticketing.db").display());
    s.database.url = Some(DatabaseUrl::parse(&sqlite).expect("an SQLite URL"));
    s.server.bind = BindAddress::parse("127.0.0.1:0").expect("an address");
    s.server.data_dir = data_dir.to_path_buf();
    s.server.workers = 2;
    s.auth.jwt_secret = Some(Secret::new(JWT_SECRET));
    s.auth.cookie_secure = false;
    s.limits.auth_requests_per_minute = 100_000;
    s.limits.login_failures_per_account = 100_000;
    s.limits.writes_per_minute = 100_000;
    s.limits.password_failures_per_address = 100_000;
    s.limits.password_failures_to_revoke = 100_000;
    s.limits.login_slowdown_after = 100_000;
    s.logging.filter = LogFilter::parse("warn").expect("a filter");
    s
}

/// A running server.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// The port of the metrics address, when the settings give one.
    pub metrics_port: Option<u16>,
    /// The use cases of the running server (to prepare data).
    pub app: App,
    /// A client without cookie store and without redirects.
    pub client: reqwest::Client,
    data_dir: Arc<TempDir>,
    _db: Option<Arc<PgDatabase>>,
    /// The database URL the server uses (`sqlite://…` or `postgres://…`).
    db_url: String,
}

/// Starts a server with the default test settings.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts a server with the default test settings changed by `configure`.
pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        let mut verbose = Settings::default();
        verbose.logging.filter = LogFilter::parse("debug").expect("a filter");
        ticketing_server::telemetry::init(&verbose);
    }
    let data_dir = tempfile::tempdir().expect("a temp dir");
    let mut settings = test_settings(data_dir.path());
    let db = match backend {
        Backend::Sqlite => None,
        Backend::Postgres(admin_url) => {
            let name = format!("ticketing_api_{}", Uuid::new_v4().simple());
            psql(&admin_url, &format!("CREATE DATABASE {name}"))
                .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
            let url = with_database(&admin_url, &name);
            settings.database.url = Some(DatabaseUrl::parse(&url).expect("a PostgreSQL URL"));
            Some(PgDatabase { admin_url, name })
        }
    };
    configure(&mut settings);
    let db_url = settings.database_url().to_string();
    let application = Application::build(settings)
        .await
        .expect("the application builds");
    let port = application.port();
    let metrics_port = application.metrics_port();
    let app = application.app().clone();
    tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        metrics_port,
        app,
        client,
        data_dir: Arc::new(data_dir),
        _db: db.map(Arc::new),
        db_url,
    }
}

impl TestApp {
    /// Starts a second server (a replica) on this one's database and data directory (so the
    /// same attachment folder), with the default test settings changed by `configure`. The
    /// database and the directory live until the last of the two is dropped.
    pub async fn replica(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(self.data_dir());
        settings.database.url = Some(DatabaseUrl::parse(&self.db_url).expect("the same URL"));
        configure(&mut settings);
        let application = Application::build(settings)
            .await
            .expect("the replica builds");
        let port = application.port();
        let metrics_port = application.metrics_port();
        let app = application.app().clone();
        tokio::spawn(application.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            metrics_port,
            app,
            client: self.client.clone(),
            data_dir: Arc::clone(&self.data_dir),
            _db: self._db.clone(),
            db_url: self.db_url.clone(),
        }
    }
}

/// A registered user with a live session.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The id.
    pub id: String,
    /// The username.
    pub username: String,
    /// The email.
    pub email: String,
    /// The access token.
    pub access: String,
    /// The refresh token (the cookie's value).
    pub refresh: String,
}

/// A captured response.
#[derive(Debug)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub bytes: Vec<u8>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

impl Resp {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// Every value of a header.
    pub fn headers_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("ASCII header").to_owned())
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the status, with the body in the message.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            self.text()
        );
        self
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text()
        );
        assert_eq!(self.body["code"], code, "body: {}", self.text());
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["type"], format!("urn:ticketing:problem:{code}"));
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        self
    }

    /// The `refresh_token` value set by this response (`None` when it sets no such cookie).
    pub fn refresh_cookie(&self) -> Option<String> {
        self.headers_all("set-cookie").iter().find_map(|c| {
            c.strip_prefix("refresh_token=")
                .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
    }

    /// The whole `Set-Cookie` line of the refresh cookie.
    pub fn refresh_set_cookie(&self) -> Option<String> {
        self.headers_all("set-cookie")
            .into_iter()
            .find(|c| c.starts_with("refresh_token="))
    }
}

/// Sends a request and captures the answer.
pub async fn fetch(request: reqwest::RequestBuilder) -> Resp {
    let res = request.send().await.expect("the request is answered");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("a body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        bytes,
        body,
    }
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request to `path`, with a Bearer token when given.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// GET `path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        fetch(self.request(Method::GET, path, token)).await
    }

    /// `method` `path` with a JSON body.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Resp {
        fetch(self.request(method, path, token).json(body)).await
    }

    /// POST `path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send_json(Method::POST, path, token, body).await
    }

    /// PATCH `path` with a JSON body.
    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.send_json(Method::PATCH, path, token, body).await
    }

    /// DELETE `path`.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        fetch(self.request(Method::DELETE, path, token)).await
    }

    /// POST `path` (an auth endpoint) with the refresh cookie `refresh` and no body.
    pub async fn post_cookie(&self, path: &str, refresh: Option<&str>) -> Resp {
        let mut rb = self.request(Method::POST, path, None);
        if let Some(r) = refresh {
            rb = rb.header("cookie", format!("refresh_token={r}"));
        }
        fetch(rb).await
    }

    /// Runs SQL statements directly on the server's database (to lay out data the API no longer
    /// makes, such as an account stored before a rule existed).
    pub fn execute_sql(&self, sql: &str) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Some(path) = self.db_url.strip_prefix("sqlite://") {
            let mut c = diesel::SqliteConnection::establish(path).expect("an SQLite connection");
            c.batch_execute(sql).expect("the SQL runs");
        } else {
            let mut c = diesel::PgConnection::establish(&self.db_url).expect("a connection");
            c.batch_execute(sql).expect("the SQL runs");
        }
    }

    /// Registers `name` (`<name>@example.com`, the shared password) through the API.
    pub async fn register(&self, name: &str) -> TestUser {
        self.register_as(name, &format!("{name}@example.com")).await
    }

    /// Registers a customer `name` with the address `email`.
    pub async fn register_as(&self, name: &str, email: &str) -> TestUser {
        let res = self
            .post(
                "/api/v1/users/auth/register/",
                None,
                &json!({
                    "email": email,
                    "username": name,
                    "password": PASSWORD,
                    "password_confirmation": PASSWORD,
                    "first_name": "First",
                    "last_name": "Last",
                }),
            )
            .await;
        res.assert_status(201);
        TestUser {
            id: res.body["user"]["id"].as_str().expect("an id").to_owned(),
            username: name.to_owned(),
            email: email.to_owned(),
            access: res.body["access"].as_str().expect("a token").to_owned(),
            refresh: res.refresh_cookie().expect("a refresh cookie"),
        }
    }

    /// Registers `name` and gives it `role` (as the operator would).
    pub async fn staff(&self, name: &str, role: Role) -> TestUser {
        let user = self.register(name).await;
        self.set_role(&user, role).await;
        user
    }

    /// Changes a user's role as the operator.
    pub async fn set_role(&self, user: &TestUser, role: Role) {
        self.app
            .operator_update_user(
                UserId::from_uuid(user.id.parse().expect("a uuid")),
                UserUpdate {
                    role: Some(role),
                    is_active: None,
                },
            )
            .await
            .expect("the role changes");
    }

    /// Logs in with a username or an email and the shared password.
    pub async fn login(&self, login: &str) -> Resp {
        let body = if login.contains('@') {
            json!({"email": login, "password": PASSWORD})
        } else {
            json!({"username": login, "password": PASSWORD})
        };
        self.post("/api/v1/users/auth/login/", None, &body).await
    }

    /// Opens a ticket as `token`; returns its detail.
    pub async fn ticket(&self, token: &str, topic: &str) -> Value {
        let res = self
            .post(
                "/api/v1/tickets/",
                Some(token),
                &json!({"topic": topic, "description": format!("About {topic}")}),
            )
            .await;
        res.assert_status(201);
        res.body
    }

    /// Applies a PATCH to a ticket as `token`, expecting 200; returns the detail.
    pub async fn patch_ticket(&self, token: &str, id: &str, body: Value) -> Value {
        let res = self
            .patch(&format!("/api/v1/tickets/{id}/"), Some(token), &body)
            .await;
        res.assert_status(200);
        res.body
    }

    /// Posts a message as `token`, expecting 201; returns it.
    pub async fn message(&self, token: &str, ticket: &str, text: &str, internal: bool) -> Value {
        let res = self
            .post(
                &format!("/api/v1/tickets/{ticket}/messages/"),
                Some(token),
                &json!({"message": text, "internal": internal}),
            )
            .await;
        res.assert_status(201);
        res.body
    }

    /// Uploads `content` as `filename` of `content_type` (optionally to `message_id`).
    pub async fn upload(
        &self,
        token: &str,
        ticket: &str,
        filename: &str,
        content_type: &str,
        content: Vec<u8>,
        message_id: Option<&str>,
    ) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        if let Some(m) = message_id {
            form = form.text("message_id", m.to_owned());
        }
        let part = reqwest::multipart::Part::bytes(content)
            .file_name(filename.to_owned())
            .mime_str(content_type)
            .expect("a content type");
        form = form.part("file", part);
        fetch(
            self.request(
                Method::POST,
                &format!("/api/v1/tickets/{ticket}/attachments/"),
                Some(token),
            )
            .multipart(form),
        )
        .await
    }

    /// The database URL the server uses (`sqlite://…` or `postgres://…`).
    pub fn database_url(&self) -> &str {
        &self.db_url
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Every regular file under the attachment store (stored and temporary).
    pub fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.data_dir().join("attachments"), &mut out);
        out
    }
}

/// The ticket `id` as the holder of `token` sees it (asserts 200).
pub async fn detail(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/tickets/{id}/"), Some(token))
        .await;
    res.assert_status(200);
    res.body
}
