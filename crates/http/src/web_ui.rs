//! The web UI (`frontend/`), embedded in the binary.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::problem::ApiError;
use crate::routes::get;

#[derive(RustEmbed)]
#[folder = "../../frontend/"]
struct Assets;

/// Mounts `/` and the asset files (after every API route).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(get().to(index))
            .default_service(web::to(not_allowed)),
    )
    .service(
        web::resource("/{path:.+}")
            .route(get().to(asset))
            .default_service(web::to(not_found)),
    );
}

async fn not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::method_not_allowed("GET, HEAD"))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("no such page"))
}

async fn index(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    serve(&req, "index.html")
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    if path.starts_with("api/")
        || path
            .split('/')
            .any(|seg| seg == ".." || seg.starts_with('.'))
    {
        return Err(ApiError::not_found("no such page"));
    }
    serve(&req, &path)
}

fn serve(req: &HttpRequest, path: &str) -> Result<HttpResponse, ApiError> {
    let file = Assets::get(path).ok_or_else(|| ApiError::not_found("no such page"))?;
    let etag = format!("\"{}\"", hex_prefix(&file.metadata.sha256_hash()));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_TYPE, file.metadata.mimetype()));
    if fresh {
        Ok(res.finish())
    } else {
        Ok(res.body(file.data.into_owned()))
    }
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes.iter().take(12).map(|b| format!("{b:02x}")).collect()
}
