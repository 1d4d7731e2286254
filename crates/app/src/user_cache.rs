//! A short-lived cache of users by id in front of the [`UserRepository`] port.
//!
//! `authenticate` loads the caller on every request (active flag, token epoch, role), and every
//! list or detail loads the people it shows; under load those lookups were a database round trip
//! (plus a thread hop) each per request. With the cache on, `get` and `get_many` answer from
//! memory for users read at most `ttl` ago (`get_many` loads only the ids it lacks).
//!
//! Guarantees: every write through this process's port (`update_profile`, `update_access`,
//! `set_password`, `record_login`) drops the user's entry before and after the write, and a read
//! that raced with such a write is not cached, so a deactivation, role change or password change
//! made through this process applies to its very next request. A change made through another
//! process (another replica, the CLI) reaches this one through the store's change feed
//! ([`UserRepository::user_changes`], `LISTEN`/`NOTIFY` on PostgreSQL): every change received
//! drops its user (and makes a read in flight uncacheable), a feed that may have missed changes
//! drops every user. The store makes a deactivation, role change or password change wait until
//! the feeds relayed it, so it applies to the next request on every replica. Without a feed
//! (SQLite: one process serves the file) a change made elsewhere reaches this process within
//! `ttl`. A `ttl` of zero turns the cache off.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ticketing_domain::listing::{Page, UserQuery};
use ticketing_domain::{LoginName, User, UserId};
use tokio::sync::broadcast::{self, error::TryRecvError};

use crate::audit::AuditEntry;
use crate::error::RepoError;
use crate::ports::{AccessChange, AccessOutcome, UserChange, UserRepository};

/// Entries beyond this many trigger a sweep of the expired ones.
const SWEEP_ABOVE: usize = 4096;

/// The cached users and the feed of changes made elsewhere.
struct Entries {
    users: HashMap<UserId, (User, Instant)>,
    /// `None` without a feed (or once it closed).
    changes: Option<broadcast::Receiver<UserChange>>,
}

/// [`UserRepository`] with a per-process cache of `get`.
pub(crate) struct CachedUsers {
    inner: Arc<dyn UserRepository>,
    ttl: Duration,
    entries: Mutex<Entries>,
    /// Bumped by every write and every change received: a read that saw another value when it
    /// started is not cached.
    generation: AtomicU64,
}

impl CachedUsers {
    pub(crate) fn new(inner: Arc<dyn UserRepository>, ttl: Duration) -> Self {
        let changes = if ttl.is_zero() {
            None
        } else {
            inner.user_changes()
        };
        Self {
            inner,
            ttl,
            entries: Mutex::new(Entries {
                users: HashMap::new(),
                changes,
            }),
            generation: AtomicU64::new(0),
        }
    }

    /// The entries, after applying the changes received since the last look.
    fn entries(&self) -> MutexGuard<'_, Entries> {
        let mut guard = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entries = &mut *guard;
        while let Some(rx) = entries.changes.as_mut() {
            match rx.try_recv() {
                Ok(UserChange::One(id)) => {
                    self.generation.fetch_add(1, Ordering::AcqRel);
                    entries.users.remove(&id);
                }
                Ok(UserChange::Any) | Err(TryRecvError::Lagged(_)) => {
                    self.generation.fetch_add(1, Ordering::AcqRel);
                    entries.users.clear();
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => {
                    // No feed any more: from now on changes made elsewhere arrive within `ttl`.
                    self.generation.fetch_add(1, Ordering::AcqRel);
                    entries.users.clear();
                    entries.changes = None;
                }
            }
        }
        guard
    }

    fn lookup(&self, id: UserId) -> Option<User> {
        let entries = self.entries();
        entries
            .users
            .get(&id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(u, _)| u.clone())
    }

    fn store(&self, users: &[User], generation: u64) {
        let mut entries = self.entries();
        // Checked under the lock, after the changes received were applied: `forget` and the
        // feed bump the generation under it too.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.users.len() > SWEEP_ABOVE {
            let ttl = self.ttl;
            entries.users.retain(|_, (_, at)| at.elapsed() < ttl);
        }
        let now = Instant::now();
        for u in users {
            entries.users.insert(u.id, (u.clone(), now));
        }
    }

    fn forget(&self, id: UserId) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.users.remove(&id);
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }
}

#[async_trait]
impl UserRepository for CachedUsers {
    async fn insert(
        &self,
        user: &User,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        self.inner.insert(user, password_hash, audit).await
    }

