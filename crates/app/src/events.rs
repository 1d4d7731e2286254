//! The event outbox, read: what the event stream (`GET /api/v1/events/`) and the other consumers
//! deliver. The store writes each change's events with the change (see
//! [`EventRepository`](crate::ports::EventRepository)); here they are read in id order, given
//! their actor's name, and filtered per recipient by the domain's policy
//! ([`ticketing_domain::policy::sees_event`]).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ticketing_domain::event::Audience;
use ticketing_domain::{Access, Actor, Credential, Event, Notice, TicketId, UserId, policy};

use crate::api_tokens::Authenticated;
use crate::app::App;
use crate::error::AppError;
use crate::ports::StoredEvent;

/// The name shown for an actor whose account cannot be read (never expected: accounts are not
/// deleted).
const UNKNOWN_ACTOR: &str = "unknown user";

/// An event read from the outbox with its actor's display name: what the per-recipient filter
/// needs ([`Delivery::event`], for [`policy::sees_event`]) and what is delivered
/// ([`Delivery::notice`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The outbox id.
    pub id: i64,
    /// The event.
    pub event: Event,
    /// Its ticket's number, for ticket events.
    pub ticket_number: Option<u64>,
    /// Its actor's display name (`cli` for the command line).
    pub actor_name: String,
}

impl Delivery {
    /// The event as delivered.
    pub fn notice(&self) -> Notice {
        Notice::new(self.id, &self.event, self.ticket_number, &self.actor_name)
    }

    /// Whether `actor` may be told of it, and it is about `ticket` when one is given.
    pub fn is_for(&self, actor: &Actor, ticket: Option<TicketId>) -> bool {
        self.recipients().admit(actor, ticket)
    }

    /// Who it is for: what the filter of [`Delivery::is_for`] needs, without the event's data.
    pub fn recipients(&self) -> Recipients {
        Recipients {
            audience: self.event.audience(),
            ticket_id: self.event.ticket_id,
            account: self.event.kind.account().and_then(|a| a.user_id),
        }
    }
}

/// Who an event is for (and which account it changed, if any): kept by a reader that filters
/// many events for many recipients, instead of the whole event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipients {
    /// Who may be told ([`policy::sees_audience`]).
    pub audience: Audience,
    /// The ticket, for ticket events.
    pub ticket_id: Option<TicketId>,
    /// The account an account change is about.
    pub account: Option<UserId>,
}

impl Recipients {
    /// Whether `actor` may be told, and it is about `ticket` when one is given.
    pub fn admit(&self, actor: &Actor, ticket: Option<TicketId>) -> bool {
        ticket.is_none_or(|t| self.ticket_id == Some(t))
            && policy::sees_audience(actor, &self.audience)
    }
}

/// What a reader resuming after an id gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backlog {
    /// The events after the resume point, in order, none missed (empty: nothing new).
    Events(Vec<Delivery>),
    /// Some events after the resume point are gone (pruned: older than the retention), or the
    /// point is not an id of this outbox: the reader must reload what it shows and go on after
    /// `head`.
    Reset {
        /// The last committed id.
        head: i64,
    },
}

/// Who reads an event stream: the bearer of a valid token, checked again while the stream runs
/// (and, for a session's access token, until it expires).
#[derive(Clone, PartialEq, Eq)]
pub struct StreamCaller {
    /// The caller as authenticated.
    pub actor: Actor,
    /// The bearer secret, to check the caller again (never shown: see `Debug`).
    bearer: String,
    /// When a session's access token expires: the stream ends then. `None` for an API token,
    /// whose expiry or revocation the checks find.
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for StreamCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamCaller")
            .field("actor", &self.actor)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// How long the mailer and the webhook dispatcher wait after a wake-up before they read the
/// outbox ([`next_wakeup`]): the commits of that interval are read together. Under load a
/// process commits events hundreds of times a second, and each of these readers ran a few
/// statements per commit. Not for the live hub: an event stream's delivery latency is a target
/// of its own (p99 under 100 ms at 50 writes a second, 76 ms measured on PostgreSQL).
pub const GATHER: Duration = Duration::from_millis(20);

/// Waits for the next wake-up of `wake` (from [`App::event_wakeups`]), then `gather` more
/// ([`GATHER`], or zero), or for `poll` at most (what a lost wake-up costs); when the store
/// stopped sending wake-ups (a closed channel), `poll`.
pub async fn next_wakeup(
    wake: &mut tokio::sync::watch::Receiver<u64>,
    poll: Duration,
    gather: Duration,
) {
    match tokio::time::timeout(poll, wake.changed()).await {
        Ok(Ok(())) if !gather.is_zero() => tokio::time::sleep(gather).await,
        Ok(Ok(())) | Err(_) => {}
        Ok(Err(_closed)) => tokio::time::sleep(poll).await,
    }
}

impl App {
    /// The reader of an event stream, once [`App::authenticate`] accepted `bearer` for reading:
    /// with the expiry of a session's access token (the stream ends then).
    pub fn event_stream_caller(&self, bearer: &str, caller: &Authenticated) -> StreamCaller {
        let expires_at = match caller.credential {
            Credential::Session => self
                .ports
                .tokens
                .verify_access(bearer, self.ports.clock.now())
                .ok()
                .map(|claims| claims.expires_at),
            Credential::ApiToken { .. } => None,
        };
        StreamCaller {
            actor: caller.actor(),
            bearer: bearer.to_owned(),
            expires_at,
        }
    }

