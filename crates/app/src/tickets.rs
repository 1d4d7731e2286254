//! Tickets, their messages and their activity log.

use std::collections::HashMap;
use std::sync::Arc;

use ticketing_domain::listing::{Limit, Page, Scope, TicketQuery, TimelineQuery};
use ticketing_domain::{
    ActivityEntry, Actor, Assignee, Attachment, Description, Intent, Message, MessageBody,
    MessageId, NewMessage, NewTicket, Priority, Status, Ticket, TicketId, TicketPatch, Topic, User,
    UserId, change, policy,
};

use crate::app::{App, People, not_found};
use crate::error::{AppError, RepoError};
use crate::ports::{self, TicketEffect};
use crate::retry::{Attempt, retry_stale};
use crate::views::{
    ActivityView, AttachmentView, Earlier, LastMessageView, MessageView, TicketCard, TicketDetail,
    TicketPage,
};

/// How many of the latest messages, attachments and activity entries a ticket detail embeds
/// (the default page size of lists).
pub const DETAIL_ITEMS: u16 = ticketing_domain::listing::DEFAULT_LIMIT;

/// The part of a ticket's timeline a detail embeds (oldest first).
#[derive(Debug, Default)]
struct Embedded {
    messages: Vec<Message>,
    /// The attachments of `messages`.
    files: Vec<Attachment>,
    attachments: Vec<Attachment>,
    activities: Vec<ActivityEntry>,
    earlier: Earlier,
}

/// Which list a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketListKind {
    /// `/tickets/`: staff see all tickets, customers their own.
    All,
    /// `/my-tickets/`: tickets the caller opened.
    Mine,
    /// `/assigned-tickets/`: tickets assigned to the caller (staff only).
    Assigned,
}

/// A new ticket, parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicketInput {
    /// Subject.
    pub topic: Topic,
    /// Description.
    pub description: Description,
    /// Priority (medium when absent).
    pub priority: Option<Priority>,
    /// Whom the ticket is for (staff only, an active user): they own it. The caller when absent.
    pub requester: Option<UserId>,
}

/// A ticket update, parsed at the edge; the assignee is given by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchInput {
    /// New subject.
    pub topic: Option<Topic>,
    /// New description.
    pub description: Option<Description>,
    /// New status.
    pub status: Option<Status>,
    /// New priority.
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assigned_to: Option<Option<UserId>>,
}

/// How a ticket row changes with an added message or attachment (and the changes that came with
/// a message): a `Touch` when only the counters, versions and times moved (messages posted at
/// once then all land without a retry), else a `Replace` guarded by the version. The last public
/// message moves with the message in either case (the store writes it from the message).
pub(crate) fn effect(before: &Ticket, after: &Ticket) -> TicketEffect {
    let touched = Ticket {
        version: after.version,
        public_version: after.public_version,
        updated_at: after.updated_at,
        public_updated_at: after.public_updated_at,
        message_count: after.message_count,
        internal_note_count: after.internal_note_count,
        last_public_message: after.last_public_message,
        ..before.clone()
    };
    if touched == *after {
        TicketEffect::Touch {
            ticket_id: after.id,
            status: before.status,
            at: after.updated_at,
            messages: after.message_count.saturating_sub(before.message_count),
            internal_notes: after
                .internal_note_count
                .saturating_sub(before.internal_note_count),
            public: after.public_version != before.public_version,
        }
    } else {
        TicketEffect::Replace {
            ticket: after.clone(),
            expected_version: before.version,
        }
    }
}

impl PatchInput {
    /// Whether the input changes nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == PatchInput::default()
    }
}

