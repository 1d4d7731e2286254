//! `WebhookRepository`: endpoints, and the deliveries the dispatcher makes from the outbox.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::dsl::{min, sql};
use diesel::prelude::*;
use diesel::sql_types::Text;
use ticketing_app::webhooks::{
    AttemptRecord, ClaimedDelivery, DeliveryState, NextStep, WebhookDelivery, WebhookEndpoint,
    WebhookRepository,
};
use ticketing_app::{AuditEntry, RepoError};
use ticketing_domain::Visibility;
use uuid::Uuid;

use super::audit::append_audit;
use super::events::lock_outbox_cursor;
use super::{Conn, Store, locking};
use crate::error::{DbResult, corrupt};
use crate::kept::kept;
use crate::rows::{WebhookDeliveryRow, WebhookEndpointRow};
use crate::schema::{events, outbox_state, webhook_deliveries as d, webhook_endpoints as e};
use crate::sql_types::{DbId, DbTime};

/// The dispatcher's cursor row in `outbox_state`.
const CURSOR: &str = "webhooks";
/// The cursor row of the last id handed out.
const LAST_EVENT_ID: &str = "last_event_id";

fn endpoint_of(c: &mut Conn, id: Uuid) -> DbResult<WebhookEndpoint> {
    Ok(e::table
        .filter(e::id.eq(DbId::from(id)))
        .select(WebhookEndpointRow::as_select())
        .get_result(c)?
        .into_domain())
}

/// The cursor, locked; created at the last event id when missing.
fn lock_or_create_cursor(c: &mut Conn) -> DbResult<i64> {
    if let Some(value) = lock_outbox_cursor(c, CURSOR)? {
        return Ok(value);
    }
    let last: i64 = outbox_state::table
        .filter(outbox_state::name.eq(LAST_EVENT_ID))
        .select(outbox_state::value)
        .get_result(c)?;
    diesel::insert_into(outbox_state::table)
        .values((outbox_state::name.eq(CURSOR), outbox_state::value.eq(last)))
        .on_conflict_do_nothing()
        .execute(c)?;
    lock_outbox_cursor(c, CURSOR)?
        .ok_or_else(|| corrupt("outbox_state", "the webhooks cursor vanished"))
}

/// Whether any endpoint is enabled (the dispatcher has work to plan).
fn any_enabled(c: &mut Conn) -> DbResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(e::table.filter(e::enabled.eq(true)))).get_result(c)?)
}

/// Before an endpoint is created or enabled: the cursor, locked (see
/// [`lock_or_create_cursor`]). While no endpoint is enabled the dispatcher plans nothing and
/// leaves the cursor behind (no write per event, see `enqueue`); the events it passed over would
/// have gone to nobody, so the first enabled endpoint moves the cursor to the last event id
/// first. An event still being committed holds that id's row, so it gets a later id and goes to
/// the endpoint, as it would have before. Every transaction that enables an endpoint takes the
/// cursor's lock first, so two of them never both see "none enabled" wrongly.
fn cursor_for_enabling(c: &mut Conn) -> DbResult<i64> {
    let cursor = lock_or_create_cursor(c)?;
    if any_enabled(c)? {
        return Ok(cursor);
    }
    let last: i64 = outbox_state::table
        .filter(outbox_state::name.eq(LAST_EVENT_ID))
        .select(outbox_state::value)
        .get_result(c)?;
    if last <= cursor {
        return Ok(cursor);
    }
    diesel::update(outbox_state::table.filter(outbox_state::name.eq(CURSOR)))
        .set(outbox_state::value.eq(last))
        .execute(c)?;
    Ok(last)
}