    /// The reader of an open stream as they are now: their token authenticated again (the user
    /// read through the user cache, so a change made through another process applies within
    /// its delay). Their current role, or `None` when the stream must end (the token expired or
    /// was revoked, the account was deactivated or signed out everywhere).
    pub async fn event_stream_recheck(
        &self,
        caller: &StreamCaller,
    ) -> Result<Option<Actor>, AppError> {
        match self.authenticate(&caller.bearer, Access::Read).await {
            Ok(now) => Ok(Some(now.actor())),
            Err(AppError::Unauthenticated(_) | AppError::Domain(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Checks that `actor` may follow the events of ticket `id` (`?ticket=`): `NotFound` for a
    /// ticket they cannot see, as everywhere.
    pub async fn check_event_ticket(&self, actor: &Actor, id: TicketId) -> Result<(), AppError> {
        self.visible_ticket(actor, id).await.map(|_| ())
    }

    /// The id of the last committed event (where a new reader starts).
    pub async fn last_event_id(&self) -> Result<i64, AppError> {
        Ok(self.ports.store.events.last_event_id().await?)
    }

    /// Up to `limit` events after `after`, in order, with their actors' names: for one reader
    /// per process that hands them to every stream (no query per stream).
    pub async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<Delivery>, AppError> {
        let stored = self.ports.store.events.events_after(after, limit).await?;
        self.deliveries(stored).await
    }

    /// Where a reader that has seen every event up to `after` resumes: the next events (up to
    /// `limit`, none missed), or [`Backlog::Reset`] when some of them were pruned or `after` is
    /// not an id of this outbox. Exact because ids are given without gaps in commit order: the
    /// last id is read first, so an event after `after` and up to it that does not come back was
    /// pruned.
    pub async fn event_backlog(&self, after: i64, limit: u32) -> Result<Backlog, AppError> {
        let head = self.ports.store.events.last_event_id().await?;
        if after > head || after < 0 {
            return Ok(Backlog::Reset { head });
        }
        let stored = self.ports.store.events.events_after(after, limit).await?;
        let complete = match stored.first() {
            Some(first) => first.id == after + 1,
            None => after == head,
        };
        if !complete {
            return Ok(Backlog::Reset { head });
        }
        Ok(Backlog::Events(self.deliveries(stored).await?))
    }

    /// A receiver that changes when events may have been committed (a hint; poll as well:
    /// [`next_wakeup`]).
    pub fn event_wakeups(&self) -> tokio::sync::watch::Receiver<u64> {
        self.ports.store.events.event_wakeups()
    }

    /// Deletes the events older than the retention (`Settings::events_retention`); returns how
    /// many.
    pub async fn prune_events(&self) -> Result<u64, AppError> {
        let retention = chrono::Duration::from_std(self.settings.events_retention)
            .unwrap_or(chrono::Duration::MAX);
        let before = self
            .ports
            .clock
            .now()
            .checked_sub_signed(retention)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Ok(self.ports.store.events.prune_events(before).await?)
    }

    /// The events with their actors' names (one lookup for all, through the user cache).
    async fn deliveries(&self, stored: Vec<StoredEvent>) -> Result<Vec<Delivery>, AppError> {
        let mut ids: Vec<UserId> = stored.iter().filter_map(|e| e.event.actor).collect();
        ids.sort_unstable();
        ids.dedup();
        let names: HashMap<UserId, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            self.ports
                .store
                .users
                .get_many(&ids)
                .await?
                .into_iter()
                .map(|u| (u.id, u.display_name()))
                .collect()
        };
        Ok(stored
            .into_iter()
            .map(|e| Delivery {
                actor_name: e
                    .event
                    .actor
                    .and_then(|a| names.get(&a).cloned())
                    .unwrap_or_else(|| UNKNOWN_ACTOR.to_owned()),
                id: e.id,
                ticket_number: e.ticket_number,
                event: e.event,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::watch;
    use tokio::time::Instant;

    use super::{GATHER, next_wakeup};

    const POLL: Duration = Duration::from_secs(1);

    #[tokio::test(start_paused = true)]
    async fn a_wake_up_is_read_after_the_gather() {
        let (tx, mut rx) = watch::channel(0_u64);
        let start = Instant::now();
        tx.send_replace(1);
        next_wakeup(&mut rx, POLL, GATHER).await;
        assert_eq!(start.elapsed(), GATHER);
        tx.send_replace(2);
        next_wakeup(&mut rx, POLL, Duration::ZERO).await;
        assert_eq!(start.elapsed(), GATHER, "no gather: at once");
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_wake_up_the_poll_comes() {
        let (_tx, mut rx) = watch::channel(0_u64);
        let start = Instant::now();
        next_wakeup(&mut rx, POLL, GATHER).await;
        assert_eq!(start.elapsed(), POLL);
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_channel_waits_a_poll() {
        let (tx, mut rx) = watch::channel(0_u64);
        drop(tx);
        let start = Instant::now();
        next_wakeup(&mut rx, POLL, GATHER).await;
        assert_eq!(start.elapsed(), POLL);
    }
}
