//! Every route of the API, declared once.
//!
//! A handler's `#[utoipa::path(...)]` annotation says its method, its path and what it answers;
//! the `routes!` list below names each handler once. From that list come:
//! - the actix resources ([`configure`]): one resource per path, in the order of the list (a
//!   literal path such as `/api/v1/users/profile/` must come before a pattern that also matches
//!   it, such as `/api/v1/users/{id}/`); GET also answers HEAD; PATCH also answers PUT on the
//!   paths of [`PUT_LIKE_PATCH`]; any other method gets a 405 problem whose `Allow` header is
//!   computed from the methods served;
//! - the OpenAPI paths ([`Paths`], merged into the document by the `Routes` modifier of
//!   `openapi.rs`).

use std::future::{Ready, ready};

use actix_web::http::Method;
use actix_web::{HttpResponse, Route, guard, web};
use utoipa::openapi::path::HttpMethod;

use crate::handlers::*;
use crate::problem::ApiError;

/// The resources that answer PUT like PATCH (a partial update); only these get a PUT operation.
pub(crate) const PUT_LIKE_PATCH: &[&str] = &["/api/v1/tickets/{id}/", "/api/v1/users/profile/"];

/// The order of the methods in an `Allow` header.
const ALLOW_ORDER: [Method; 8] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
];

/// One handler: where its annotation says it is served, and how to mount it.
pub(crate) struct Endpoint {
    /// The path of the annotation, e.g. `/api/v1/tickets/{id}/`.
    path: String,
    /// The methods of the annotation.
    methods: Vec<HttpMethod>,
    /// An actix route (no guard yet) calling the handler.
    to: fn() -> Route,
}

impl Endpoint {
    /// The endpoint of the handler whose annotation generated `P`, called through `to`.
    fn of<P: utoipa::Path>(to: fn() -> Route) -> Self {
        Self {
            path: P::path(),
            methods: P::methods(),
            to,
        }
    }
}

/// Declares the list: `module::handler` for each handler of `crate::handlers`, once.
macro_rules! routes {
    ($($module:ident :: $handler:ident),* $(,)?) => {
        /// The OpenAPI paths of every route, with the schemas they refer to.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub(crate) struct Paths;

        /// Every route, in matching order.
        pub(crate) fn endpoints() -> Vec<Endpoint> {
            pastey::paste! {
                vec![$(
                    Endpoint::of::<$module::[<__path_ $handler>]>(
                        || web::route().to($module::$handler)
                    ),
                )*]
            }
        }
    };
}

routes! {
    health::healthz, health::readyz,
    auth::register, auth::login, auth::refresh, auth::logout,
    mail::password_reset, mail::password_reset_confirm,
    profile::show, profile::update, profile::change_password,
    mail::preferences, mail::update_preferences,
    tokens::list, tokens::create, tokens::revoke,
    users::list, users::create, users::update,
    audit::list,
    mail::failures,
    tickets::list, tickets::create, tickets::bulk, tickets::show, tickets::update, tickets::delete,
    tickets::my_tickets, tickets::assigned_tickets,
    messages::list, messages::create,
    attachments::list, attachments::upload, attachments::remove, attachments::download,
    activities::list,
    events::stream,
    presence::presence_set, presence::presence_leave,
}

/// A path and the handlers of its methods (HEAD and PUT included where they are served).
struct Resource {
    path: String,
    methods: Vec<(Method, fn() -> Route)>,
}

