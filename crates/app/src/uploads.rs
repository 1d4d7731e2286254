//! Attachments: authorize, stream to the blob store, commit the row; list, download, remove.

use ticketing_domain::listing::{Page, TimelineQuery};
use ticketing_domain::{
    Actor, AttachmentId, ChangeError, FileName, MessageId, NewAttachment, StoredFile, TicketId,
    change, policy,
};

use crate::app::{App, not_found};
use crate::error::{AppError, AuthFailure, BlobError, RepoError};
use crate::ports::{BlobReader, BlobWriter, SweepReport};
use crate::retry::{Attempt, retry_stale};
use crate::tickets::effect;
use crate::views::AttachmentView;

/// Permission to upload one file to a ticket, checked before any byte is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadPermit {
    ticket_id: TicketId,
    message_id: Option<MessageId>,
    actor: Actor,
    /// Bytes the uploader's stored attachments took when the upload was authorized.
    quota_used: u64,
}

/// The client's description of an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadInput {
    /// The original file name, sanitized.
    pub filename: FileName,
    /// The declared content type.
    pub content_type: String,
}

impl App {
    /// Checks that `actor` may attach a file to the ticket (and message) before the upload
    /// starts. `NotFound` for an invisible ticket; the domain's refusals (`AppError::Domain`): a
    /// message not on the ticket (400 on `message_id`), a closed ticket (409 `ticket_closed`);
    /// `QuotaExceeded` (413) when the uploader's stored attachments already fill their quota.
    pub async fn authorize_upload(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        message_id: Option<MessageId>,
    ) -> Result<UploadPermit, AppError> {
        let ticket = self.visible_ticket(actor, ticket_id).await?;
        let message = self.message_for_upload(message_id).await?;
        change::check_attachment(actor, &ticket, message.as_ref())?;
        let quota_used = self.quota_left(actor, 0).await?;
        Ok(UploadPermit {
            ticket_id,
            message_id,
            actor: *actor,
            quota_used,
        })
    }

    /// The bytes `actor`'s stored attachments take; `QuotaExceeded` unless `adding` more bytes
    /// (at least one when `adding` is 0) still fit in the upload quota.
    async fn quota_left(&self, actor: &Actor, adding: u64) -> Result<u64, AppError> {
        let quota = self.settings.upload_quota_bytes;
        let used = self
            .ports
            .store
            .attachments
            .bytes_uploaded_by(actor.id)
            .await?;
        if used.saturating_add(adding.max(1)) > quota {
            return Err(AppError::QuotaExceeded { used, quota });
        }
        Ok(used)
    }

    /// The most bytes this upload may hold: the size limit, or what is left of the quota.
    fn upload_limit(&self, permit: &UploadPermit) -> u64 {
        let left = self
            .settings
            .upload_quota_bytes
            .saturating_sub(permit.quota_used);
        self.settings.max_upload_bytes.min(left)
    }

    /// The error of a failed upload stream: over the remaining quota is `QuotaExceeded`, over
    /// the size limit `PayloadTooLarge`.
    pub fn upload_failed(&self, permit: &UploadPermit, error: BlobError) -> AppError {
        match error {
            BlobError::TooLarge { limit } if limit < self.settings.max_upload_bytes => {
                AppError::QuotaExceeded {
                    used: permit.quota_used,
                    quota: self.settings.upload_quota_bytes,
                }
            }
            other => other.into(),
        }
    }

    async fn message_for_upload(
        &self,
        message_id: Option<MessageId>,
    ) -> Result<Option<ticketing_domain::Message>, AppError> {
        match message_id {
            None => Ok(None),
            Some(id) => match self.ports.store.messages.get(id).await {
                Ok(m) => Ok(Some(m)),
                Err(RepoError::NotFound) => Err(ChangeError::MessageNotOnTicket.into()),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Starts streaming an upload into the blob store, limited to the configured size or what
    /// is left of the uploader's quota, whichever is smaller.
    pub async fn begin_upload(
        &self,
        permit: &UploadPermit,
    ) -> Result<Box<dyn BlobWriter>, AppError> {
        let limit = self.upload_limit(permit);
        self.ports
            .blobs
            .begin(limit)
            .await
            .map_err(|e| self.upload_failed(permit, e))
    }

    /// Removes a stored file whose upload failed before it was committed.
    pub async fn discard_upload(&self, file: &StoredFile) {
        if let Err(e) = self.ports.blobs.delete(&file.storage_key).await {
            tracing::error!(error = %e, storage_key = %file.storage_key, "could not remove the file of a failed upload; the start-up sweep will");
        }
    }

    /// Records a durably stored file as an attachment. If the row cannot be written, the stored
    /// file is removed again, so no file is left without its row; once the row is written the
    /// file is kept, whatever happens afterwards.
    pub async fn commit_upload(
        &self,
        permit: UploadPermit,
        input: UploadInput,
        file: StoredFile,
    ) -> Result<AttachmentView, AppError> {
        let key = file.storage_key.clone();
        let attachment = match self.record_upload(permit, input, file).await {
            Ok(attachment) => attachment,
            Err(e) => {
                if let Err(err) = self.ports.blobs.delete(&key).await {
                    tracing::error!(error = %err, storage_key = %key, "could not remove the file of a failed upload; the start-up sweep will");
                }
                return Err(e);
            }
        };
        let people = self.people([permit.actor.id]).await?;
        self.attachment_view(&permit.actor, attachment, &people)
    }

    /// Writes the attachment row (retrying lost races); the file is already stored. The quota is
    /// checked again with the file's real size (another upload may have finished meanwhile).
    async fn record_upload(
        &self,
        permit: UploadPermit,
        input: UploadInput,
        file: StoredFile,
    ) -> Result<ticketing_domain::Attachment, AppError> {
        let actor = permit.actor;
        let id = AttachmentId::from_uuid(self.ports.ids.new_id());
        self.quota_left(&actor, file.size).await?;
        retry_stale(&self.settings.retry, async || {
            let ticket = self.visible_ticket(&actor, permit.ticket_id).await?;
            let message = self.message_for_upload(permit.message_id).await?;
            let new = NewAttachment {
                id,
                filename: input.filename.clone(),
                content_type: input.content_type.clone(),
                file: file.clone(),
            };
            let now = self.now_for(&ticket);
            let applied = change::add_attachment(
                &actor,
                &ticket,
                new,
                message.as_ref(),
                now,
                self.next_activity_id(),
            )
            .map_err(AppError::from)?;
            let effect = effect(&ticket, &applied.ticket);
            self.ports
                .store
                .attachments
                .add(
                    &applied.created,
                    &effect,
                    &applied.activities,
                    &applied.events,
                )
                .await
                .map_err(|e| Attempt::of_write(e, "ticket"))?;
            Ok(applied.created)
        })
        .await
    }

    /// A page of a ticket's attachments the caller may see.
    pub async fn list_attachments(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        query: TimelineQuery,
    ) -> Result<Page<AttachmentView>, AppError> {
        let ticket = self.visible_ticket(actor, ticket_id).await?;
        let page = self
            .ports
            .store
            .attachments
            .list(ticket.id, policy::sees_internal(actor), &query)
            .await?;
        // The caller's token epoch goes into the download links.
        let people = self
            .people(
                page.items
                    .iter()
                    .map(|a| a.uploaded_by)
                    .chain(page.items.first().map(|_| actor.id)),
            )
            .await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|a| self.attachment_view(actor, a, &people))
                .collect::<Result<Vec<_>, _>>()?,
            total: page.total,
            next: page.next,
            exact: true,
        })
    }

