//! `UserRepository` of the memory store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_app::AuditEntry;
use ticketing_app::RepoError;
use ticketing_app::ports::{AccessChange, AccessOutcome, UserRepository};
use ticketing_domain::listing::{Page, UserQuery, encode_user_cursor};
use ticketing_domain::{LoginName, Role, User, UserId, Username};

use super::{MemoryStore, State, micros, opt_micros};

fn normalized(user: &User) -> User {
    User {
        date_joined: micros(user.date_joined),
        last_login: opt_micros(user.last_login),
        ..user.clone()
    }
}

impl State {
    /// `Conflict` when another user than `id` has the username, its skeleton or the email
    /// (case-insensitively), or a username that is the email.
    fn check_unique(&self, user: &User, check_username: bool) -> Result<(), RepoError> {
        if check_username {
            self.check_username(user.id, &user.username)?;
        }
        let others = || self.users.values().filter(|(o, _)| o.id != user.id);
        if others()
            .any(|(o, _)| o.email.key() == user.email.key() || o.username.key() == user.email.key())
        {
            return Err(RepoError::Conflict { field: "email" });
        }
        Ok(())
    }

    /// `Conflict` when another user than `id` has this username (or as their email) or one that
    /// looks alike.
    fn check_username(&self, id: UserId, name: &Username) -> Result<(), RepoError> {
        let others = || self.users.values().filter(|(o, _)| o.id != id);
        if others().any(|(o, _)| o.username.key() == name.key() || o.email.key() == name.key()) {
            return Err(RepoError::Conflict { field: "username" });
        }
        if others().any(|(o, _)| o.username.skeleton() == name.skeleton()) {
            return Err(RepoError::Conflict {
                field: "username_skeleton",
            });
        }
        Ok(())
    }

    fn user_mut(&mut self, id: UserId) -> Result<&mut (User, String), RepoError> {
        self.users.get_mut(&id).ok_or(RepoError::NotFound)
    }
}

#[async_trait]
impl UserRepository for MemoryStore {
    async fn insert(
        &self,
        user: &User,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let mut s = self.state()?;
        if s.users.contains_key(&user.id) {
            return Err(RepoError::Conflict { field: "id" });
        }
        s.check_unique(user, true)?;
        s.check_audit(audit)?;
        s.users
            .insert(user.id, (normalized(user), password_hash.to_owned()));
        s.append_audit(audit);
        Ok(())
    }

    async fn get(&self, id: UserId) -> Result<User, RepoError> {
        let s = self.state()?;
        s.users
            .get(&id)
            .map(|(u, _)| u.clone())
            .ok_or(RepoError::NotFound)
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepoError> {
        let s = self.state()?;
        let mut seen = std::collections::HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| s.users.get(id).map(|(u, _)| u.clone()))
            .collect())
    }

    async fn find_credentials(
        &self,
        login: &LoginName,
    ) -> Result<Option<(User, String)>, RepoError> {
        let s = self.state()?;
        let (key, by_email) = match login {
            LoginName::Email(e) => (e.key(), true),
            LoginName::Username(u) => (u.key(), false),
        };
        let by_username = s.users.values().find(|(u, _)| u.username.key() == key);
        let by_mail = s.users.values().find(|(u, _)| u.email.key() == key);
        let found = if by_email {
            by_mail.or(by_username)
        } else {
            by_username.or(by_mail)
        };
        Ok(found.cloned())
    }

    async fn password_hash(&self, id: UserId) -> Result<String, RepoError> {
        let s = self.state()?;
        s.users
            .get(&id)
            .map(|(_, h)| h.clone())
            .ok_or(RepoError::NotFound)
    }

    async fn update_profile(&self, user: &User) -> Result<(), RepoError> {
        let mut s = self.state()?;
        s.user_mut(user.id)?;
        s.check_unique(user, false)?;
        let (stored, _) = s.user_mut(user.id)?;
        stored.email = user.email.clone();
        stored.first_name = user.first_name.clone();
        stored.last_name = user.last_name.clone();
        Ok(())
    }

    async fn rename(
        &self,
        id: UserId,
        username: &Username,
        audit: &[AuditEntry],
    ) -> Result<User, RepoError> {
        let mut s = self.state()?;
        s.user_mut(id)?;
        s.check_username(id, username)?;
        s.check_audit(audit)?;
        let (stored, _) = s.user_mut(id)?;
        stored.username = username.clone();
        let renamed = stored.clone();
        s.append_audit(audit);
        Ok(renamed)
    }

    async fn update_access(
        &self,
        id: UserId,
        change: &AccessChange,
        audit: &[AuditEntry],
    ) -> Result<AccessOutcome, RepoError> {
        let mut s = self.state()?;
        s.check_audit(audit)?;
        let current = s.user_mut(id)?.0.clone();
        let role = change.role.unwrap_or(current.role);
        let is_active = change.is_active.unwrap_or(current.is_active);
        let was_admin = current.role == Role::Admin && current.is_active;
        let stays_admin = role == Role::Admin && is_active;
        if was_admin && !stays_admin {
            let others = s
                .users
                .values()
                .filter(|(u, _)| u.id != id && u.role == Role::Admin && u.is_active)
                .count();
            if others == 0 {
                return Ok(AccessOutcome::LastAdmin);
            }
        }
        let (stored, _) = s.user_mut(id)?;
        stored.role = role;
        stored.is_active = is_active;
        if change.revoke_tokens {
            stored.token_epoch += 1;
        }
        let updated = stored.clone();
        if change.revoke_tokens || role != current.role {
            s.delete_api_tokens_of(id);
        }
        s.append_audit(audit);
        Ok(AccessOutcome::Updated(updated))
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<i64, RepoError> {
        let mut s = self.state()?;
        s.user_mut(id)?;
        s.check_audit(audit)?;
        let (user, hash) = s.user_mut(id)?;
        password_hash.clone_into(hash);
        user.token_epoch += 1;
        user.must_change_password = false;
        let epoch = user.token_epoch;
        s.delete_api_tokens_of(id);
        s.append_audit(audit);
        Ok(epoch)
    }

    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        let mut s = self.state()?;
        s.user_mut(id)?.0.last_login = Some(micros(at));
        Ok(())
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, RepoError> {
        let s = self.state()?;
        let mut selected: Vec<(String, User)> = s
            .users
            .values()
            .map(|(u, _)| u)
            .filter(|u| query.selects(u))
            .map(|u| (u.username.key(), u.clone()))
            .collect();
        selected.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then(a.id.cmp(&b.id)));
        let total = selected.len() as u64;
        let limit = usize::from(query.limit.get());
        let rest: Vec<(String, User)> = selected
            .into_iter()
            .filter(|(k, u)| match &query.after {
                None => true,
                Some((key, id)) => (k.as_str(), u.id) > (key.as_str(), *id),
            })
            .collect();
        let more = rest.len() > limit;
        let items: Vec<User> = rest.into_iter().take(limit).map(|(_, u)| u).collect();
        let next = match items.last() {
            Some(last) if more => Some(encode_user_cursor(&last.username.key(), last.id)),
            _ => None,
        };
        Ok(Page {
            items,
            total,
            next,
            exact: true,
        })
    }

    fn user_changes(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<ticketing_app::ports::UserChange>> {
        // One process: its user cache sees its own writes.
        None
    }
}