fn enqueue(c: &mut Conn, limit: u32, now: DbTime) -> DbResult<u32> {
    let cursor = lock_or_create_cursor(c)?;
    let batch: Vec<(i64, String, String)> = events::table
        .filter(events::id.gt(cursor))
        .order_by(events::id.asc())
        .limit(i64::from(limit))
        .select((events::id, events::kind, events::visibility))
        .load(c)?;
    let Some(&(last, _, _)) = batch.last() else {
        return Ok(0);
    };
    let endpoints: Vec<WebhookEndpoint> = e::table
        .filter(e::enabled.eq(true))
        .select(WebhookEndpointRow::as_select())
        .load(c)?
        .into_iter()
        .map(WebhookEndpointRow::into_domain)
        .collect();
    for (id, kind, visibility) in &batch {
        let visibility = Visibility::from_wire(visibility)
            .ok_or_else(|| corrupt("event visibility", visibility))?;
        for endpoint in endpoints
            .iter()
            .filter(|ep| ep.wants(*id, kind, visibility))
        {
            let row = WebhookDeliveryRow {
                id: DbId::from(Uuid::now_v7()),
                endpoint_id: DbId::from(endpoint.id),
                event_id: *id,
                event_type: kind.clone(),
                state: DeliveryState::Pending.as_str().to_owned(),
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                last_attempt_at: None,
                last_status: None,
                last_latency_ms: None,
                last_error: None,
                last_response: None,
            };
            diesel::insert_into(d::table)
                .values(&row)
                .on_conflict((d::endpoint_id, d::event_id))
                .do_nothing()
                .execute(c)?;
        }
    }
    diesel::update(outbox_state::table.filter(outbox_state::name.eq(CURSOR)))
        .set(outbox_state::value.eq(last))
        .execute(c)?;
    u32::try_from(batch.len()).map_err(|e| corrupt("event batch", e))
}

fn claim(c: &mut Conn, now: DbTime, until: DbTime, limit: u32) -> DbResult<Vec<ClaimedDelivery>> {
    let heads: Vec<(DbId, Option<i64>)> = d::table
        .filter(d::state.eq(DeliveryState::Pending.as_str()))
        .group_by(d::endpoint_id)
        .select((d::endpoint_id, min(d::event_id)))
        .load(c)?;
    let mut claimed = Vec::new();
    for (endpoint_id, head) in heads {
        if claimed.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            break;
        }
        let Some(head) = head else { continue };
        let endpoint: Option<WebhookEndpointRow> = e::table
            .filter(e::id.eq(endpoint_id))
            .filter(e::enabled.eq(true))
            .select(WebhookEndpointRow::as_select())
            .get_result(c)
            .optional()?;
        let Some(endpoint) = endpoint else { continue };
        // The delivery, locked; on PostgreSQL skipped when another dispatcher holds it.
        let row: Option<WebhookDeliveryRow> = locking::claim_lock!(
            d::table
                .filter(d::endpoint_id.eq(endpoint_id))
                .filter(d::event_id.eq(head))
                .filter(d::state.eq("pending"))
                .filter(d::next_attempt_at.le(now))
                .select(WebhookDeliveryRow::as_select())
        )
        .first(c)
        .optional()?;
        let Some(row) = row else {
            continue;
        };
        diesel::update(d::table.filter(d::id.eq(row.id)))
            .set(d::next_attempt_at.eq(until))
            .execute(c)?;
        let mut delivery = row.into_domain()?;
        delivery.next_attempt_at = until.get();
        claimed.push(ClaimedDelivery {
            delivery,
            endpoint: endpoint.into_domain(),
        });
    }
    Ok(claimed)
}

