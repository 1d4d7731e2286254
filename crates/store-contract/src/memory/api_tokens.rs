//! `ApiTokenRepository` of the memory store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::ports::{ApiTokenRepository, TokenCreated};
use ticketing_app::{AuditEntry, RepoError};
use ticketing_domain::{ApiToken, ApiTokenId, UserId};

use super::{MemoryStore, State, micros, opt_micros};

fn normalized(t: &ApiToken) -> ApiToken {
    ApiToken {
        created_at: micros(t.created_at),
        expires_at: opt_micros(t.expires_at),
        last_used_at: opt_micros(t.last_used_at),
        ..t.clone()
    }
}

impl State {
    /// Deletes every API token of `user` (with the changes that end them).
    pub(super) fn delete_api_tokens_of(&mut self, user: UserId) {
        self.api_tokens.retain(|_, (t, _)| t.user_id != user);
    }
}

#[async_trait]
impl ApiTokenRepository for MemoryStore {
    async fn create(
        &self,
        token: &ApiToken,
        token_hash: &str,
        max: usize,
        audit: &[AuditEntry],
    ) -> Result<TokenCreated, RepoError> {
        let mut s = self.state()?;
        if !s.users.contains_key(&token.user_id) {
            return Err(RepoError::NotFound);
        }
        let held = s
            .api_tokens
            .values()
            .filter(|(t, _)| t.user_id == token.user_id)
            .count();
        if held >= max {
            return Ok(TokenCreated::LimitReached);
        }
        if s.api_tokens.contains_key(&token.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        if s.api_tokens.values().any(|(_, h)| h == token_hash) {
            return Err(RepoError::Conflict {
                field: "token_hash",
            });
        }
        if s.api_tokens
            .values()
            .any(|(t, _)| t.user_id == token.user_id && t.name == token.name)
        {
            return Err(RepoError::Conflict { field: "name" });
        }
        s.check_audit(audit)?;
        s.api_tokens
            .insert(token.id, (normalized(token), token_hash.to_owned()));
        s.append_audit(audit);
        Ok(TokenCreated::Created)
    }

    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>, RepoError> {
        let s = self.state()?;
        Ok(s.api_tokens
            .values()
            .find(|(_, h)| h == token_hash)
            .map(|(t, _)| t.clone()))
    }

    async fn get(&self, user: UserId, id: ApiTokenId) -> Result<ApiToken, RepoError> {
        let s = self.state()?;
        s.api_tokens
            .get(&id)
            .filter(|(t, _)| t.user_id == user)
            .map(|(t, _)| t.clone())
            .ok_or(RepoError::NotFound)
    }

    async fn list(&self, user: UserId) -> Result<Vec<ApiToken>, RepoError> {
        let s = self.state()?;
        let mut tokens: Vec<ApiToken> = s
            .api_tokens
            .values()
            .filter(|(t, _)| t.user_id == user)
            .map(|(t, _)| t.clone())
            .collect();
        tokens.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        Ok(tokens)
    }

    async fn delete(
        &self,
        user: UserId,
        id: ApiTokenId,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        if s.api_tokens.get(&id).is_none_or(|(t, _)| t.user_id != user) {
            return Err(RepoError::NotFound);
        }
        s.check_audit(audit)?;
        s.api_tokens.remove(&id);
        s.append_audit(audit);
        Ok(())
    }

    async fn touch(&self, id: ApiTokenId, at: DateTime<Utc>) -> Result<(), RepoError> {
        let mut s = self.state()?;
        let at = micros(at);
        if let Some((t, _)) = s.api_tokens.get_mut(&id) {
            if t.last_used_at.is_none_or(|last| last < at) {
                t.last_used_at = Some(at);
            }
        }
        Ok(())
    }
}