impl Resource {
    /// The `Allow` header of its 405 answers.
    fn allow(&self) -> String {
        ALLOW_ORDER
            .iter()
            .filter(|m| self.methods.iter().any(|(served, _)| served == *m))
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The endpoints grouped by path, in the order each path first appears.
fn resources(endpoints: Vec<Endpoint>) -> Vec<Resource> {
    let mut resources: Vec<Resource> = Vec::new();
    for endpoint in endpoints {
        let index = match resources.iter().position(|r| r.path == endpoint.path) {
            Some(index) => index,
            None => {
                resources.push(Resource {
                    path: endpoint.path.clone(),
                    methods: Vec::new(),
                });
                resources.len() - 1
            }
        };
        let put_like_patch = PUT_LIKE_PATCH.contains(&endpoint.path.as_str());
        let methods = &mut resources[index].methods;
        for method in endpoint.methods.iter().map(actix_method) {
            if method == Method::GET {
                methods.push((Method::HEAD, endpoint.to));
            }
            if method == Method::PATCH && put_like_patch {
                methods.push((Method::PUT, endpoint.to));
            }
            methods.push((method, endpoint.to));
        }
    }
    resources
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Mounts `endpoints`: one resource per path, a 405 with `Allow` for the other methods.
fn mount(cfg: &mut web::ServiceConfig, endpoints: Vec<Endpoint>) {
    for resource in resources(endpoints) {
        let allow = resource.allow();
        let mut actix = web::resource(resource.path.as_str())
            .default_service(web::to(move || not_allowed(allow.clone())));
        for (method, to) in resource.methods {
            actix = actix.route(to().method(method));
        }
        cfg.service(actix);
    }
}

/// Mounts every route of the list.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    mount(cfg, endpoints());
}

/// The answer to a method the resource does not serve.
fn not_allowed(allow: String) -> Ready<Result<HttpResponse, ApiError>> {
    ready(Err(ApiError::method_not_allowed(allow)))
}

/// A GET route that also answers HEAD (for the resources mounted outside the list).
pub(crate) fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use actix_web::dev::ResourceDef;
    use actix_web::test::{TestRequest, call_service, init_service, read_body};
    use actix_web::{App, HttpResponse};

    use super::*;

    #[utoipa::path(get, path = "/things/")]
    async fn list_things() -> HttpResponse {
        HttpResponse::Ok().body("list")
    }

    #[utoipa::path(post, path = "/things/")]
    async fn add_thing() -> HttpResponse {
        HttpResponse::Created().finish()
    }

    #[utoipa::path(patch, path = "/api/v1/users/profile/")]
    async fn patch_profile() -> HttpResponse {
        HttpResponse::Ok().body("patched")
    }

    #[utoipa::path(delete, path = "/things/{id}/")]
    async fn remove_thing() -> HttpResponse {
        HttpResponse::NoContent().finish()
    }

    fn test_endpoints() -> Vec<Endpoint> {
        vec![
            Endpoint::of::<__path_list_things>(|| web::route().to(list_things)),
            Endpoint::of::<__path_patch_profile>(|| web::route().to(patch_profile)),
            Endpoint::of::<__path_add_thing>(|| web::route().to(add_thing)),
            Endpoint::of::<__path_remove_thing>(|| web::route().to(remove_thing)),
        ]
    }

    /// A method the list does not declare for a path gets a 405 problem whose `Allow` names
    /// exactly the declared methods (GET with HEAD, PATCH with PUT on `PUT_LIKE_PATCH` paths),
    /// in the usual order whatever the order of the list.
    #[actix_web::test]
    async fn undeclared_methods_answer_405_with_the_computed_allow() {
        let app = init_service(App::new().configure(|cfg| mount(cfg, test_endpoints()))).await;
        let cases = [
            ("/things/", Method::DELETE, 405, "GET, HEAD, POST"),
            ("/things/", Method::PUT, 405, "GET, HEAD, POST"),
            ("/things/", Method::PATCH, 405, "GET, HEAD, POST"),
            ("/things/", Method::GET, 200, ""),
            ("/things/", Method::HEAD, 200, ""),
            ("/things/", Method::POST, 201, ""),
            ("/things/7/", Method::GET, 405, "DELETE"),
            ("/things/7/", Method::DELETE, 204, ""),
            ("/api/v1/users/profile/", Method::GET, 405, "PUT, PATCH"),
            ("/api/v1/users/profile/", Method::POST, 405, "PUT, PATCH"),
            ("/api/v1/users/profile/", Method::PUT, 200, ""),
            ("/api/v1/users/profile/", Method::PATCH, 200, ""),
        ];
        for (path, method, status, allow) in cases {
            let req = TestRequest::default()
                .method(method.clone())
                .uri(path)
                .to_request();
            let res = call_service(&app, req).await;
            assert_eq!(res.status().as_u16(), status, "{method} {path}");
            let allowed = res.headers().get("allow").map(|v| v.to_str().unwrap());
            if status == 405 {
                assert_eq!(allowed, Some(allow), "{method} {path}");
                assert_eq!(
                    res.headers().get("content-type").unwrap(),
                    "application/problem+json"
                );
                let body: serde_json::Value =
                    serde_json::from_slice(&read_body(res).await).unwrap();
                assert_eq!(body["code"], "method_not_allowed");
                assert_eq!(body["detail"], format!("this resource allows {allow}"));
            } else {
                assert_eq!(allowed, None, "{method} {path}");
            }
        }
    }

    /// Each method of each path is declared by one handler only.
    #[test]
    fn no_method_is_declared_twice() {
        for resource in resources(endpoints()) {
            let mut methods: Vec<&str> = resource.methods.iter().map(|(m, _)| m.as_str()).collect();
            let count = methods.len();
            methods.sort_unstable();
            methods.dedup();
            assert_eq!(methods.len(), count, "{}", resource.path);
        }
    }

    /// Each path of `PUT_LIKE_PATCH` has a PATCH handler in the list (else it would serve no PUT).
    #[test]
    fn put_like_patch_paths_serve_patch() {
        let resources = resources(endpoints());
        for path in PUT_LIKE_PATCH {
            let resource = resources.iter().find(|r| r.path == *path).unwrap();
            let methods: Vec<&Method> = resource.methods.iter().map(|(m, _)| m).collect();
            assert!(methods.contains(&&Method::PATCH), "{path}");
            assert!(methods.contains(&&Method::PUT), "{path}");
        }
    }

    /// Resources are matched in the order of the list: no path may be shadowed by a pattern
    /// listed before it (`/api/v1/users/{id}/` before `/api/v1/users/profile/` would send the
    /// profile to the user handlers).
    #[test]
    fn no_path_is_shadowed_by_an_earlier_pattern() {
        let paths: Vec<String> = resources(endpoints()).into_iter().map(|r| r.path).collect();
        for (i, path) in paths.iter().enumerate() {
            let concrete = path.replace('{', "x").replace('}', "");
            let first = paths
                .iter()
                .position(|p| ResourceDef::new(p.as_str()).is_match(&concrete))
                .unwrap();
            assert_eq!(first, i, "{path} is shadowed by {}", paths[first]);
        }
    }
}