fn record_attempt(c: &mut Conn, r: &AttemptRecord) -> DbResult<()> {
    let delivery = DbId::from(r.delivery_id);
    let endpoint = DbId::from(r.endpoint_id);
    let at = DbTime::from(r.at);
    let (state, next_at) = match r.next {
        NextStep::Delivered => (DeliveryState::Delivered, at),
        NextStep::RetryAt(t) => (DeliveryState::Pending, DbTime::from(t)),
        NextStep::GiveUp => (DeliveryState::Failed, at),
        // Stays at the head of the queue: sent again as soon as an admin enables the endpoint.
        NextStep::DisableEndpoint => (DeliveryState::Pending, at),
    };
    let o = &r.outcome;
    diesel::update(d::table.filter(d::id.eq(delivery)))
        .set((
            d::state.eq(state.as_str()),
            d::attempts.eq(d::attempts + 1),
            d::next_attempt_at.eq(next_at),
            d::last_attempt_at.eq(Some(at)),
            d::last_status.eq(o.status.map(i32::from)),
            d::last_latency_ms.eq(Some(i64::try_from(o.latency_ms).unwrap_or(i64::MAX))),
            d::last_error.eq(o.failure.clone()),
            d::last_response.eq(Some(o.response.clone())),
        ))
        .execute(c)?;
    let failing_since = r.failing_since.map(DbTime::from);
    if r.next == NextStep::DisableEndpoint {
        let reason = format!(
            "failing for 3 days since {}; last failure: {}",
            r.failing_since
                .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
            o.failure.as_deref().unwrap_or("unknown")
        );
        diesel::update(e::table.filter(e::id.eq(endpoint)))
            .set((
                e::enabled.eq(false),
                e::disabled_reason.eq(Some(reason)),
                e::failing_since.eq(failing_since),
            ))
            .execute(c)?;
    } else {
        diesel::update(e::table.filter(e::id.eq(endpoint)))
            .set(e::failing_since.eq(failing_since))
            .execute(c)?;
    }
    Ok(())
}

/// The dispatcher's cursor (missing before its first round) and the last event id.
fn positions(c: &mut Conn) -> DbResult<(Option<i64>, i64)> {
    // Read after every commit that appended events: kept prepared (a list of two, one text).
    let values: Vec<(String, i64)> = kept(
        outbox_state::table
            .filter(outbox_state::name.eq_any([CURSOR, LAST_EVENT_ID]))
            .select((outbox_state::name, outbox_state::value)),
    )
    .load(c)?;
    let value = |n: &str| values.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
    Ok((value(CURSOR), value(LAST_EVENT_ID).unwrap_or(0)))
}

