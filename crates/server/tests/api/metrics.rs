//! `/metrics`: scraped after a run of requests, the counters moved under route templates and
//! status classes; `promtool check metrics` (Debian's `prometheus` package) accepts the text;
//! never on the public port without the token; `deploy/prometheus.yml` passes
//! `promtool check config`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::Method;
use ticketing_server::settings::{BindAddress, Value};
use uuid::Uuid;

use crate::api::helpers::*;

const TOKEN: &str = "metrics-secret-0123456789";

/// One sample of the text exposition.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text exposition format (label values may hold `{`, `}` and escaped quotes).
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let name_end = line.find(['{', ' ']).expect("a sample line");
        let name = line[..name_end].to_owned();
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices();
            let mut key = String::new();
            let end = loop {
                let (i, c) = chars.next().expect("labels end with }");
                match c {
                    '}' => break i,
                    ',' => {}
                    '=' => {
                        assert_eq!(chars.next().map(|(_, c)| c), Some('"'), "{line}");
                        let mut value = String::new();
                        loop {
                            match chars.next().expect("a closing quote").1 {
                                '\\' => value.push(chars.next().expect("an escape").1),
                                '"' => break,
                                c => value.push(c),
                            }
                        }
                        labels.insert(std::mem::take(&mut key), value);
                    }
                    c => key.push(c),
                }
            };
            rest = &body[end + 1..];
        }
        let value = rest.trim().split(' ').next().expect("a value");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("a number in {line}")),
        };
        samples.push(Sample {
            name,
            labels,
            value,
        });
    }
    samples
}

/// The sum of the samples of `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(v))
        })
        .map(|s| s.value)
        .sum()
}

fn has(samples: &[Sample], name: &str) -> bool {
    samples.iter().any(|s| s.name == name)
}

/// promtool: `TICKETING_PROMTOOL`, else `promtool` on the PATH; the test fails without it.
fn promtool() -> PathBuf {
    if let Some(path) = std::env::var_os("TICKETING_PROMTOOL") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("promtool"))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "promtool not found: run `bash scripts/ensure-promtool.sh` (installs Debian's \
                 `prometheus` package) or set TICKETING_PROMTOOL to its path"
            )
        })
}

