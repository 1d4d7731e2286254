//! `SessionRepository` of the memory store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::RepoError;
use ticketing_app::ports::{RefreshSession, SessionRepository};
use ticketing_domain::{FamilyId, SessionId, UserId};

use super::{MemoryStore, micros, opt_micros};

fn normalized(s: &RefreshSession) -> RefreshSession {
    RefreshSession {
        created_at: micros(s.created_at),
        expires_at: micros(s.expires_at),
        rotated_at: opt_micros(s.rotated_at),
        revoked_at: opt_micros(s.revoked_at),
        ..s.clone()
    }
}

#[async_trait]
impl SessionRepository for MemoryStore {
    async fn create(&self, session: &RefreshSession) -> Result<(), RepoError> {
        let mut s = self.state()?;
        if s.sessions.contains_key(&session.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        if s.sessions
            .values()
            .any(|o| o.token_hash == session.token_hash)
        {
            return Err(RepoError::Conflict {
                field: "token_hash",
            });
        }
        s.sessions.insert(session.id, normalized(session));
        Ok(())
    }

    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshSession>, RepoError> {
        let s = self.state()?;
        Ok(s.sessions
            .values()
            .find(|o| o.token_hash == token_hash)
            .cloned())
    }

    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        let current = s.sessions.get(&old).ok_or(RepoError::NotFound)?;
        if current.rotated_at.is_some() || current.revoked_at.is_some() {
            return Err(RepoError::Stale);
        }
        if s.sessions.contains_key(&new.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        if s.sessions.values().any(|o| o.token_hash == new.token_hash) {
            return Err(RepoError::Conflict {
                field: "token_hash",
            });
        }
        if let Some(current) = s.sessions.get_mut(&old) {
            current.rotated_at = Some(micros(at));
        }
        s.sessions.insert(new.id, normalized(new));
        Ok(())
    }

    async fn revoke_family(&self, family: FamilyId, at: DateTime<Utc>) -> Result<(), RepoError> {
        let mut s = self.state()?;
        for session in s.sessions.values_mut() {
            if session.family == family && session.revoked_at.is_none() {
                session.revoked_at = Some(micros(at));
            }
        }
        Ok(())
    }

    async fn revoke_user(
        &self,
        user: UserId,
        keep: Option<FamilyId>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        for session in s.sessions.values_mut() {
            if session.user_id == user
                && session.revoked_at.is_none()
                && keep != Some(session.family)
            {
                session.revoked_at = Some(micros(at));
            }
        }
        Ok(())
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let mut s = self.state()?;
        let before = micros(before);
        let n = s.sessions.len();
        s.sessions.retain(|_, o| o.expires_at >= before);
        Ok((n - s.sessions.len()) as u64)
    }
}
