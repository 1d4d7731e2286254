//! Tickets, messages, attachments and the activity log of the memory store.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use ticketing_app::RepoError;
use ticketing_app::ports::{
    ActivityRepository, AttachmentRepository, MessageRepository, TicketEffect, TicketRepository,
    Timeline,
};
use ticketing_domain::chrono::{DateTime, Utc};
use ticketing_domain::listing::{
    CursorKey, Limit, Page, SortKey, TOTAL_CAP, TicketQuery, TimelineQuery, search_walk,
};
use ticketing_domain::{
    ActivityEntry, Attachment, AttachmentId, Event, LastPublicMessage, Message, MessageId, Status,
    Ticket, TicketId, UserId,
};
use uuid::Uuid;

use super::{MemoryStore, State, micros, opt_micros};

fn normalized(t: &Ticket) -> Ticket {
    Ticket {
        created_at: micros(t.created_at),
        updated_at: micros(t.updated_at),
        public_updated_at: micros(t.public_updated_at),
        resolved_at: opt_micros(t.resolved_at),
        closed_at: opt_micros(t.closed_at),
        deleted_at: opt_micros(t.deleted_at),
        ..t.clone()
    }
}

fn normalized_entry(a: &ActivityEntry) -> ActivityEntry {
    ActivityEntry {
        created_at: micros(a.created_at),
        ..a.clone()
    }
}

/// The sort value of `t` in the ordering of `query` (and its view), then its id.
fn sort_key(query: &TicketQuery, t: &Ticket) -> (i64, Uuid) {
    let k = match query.ordering.key {
        SortKey::CreatedAt => t.created_at.timestamp_micros(),
        SortKey::UpdatedAt => query.updated_at_of(t).timestamp_micros(),
        SortKey::Priority => i64::from(t.priority.rank()),
    };
    (k, t.id.as_uuid())
}

fn bad_cursor() -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("the cursor does not fit the ordering"))
}

impl State {
    /// Checks the guard of `effect` without changing anything.
    fn check_effect(&self, effect: &TicketEffect) -> Result<(), RepoError> {
        let ok = match effect {
            TicketEffect::Touch {
                ticket_id, status, ..
            } => self.tickets.get(ticket_id).is_some_and(|t| {
                !t.is_deleted() && t.status == *status && t.status != Status::Closed
            }),
            TicketEffect::Replace {
                ticket,
                expected_version,
            } => self
                .tickets
                .get(&ticket.id)
                .is_some_and(|t| !t.is_deleted() && t.version == *expected_version),
        };
        if ok { Ok(()) } else { Err(RepoError::Stale) }
    }

    /// Applies `effect` (its guard was checked).
    fn apply_effect(&mut self, effect: &TicketEffect) {
        match effect {
            TicketEffect::Touch {
                ticket_id,
                at,
                messages,
                internal_notes,
                public,
                ..
            } => {
                if let Some(t) = self.tickets.get_mut(ticket_id) {
                    t.version += 1;
                    t.updated_at = micros(*at);
                    if *public {
                        t.public_version += 1;
                        t.public_updated_at = micros(*at);
                    }
                    t.message_count = t.message_count.saturating_add(*messages);
                    t.internal_note_count = t.internal_note_count.saturating_add(*internal_notes);
                }
            }
            TicketEffect::Replace { ticket, .. } => self.replace(ticket),
        }
    }

    /// Writes every mutable column of `ticket` (not id, number, owner, creation time, nor the
    /// last public message, which only messages move).
    fn replace(&mut self, ticket: &Ticket) {
        if let Some(stored) = self.tickets.get_mut(&ticket.id) {
            let new = normalized(ticket);
            *stored = Ticket {
                id: stored.id,
                number: stored.number,
                owner: stored.owner,
                created_at: stored.created_at,
                last_public_message: stored.last_public_message,
                ..new
            };
        }
    }