/// Runs promtool with `args` (and `stdin`); fails the test with its output unless it succeeds
/// without a word of complaint.
fn run_promtool(args: &[&str], stdin: Option<&str>) {
    let mut child = Command::new(promtool())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    let mut input = child.stdin.take().expect("a stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("promtool reads");
    }
    drop(input);
    let out = child.wait_with_output().expect("promtool ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "promtool {args:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    if stdin.is_some() {
        // `check metrics` prints its lint findings and nothing else.
        assert!(
            stdout.trim().is_empty() && stderr.trim().is_empty(),
            "{stdout}\n{stderr}"
        );
    }
}

async fn scrape(app: &TestApp, port: u16, token: Option<&str>) -> Resp {
    let mut request = app.client.get(format!("http://127.0.0.1:{port}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    fetch(request).await
}

async fn scraped(app: &TestApp) -> (String, Vec<Sample>) {
    let port = app.metrics_port.expect("a metrics address");
    let res = scrape(app, port, None).await;
    res.assert_status(200);
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = res.text();
    let samples = parse(&text);
    (text, samples)
}

/// After logins, lists, a ticket, an upload, 404s and an unknown path, the request counters and
/// histograms moved under the route templates (never a path with an id) and status classes;
/// hashing, pool and attachment metrics are there; promtool accepts the text.
async fn counters_move_after_a_run_of_requests(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.metrics.bind = Some(BindAddress::parse("127.0.0.1:0").unwrap())
    })
    .await;
    let (_, before) = scraped(&app).await;
    let requests = "ticketing_http_requests_total";
    // nextest runs each test in its own process: the counters then moved by exactly the
    // requests below. Under `cargo test` other tests of the process count too.
    let alone = std::env::var_os("NEXTEST").is_some();
    let assert_moved = |after: &[Sample], name: &str, labels: &[(&str, &str)], by: f64| {
        let moved = value(after, name, labels) - value(&before, name, labels);
        assert!(
            moved == by || (!alone && moved > by),
            "{name}{labels:?} moved by {moved}, not {by}"
        );
    };

    let ada = app.register("ada").await;
    app.login("ada").await.assert_status(200);
    app.login("ada@example.com").await.assert_status(200);
    app.get("/api/v1/tickets/", Some(&ada.access))
        .await
        .assert_status(200);
    let ticket = app.ticket(&ada.access, "Printer on fire").await;
    let id = ticket["id"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/tickets/{id}/"), Some(&ada.access))
        .await
        .assert_status(200);
    let missing = Uuid::new_v4().to_string();
    app.get(&format!("/api/v1/tickets/{missing}/"), Some(&ada.access))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/tickets/not-an-id/", Some(&ada.access))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/no-such-thing/", Some(&ada.access))
        .await
        .assert_problem(404, "not_found");
    let content = b"%PDF-1.4 just enough".to_vec();
    let size = content.len();
    app.upload(&ada.access, &id, "a.pdf", "application/pdf", content, None)
        .await
        .assert_status(201);
    // Not on the public port: no token is configured.
    app.get("/metrics", None)
        .await
        .assert_problem(404, "not_found");

    let (text, after) = scraped(&app).await;
    let login = [
        ("route", "/api/v1/users/auth/login/"),
        ("method", "POST"),
        ("status", "2xx"),
    ];
    assert_moved(&after, requests, &login, 2.0);
    let list = [
        ("route", "/api/v1/tickets/"),
        ("method", "GET"),
        ("status", "2xx"),
    ];
    assert_moved(&after, requests, &list, 1.0);
    let detail = |status| {
        [
            ("route", "/api/v1/tickets/{id}/"),
            ("method", "GET"),
            ("status", status),
        ]
    };
    assert_moved(&after, requests, &detail("2xx"), 1.0);
    assert_moved(&after, requests, &detail("4xx"), 2.0);
    let unmatched = [("route", "unmatched"), ("method", "GET"), ("status", "4xx")];
    assert_moved(&after, requests, &unmatched, 1.0);
    // Paths outside the API are the web UI's files, one route.
    let web_ui = [
        ("route", "/{path:.+}"),
        ("method", "GET"),
        ("status", "4xx"),
    ];
    assert_moved(&after, requests, &web_ui, 1.0);
    // Ids never become label values.
    for raw in [id.as_str(), &missing, "not-an-id", "no-such-thing"] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }

    // The latency histogram counts the same requests, in buckets up to +Inf.
    let duration = "ticketing_http_request_duration_seconds";
    assert_moved(&after, &format!("{duration}_count"), &list, 1.0);
    let mut inf = list.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        value(&after, &format!("{duration}_bucket"), &inf),
        value(&after, &format!("{duration}_count"), &list)
    );
    assert!(value(&after, &format!("{duration}_sum"), &list) > 0.0);

    // Register and two logins hashed or verified a password at least three times.
    let hashes = value(
        &after,
        "ticketing_password_hash_duration_seconds_count",
        &[],
    ) - value(
        &before,
        "ticketing_password_hash_duration_seconds_count",
        &[],
    );
    assert!(hashes >= 3.0, "{text}");
    assert_eq!(
        value(&after, "ticketing_password_hash_queue_depth", &[]),
        0.0
    );
    assert!(has(&after, "ticketing_password_hash_queue_depth"), "{text}");

    // The pool: checkouts timed, connections sampled at scrape time.
    assert!(
        value(&after, "ticketing_db_pool_wait_seconds_count", &[]) > 0.0,
        "{text}"
    );
    assert!(
        value(&after, "ticketing_db_pool_max_connections", &[]) >= 1.0,
        "{text}"
    );
    assert!(
        value(
            &after,
            "ticketing_db_pool_connections",
            &[("state", "idle")]
        ) >= 1.0,
        "{text}"
    );
    assert!(
        has(&after, "ticketing_db_pool_connections")
            && after
                .iter()
                .any(|s| s.labels.get("state").map(String::as_str) == Some("in_use")),
        "{text}"
    );

    // The sum of this database's attachments (another test's server may sample its own
    // database into the process-wide gauge under `cargo test`).
    let stored = value(&after, "ticketing_attachments_stored_bytes", &[]);
    assert!(stored == size as f64 || (!alone && stored > 0.0), "{text}");
    assert_eq!(
        value(
            &after,
            "ticketing_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0,
        "{text}"
    );
    // The hooks of later features emit nothing until they are used; the counters of the
    // features that exist are there from the start, at 0.
    for metric in ticketing_app::metrics::METRICS {
        if metric.hook {
            assert!(
                !has(&after, metric.name),
                "{} has a series: {text}",
                metric.name
            );
        }
    }
    for name in [
        "ticketing_db_pool_timeouts_total",
        "ticketing_password_hash_rejected_total",
    ] {
        assert!(has(&before, name), "{name} is not there from the start");
        assert_eq!(value(&after, name, &[]), 0.0, "{name}");
    }

    run_promtool(&["check", "metrics"], Some(&text));
}

/// With a token, `/metrics` is on the public port for that bearer only; the metrics address
/// asks for it too.
async fn the_public_port_needs_the_token(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.metrics.token = Some(ticketing_server::settings::Secret::new(TOKEN));
        s.metrics.bind = Some(BindAddress::parse("127.0.0.1:0").unwrap());
    })
    .await;
    app.get("/healthz", None).await.assert_status(200);
    let port = app.metrics_port.expect("a metrics address");
    for port in [app.port, port] {
        for token in [None, Some("wrong"), Some(&TOKEN[1..])] {
            scrape(&app, port, token)
                .await
                .assert_problem(401, "unauthenticated");
        }
        let res = scrape(&app, port, Some(TOKEN)).await;
        res.assert_status(200);
        let samples = parse(&res.text());
        assert!(
            value(
                &samples,
                "ticketing_http_requests_total",
                &[("route", "/healthz"), ("status", "2xx")]
            ) >= 1.0,
            "{}",
            res.text()
        );
    }
    // Only GET and HEAD; only /metrics on the metrics address.
    let post = fetch(app.request(Method::POST, "/metrics", Some(TOKEN))).await;
    post.assert_problem(405, "method_not_allowed");
    let other = app
        .client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 404);
}

