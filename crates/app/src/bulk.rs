//! Changing several tickets in one request: the ticket update of [`App::update_ticket`], once per
//! ticket, each in its own write with its own activity entries.

use std::collections::HashSet;

use ticketing_domain::{Actor, Ticket, TicketId, policy};

use crate::app::App;
use crate::error::AppError;
use crate::tickets::{PatchInput, card, card_people};
use crate::views::TicketCard;

/// The most tickets one bulk change may name.
pub const MAX_BULK_TICKETS: usize = 200;

/// What a bulk change did to one ticket: the ticket after it, or why it was not changed.
#[derive(Debug)]
pub struct BulkOutcome {
    /// The ticket named.
    pub id: TicketId,
    /// The ticket as the caller now sees it, or the error [`App::update_ticket`] would have
    /// answered for it alone.
    pub result: Result<TicketCard, AppError>,
}

impl App {
    /// Applies `changes` to each ticket of `ids` in turn (staff only: `policy::change_in_bulk`),
    /// each like [`App::update_ticket`] without `If-Match`: a ticket the caller cannot see is
    /// `NotFound`, a closed one `ticket_closed`, and so on, without stopping the others. The
    /// outcomes come in the order of `ids`.
    ///
    /// Refused as a whole (400, nothing changed): no ids, more than [`MAX_BULK_TICKETS`], an id
    /// named twice, or no change at all. After a storage failure (5xx) the remaining tickets are
    /// not tried: each is answered `Unavailable`.
    pub async fn update_tickets(
        &self,
        actor: &Actor,
        ids: &[TicketId],
        changes: &PatchInput,
    ) -> Result<Vec<BulkOutcome>, AppError> {
        policy::change_in_bulk(actor)?;
        check_ids(ids)?;
        if changes.is_empty() {
            return Err(AppError::field(
                "changes",
                "name at least one change (status, priority or assigned_to)",
            ));
        }
        let mut done: Vec<(TicketId, Result<Ticket, AppError>)> = Vec::with_capacity(ids.len());
        let mut failing = false;
        for &id in ids {
            let result = if failing {
                Err(AppError::Unavailable(
                    "not tried after a storage failure on an earlier ticket".to_owned(),
                ))
            } else {
                self.patch_ticket(actor, id, changes, None).await
            };
            if let Err(e) = &result {
                failing |= e.http_status() >= 500;
            }
            done.push((id, result));
        }
        let people = self
            .people(
                done.iter()
                    .filter_map(|(_, r)| r.as_ref().ok())
                    .flat_map(card_people),
            )
            .await?;
        Ok(done
            .into_iter()
            .map(|(id, result)| BulkOutcome {
                id,
                result: result.and_then(|t| card(actor, t, &people)),
            })
            .collect())
    }
}

/// 1..=[`MAX_BULK_TICKETS`] ids, each once.
fn check_ids(ids: &[TicketId]) -> Result<(), AppError> {
    if ids.is_empty() {
        return Err(AppError::field("ids", "name at least one ticket"));
    }
    if ids.len() > MAX_BULK_TICKETS {
        return Err(AppError::field(
            "ids",
            format!(
                "at most {MAX_BULK_TICKETS} tickets per request ({} given)",
                ids.len()
            ),
        ));
    }
    let mut seen = HashSet::with_capacity(ids.len());
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(AppError::field(
            "ids",
            format!("{twice} is named more than once"),
        ));
    }
    Ok(())
}
