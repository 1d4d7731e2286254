//! # ticketing-app
//!
//! The application layer of the helpdesk: ports (traits the adapters implement) and the use
//! cases that orchestrate them. Every use case loads what it needs, asks the domain
//! (`ticketing-domain`) for the permission and the change, and persists the result in one port
//! call, which the adapter runs as one transaction.
#![forbid(unsafe_code)]

pub mod error;
pub mod metrics;
pub mod ports;
pub mod system;
/// The shared test harness (mocks, fixtures, the `App` over a fake store); feature `mock`.
#[cfg(feature = "mock")]
pub mod testing;

mod api_tokens;
mod app;
pub mod audit;
mod auth;
mod bulk;
mod events;
pub mod inbound;
mod limits;
pub mod mail;
mod presence;
mod retry;
mod tickets;
mod uploads;
mod user_cache;
mod users;
pub mod views;
pub mod webhooks;

pub use api_tokens::{Authenticated, CreatedApiToken, NewApiToken};
pub use app::{App, Ports, Settings, StorePorts};
pub use audit::{
    ActorFilter, AuditAction, AuditActor, AuditCursor, AuditEntry, AuditQuery, AuditSource,
};
pub use auth::{API_TOKEN_PREFIX, AuthSession, LoginInput, RegisterInput};
pub use bulk::{BulkOutcome, MAX_BULK_TICKETS};
pub use error::{
    AppError, AuthFailure, BlobError, CryptoError, FieldErrors, RepoError, TokenError,
};
pub use events::{Backlog, Delivery, GATHER, Recipients, StreamCaller, next_wakeup};
pub use inbound::{InboundFile, InboundMail, MailOrigin, ReceiveError, Received, UnknownSender};
pub use limits::{Hits, LONGEST_WINDOW, MemoryCounters};
pub use mail::{
    MailFailure, MailJob, MailKind, MailOutcome, MailPort, MailPreferences, MailRepository,
    PreferencesUpdate,
};
pub use presence::{PresenceShown, PresenceView};
pub use retry::RetryPolicy;
pub use tickets::{DETAIL_ITEMS, NewTicketInput, PatchInput, TicketListKind};
pub use uploads::{UploadInput, UploadPermit};
pub use users::{CreateUserInput, ProfileUpdate, UserUpdate};
