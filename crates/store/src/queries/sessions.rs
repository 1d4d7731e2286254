//! `SessionRepository` (refresh sessions) and `HealthCheck`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use ticketing_app::RepoError;
use ticketing_app::ports::{HealthCheck, RefreshSession, SessionRepository};
use ticketing_domain::{FamilyId, SessionId, UserId};

use super::Store;
use crate::error::missing_or_stale;
use crate::rows::SessionRow;
use crate::schema::refresh_sessions as s;
use crate::sql_types::{DbId, DbTime};

#[async_trait]
impl SessionRepository for Store {
    async fn create(&self, session: &RefreshSession) -> Result<(), RepoError> {
        let row = SessionRow::new(session);
        // Only logins create sessions: see `write_unflushed`.
        self.write_unflushed(move |c| {
            diesel::insert_into(s::table).values(&row).execute(c)?;
            Ok(())
        })
        .await
    }

    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshSession>, RepoError> {
        let hash = token_hash.to_owned();
        self.read(move |c| {
            s::table
                .filter(s::token_hash.eq(hash))
                .select(SessionRow::as_select())
                .get_result(c)
                .optional()?
                .map(SessionRow::into_domain)
                .transpose()
        })
        .await
    }

    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let row = SessionRow::new(new);
        self.write(move |c| {
            let n = diesel::update(
                s::table
                    .filter(s::id.eq(DbId::from(old)))
                    .filter(s::rotated_at.is_null())
                    .filter(s::revoked_at.is_null()),
            )
            .set(s::rotated_at.eq(Some(DbTime::from(at))))
            .execute(c)?;
            if n == 0 {
                let exists: i64 = s::table
                    .filter(s::id.eq(DbId::from(old)))
                    .count()
                    .get_result(c)?;
                return Err(missing_or_stale(exists));
            }
            diesel::insert_into(s::table).values(&row).execute(c)?;
            Ok(())
        })
        .await
    }

    async fn revoke_family(&self, family: FamilyId, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.write(move |c| {
            diesel::update(
                s::table
                    .filter(s::family_id.eq(DbId::from(family)))
                    .filter(s::revoked_at.is_null()),
            )
            .set(s::revoked_at.eq(Some(DbTime::from(at))))
            .execute(c)?;
            Ok(())
        })
        .await
    }

    async fn revoke_user(
        &self,
        user: UserId,
        keep: Option<FamilyId>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        self.write(move |c| {
            let mut q = s::table
                .filter(s::user_id.eq(DbId::from(user)))
                .filter(s::revoked_at.is_null())
                .into_boxed();
            if let Some(keep) = keep {
                q = q.filter(s::family_id.ne(DbId::from(keep)));
            }
            let ids = q.select(s::id);
            diesel::update(s::table.filter(s::id.eq_any(ids)))
                .set(s::revoked_at.eq(Some(DbTime::from(at))))
                .execute(c)?;
            Ok(())
        })
        .await
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        self.write(move |c| {
            let n = diesel::delete(s::table.filter(s::expires_at.lt(DbTime::from(before))))
                .execute(c)?;
            Ok(u64::try_from(n).unwrap_or_default())
        })
        .await
    }
}

#[async_trait]
impl HealthCheck for Store {
    async fn ping(&self) -> Result<(), RepoError> {
        self.read(|c| Ok(c.batch_execute("SELECT 1")?)).await
    }
}
