//! `/api/v1/tickets/{id}/attachments/`: streamed uploads, lists, downloads, removal.

use actix_multipart::Multipart;
use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use ticketing_app::ports::BlobWriter;
use ticketing_app::{AppError, UploadInput, UploadPermit};
use ticketing_domain::{Access, Actor, AttachmentId, FileName, MessageId, TicketId};
use tokio_util::io::ReaderStream;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::AttachmentDto;
use crate::extract::{Caller, authenticate, bearer, full_access, state as http_state};
use crate::listing::{OldestFirstParams, QueryPairs, paged, timeline_query};
use crate::problem::{ApiError, ApiResult};
use crate::state::HttpState;

/// The multipart form of an upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// Optional: a message of the same ticket the file belongs to. Must come before `file`.
    #[schema(value_type = Option<Uuid>)]
    message_id: Option<String>,
    /// The file (one per request).
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

/// A page of a ticket's attachments, oldest first by default.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/attachments/", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"), OldestFirstParams),
    responses(
        (status = 200, description = "A page of attachments", body = Vec<AttachmentDto>,
         headers(("X-Total-Count" = u64, description = "attachments the caller sees in all pages"),
                 ("Link" = String, description = "`<url>; rel=\"next\"` when more follow"))),
        (status = 400, description = "Invalid ordering, limit or cursor, or an unknown parameter"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
    )
)]
pub async fn list(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let pairs = QueryPairs::parse(&req)?;
    let query = timeline_query(&pairs, false)?;
    let page = state
        .app
        .list_attachments(
            &caller.actor(),
            TicketId::from_uuid(path.into_inner()),
            query,
        )
        .await?;
    let items: Vec<AttachmentDto> = page.items.iter().map(AttachmentDto::from).collect();
    Ok(paged(&req, &pairs, page.total, page.next, items))
}

const MAX_PARTS: usize = 4;
const MAX_TEXT_FIELD: usize = 100;
/// Multipart framing allowance on top of the file size limit.
const MULTIPART_OVERHEAD: u64 = 16 * 1024;

/// Upload a file (multipart field `file`, optional `message_id` before it). The file is streamed
/// to disk, never held in memory; above the size limit the answer is 413 and nothing is stored.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/attachments/", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The new attachment", body = AttachmentDto,
         headers(("Location" = String, description = "the attachment's URL"))),
        (status = 400, description = "No file, several files, unknown fields or a bad message_id"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "A customer attaching to a message written by someone else"),
        (status = 404, description = "No such ticket, or not visible to the caller"),
        (status = 409, description = "The ticket is closed (`ticket_closed`)"),
        (status = 413, description = "The file exceeds the size limit, or the uploader's storage quota (the problem says how much is used)"),
        (status = 415, description = "Not multipart/form-data"),
        (status = 429, description = "Too many writes by this user (`rate_limited`, with `Retry-After`)"),
    )
)]
pub async fn upload(
    state: web::Data<HttpState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::unsupported_media_type(
            "expected multipart/form-data with a `file` field",
        ));
    }
    let limit = state.config.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit + MULTIPART_OVERHEAD) {
        return Err(AppError::PayloadTooLarge { limit }.into());
    }
    let actor = caller.actor();
    state.count_write(actor.id).await?;
    let ticket_id = TicketId::from_uuid(path.into_inner());
    state.app.authorize_upload(&actor, ticket_id, None).await?;
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut message_id: Option<MessageId> = None;
    let mut parts = 0;
    let mut stored = None;
    while let Some(field) = multipart.next().await {
        let mut field =
            field.map_err(|e| ApiError::bad_request(format!("malformed multipart body: {e}")))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(abandon(
                &state,
                stored,
                ApiError::bad_request("too many form fields"),
            )
            .await);
        }
        let name = field
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_owned();
        match name.as_str() {
            "message_id" if stored.is_none() => {
                let text = read_text(&mut field).await?;
                let id = text
                    .trim()
                    .parse::<MessageId>()
                    .map_err(|_| ApiError::field("message_id", "must be a message id"))?;
                message_id = Some(id);
            }
            "file" if stored.is_none() => {
                let filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(FileName::sanitize)
                    .unwrap_or_else(|| FileName::sanitize(""));
                let content_type = field
                    .content_type()
                    .map(|m| m.essence_str().to_ascii_lowercase())
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                let permit = state
                    .app
                    .authorize_upload(&actor, ticket_id, message_id)
                    .await?;
                let file = stream_file(&state, &permit, &mut field).await?;
                stored = Some((
                    permit,
                    UploadInput {
                        filename,
                        content_type,
                    },
                    file,
                ));
            }
            "message_id" => {
                return Err(abandon(
                    &state,
                    stored,
                    ApiError::field("message_id", "must come before the file"),
                )
                .await);
            }
            "file" => {
                return Err(abandon(
                    &state,
                    stored,
                    ApiError::field("file", "only one file per request"),
                )
                .await);
            }
            other => {
                let e = ApiError::bad_request(format!("unknown form field `{other}`"));
                return Err(abandon(&state, stored, e).await);
            }
        }
    }
    let Some((permit, input, file)) = stored else {
        return Err(ApiError::field("file", "a file is required"));
    };
    let view = state.app.commit_upload(permit, input, file).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!(
                "/api/v1/tickets/{}/attachments/{}/",
                view.attachment.ticket_id, view.attachment.id
            ),
        ))
        .json(AttachmentDto::from(&view)))
}

