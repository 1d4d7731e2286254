//! Route handlers, one file per resource, each with its `configure`.

pub mod activities;
pub mod attachments;
pub mod auth;
pub mod health;
pub mod messages;
pub mod profile;
pub mod tickets;
pub mod users;

use actix_web::{HttpResponse, Route, guard, web};

use crate::problem::ApiError;

/// A GET route that also answers HEAD.
pub(crate) fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The default service of a resource: 405 problem+json naming the allowed methods.
pub(crate) fn not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<HttpResponse, ApiError>> + Clone {
    move || std::future::ready(Err(ApiError::method_not_allowed(allow)))
}

/// Builds a resource at `path` with a 405 default for other methods.
pub(crate) fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(not_allowed(allow)))
}