#[async_trait]
impl WebhookRepository for Store {
    async fn create_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
        max: usize,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let mut row = WebhookEndpointRow::new(endpoint);
        let audit = audit.to_vec();
        self.write(move |c| {
            // Serialized with the dispatcher (the cursor row is locked): every event after the
            // cursor goes to the new endpoint when it wants it, none before.
            row.after_event_id = cursor_for_enabling(c)?;
            let n: i64 = e::table.count().get_result(c)?;
            if usize::try_from(n).unwrap_or(usize::MAX) >= max {
                return Err(RepoError::Conflict { field: "endpoints" }.into());
            }
            diesel::insert_into(e::table).values(&row).execute(c)?;
            append_audit(c, &audit)
        })
        .await
    }

    async fn endpoints(&self) -> Result<Vec<WebhookEndpoint>, RepoError> {
        self.read(|c| {
            Ok(e::table
                .order_by((e::created_at.asc(), e::id.asc()))
                .select(WebhookEndpointRow::as_select())
                .load(c)?
                .into_iter()
                .map(WebhookEndpointRow::into_domain)
                .collect())
        })
        .await
    }

    async fn endpoint(&self, id: Uuid) -> Result<WebhookEndpoint, RepoError> {
        self.read(move |c| endpoint_of(c, id)).await
    }

    async fn update_endpoint(
        &self,
        endpoint: &WebhookEndpoint,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let row = WebhookEndpointRow::new(endpoint);
        let audit = audit.to_vec();
        let enabled = endpoint.enabled;
        let now = DbTime::from(endpoint.updated_at);
        self.write(move |c| {
            if enabled {
                cursor_for_enabling(c)?;
            }
            let n = diesel::update(e::table.filter(e::id.eq(row.id)))
                .set((
                    e::url.eq(row.url.clone()),
                    e::event_types.eq(row.event_types.clone()),
                    e::include_staff_events.eq(row.include_staff_events),
                    e::enabled.eq(row.enabled),
                    e::disabled_reason.eq(row.disabled_reason.clone()),
                    e::secret.eq(row.secret.clone()),
                    e::previous_secret.eq(row.previous_secret.clone()),
                    e::previous_secret_until.eq(row.previous_secret_until),
                    e::failing_since.eq(row.failing_since),
                    e::updated_at.eq(row.updated_at),
                ))
                .execute(c)?;
            if n == 0 {
                return Err(RepoError::NotFound.into());
            }
            if enabled {
                // Waiting deliveries (a disabled endpoint's head, retries) are due at once.
                diesel::update(
                    d::table
                        .filter(d::endpoint_id.eq(row.id))
                        .filter(d::state.eq(DeliveryState::Pending.as_str()))
                        .filter(d::next_attempt_at.gt(now)),
                )
                .set(d::next_attempt_at.eq(now))
                .execute(c)?;
            }
            append_audit(c, &audit)
        })
        .await
    }

    async fn delete_endpoint(&self, id: Uuid, audit: &[AuditEntry]) -> Result<(), RepoError> {
        let audit = audit.to_vec();
        self.write(move |c| {
            let id = DbId::from(id);
            diesel::delete(d::table.filter(d::endpoint_id.eq(id))).execute(c)?;
            let n = diesel::delete(e::table.filter(e::id.eq(id))).execute(c)?;
            if n == 0 {
                return Err(RepoError::NotFound.into());
            }
            append_audit(c, &audit)
        })
        .await
    }

    async fn deliveries(
        &self,
        endpoint: Uuid,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, RepoError> {
        self.read(move |c| {
            let mut q = d::table
                .filter(d::endpoint_id.eq(DbId::from(endpoint)))
                .into_boxed();
            if let Some(before) = before {
                q = q.filter(d::event_id.lt(before));
            }
            q.order_by(d::event_id.desc())
                .limit(i64::from(limit))
                .select(WebhookDeliveryRow::as_select())
                .load(c)?
                .into_iter()
                .map(WebhookDeliveryRow::into_domain)
                .collect()
        })
        .await
    }

    async fn enqueue(&self, limit: u32, now: DateTime<Utc>) -> Result<u32, RepoError> {
        // Nothing new, or no endpoint enabled (the usual cases): no write transaction at all.
        // Without an enabled endpoint the cursor stays behind; the first endpoint enabled moves
        // it (`cursor_for_enabling`).
        let behind = self
            .read(|c| {
                let (cursor, last) = positions(c)?;
                Ok(cursor.is_none_or(|cursor| cursor < last) && any_enabled(c)?)
            })
            .await?;
        if !behind {
            return Ok(0);
        }
        let now = DbTime::from(now);
        self.write(move |c| enqueue(c, limit, now)).await
    }

    async fn cursor(&self) -> Result<i64, RepoError> {
        self.read(|c| {
            let (cursor, last) = positions(c)?;
            // No endpoint enabled: every event so far is planned (for nobody).
            Ok(if any_enabled(c)? {
                cursor.unwrap_or(0)
            } else {
                last
            })
        })
        .await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        claim_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, RepoError> {
        let (now, until) = (DbTime::from(now), DbTime::from(claim_until));
        // Nothing due (the usual case): no write transaction at all.
        let pending = format!("'{}'", DeliveryState::Pending.as_str());
        let due: i64 = self
            .read(move |c| {
                // The state as a literal, kept prepared: SQLite plans `state = ?` afresh on
                // every run to see whether the partial index on pending deliveries applies.
                Ok(kept(
                    d::table
                        .filter(d::state.eq(sql::<Text>(&pending)))
                        .filter(d::next_attempt_at.le(now))
                        .count(),
                )
                .get_result(c)?)
            })
            .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        self.write(move |c| claim(c, now, until, limit)).await
    }

    async fn record_attempt(&self, record: &AttemptRecord) -> Result<(), RepoError> {
        let record = record.clone();
        self.write(move |c| record_attempt(c, &record)).await
    }
}