impl App {
    /// A page of tickets for `actor`. The query's scope is set from `kind` and the role.
    pub async fn list_tickets(
        &self,
        actor: &Actor,
        kind: TicketListKind,
        mut query: TicketQuery,
    ) -> Result<TicketPage, AppError> {
        // Customers' lists order by the changes they can see, and their text search ignores
        // internal notes.
        query.public_view = !policy::sees_internal(actor);
        query.scope = match kind {
            TicketListKind::All if actor.is_staff() => Scope::All,
            TicketListKind::All | TicketListKind::Mine => Scope::OwnedBy(actor.id),
            TicketListKind::Assigned => {
                policy::list_assigned(actor)?;
                Scope::AssignedTo(actor.id)
            }
        };
        let page = self.ports.store.tickets.list(&query).await?;
        let people = self.people(page.items.iter().flat_map(card_people)).await?;
        let items = page
            .items
            .into_iter()
            .map(|t| card(actor, t, &people))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TicketPage {
            items,
            total: page.total,
            next: page.next,
            exact: page.exact,
        })
    }

    /// Opens a ticket for the caller, or (staff) for `input.requester`, who then owns it.
    ///
    /// The requester is looked up only after `policy::open_for` allowed it (403 for a customer
    /// naming anyone else), so nobody learns from this call whether a user id exists unless
    /// they may open tickets for others; an unknown requester is `Validation` on `requester`, a
    /// deactivated one too (the domain's `RequesterInactive`).
    pub async fn create_ticket(
        &self,
        actor: &Actor,
        input: NewTicketInput,
    ) -> Result<TicketDetail, AppError> {
        let requester = match input.requester.filter(|r| *r != actor.id) {
            None => None,
            Some(id) => {
                policy::open_for(actor, id)?;
                match self.ports.store.users.get(id).await {
                    Ok(u) => Some(u),
                    Err(RepoError::NotFound) => {
                        return Err(AppError::field("requester", "no such user"));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let now = self.ports.clock.now();
        let new = NewTicket {
            id: TicketId::from_uuid(self.ports.ids.new_id()),
            topic: input.topic,
            description: input.description,
            priority: input.priority.unwrap_or_default(),
        };
        let mut opened = match &requester {
            None => change::open_ticket(actor, new, now, self.next_activity_id()),
            Some(r) => change::open_ticket_for(actor, r, new, now, self.next_activity_id())?,
        };
        let created = opened.activities.first().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("opening a ticket logged no entry"))
        })?;
        opened.ticket.number = self
            .ports
            .store
            .tickets
            .create(&opened.ticket, created, &opened.events)
            .await?;
        // A new ticket's timeline is its creation entry: nothing to read back.
        let sees = policy::sees_internal(actor);
        let timeline = Embedded {
            activities: [created]
                .into_iter()
                .filter(|a| sees || !a.internal)
                .cloned()
                .collect(),
            ..Embedded::default()
        };
        self.assemble_detail(actor, opened.ticket, timeline).await
    }

    /// Everything about a ticket the caller may see. `NotFound` when invisible.
    pub async fn ticket_detail(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> Result<TicketDetail, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        self.ticket_detail_of(actor, ticket).await
    }

    async fn ticket_detail_of(
        &self,
        actor: &Actor,
        ticket: Ticket,
    ) -> Result<TicketDetail, AppError> {
        let internal = policy::sees_internal(actor);
        let ports::Timeline {
            mut messages,
            files,
            mut attachments,
            activities,
        } = self
            .ports
            .store
            .tickets
            .timeline(ticket.id, internal, Limit::default())
            .await?;
        messages.items.reverse();
        attachments.items.reverse();
        let timeline = Embedded {
            messages: messages.items,
            files,
            attachments: attachments.items,
            activities: activities.items,
            earlier: Earlier {
                messages: messages.next,
                attachments: attachments.next,
                activities: activities.next,
            },
        };
        self.assemble_detail(actor, ticket, timeline).await
    }

    /// The detail of `ticket` with `timeline`: loads the people it names, signs the links.
    async fn assemble_detail(
        &self,
        actor: &Actor,
        ticket: Ticket,
        timeline: Embedded,
    ) -> Result<TicketDetail, AppError> {
        let Embedded {
            messages,
            files,
            attachments,
            activities,
            earlier,
        } = timeline;
        let people = self
            .people(
                card_people(&ticket)
                    .chain(messages.iter().map(|m| m.author))
                    .chain(files.iter().map(|a| a.uploaded_by))
                    .chain(attachments.iter().map(|a| a.uploaded_by))
                    // The caller's token epoch goes into the download links.
                    .chain(files.first().or(attachments.first()).map(|_| actor.id))
                    .chain(activities.iter().flat_map(entry_people)),
            )
            .await?;
        Ok(TicketDetail {
            allowed: policy::allowed(actor, &ticket),
            card: card(actor, ticket, &people)?,
            messages: self.message_views(actor, messages, files, &people)?,
            attachments: attachments
                .into_iter()
                .map(|a| self.attachment_view(actor, a, &people))
                .collect::<Result<Vec<_>, _>>()?,
            activities: activity_views(activities, &people)?,
            earlier,
        })
    }

    /// The attachments of these messages the caller may see (no query for no messages).
    async fn files_of(
        &self,
        messages: &[Message],
        internal: bool,
    ) -> Result<Vec<Attachment>, AppError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
        Ok(self
            .ports
            .store
            .attachments
            .of_messages(&ids, internal)
            .await?)
    }

    /// Joins messages with their authors and attachments (with download tokens).
    fn message_views(
        &self,
        actor: &Actor,
        messages: Vec<Message>,
        files: Vec<Attachment>,
        people: &People,
    ) -> Result<Vec<MessageView>, AppError> {
        let mut by_message: HashMap<MessageId, Vec<AttachmentView>> = HashMap::new();
        for file in files {
            if let Some(m) = file.message_id {
                let view = self.attachment_view(actor, file, people)?;
                by_message.entry(m).or_default().push(view);
            }
        }
        messages
            .into_iter()
            .map(|m| {
                Ok(MessageView {
                    author: people.get(m.author)?,
                    attachments: by_message.remove(&m.id).unwrap_or_default(),
                    message: m,
                })
            })
            .collect()
    }

    /// The view of an attachment with a download link for `actor`. `people` must hold the
    /// uploader and the actor: the link carries the actor's token epoch, so that a password
    /// change (or deactivation) ends it.
    pub(crate) fn attachment_view(
        &self,
        actor: &Actor,
        attachment: Attachment,
        people: &People,
    ) -> Result<AttachmentView, AppError> {
        let expires = self.ports.clock.now() + self.settings.download_ttl;
        let epoch = people.get(actor.id)?.token_epoch;
        Ok(AttachmentView {
            uploader: people.get(attachment.uploaded_by)?,
            download_token: self.ports.tokens.sign_download(
                attachment.id,
                actor.id,
                epoch,
                expires,
            ),
            download_expires_at: expires,
            attachment,
        })
    }

    /// Applies a partial update. With `if_match`, the ticket must still be at that version
    /// (`PreconditionFailed` otherwise); without it, a change that loses a race is recomputed on
    /// the fresh ticket.
    ///
    /// The new assignee is looked up only after `policy::may(.., Intent::Assign)` allowed it
    /// (visibility 404, the caller's right to assign 403, the closed state 409), so nobody learns
    /// from this call whether a user id exists unless they may assign.
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        input: PatchInput,
        if_match: Option<i64>,
    ) -> Result<TicketDetail, AppError> {
        let ticket = self.patch_ticket(actor, id, &input, if_match).await?;
        self.ticket_detail_of(actor, ticket).await
    }

    /// [`App::update_ticket`] up to the write: the ticket after it (unchanged when nothing
    /// differs). The one implementation of a ticket update, for one ticket or many.
    pub(crate) async fn patch_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        input: &PatchInput,
        if_match: Option<i64>,
    ) -> Result<Ticket, AppError> {
        let mut assignee: Option<Assignee> = None;
        // `if_match` names the version the caller sees: customers compare with the version of
        // the changes they can see, so a staff-only change is never a precondition failure.
        let sees_internal = policy::sees_internal(actor);
        retry_stale(&self.settings.retry, async || {
            let ticket = self.visible_ticket(actor, id).await?;
            if let Some(expected) = if_match {
                let current = ticket.version_seen(sees_internal);
                if expected != current {
                    return Err(AppError::PreconditionFailed { expected, current }.into());
                }
            }
            let patch = self.patch_of(actor, &ticket, input, &mut assignee).await?;
            let now = self.now_for(&ticket);
            let applied =
                change::apply_patch(actor, &ticket, &patch, now, self.next_activity_id())?;
            if !applied.changed() {
                return Ok(ticket);
            }
            match self
                .ports
                .store
                .tickets
                .update(
                    &applied.ticket,
                    ticket.version,
                    &applied.activities,
                    &applied.events,
                )
                .await
            {
                Ok(()) => Ok(applied.ticket),
                Err(RepoError::Stale) if if_match.is_some() => {
                    let current = self
                        .ports
                        .store
                        .tickets
                        .get(id)
                        .await
                        .map_err(|e| not_found(e, "ticket"))?;
                    let (expected, current) = (
                        ticket.version_seen(sees_internal),
                        current.version_seen(sees_internal),
                    );
                    if expected == current {
                        // Only a change the caller cannot see came in between: recompute.
                        return Err(Attempt::of_write(RepoError::Stale, "ticket"));
                    }
                    Err(AppError::PreconditionFailed { expected, current }.into())
                }
                Err(e) => Err(Attempt::of_write(e, "ticket")),
            }
        })
        .await
    }

    /// The domain's patch for `input` on `ticket`. A new assignee is looked up only after
    /// `policy::may(.., Intent::Assign)` allowed it; `known` keeps the last one looked up, for
    /// the retries of a lost race.
    async fn patch_of(
        &self,
        actor: &Actor,
        ticket: &Ticket,
        input: &PatchInput,
        known: &mut Option<Assignee>,
    ) -> Result<TicketPatch, AppError> {
        let assigned_to = match input.assigned_to {
            None => None,
            Some(None) => Some(None),
            // Unchanged: nothing to look up (the domain ignores unchanged fields anyway).
            Some(Some(uid)) if ticket.assigned_to == Some(uid) => None,
            Some(Some(uid)) => {
                policy::may(actor, ticket, Intent::Assign)?;
                let user = match known.take() {
                    Some(u) if u.id == uid => u,
                    _ => self.assignee(uid).await?,
                };
                *known = Some(user.clone());
                Some(Some(user))
            }
        };
        Ok(TicketPatch {
            topic: input.topic.clone(),
            description: input.description.clone(),
            status: input.status,
            priority: input.priority,
            assigned_to,
        })
    }

    async fn assignee(&self, id: UserId) -> Result<Assignee, AppError> {
        match self.ports.store.users.get(id).await {
            Ok(u) => Ok(Assignee::from(&u)),
            Err(RepoError::NotFound) => Err(AppError::field("assigned_to", "no such user")),
            Err(e) => Err(e.into()),
        }
    }

    /// Soft-deletes a ticket (staff only); its activity log is kept.
    pub async fn delete_ticket(&self, actor: &Actor, id: TicketId) -> Result<(), AppError> {
        retry_stale(&self.settings.retry, async || {
            let ticket = self.visible_ticket(actor, id).await?;
            let now = self.now_for(&ticket);
            let applied = change::delete_ticket(actor, &ticket, now, self.next_activity_id())?;
            self.ports
                .store
                .tickets
                .update(
                    &applied.ticket,
                    ticket.version,
                    &applied.activities,
                    &applied.events,
                )
                .await
                .map_err(|e| Attempt::of_write(e, "ticket"))
        })
        .await
    }

    /// A page of a ticket's messages the caller may see, with their attachments.
    pub async fn list_messages(
        &self,
        actor: &Actor,
        id: TicketId,
        query: TimelineQuery,
    ) -> Result<Page<MessageView>, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let internal = policy::sees_internal(actor);
        let page = self
            .ports
            .store
            .messages
            .list(ticket.id, internal, &query)
            .await?;
        let files = self.files_of(&page.items, internal).await?;
        let people = self
            .people(
                page.items
                    .iter()
                    .map(|m| m.author)
                    .chain(files.iter().map(|a| a.uploaded_by))
                    // The caller's token epoch goes into the download links.
                    .chain(files.first().map(|_| actor.id)),
            )
            .await?;
        Ok(Page {
            items: self.message_views(actor, page.items, files, &people)?,
            total: page.total,
            next: page.next,
            exact: true,
        })
    }

    /// Adds a public message or (staff) an internal note. A customer's reply reopens their
    /// resolved ticket.
    pub async fn add_message(
        &self,
        actor: &Actor,
        id: TicketId,
        body: MessageBody,
        internal: bool,
    ) -> Result<MessageView, AppError> {
        self.add_message_with_changes(actor, id, body, internal, &PatchInput::default())
            .await
    }

    /// Adds a message and applies `changes` with it (a status anyone may set under the policy;
    /// priority and assignee for staff): the message, the changes and all their activity
    /// entries are one write, or nothing is written when the domain refuses any part
    /// ([`change::add_message_with_changes`]). The assignee is looked up as in
    /// [`App::update_ticket`]. A lost race is recomputed on the fresh ticket.
    pub async fn add_message_with_changes(
        &self,
        actor: &Actor,
        id: TicketId,
        body: MessageBody,
        internal: bool,
        changes: &PatchInput,
    ) -> Result<MessageView, AppError> {
        let message_id = MessageId::from_uuid(self.ports.ids.new_id());
        let mut assignee: Option<Assignee> = None;
        retry_stale(&self.settings.retry, async || {
            let ticket = self.visible_ticket(actor, id).await?;
            let patch = self
                .patch_of(actor, &ticket, changes, &mut assignee)
                .await?;
            let now = self.now_for(&ticket);
            let new = NewMessage {
                id: message_id,
                body: body.clone(),
                internal,
            };
            let applied = change::add_message_with_changes(
                actor,
                &ticket,
                new,
                &patch,
                now,
                self.next_activity_id(),
            )?;
            let message = applied.created;
            let effect = effect(&ticket, &applied.ticket);
            self.ports
                .store
                .messages
                .add(&message, &effect, &applied.activities, &applied.events)
                .await
                .map_err(|e| Attempt::of_write(e, "ticket"))?;
            let author = self.people([actor.id]).await?.get(actor.id)?;
            Ok(MessageView {
                message,
                author,
                attachments: Vec::new(),
            })
        })
        .await
    }

    /// A page of a ticket's activity log the caller may see.
    pub async fn list_activities(
        &self,
        actor: &Actor,
        id: TicketId,
        query: TimelineQuery,
    ) -> Result<Page<ActivityView>, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let page = self
            .ports
            .store
            .activities
            .list(ticket.id, policy::sees_internal(actor), &query)
            .await?;
        let people = self
            .people(page.items.iter().flat_map(entry_people))
            .await?;
        Ok(Page {
            items: activity_views(page.items, &people)?,
            total: page.total,
            next: page.next,
            exact: true,
        })
    }
}

