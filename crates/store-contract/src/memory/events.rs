//! `EventRepository` of the memory store, and appending events inside other writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::RepoError;
use ticketing_app::ports::{EventRepository, StoredEvent};
use ticketing_domain::{Event, Presence, TicketId, UserId};
use tokio::sync::watch;

use super::{MemoryStore, State, micros};

/// Wakes the event readers; a change is seen once the store's lock is released.
pub(super) struct Waker(watch::Sender<u64>);

impl Default for Waker {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl State {
    /// Appends `events` with the next ids (1, 2, 3, … without gaps: the lock orders the writes)
    /// and wakes the readers. Call it after every check of the write passed.
    pub(super) fn append_events(&mut self, events: &[Event]) {
        if events.is_empty() {
            return;
        }
        for event in events {
            self.last_event_id += 1;
            self.events.push(StoredEvent {
                id: self.last_event_id,
                event: Event {
                    at: micros(event.at),
                    ..event.clone()
                },
                ticket_number: None,
            });
        }
        self.waker.0.send_modify(|n| *n = n.wrapping_add(1));
    }
}

#[async_trait]
impl EventRepository for MemoryStore {
    async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<StoredEvent>, RepoError> {
        let s = self.state()?;
        let start = s.events.partition_point(|e| e.id <= after);
        Ok(s.events[start..]
            .iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|e| StoredEvent {
                ticket_number: e
                    .event
                    .ticket_id
                    .and_then(|t| s.tickets.get(&t))
                    .map(|t| t.number),
                ..e.clone()
            })
            .collect())
    }

    async fn last_event_id(&self) -> Result<i64, RepoError> {
        Ok(self.state()?.last_event_id)
    }

    async fn prune_events(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let mut s = self.state()?;
        let Some(through) = s
            .events
            .iter()
            .filter(|e| e.event.at < before)
            .map(|e| e.id)
            .max()
        else {
            return Ok(0);
        };
        let keep = s.events.partition_point(|e| e.id <= through);
        s.events.drain(..keep);
        Ok(u64::try_from(keep).unwrap_or(u64::MAX))
    }

    async fn set_presence(&self, presence: Presence) -> Result<(), RepoError> {
        let mut s = self.state()?;
        let now = micros(presence.at);
        s.presence.retain(|_, p| p.expires_at > now);
        let stored = Presence {
            at: now,
            expires_at: micros(presence.expires_at),
            ..presence
        };
        s.presence
            .insert((stored.ticket_id, stored.user_id), stored);
        s.waker.0.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }

    async fn clear_presence(&self, ticket: TicketId, user: UserId) -> Result<bool, RepoError> {
        let mut s = self.state()?;
        let was = s.presence.remove(&(ticket, user)).is_some();
        s.waker.0.send_modify(|n| *n = n.wrapping_add(1));
        Ok(was)
    }

    async fn current_presence(&self, now: DateTime<Utc>) -> Result<Vec<Presence>, RepoError> {
        let s = self.state()?;
        Ok(s.presence
            .values()
            .filter(|p| p.expires_at > now)
            .cloned()
            .collect())
    }

    fn event_wakeups(&self) -> watch::Receiver<u64> {
        match self.inner.lock() {
            Ok(s) => s.waker.0.subscribe(),
            Err(poisoned) => poisoned.into_inner().waker.0.subscribe(),
        }
    }
}