/// With one hashing thread, a burst of logins queues: the queue gauge rises while they wait
/// and is back at 0 once they are answered.
#[tokio::test]
async fn a_login_burst_shows_in_the_hash_queue() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.metrics.bind = Some(BindAddress::parse("127.0.0.1:0").unwrap());
        s.auth.hash_concurrency = 1;
    })
    .await;
    app.register("ada").await;
    let logins: Vec<_> = (0..4)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/api/v1/users/auth/login/");
            tokio::spawn(async move {
                let body = serde_json::json!({"username": "ada", "password": PASSWORD});
                client.post(url).json(&body).send().await.unwrap().status()
            })
        })
        .collect();
    let mut deepest = 0.0_f64;
    while !logins.iter().all(|l| l.is_finished()) {
        let (_, samples) = scraped(&app).await;
        deepest = deepest.max(value(&samples, "ticketing_password_hash_queue_depth", &[]));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for login in logins {
        assert_eq!(login.await.unwrap().as_u16(), 200);
    }
    assert!(deepest >= 1.0, "the queue never showed a waiting hash");
    let (text, samples) = scraped(&app).await;
    assert_eq!(
        value(&samples, "ticketing_password_hash_queue_depth", &[]),
        0.0,
        "{text}"
    );
}

/// A token too short to be a secret stops the start-up, naming the setting.
#[test]
fn a_short_token_is_refused() {
    let env = |k: &str| (k == "TICKETING_METRICS_TOKEN").then(|| "short".to_owned());
    let err = ticketing_server::settings::Settings::load_with(None, &Default::default(), &env)
        .expect_err("a short token is refused");
    let text = err.to_string();
    assert!(
        text.contains("TICKETING_METRICS_TOKEN") && text.contains("at least 16 characters"),
        "{text}"
    );
    assert!(!text.contains("short\""), "the secret is shown: {text}");
}