    async fn visible_attachment(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        id: AttachmentId,
    ) -> Result<(ticketing_domain::Ticket, ticketing_domain::Attachment), AppError> {
        let ticket = self.visible_ticket(actor, ticket_id).await?;
        let attachment = self
            .ports
            .store
            .attachments
            .get(id)
            .await
            .map_err(|e| not_found(e, "attachment"))?;
        if attachment.ticket_id != ticket.id || !policy::view_attachment(actor, &attachment) {
            return Err(AppError::NotFound("attachment"));
        }
        Ok((ticket, attachment))
    }

    /// Opens an attachment's bytes for download.
    pub async fn open_attachment(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        id: AttachmentId,
    ) -> Result<(ticketing_domain::Attachment, BlobReader), AppError> {
        let (_, attachment) = self.visible_attachment(actor, ticket_id, id).await?;
        let reader = self.ports.blobs.open(&attachment.file.storage_key).await?;
        Ok((attachment, reader))
    }

    /// Opens an attachment with a signed download token instead of an access token. The token's
    /// user must still be active, at the token epoch the link was issued at (no password change
    /// or deactivation since), and still see the attachment.
    pub async fn open_attachment_with_token(
        &self,
        token: &str,
        ticket_id: TicketId,
        id: AttachmentId,
    ) -> Result<(ticketing_domain::Attachment, BlobReader), AppError> {
        let now = self.ports.clock.now();
        let (user_id, epoch) = self
            .ports
            .tokens
            .verify_download(token, id, now)
            .map_err(|_| AppError::Unauthenticated(AuthFailure::TokenInvalid))?;
        let user = match self.ports.store.users.get(user_id).await {
            // A password change or deactivation since the link was issued ends it.
            Ok(u) if u.is_active && u.token_epoch == epoch => u,
            Ok(_) | Err(RepoError::NotFound) => {
                return Err(AppError::Unauthenticated(AuthFailure::TokenInvalid));
            }
            Err(e) => return Err(e.into()),
        };
        self.open_attachment(&user.actor(), ticket_id, id).await
    }

    /// Removes an attachment (its uploader or staff): the row first, then the file.
    pub async fn remove_attachment(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        id: AttachmentId,
    ) -> Result<(), AppError> {
        retry_stale(&self.settings.retry, async || {
            let (ticket, attachment) = self.visible_attachment(actor, ticket_id, id).await?;
            let now = self.now_for(&ticket);
            let applied = change::remove_attachment(
                actor,
                &ticket,
                &attachment,
                now,
                self.next_activity_id(),
            )
            .map_err(AppError::from)?;
            let effect = effect(&ticket, &applied.ticket);
            self.ports
                .store
.attachments
                .remove(id, &effect, &applied.activities, &applied.events)
                .await
                .map_err(|e| Attempt::of_write(e, "attachment"))?;
            if let Err(e) = self.ports.blobs.delete(&attachment.file.storage_key).await {
                tracing::error!(error = %e, storage_key = %attachment.file.storage_key, "attachment row removed but its file could not be; the start-up sweep will");
            }
            Ok(())
        })
        .await
    }

    /// Removes leftover temp files and stored files that have no row (run at start-up).
    pub async fn sweep_attachments(&self, min_age_secs: u64) -> Result<SweepReport, AppError> {
        let keep = self.ports.store.attachments.storage_keys().await?;
        Ok(self.ports.blobs.sweep(&keep, min_age_secs).await?)
    }
}
