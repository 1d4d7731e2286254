//! `MailRepository`: the outgoing mail queue, reply tokens, notification preferences and
//! password reset requests (see `ticketing_app::mail`).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::inbound::{InboundWrite, ReplyTokenOwner};
use ticketing_app::mail::{
    MailFailure, MailJob, MailKind, MailOutcome, MailPreferences, MailRepository,
};
use ticketing_domain::{Role, User, UserId};
use uuid::Uuid;

use super::events::lock_outbox_cursor;
use super::{Conn, Store, inbound, locking};
use crate::error::{DbResult, corrupt};
use crate::rows::UserRow;
use crate::schema::{
    mail_jobs as j, mail_preferences as p, mail_reply_tokens as r, outbox_state, password_resets,
    users,
};
use crate::sql_types::{DbId, DbTime};

/// A row of `mail_jobs`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = crate::schema::mail_jobs)]
pub(crate) struct MailJobRow {
    id: DbId,
    event_id: Option<i64>,
    recipient_id: DbId,
    kind: String,
    to_address: String,
    to_name: String,
    ticket_id: Option<DbId>,
    ticket_number: Option<i64>,
    topic: String,
    actor_name: String,
    body: Option<String>,
    secret: Option<String>,
    status: String,
    attempts: i32,
    created_at: DbTime,
    next_attempt_at: DbTime,
    finished_at: Option<DbTime>,
    last_error: Option<String>,
}

impl MailJobRow {
    fn new(job: &MailJob) -> DbResult<Self> {
        Ok(Self {
            id: job.id.into(),
            event_id: job.event_id,
            recipient_id: job.recipient.into(),
            kind: job.kind.as_str().to_owned(),
            to_address: job.to_address.clone(),
            to_name: job.to_name.clone(),
            ticket_id: job.ticket_id.map(DbId::from),
            ticket_number: job
                .ticket_number
                .map(i64::try_from)
                .transpose()
                .map_err(|e| corrupt("ticket number", e))?,
            topic: job.topic.clone(),
            actor_name: job.actor_name.clone(),
            body: job.body.clone(),
            secret: job.secret.clone(),
            status: "pending".to_owned(),
            attempts: 0,
            created_at: job.created_at.into(),
            next_attempt_at: job.created_at.into(),
            finished_at: None,
            last_error: None,
        })
    }

    fn into_domain(self) -> DbResult<MailJob> {
        Ok(MailJob {
            id: self.id.get(),
            event_id: self.event_id,
            kind: MailKind::from_wire(&self.kind)
                .ok_or_else(|| corrupt("mail kind", &self.kind))?,
            recipient: self.recipient_id.get(),
            to_address: self.to_address,
            to_name: self.to_name,
            ticket_id: self.ticket_id.map(DbId::get),
            ticket_number: self
                .ticket_number
                .map(u64::try_from)
                .transpose()
                .map_err(|e| corrupt("ticket number", e))?,
            topic: self.topic,
            actor_name: self.actor_name,
            body: self.body,
            secret: self.secret,
            reply_token_hash: None,
            attempts: u32::try_from(self.attempts).unwrap_or_default(),
            created_at: self.created_at.get(),
        })
    }

    fn into_failure(self) -> DbResult<MailFailure> {
        let failed_at = self.finished_at.unwrap_or(self.next_attempt_at).get();
        let reason = self.last_error.clone().unwrap_or_default();
        let job = self.into_domain()?;
        Ok(MailFailure {
            id: job.id,
            kind: job.kind,
            recipient: job.recipient,
            to_address: job.to_address,
            ticket_number: job.ticket_number,
            reason,
            attempts: job.attempts,
            created_at: job.created_at,
            failed_at,
        })
    }
}