/// The scrape configuration of `deploy/` is one Prometheus accepts, and so is its commented-out
/// alternative (the public port with the bearer secret) once uncommented.
#[test]
fn the_prometheus_config_passes_promtool() {
    let config = repository_file("deploy/prometheus.yml");
    run_promtool(&["check", "config", config.to_str().unwrap()], None);

    let text = std::fs::read_to_string(&config).unwrap();
    let start = text
        .find("# --- alternative")
        .expect("the alternative's start marker");
    let end = text
        .find("# --- end of the alternative")
        .expect("its end marker");
    let (head, rest) = text.split_at(start);
    let block: String = rest[..end - start]
        .lines()
        .skip(1)
        .filter_map(|l| l.trim_start().strip_prefix("# "))
        .filter(|l| l.starts_with(' ') || l.starts_with('-'))
        .map(|l| format!("  {l}\n"))
        .collect();
    assert!(block.contains("job_name: ticketing-public"), "{block}");
    let dir = tempfile::tempdir().unwrap();
    let variant = dir.path().join("prometheus.yml");
    let head = head.trim_end_matches(' ');
    std::fs::write(&variant, format!("{head}{block}")).unwrap();
    // --syntax-only: the token file of the example does not exist here.
    run_promtool(
        &[
            "check",
            "config",
            "--syntax-only",
            variant.to_str().unwrap(),
        ],
        None,
    );
}

fn repository_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The names a PromQL expression uses that look like ours.
fn metric_names(expr: &str) -> Vec<String> {
    expr.match_indices("ticketing_")
        .map(|(i, _)| {
            expr[i..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .collect()
}

/// Every query of the Grafana dashboard is valid PromQL (`promtool check rules`, with the
/// dashboard's variables filled in) and names only metrics of the catalogue, and every metric
/// of the catalogue has a panel.
#[test]
fn the_dashboard_queries_the_catalogue_in_valid_promql() {
    let text = std::fs::read_to_string(repository_file("deploy/grafana/ticketing.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            exprs.push(target["expr"].as_str().unwrap().to_owned());
        }
    }
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if let Some(query) = variable["query"]["query"].as_str() {
            // label_values(METRIC{...}, LABEL) is Grafana's, not PromQL: check the selector.
            let selector = query
                .strip_prefix("label_values(")
                .and_then(|q| q.rsplit_once(','))
                .map(|(selector, _)| selector.to_owned())
                .unwrap();
            exprs.push(selector);
        }
    }
    assert!(exprs.len() > 20, "{exprs:?}");

    let mut known = Vec::new();
    for metric in ticketing_app::metrics::METRICS {
        known.push(metric.name.to_owned());
        if let ticketing_app::metrics::Kind::Histogram(_) = metric.kind {
            for suffix in ["_bucket", "_sum", "_count"] {
                known.push(format!("{}{suffix}", metric.name));
            }
        }
    }
    let used: Vec<String> = exprs.iter().flat_map(|e| metric_names(e)).collect();
    for name in &used {
        assert!(
            known.contains(name),
            "the dashboard uses {name}, not a metric"
        );
    }
    for metric in ticketing_app::metrics::METRICS {
        assert!(
            used.iter().any(|u| u.starts_with(metric.name)),
            "no panel shows {}",
            metric.name
        );
    }

    let rules: String = exprs
        .iter()
        .enumerate()
        .map(|(i, expr)| {
            let expr = expr
                .replace("$__rate_interval", "5m")
                .replace("$job", ".*")
                .replace("$instance", ".*");
            // A JSON string is a YAML string.
            format!(
                "      - record: dashboard:query_{i}\n        expr: {}\n",
                serde_json::to_string(&expr).unwrap()
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dashboard-rules.yml");
    std::fs::write(
        &file,
        format!("groups:\n  - name: dashboard\n    rules:\n{rules}"),
    )
    .unwrap();
    run_promtool(&["check", "rules", file.to_str().unwrap()], None);
}

/// docs/operations.md lists every metric.
#[test]
fn every_metric_is_documented() {
    let docs = std::fs::read_to_string(repository_file("docs/operations.md")).unwrap();
    for metric in ticketing_app::metrics::METRICS {
        assert!(
            docs.contains(&format!("`{}`", metric.name)),
            "{} is not in docs/operations.md",
            metric.name
        );
    }
}

backend_tests!(
    counters_move_after_a_run_of_requests,
    the_public_port_needs_the_token
);
