//! `ApiTokenRepository`, and deleting a user's tokens inside other writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ticketing_app::ports::{ApiTokenRepository, TokenCreated};
use ticketing_app::{AuditEntry, RepoError};
use ticketing_domain::{ApiToken, ApiTokenId, UserId};

use super::audit::append_audit;
use super::{Conn, Store, locking};
use crate::error::DbResult;
use crate::rows::ApiTokenRow;
use crate::schema::{api_tokens as t, users};
use crate::sql_types::{DbId, DbTime};

/// Deletes every API token of `user` inside the caller's transaction (with the changes that end
/// them: a password change, a role change, a moved token epoch).
pub(crate) fn delete_tokens_of(c: &mut Conn, user: DbId) -> DbResult<()> {
    diesel::delete(t::table.filter(t::user_id.eq(user))).execute(c)?;
    Ok(())
}

/// The body of `create`, inside the caller's write transaction. The owner's row is locked first
/// (`locking.rs` of each backend), so two creations of one owner count one after the other.
fn create(
    c: &mut Conn,
    row: &ApiTokenRow,
    max: usize,
    audit: &[AuditEntry],
) -> DbResult<TokenCreated> {
    locking::lock_user(c, row.user_id)?;
    let owner: i64 = users::table
        .filter(users::id.eq(row.user_id))
        .count()
        .get_result(c)?;
    if owner == 0 {
        return Err(RepoError::NotFound.into());
    }
    let held: i64 = t::table
        .filter(t::user_id.eq(row.user_id))
        .count()
        .get_result(c)?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= max {
        return Ok(TokenCreated::LimitReached);
    }
    diesel::insert_into(t::table).values(row).execute(c)?;
    append_audit(c, audit)?;
    Ok(TokenCreated::Created)
}

#[async_trait]
impl ApiTokenRepository for Store {
    async fn create(
        &self,
        token: &ApiToken,
        token_hash: &str,
        max: usize,
        audit: &[AuditEntry],
    ) -> Result<TokenCreated, RepoError> {
        let row = ApiTokenRow::new(token, token_hash);
        let audit = audit.to_vec();
        self.write(move |c| create(c, &row, max, &audit)).await
    }

    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, RepoError> {
        let hash = token_hash.to_owned();
        self.read(move |c| {
            t::table
                .filter(t::token_hash.eq(hash))
                .select(ApiTokenRow::as_select())
                .get_result(c)
                .optional()?
                .map(ApiTokenRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn get(&self, user: UserId, id: ApiTokenId) -> Result<ApiToken, RepoError> {
        self.read(move |c| {
            t::table
                .filter(t::id.eq(DbId::from(id)))
                .filter(t::user_id.eq(DbId::from(user)))
                .select(ApiTokenRow::as_select())
                .get_result(c)?
                .into_domain()
        })
        .await
    }

    async fn list(&self, user: UserId) -> Result<Vec<ApiToken>, RepoError> {
        self.read(move |c| {
            t::table
                .filter(t::user_id.eq(DbId::from(user)))
                .order_by((t::created_at.desc(), t::id.desc()))
                .select(ApiTokenRow::as_select())
                .load(c)?
                .into_iter()
                .map(ApiTokenRow::into_domain)
                .collect()
        })
        .await
    }

    async fn delete(
        &self,
        user: UserId,
        id: ApiTokenId,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let audit = audit.to_vec();
        self.write(move |c| {
            let n = diesel::delete(
                t::table
                    .filter(t::id.eq(DbId::from(id)))
                    .filter(t::user_id.eq(DbId::from(user))),
            )
            .execute(c)?;
            if n == 0 {
                return Err(RepoError::NotFound.into());
            }
            append_audit(c, &audit)
        })
        .await
    }

    async fn touch(&self, id: ApiTokenId, at: DateTime<Utc>) -> Result<(), RepoError> {
        let at = DbTime::from(at);
        // Bookkeeping of a read: like a login's writes, it need not wait for a disk flush.
        self.write_unflushed(move |c| {
            diesel::update(
                t::table
                    .filter(t::id.eq(DbId::from(id)))
                    .filter(t::last_used_at.is_null().or(t::last_used_at.lt(at))),
            )
            .set(t::last_used_at.eq(Some(at)))
            .execute(c)?;
            Ok(())
        })
        .await
    }
}
