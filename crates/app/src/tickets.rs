//! Tickets, their messages and their activity log.

use std::collections::HashMap;
use std::sync::Arc;

use ticketing_domain::listing::{Scope, TicketQuery};
use ticketing_domain::{
    Actor, Assignee, Attachment, Description, Intent, Message, MessageBody, MessageId, NewMessage,
    NewTicket, Priority, Status, Ticket, TicketId, TicketPatch, Topic, User, UserId, change,
    policy,
};

use crate::app::{App, People, not_found};
use crate::error::{AppError, RepoError};
use crate::ports::TicketEffect;
use crate::retry::{Attempt, retry_stale};
use crate::views::{
    ActivityView, AttachmentView, MessageView, TicketCard, TicketDetail, TicketPage,
};

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

/// How a ticket row changes with an added message or attachment.
pub(crate) fn effect(before: &Ticket, after: &Ticket) -> TicketEffect {
    let same_state = before.status == after.status
        && before.resolved_at == after.resolved_at
        && before.closed_at == after.closed_at;
    if same_state {
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

impl App {
    /// A page of tickets for `actor`. The query's scope is set from `kind` and the role.
    pub async fn list_tickets(
        &self,
        actor: &Actor,
        kind: TicketListKind,
        mut query: TicketQuery,
    ) -> Result<TicketPage, AppError> {
        // Customers' lists order by the changes they can see.
        query.public_view = !policy::sees_internal(actor);
        query.scope = match kind {
            TicketListKind::All if actor.is_staff() => Scope::All,
            TicketListKind::All | TicketListKind::Mine => Scope::OwnedBy(actor.id),
            TicketListKind::Assigned => {
                policy::list_assigned(actor)?;
                Scope::AssignedTo(actor.id)
            }
        };
        let page = self.ports.tickets.list(&query).await?;
        let people = self
            .people(
                page.items
                    .iter()
                    .flat_map(|t| [Some(t.owner), t.assigned_to])
                    .flatten(),
            )
            .await?;
        let items = page
            .items
            .into_iter()
            .map(|t| card(actor, t, &people))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TicketPage {
            items,
            total: page.total,
            next: page.next,
        })
    }

    /// Opens a ticket for the caller.
    pub async fn create_ticket(
        &self,
        actor: &Actor,
        input: NewTicketInput,
    ) -> Result<TicketDetail, AppError> {
        let now = self.ports.clock.now();
        let new = NewTicket {
            id: TicketId::from_uuid(self.ports.ids.new_id()),
            topic: input.topic,
            description: input.description,
            priority: input.priority.unwrap_or_default(),
        };
        let opened = change::open_ticket(actor, new, now, self.next_activity_id());
        let created = opened.activities.first().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("opening a ticket logged no entry"))
        })?;
        self.ports.tickets.create(&opened.ticket, created).await?;
        self.ticket_detail_of(actor, opened.ticket).await
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
        let (messages, attachments, activities) = tokio::join!(
            self.ports.messages.list(ticket.id, internal),
            self.ports.attachments.list(ticket.id, internal),
            self.ports.activities.list(ticket.id, internal),
        );
        let (messages, attachments, activities) = (messages?, attachments?, activities?);
        let people = self
            .people(
                [Some(ticket.owner), ticket.assigned_to]
                    .into_iter()
                    .flatten()
                    .chain(messages.iter().map(|m| m.author))
                    .chain(attachments.iter().map(|a| a.uploaded_by))
                    // The caller's token epoch goes into the download links.
                    .chain(attachments.first().map(|_| actor.id))
                    .chain(activities.iter().map(|a| a.performed_by)),
            )
            .await?;
        let (messages, attachment_views) =
            self.assemble_messages(actor, messages, attachments, &people)?;
        let activities = activities
            .into_iter()
            .map(|e| {
                Ok(ActivityView {
                    performer: people.get(e.performed_by)?,
                    entry: e,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok(TicketDetail {
            allowed: policy::allowed(actor, &ticket),
            card: card(actor, ticket, &people)?,
            messages,
            attachments: attachment_views,
            activities,
        })
    }

    /// Joins messages with their authors and attachments (with download tokens).
    fn assemble_messages(
        &self,
        actor: &Actor,
        messages: Vec<Message>,
        attachments: Vec<Attachment>,
        people: &People,
    ) -> Result<(Vec<MessageView>, Vec<AttachmentView>), AppError> {
        let attachment_views = attachments
            .into_iter()
            .map(|a| self.attachment_view(actor, a, people))
            .collect::<Result<Vec<_>, _>>()?;
        let mut by_message: HashMap<MessageId, Vec<AttachmentView>> = HashMap::new();
        for view in &attachment_views {
            if let Some(m) = view.attachment.message_id {
                by_message.entry(m).or_default().push(view.clone());
            }
        }
        let messages = messages
            .into_iter()
            .map(|m| {
                Ok(MessageView {
                    author: people.get(m.author)?,
                    attachments: by_message.remove(&m.id).unwrap_or_default(),
                    message: m,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((messages, attachment_views))
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
            let assigned_to = match input.assigned_to {
                None => None,
                Some(None) => Some(None),
                // Unchanged: nothing to look up (the domain ignores unchanged fields anyway).
                Some(Some(uid)) if ticket.assigned_to == Some(uid) => None,
                Some(Some(uid)) => {
                    policy::may(actor, &ticket, Intent::Assign)?;
                    let user = match assignee.take() {
                        Some(u) if u.id == uid => u,
                        _ => self.assignee(uid).await?,
                    };
                    assignee = Some(user.clone());
                    Some(Some(user))
                }
            };
            let patch = TicketPatch {
                topic: input.topic.clone(),
                description: input.description.clone(),
                status: input.status,
                priority: input.priority,
                assigned_to,
            };
            let now = self.now_for(&ticket);
            let applied =
                change::apply_patch(actor, &ticket, &patch, now, self.next_activity_id())?;
            if !applied.changed() {
                return Ok(self.ticket_detail_of(actor, ticket).await?);
            }
            match self
                .ports
                .tickets
                .update(&applied.ticket, ticket.version, &applied.activities)
                .await
            {
                Ok(()) => Ok(self.ticket_detail_of(actor, applied.ticket).await?),
                Err(RepoError::Stale) if if_match.is_some() => {
                    let current = self
                        .ports
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

    async fn assignee(&self, id: UserId) -> Result<Assignee, AppError> {
        match self.ports.users.get(id).await {
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
                .tickets
                .update(&applied.ticket, ticket.version, &applied.activities)
                .await
                .map_err(|e| Attempt::of_write(e, "ticket"))
        })
        .await
    }

    /// A ticket's messages the caller may see, oldest first.
    pub async fn list_messages(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> Result<Vec<MessageView>, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let internal = policy::sees_internal(actor);
        let (messages, attachments) = tokio::join!(
            self.ports.messages.list(ticket.id, internal),
            self.ports.attachments.list(ticket.id, internal),
        );
        let (messages, attachments) = (messages?, attachments?);
        let people = self
            .people(
                messages
                    .iter()
                    .map(|m| m.author)
                    .chain(attachments.iter().map(|a| a.uploaded_by))
                    // The caller's token epoch goes into the download links.
                    .chain(attachments.first().map(|_| actor.id)),
            )
            .await?;
        Ok(self
            .assemble_messages(actor, messages, attachments, &people)?
            .0)
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
        let message_id = MessageId::from_uuid(self.ports.ids.new_id());
        retry_stale(&self.settings.retry, async || {
            let ticket = self.visible_ticket(actor, id).await?;
            let now = self.now_for(&ticket);
            let new = NewMessage {
                id: message_id,
                body: body.clone(),
                internal,
            };
            let applied = change::add_message(actor, &ticket, new, now, self.next_activity_id())?;
            let message = applied.created;
            let effect = effect(&ticket, &applied.ticket);
            self.ports
                .messages
                .add(&message, &effect, &applied.activities)
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

    /// A ticket's activity log the caller may see, newest first.
    pub async fn list_activities(
        &self,
        actor: &Actor,
        id: TicketId,
    ) -> Result<Vec<ActivityView>, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        let entries = self
            .ports
            .activities
            .list(ticket.id, policy::sees_internal(actor))
            .await?;
        let people = self.people(entries.iter().map(|e| e.performed_by)).await?;
        entries
            .into_iter()
            .map(|e| {
                Ok(ActivityView {
                    performer: people.get(e.performed_by)?,
                    entry: e,
                })
            })
            .collect()
    }
}

fn card(actor: &Actor, ticket: Ticket, people: &People) -> Result<TicketCard, AppError> {
    let owner: Arc<User> = people.get(ticket.owner)?;
    let assignee = ticket.assigned_to.map(|a| people.get(a)).transpose()?;
    let sees_internal = policy::sees_internal(actor);
    Ok(TicketCard {
        message_count: ticket.visible_message_count(sees_internal),
        version: ticket.version_seen(sees_internal),
        updated_at: ticket.updated_at_seen(sees_internal),
        owner,
        assignee,
        ticket,
    })
}