/// Who an entry names: its performer and the people of its change.
fn entry_people(e: &ActivityEntry) -> Vec<UserId> {
    let mut ids = vec![e.performed_by];
    ids.extend(e.change.iter().flat_map(|c| c.people()));
    ids
}

fn activity_views(
    entries: Vec<ActivityEntry>,
    people: &People,
) -> Result<Vec<ActivityView>, AppError> {
    entries
        .into_iter()
        .map(|e| {
            Ok(ActivityView {
                performer: people.get(e.performed_by)?,
                named: e
                    .change
                    .iter()
                    .flat_map(|c| c.people())
                    .filter_map(|id| people.find(id))
                    .collect(),
                entry: e,
            })
        })
        .collect()
}

/// The people a ticket card names: owner, assignee, the author of the last public message.
pub(crate) fn card_people(t: &Ticket) -> impl Iterator<Item = UserId> + use<> {
    [
        Some(t.owner),
        t.assigned_to,
        t.last_public_message.map(|m| m.author),
    ]
    .into_iter()
    .flatten()
}

pub(crate) fn card(actor: &Actor, ticket: Ticket, people: &People) -> Result<TicketCard, AppError> {
    let owner: Arc<User> = people.get(ticket.owner)?;
    let assignee = ticket.assigned_to.map(|a| people.get(a)).transpose()?;
    let last_public_message = ticket
        .last_public_message
        .map(|message| {
            people
                .get(message.author)
                .map(|author| LastMessageView { message, author })
        })
        .transpose()?;
    let sees_internal = policy::sees_internal(actor);
    Ok(TicketCard {
        last_public_message,
        message_count: ticket.visible_message_count(sees_internal),
        version: ticket.version_seen(sees_internal),
        updated_at: ticket.updated_at_seen(sees_internal),
        owner,
        assignee,
        ticket,
    })
}