fn commit_batch(
    c: &mut Conn,
    name: &str,
    expected: i64,
    to: i64,
    rows: &[(MailJobRow, Option<String>)],
) -> DbResult<bool> {
    let current = match lock_outbox_cursor(c, name)? {
        Some(value) => value,
        None => {
            diesel::insert_into(outbox_state::table)
                .values((
                    outbox_state::name.eq(name),
                    outbox_state::value.eq(expected),
                ))
                .execute(c)?;
            expected
        }
    };
    if current != expected {
        return Ok(false);
    }
    for (row, token_hash) in rows {
        let inserted = diesel::insert_into(j::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?;
        if let (1, Some(hash), Some(ticket)) = (inserted, token_hash, row.ticket_id) {
            diesel::insert_into(r::table)
                .values((
                    r::token_hash.eq(hash),
                    r::ticket_id.eq(ticket),
                    r::user_id.eq(row.recipient_id),
                    r::created_at.eq(row.created_at),
                ))
                .execute(c)?;
        }
    }
    diesel::update(outbox_state::table.filter(outbox_state::name.eq(name)))
        .set(outbox_state::value.eq(to))
        .execute(c)?;
    Ok(true)
}

fn claim(c: &mut Conn, now: DbTime, lease: DbTime, limit: i64) -> DbResult<Vec<MailJobRow>> {
    // Up to `limit` pending jobs due at `now`, oldest due first; on PostgreSQL rows another
    // sender holds are skipped, so senders in several processes never claim the same job.
    let ids: Vec<DbId> = locking::claim_lock!(
        j::table
            .filter(j::status.eq("pending"))
            .filter(j::next_attempt_at.le(now))
            .order_by(j::next_attempt_at.asc())
            .limit(limit)
            .select(j::id)
    )
    .load(c)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(j::table.filter(j::id.eq_any(&ids)))
        .set((
            j::attempts.eq(j::attempts + 1),
            j::next_attempt_at.eq(lease),
        ))
        .execute(c)?;
    Ok(j::table
        .filter(j::id.eq_any(&ids))
        .order_by(j::created_at.asc())
        .select(MailJobRow::as_select())
        .load(c)?)
}

#[async_trait]
impl MailRepository for Store {
    async fn mail_cursor(&self, name: &str) -> Result<i64, RepoError> {
        let name = name.to_owned();
        self.read(move |c| {
            let value: Option<i64> = outbox_state::table
                .filter(outbox_state::name.eq(&name))
                .select(outbox_state::value)
                .get_result(c)
                .optional()?;
            match value {
                Some(v) => Ok(v),
                // No cursor yet: start after the events that exist now.
                None => Ok(outbox_state::table
                    .filter(outbox_state::name.eq("last_event_id"))
                    .select(outbox_state::value)
                    .get_result(c)?),
            }
        })
        .await
    }

    async fn commit_mail_batch(
        &self,
        name: &str,
        expected: i64,
        to: i64,
        jobs: &[MailJob],
    ) -> Result<bool, RepoError> {
        let name = name.to_owned();
        let rows = jobs
            .iter()
            .map(|job| Ok((MailJobRow::new(job)?, job.reply_token_hash.clone())))
            .collect::<DbResult<Vec<_>>>()
            .map_err(|e| e.into_repo(super::DATABASE, super::error::translate))?;
        self.write(move |c| commit_batch(c, &name, expected, to, &rows))
            .await
    }

    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailJob>, RepoError> {
        let (now, lease) = (DbTime::from(now), DbTime::from(lease_until));
        self.write(move |c| {
            claim(c, now, lease, i64::from(limit))?
                .into_iter()
                .map(MailJobRow::into_domain)
                .collect()
        })
        .await
    }

    async fn finish_mail(
        &self,
        id: Uuid,
        outcome: &MailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let outcome = outcome.clone();
        let id = DbId::from(id);
        let at = DbTime::from(at);
        self.write(move |c| {
            let target = j::table.filter(j::id.eq(id));
            match outcome {
                MailOutcome::Sent => diesel::update(target)
                    .set((
                        j::status.eq("sent"),
                        j::finished_at.eq(Some(at)),
                        j::secret.eq(None::<String>),
                    ))
                    .execute(c)?,
                MailOutcome::Retry { at: retry, reason } => diesel::update(target)
                    .set((
                        j::next_attempt_at.eq(DbTime::from(retry)),
                        j::last_error.eq(Some(reason)),
                    ))
                    .execute(c)?,
                MailOutcome::Failed { reason } => diesel::update(target)
                    .set((
                        j::status.eq("failed"),
                        j::finished_at.eq(Some(at)),
                        j::last_error.eq(Some(reason)),
                        j::secret.eq(None::<String>),
                    ))
                    .execute(c)?,
            };
            Ok(())
        })
        .await
    }

    async fn mail_failures(&self, limit: u32) -> Result<Vec<MailFailure>, RepoError> {
        self.read(move |c| {
            j::table
                .filter(j::status.eq("failed"))
                .order_by((j::finished_at.desc(), j::id.desc()))
                .limit(i64::from(limit))
                .select(MailJobRow::as_select())
                .load(c)?
                .into_iter()
                .map(MailJobRow::into_failure)
                .collect()
        })
        .await
    }

    async fn mail_staff(&self) -> Result<Vec<User>, RepoError> {
        self.read(move |c| {
            users::table
                .filter(users::is_active.eq(true))
                .filter(users::role.eq_any([Role::Agent.as_str(), Role::Admin.as_str()]))
                .order_by(users::id.asc())
                .select(UserRow::as_select())
                .load(c)?
                .into_iter()
                .map(UserRow::into_domain)
                .collect()
        })
        .await
    }

    async fn mail_preferences(
        &self,
        ids: &[UserId],
    ) -> Result<HashMap<UserId, MailPreferences>, RepoError> {
        let ids: Vec<DbId> = ids.iter().copied().map(DbId::from).collect();
        self.read(move |c| {
            let rows: Vec<(DbId, bool, bool, bool, bool)> = p::table
                .filter(p::user_id.eq_any(&ids))
                .select((
                    p::user_id,
                    p::new_ticket,
                    p::public_reply,
                    p::assigned,
                    p::status,
                ))
                .load(c)?;
            Ok(rows
                .into_iter()
                .map(|(id, new_ticket, public_reply, assigned, status)| {
                    (
                        id.get(),
                        MailPreferences {
                            new_ticket,
                            public_reply,
                            assigned,
                            status,
                        },
                    )
                })
                .collect())
        })
        .await
    }

    async fn set_mail_preferences(
        &self,
        user: UserId,
        prefs: &MailPreferences,
    ) -> Result<(), RepoError> {
        let prefs = *prefs;
        let user = DbId::from(user);
        self.write(move |c| {
            let values = || {
                (
                    p::new_ticket.eq(prefs.new_ticket),
                    p::public_reply.eq(prefs.public_reply),
                    p::assigned.eq(prefs.assigned),
                    p::status.eq(prefs.status),
                )
            };
            let updated = diesel::update(p::table.filter(p::user_id.eq(user)))
                .set(values())
                .execute(c)?;
            if updated == 0 {
                let (a, b, d, e) = values();
                diesel::insert_into(p::table)
                    .values((p::user_id.eq(user), a, b, d, e))
                    .execute(c)?;
            }
            Ok(())
        })
        .await
    }

    async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
        job: &MailJob,
    ) -> Result<(), RepoError> {
        let hash = token_hash.to_owned();
        let row = MailJobRow::new(job)
            .map_err(|e| e.into_repo(super::DATABASE, super::error::translate))?;
        let user = DbId::from(user);
        let expires = DbTime::from(expires_at);
        self.write(move |c| {
            diesel::insert_into(password_resets::table)
                .values((
                    password_resets::token_hash.eq(&hash),
                    password_resets::user_id.eq(user),
                    password_resets::created_at.eq(row.created_at),
                    password_resets::expires_at.eq(expires),
                ))
                .execute(c)?;
            diesel::insert_into(j::table).values(&row).execute(c)?;
            Ok(())
        })
        .await
    }

    async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        consume: bool,
    ) -> Result<Option<UserId>, RepoError> {
        let hash = token_hash.to_owned();
        let now = DbTime::from(now);
        self.write(move |c| {
            let live = || {
                password_resets::table
                    .filter(password_resets::token_hash.eq(hash.clone()))
                    .filter(password_resets::used_at.is_null())
                    .filter(password_resets::expires_at.gt(now))
            };
            let user: Option<DbId> = live()
                .select(password_resets::user_id)
                .get_result(c)
                .optional()?;
            let Some(user) = user else {
                return Ok(None);
            };
            if consume {
                let n = diesel::update(live())
                    .set(password_resets::used_at.eq(Some(now)))
                    .execute(c)?;
                if n == 0 {
                    return Ok(None);
                }
                // Every other link of the user stops working too.
                diesel::update(
                    password_resets::table
                        .filter(password_resets::user_id.eq(user))
                        .filter(password_resets::used_at.is_null()),
                )
                .set(password_resets::used_at.eq(Some(now)))
                .execute(c)?;
            }
            Ok(Some(user.get()))
        })
        .await
    }

    async fn reply_token(&self, token_hash: &str) -> Result<Option<ReplyTokenOwner>, RepoError> {
        let hash = token_hash.to_owned();
        self.read(move |c| inbound::reply_token(c, &hash)).await
    }

    async fn inbound_seen(&self, key_hash: &str) -> Result<bool, RepoError> {
        let key = key_hash.to_owned();
        self.read(move |c| inbound::seen(c, &key)).await
    }

    async fn store_inbound(&self, write: &InboundWrite) -> Result<u64, RepoError> {
        let rows = inbound::rows(write)?;
        self.write(move |c| inbound::store(c, &rows)).await
    }
}
