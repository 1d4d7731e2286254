//! Presence: staff tell each other who is viewing or replying to a ticket
//! (`POST /api/v1/tickets/{id}/presence/`). Stored beside the outbox, never in it: each process's
//! event hub reads the current presence when woken (and every second), and tells its staff
//! streams what changed, so presence crosses replicas through the database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ticketing_domain::presence::{self, Presence, PresenceState};
use ticketing_domain::{Actor, TicketId, UserId, policy};

use crate::app::App;
use crate::error::AppError;

/// A presence with its staff member's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceView {
    /// The presence.
    pub presence: Presence,
    /// "First Last", or the username.
    pub name: String,
}

/// The caller's presence on a ticket, just refreshed, with the other staff present there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceShown {
    /// The caller's own presence.
    pub mine: Presence,
    /// The other staff viewing or replying to the ticket now.
    pub others: Vec<PresenceView>,
}

impl App {
    /// Shows that `actor` is viewing or replying to ticket `id`, until
    /// [`presence::PRESENCE_TTL`] from now unless refreshed. `NotFound` for a ticket they do not
    /// see, `Forbidden` for a customer.
    pub async fn set_presence(
        &self,
        actor: &Actor,
        id: TicketId,
        state: PresenceState,
    ) -> Result<PresenceShown, AppError> {
        let ticket = self.visible_ticket(actor, id).await?;
        policy::show_presence(actor)?;
        let at = self.ports.clock.now();
        let mine = Presence {
            ticket_id: id,
            ticket_number: ticket.number,
            user_id: actor.id,
            state,
            at,
            expires_at: presence::expires_at(at),
        };
        self.ports.store.events.set_presence(mine.clone()).await?;
        let others = self
            .current_presence()
            .await?
            .into_iter()
            .filter(|p| p.presence.ticket_id == id && p.presence.user_id != actor.id)
            .collect();
        Ok(PresenceShown { mine, others })
    }

    /// Ends `actor`'s presence on ticket `id` (they closed it). Same answers as
    /// [`App::set_presence`] for a ticket they do not see, or a customer.
    pub async fn clear_presence(&self, actor: &Actor, id: TicketId) -> Result<(), AppError> {
        self.visible_ticket(actor, id).await?;
        policy::show_presence(actor)?;
        self.ports.store.events.clear_presence(id, actor.id).await?;
        Ok(())
    }

    /// Every presence not expired now, with names (one lookup, through the user cache): what the
    /// event hub compares with what it read before.
    pub async fn current_presence(&self) -> Result<Vec<PresenceView>, AppError> {
        let now: DateTime<Utc> = self.ports.clock.now();
        let list = self.ports.store.events.current_presence(now).await?;
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<UserId> = list.iter().map(|p| p.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let names: HashMap<UserId, String> = self
            .ports
            .store
            .users
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name()))
            .collect();
        Ok(list
            .into_iter()
            .map(|p| PresenceView {
                name: names
                    .get(&p.user_id)
                    .cloned()
                    .unwrap_or_else(|| "unknown user".to_owned()),
                presence: p,
            })
            .collect())
    }
}