    /// Makes `message` its ticket's last public message when it is public and not older than
    /// the stored one (what `messages::set_last_public` does).
    fn note_last_public(&mut self, message: &Message) {
        let Some(last) = message.as_last_public() else {
            return;
        };
        if let Some(t) = self.tickets.get_mut(&message.ticket_id) {
            let at = micros(last.created_at);
            if t.last_public_message.is_none_or(|l| l.created_at <= at) {
                t.last_public_message = Some(LastPublicMessage {
                    created_at: at,
                    ..last
                });
            }
        }
    }

    /// `Conflict { field: "id" }` when an entry id is taken (or repeated).
    fn check_activities(&self, entries: &[ActivityEntry]) -> Result<(), RepoError> {
        let mut ids: HashSet<_> = self.activities.iter().map(|a| a.id).collect();
        if entries.iter().all(|a| ids.insert(a.id)) {
            Ok(())
        } else {
            Err(RepoError::Conflict { field: "id" })
        }
    }

    fn append(&mut self, entries: &[ActivityEntry]) {
        self.activities.extend(entries.iter().map(normalized_entry));
    }
}

#[async_trait]
impl TicketRepository for MemoryStore {
    async fn create(
        &self,
        ticket: &Ticket,
        created: &ActivityEntry,
        events: &[Event],
    ) -> Result<u64, RepoError> {
        let mut s = self.state()?;
        if s.tickets.contains_key(&ticket.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        s.check_activities(std::slice::from_ref(created))?;
        s.last_number += 1;
        let number = s.last_number;
        let stored = Ticket {
            number,
            last_public_message: None,
            ..normalized(ticket)
        };
        s.tickets.insert(ticket.id, stored);
        s.append(std::slice::from_ref(created));
        s.append_events(events);
        Ok(number)
    }

    async fn get(&self, id: TicketId) -> Result<Ticket, RepoError> {
        let s = self.state()?;
        s.tickets
            .get(&id)
            .filter(|t| !t.is_deleted())
            .cloned()
            .ok_or(RepoError::NotFound)
    }

    async fn list(&self, query: &TicketQuery) -> Result<Page<Ticket>, RepoError> {
        let s = self.state()?;
        let ordering = query.ordering;
        let after = match query.after {
            None => None,
            Some(c) if c.ordering != ordering => return Err(bad_cursor()),
            Some(c) => match (ordering.key, c.key) {
                (SortKey::CreatedAt | SortKey::UpdatedAt, CursorKey::Time(t)) => {
                    Some((t.timestamp_micros(), c.id))
                }
                (SortKey::Priority, CursorKey::Rank(r)) => Some((i64::from(r), c.id)),
                _ => return Err(bad_cursor()),
            },
        };
        let mut conversations: HashMap<TicketId, Vec<&Message>> = HashMap::new();
        if query.text.is_some() {
            for m in s.messages.values() {
                conversations.entry(m.ticket_id).or_default().push(m);
            }
        }
        let selects = |t: &Ticket| {
            let conversation = conversations.get(&t.id).map_or(&[][..], Vec::as_slice);
            query.selects_with(t, conversation)
        };
        // The list without its text, in order: where a search's walk goes (see SEARCH_WALK).
        let mut plain_query = query.clone();
        plain_query.text = None;
        let mut listed: Vec<&Ticket> = s
            .tickets
            .values()
            .filter(|t| plain_query.selects_with(t, &[]))
            .collect();
        listed.sort_by_key(|t| sort_key(query, t));
        if ordering.descending {
            listed.reverse();
        }
        let mut selected: Vec<&Ticket> = listed.iter().copied().filter(|t| selects(t)).collect();
        let total = (selected.len() as u64).min(TOTAL_CAP + 1);
        // A number query's ticket opens the first page; a cursor made from it starts the others
        // from the beginning.
        let pinned = query
            .sought_number()
            .and_then(|n| selected.iter().position(|t| t.number == n))
            .map(|i| selected.remove(i));
        let after = match (pinned, query.after) {
            (Some(p), Some(c)) if c.id == p.id.as_uuid() => None,
            _ => after,
        };
        let head: Vec<&Ticket> = pinned
            .filter(|_| query.after.is_none())
            .into_iter()
            .collect();
        let is_after = |t: &Ticket| match after {
            None => true,
            Some(c) if ordering.descending => sort_key(query, t) < c,
            Some(c) => sort_key(query, t) > c,
        };
        let rest: Vec<&Ticket> = selected.into_iter().filter(|t| is_after(t)).collect();
        let limit = usize::from(query.limit.get());
        let want = limit - head.len();
        let more = rest.len() > want;
        // A search whose walk finds the page and one more is not counted, unless the whole
        // list is shorter than the walk.
        let walk: Vec<&&Ticket> = listed
            .iter()
            .filter(|t| pinned.is_none_or(|p| p.id != t.id) && is_after(t))
            .take(usize::try_from(search_walk(query.limit)).unwrap_or(usize::MAX))
            .collect();
        let short = query.after.is_none() && (walk.len() as u64) < search_walk(query.limit);
        let walked =
            query.text.is_some() && !short && walk.iter().filter(|t| selects(t)).count() > want;
        let items: Vec<Ticket> = head
            .into_iter()
            .chain(rest.into_iter().take(want))
            .cloned()
            .collect();
        let next = match items.last() {
            Some(last) if more => Some(query.cursor_after(last).encode()),
            _ => None,
        };
        let (total, exact) = if walked {
            (items.len() as u64 + 1, false)
        } else {
            (total, true)
        };
        Ok(Page {
            items,
            total,
            next,
            exact,
        })
    }

    async fn timeline(
        &self,
        ticket: TicketId,
        include_internal: bool,
        limit: Limit,
    ) -> Result<Timeline, RepoError> {
        let latest = TimelineQuery::newest_first(limit);
        let messages = MessageRepository::list(self, ticket, include_internal, &latest).await?;
        let ids: Vec<MessageId> = messages.items.iter().map(|m| m.id).collect();
        Ok(Timeline {
            files: self.of_messages(&ids, include_internal).await?,
            attachments: AttachmentRepository::list(self, ticket, include_internal, &latest)
                .await?,
            activities: ActivityRepository::list(self, ticket, include_internal, &latest).await?,
            messages,
        })
    }

    async fn update(
        &self,
        ticket: &Ticket,
        expected_version: i64,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        let stored = s.tickets.get(&ticket.id).ok_or(RepoError::NotFound)?;
        if stored.is_deleted() || stored.version != expected_version {
            return Err(RepoError::Stale);
        }
        s.check_activities(activities)?;
        s.replace(ticket);
        s.append(activities);
        s.append_events(events);
        Ok(())
    }
}

#[async_trait]
impl MessageRepository for MemoryStore {
    async fn add(
        &self,
        message: &Message,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        s.check_effect(effect)?;
        if s.messages.contains_key(&message.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        s.check_activities(activities)?;
        s.apply_effect(effect);
        s.note_last_public(message);
        let stored = Message {
            created_at: micros(message.created_at),
            ..message.clone()
        };
        s.messages.insert(message.id, stored);
        s.append(activities);
        s.append_events(events);
        Ok(())
    }

    async fn get(&self, id: MessageId) -> Result<Message, RepoError> {
        let s = self.state()?;
        s.messages.get(&id).cloned().ok_or(RepoError::NotFound)
    }

    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Message>, RepoError> {
        let s = self.state()?;
        let list: Vec<Message> = s
            .messages
            .values()
            .filter(|m| m.ticket_id == ticket && (include_internal || !m.internal))
            .cloned()
            .collect();
        timeline(page, list, |m| (m.created_at, m.id.as_uuid()))
    }
}

#[async_trait]
impl AttachmentRepository for MemoryStore {
    async fn add(
        &self,
        attachment: &Attachment,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        s.check_effect(effect)?;
        if s.attachments.contains_key(&attachment.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        let key = &attachment.file.storage_key;
        if s.attachments.values().any(|a| &a.file.storage_key == key) {
            return Err(RepoError::Conflict {
                field: "storage_key",
            });
        }
        s.check_activities(activities)?;
        s.apply_effect(effect);
        let stored = Attachment {
            uploaded_at: micros(attachment.uploaded_at),
            ..attachment.clone()
        };
        s.attachments.insert(attachment.id, stored);
        s.append(activities);
        s.append_events(events);
        Ok(())
    }

    async fn get(&self, id: AttachmentId) -> Result<Attachment, RepoError> {
        let s = self.state()?;
        s.attachments.get(&id).cloned().ok_or(RepoError::NotFound)
    }

    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<Attachment>, RepoError> {
        let s = self.state()?;
        let list: Vec<Attachment> = s
            .attachments
            .values()
            .filter(|a| a.ticket_id == ticket && (include_internal || !a.internal))
            .cloned()
            .collect();
        timeline(page, list, |a| (a.uploaded_at, a.id.as_uuid()))
    }

    async fn of_messages(
        &self,
        messages: &[MessageId],
        include_internal: bool,
    ) -> Result<Vec<Attachment>, RepoError> {
        let s = self.state()?;
        let mut list: Vec<Attachment> = s
            .attachments
            .values()
            .filter(|a| {
                a.message_id.is_some_and(|m| messages.contains(&m))
                    && (include_internal || !a.internal)
            })
            .cloned()
            .collect();
        list.sort_by_key(|a| (a.uploaded_at, a.id));
        Ok(list)
    }

    async fn remove(
        &self,
        id: AttachmentId,
        effect: &TicketEffect,
        activities: &[ActivityEntry],
        events: &[Event],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        if !s.attachments.contains_key(&id) {
            return Err(RepoError::NotFound);
        }
        s.check_effect(effect)?;
        s.check_activities(activities)?;
        s.attachments.remove(&id);
        s.apply_effect(effect);
        s.append(activities);
        s.append_events(events);
        Ok(())
    }

    async fn bytes_uploaded_by(&self, user: UserId) -> Result<u64, RepoError> {
        let s = self.state()?;
        Ok(s.attachments
            .values()
            .filter(|a| a.uploaded_by == user)
            .map(|a| a.file.size)
            .sum())
    }

    async fn storage_keys(&self) -> Result<HashSet<String>, RepoError> {
        let s = self.state()?;
        Ok(s.attachments
            .values()
            .map(|a| a.file.storage_key.clone())
            .collect())
    }
}

#[async_trait]
impl ActivityRepository for MemoryStore {
    async fn list(
        &self,
        ticket: TicketId,
        include_internal: bool,
        page: &TimelineQuery,
    ) -> Result<Page<ActivityEntry>, RepoError> {
        let s = self.state()?;
        let list: Vec<ActivityEntry> = s
            .activities
            .iter()
            .filter(|a| a.ticket_id == ticket && (include_internal || !a.internal))
            .cloned()
            .collect();
        timeline(page, list, |a| (a.created_at, a.id.as_uuid()))
    }
}

/// One page of `items` (already filtered) as `page` asks: ordered by `key` (time, id) in its
/// direction, after its cursor, with the total and the next cursor.
fn timeline<T>(
    page: &TimelineQuery,
    mut items: Vec<T>,
    key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
) -> Result<Page<T>, RepoError> {
    if let Some(after) = page.after {
        if after.ordering != page.ordering() || !matches!(after.key, CursorKey::Time(_)) {
            return Err(RepoError::Unexpected(anyhow::anyhow!(
                "the cursor does not fit the ordering"
            )));
        }
    }
    let total = items.len() as u64;
    items.sort_by_key(|i| key(i));
    if page.descending {
        items.reverse();
    }
    let limit = usize::from(page.limit.get());
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|i| {
            let (at, id) = key(i);
            page.admits(at, id)
        })
        .collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next = match rest.last() {
        Some(last) if more => {
            let (at, id) = key(last);
            Some(page.cursor_after(at, id).encode())
        }
        _ => None,
    };
    Ok(Page {
        items: rest,
        total,
        next,
        exact: true,
    })
}