    async fn get(&self, id: UserId) -> Result<User, RepoError> {
        if !self.enabled() {
            return self.inner.get(id).await;
        }
        if let Some(u) = self.lookup(id) {
            return Ok(u);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let user = self.inner.get(id).await?;
        self.store(std::slice::from_ref(&user), generation);
        Ok(user)
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepoError> {
        if !self.enabled() {
            return self.inner.get_many(ids).await;
        }
        let mut found = Vec::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            match self.lookup(*id) {
                Some(u) => found.push(u),
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            let generation = self.generation.load(Ordering::Acquire);
            let loaded = self.inner.get_many(&missing).await?;
            self.store(&loaded, generation);
            found.extend(loaded);
        }
        Ok(found)
    }

    async fn find_credentials(
        &self,
        login: &LoginName,
    ) -> Result<Option<(User, String)>, RepoError> {
        self.inner.find_credentials(login).await
    }

    async fn password_hash(&self, id: UserId) -> Result<String, RepoError> {
        self.inner.password_hash(id).await
    }

    async fn update_profile(&self, user: &User) -> Result<(), RepoError> {
        self.forget(user.id);
        let out = self.inner.update_profile(user).await;
        self.forget(user.id);
        out
    }

    async fn rename(
        &self,
        id: UserId,
        username: &ticketing_domain::Username,
        audit: &[AuditEntry],
    ) -> Result<User, RepoError> {
        self.forget(id);
        let out = self.inner.rename(id, username, audit).await;
        self.forget(id);
        out
    }

    async fn update_access(
        &self,
        id: UserId,
        change: &AccessChange,
        audit: &[AuditEntry],
    ) -> Result<AccessOutcome, RepoError> {
        self.forget(id);
        let out = self.inner.update_access(id, change, audit).await;
        self.forget(id);
        out
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<i64, RepoError> {
        self.forget(id);
        let out = self.inner.set_password(id, password_hash, audit).await;
        self.forget(id);
        out
    }

    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.forget(id);
        let out = self.inner.record_login(id, at).await;
        self.forget(id);
        out
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, RepoError> {
        self.inner.list(query).await
    }

    fn user_changes(&self) -> Option<broadcast::Receiver<UserChange>> {
        self.inner.user_changes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ports::MockUserRepository;

    fn user() -> User {
        User {
            id: UserId::from_uuid(uuid::Uuid::from_u128(7)),
            username: ticketing_domain::Username::parse("cached").unwrap(),
            email: ticketing_domain::Email::parse("cached@example.com").unwrap(),
            first_name: ticketing_domain::PersonName::empty(),
            last_name: ticketing_domain::PersonName::empty(),
            role: ticketing_domain::Role::Agent,
            is_active: true,
            must_change_password: false,
            token_epoch: 0,
            date_joined: Utc::now(),
            last_login: None,
        }
    }

    #[tokio::test]
    async fn serves_repeated_gets_from_memory_until_a_write() {
        let u = user();
        let mut inner = MockUserRepository::new();
        inner.expect_user_changes().returning(|| None);
        let served = u.clone();
        inner
            .expect_get()
            .times(2)
            .returning(move |_| Ok(served.clone()));
        inner
            .expect_set_password()
            .times(1)
            .returning(|_, _, _| Ok(1));
        let cache = CachedUsers::new(Arc::new(inner), Duration::from_secs(60));
        assert_eq!(cache.get(u.id).await.unwrap(), u);
        assert_eq!(cache.get(u.id).await.unwrap(), u);
        assert_eq!(cache.get_many(&[u.id]).await.unwrap(), vec![u.clone()]);

        cache.set_password(u.id, "h", &[]).await.unwrap();
        assert_eq!(cache.get(u.id).await.unwrap(), u);
    }

    #[tokio::test]
    async fn get_many_loads_only_what_it_lacks() {
        let u = user();
        let other = User {
            id: UserId::from_uuid(uuid::Uuid::from_u128(8)),
            ..user()
        };
        let mut inner = MockUserRepository::new();
        inner.expect_user_changes().returning(|| None);
        let served = u.clone();
        inner
            .expect_get()
            .times(1)
            .returning(move |_| Ok(served.clone()));
        let loaded = other.clone();
        inner
            .expect_get_many()
            .withf(move |ids| ids == [loaded.id])
            .times(1)
            .returning({
                let other = other.clone();
                move |_| Ok(vec![other.clone()])
            });
        let cache = CachedUsers::new(Arc::new(inner), Duration::from_secs(60));
        cache.get(u.id).await.unwrap();
        let mut got = cache.get_many(&[u.id, other.id]).await.unwrap();
        got.sort_by_key(|x| x.id);
        assert_eq!(got, vec![u.clone(), other.clone()]);
        assert_eq!(cache.get_many(&[other.id, u.id]).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_zero_ttl_is_no_cache() {
        let u = user();
        let mut inner = MockUserRepository::new();
        inner.expect_user_changes().returning(|| None);
        let served = u.clone();
        inner
            .expect_get()
            .times(3)
            .returning(move |_| Ok(served.clone()));
        let cache = CachedUsers::new(Arc::new(inner), Duration::ZERO);
        for _ in 0..3 {
            cache.get(u.id).await.unwrap();
        }
    }

    #[tokio::test]
    async fn changes_from_the_feed_drop_cached_users() {
        let u = user();
        let (tx, rx) = broadcast::channel(16);
        let rx = Mutex::new(Some(rx));
        let mut inner = MockUserRepository::new();
        inner
            .expect_user_changes()
            .times(1)
            .returning(move || rx.lock().unwrap().take());
        let served = u.clone();
        inner
            .expect_get()
            .times(4)
            .returning(move |_| Ok(served.clone()));
        let cache = CachedUsers::new(Arc::new(inner), Duration::from_secs(60));
        cache.get(u.id).await.unwrap(); // loaded (1)
        cache.get(u.id).await.unwrap();
        // Another user's change leaves this one cached.
        tx.send(UserChange::One(UserId::from_uuid(uuid::Uuid::from_u128(
            99,
        ))))
        .unwrap();
        cache.get(u.id).await.unwrap();
        tx.send(UserChange::One(u.id)).unwrap();
        cache.get(u.id).await.unwrap(); // loaded (2)
        cache.get(u.id).await.unwrap();
        tx.send(UserChange::Any).unwrap();
        cache.get(u.id).await.unwrap(); // loaded (3)
        cache.get(u.id).await.unwrap();
        // The feed ends: everything is forgotten once, then cached for the ttl again.
        drop(tx);
        cache.get(u.id).await.unwrap(); // loaded (4)
        cache.get(u.id).await.unwrap();
    }
}
