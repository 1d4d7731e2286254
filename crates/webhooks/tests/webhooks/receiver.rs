//! A webhook receiver on 127.0.0.1:0 (hyper, HTTP/1.1) that records every request. Its answer
//! depends on the path:
//!
//! - `/ok`: 200 `thanks`
//! - `/fail`: 500 `database down`
//! - `/redirect`: 302 to `/ok`
//! - `/slow`: 200 after 3 seconds
//! - `/large`: 200 with 100 KiB of `x`

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

pub struct Receiver {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(request, Arc::clone(&log)));
                    // A client that hangs up early (timeouts, truncated reads) is not an error here.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            received,
            task,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    request: Request<Incoming>,
    log: Arc<Mutex<Vec<Received>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    let body = request
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    log.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body,
    });
    let reply = |status: StatusCode, body: Vec<u8>| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response
    };
    Ok(match path.as_str() {
        "/ok" => reply(StatusCode::OK, b"thanks".to_vec()),
        "/fail" => reply(StatusCode::INTERNAL_SERVER_ERROR, b"database down".to_vec()),
        "/redirect" => {
            let mut response = reply(StatusCode::FOUND, b"moved".to_vec());
            let location = "/ok".parse().unwrap();
            response.headers_mut().insert("location", location);
            response
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            reply(StatusCode::OK, b"late".to_vec())
        }
        "/large" => reply(StatusCode::OK, vec![b'x'; 100 * 1024]),
        _ => reply(StatusCode::NOT_FOUND, b"no such hook".to_vec()),
    })
}