/// Removes an already stored file when the request fails after it.
async fn abandon(
    state: &HttpState,
    stored: Option<(UploadPermit, UploadInput, ticketing_domain::StoredFile)>,
    error: ApiError,
) -> ApiError {
    if let Some((_, _, file)) = stored {
        state.app.discard_upload(&file).await;
    }
    error
}

async fn read_text(field: &mut actix_multipart::Field) -> ApiResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("malformed multipart body: {e}")))?;
        if buf.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(ApiError::bad_request("form field too long"));
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| ApiError::bad_request("form field is not UTF-8"))
}

async fn stream_file(
    state: &HttpState,
    permit: &UploadPermit,
    field: &mut actix_multipart::Field,
) -> ApiResult<ticketing_domain::StoredFile> {
    let mut writer: Box<dyn BlobWriter> = state.app.begin_upload(permit).await?;
    while let Some(chunk) = field.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                writer.abort().await;
                return Err(ApiError::bad_request(format!("upload interrupted: {e}")));
            }
        };
        // On error the writer has already removed its temp file.
        writer
            .write(&chunk)
            .await
            .map_err(|e| ApiError::from(state.app.upload_failed(permit, e)))?;
    }
    Ok(writer
        .finish()
        .await
        .map_err(|e| state.app.upload_failed(permit, e))?)
}

/// Remove an attachment (its uploader or staff); the stored file is removed too.
#[utoipa::path(
    delete, path = "/api/v1/tickets/{id}/attachments/{aid}/", tag = "attachments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"),
           ("aid" = Uuid, Path, description = "The attachment's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Only the uploader or staff may remove it"),
        (status = 404, description = "No such ticket or attachment, or not visible"),
        (status = 409, description = "The ticket is closed (`ticket_closed`)"),
    )
)]
pub async fn remove(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (tid, aid) = path.into_inner();
    state
        .app
        .remove_attachment(
            &caller.actor(),
            TicketId::from_uuid(tid),
            AttachmentId::from_uuid(aid),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Query of a download link.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// The signed token of `file_url` (instead of an Authorization header).
    pub token: Option<String>,
}

/// Download an attachment: with the signed `token` of `file_url`, or with a Bearer header.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/attachments/{aid}/download/", tag = "attachments",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The ticket's id"),
           ("aid" = Uuid, Path, description = "The attachment's id"),
           DownloadParams),
    responses(
        (status = 200, description = "The bytes, as an attachment",
         content_type = "application/octet-stream", body = Vec<u8>,
         headers(("Content-Disposition" = String, description = "attachment; filename=…"),
                 ("X-Content-Type-Options" = String, description = "nosniff"))),
        (status = 401, description = "No, invalid or expired token"),
        (status = 404, description = "No such ticket or attachment, or not visible"),
    )
)]
pub async fn download(
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<DownloadParams>,
) -> ApiResult<HttpResponse> {
    let state = http_state(&req)?;
    let (tid, aid) = path.into_inner();
    let (ticket_id, attachment_id) = (TicketId::from_uuid(tid), AttachmentId::from_uuid(aid));
    let opened = match (query.into_inner().token, bearer(&req)) {
        (Some(token), _) => {
            state
                .app
                .open_attachment_with_token(&token, ticket_id, attachment_id)
                .await?
        }
        (None, Some(access)) => {
            let caller = full_access(authenticate(&state, &access, Access::Read).await?)?;
            let actor: Actor = caller.actor();
            state
                .app
                .open_attachment(&actor, ticket_id, attachment_id)
                .await?
        }
        (None, None) => {
            return Err(AppError::Unauthenticated(ticketing_app::AuthFailure::Missing).into());
        }
    };
    let (attachment, blob) = opened;
    let stream = ReaderStream::with_capacity(blob.reader, 64 * 1024);
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            safe_content_type(&attachment.content_type),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(attachment.filename.as_str()),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .body(SizedStream::new(blob.size, stream)))
}

/// The stored content types a download keeps (none of them runs in the browser); any other is
/// sent as `application/octet-stream`.
pub(crate) const HARMLESS_CONTENT_TYPES: &[&str] = &[
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/json",
    "text/plain",
    "text/csv",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "audio/mpeg",
    "video/mp4",
];

/// The stored content type when it cannot run in the browser, else `application/octet-stream`.
pub(crate) fn safe_content_type(declared: &str) -> HeaderValue {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if HARMLESS_CONTENT_TYPES.contains(&essence.as_str()) {
        HeaderValue::from_str(&essence)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"))
    } else {
        HeaderValue::from_static("application/octet-stream")
    }
}

/// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
pub(crate) fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let value = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("attachment"))
}
