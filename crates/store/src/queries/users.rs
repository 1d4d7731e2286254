//! `UserRepository`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ticketing_app::AuditEntry;
use ticketing_app::RepoError;
use ticketing_app::ports::{AccessChange, AccessOutcome, UserChange, UserRepository};
use ticketing_domain::listing::{Page, UserQuery, encode_user_cursor};
use ticketing_domain::{LoginName, Role, User, UserId, Username};

use super::api_tokens::delete_tokens_of;
use super::audit::append_audit;
use super::{Conn, Db, Store, locking, outbox};
use crate::error::DbResult;
use crate::rows::UserRow;
use crate::schema::users;
use crate::sql_types::{DbId, DbTime};

fn filtered(q: &UserQuery) -> users::BoxedQuery<'static, Db> {
    let mut b = users::table.into_boxed();
    if let Some(role) = q.role {
        b = b.filter(users::role.eq(role.as_str()));
    }
    if let Some(active) = q.active {
        b = b.filter(users::is_active.eq(active));
    }
    if let Some(text) = &q.text {
        // Terms hold only letters and digits (`listing::tokenize`): nothing for LIKE to escape.
        for term in text.terms() {
            b = b.filter(users::search_key.like(format!("%{term}%")));
        }
    }
    b
}

fn list(c: &mut Conn, q: &UserQuery) -> DbResult<Page<User>> {
    let total: i64 = filtered(q).count().get_result(c)?;
    let limit = usize::from(q.limit.get());
    let mut page = filtered(q);
    if let Some((key, id)) = &q.after {
        page = page.filter(
            users::username_key.ge(key.clone()).and(
                users::username_key
                    .gt(key.clone())
                    .or(users::id.gt(DbId::from(*id))),
            ),
        );
    }
    let rows: Vec<UserRow> = page
        .order_by((users::username_key.asc(), users::id.asc()))
        .limit(i64::from(q.limit.get()) + 1)
        .select(UserRow::as_select())
        .load(c)?;
    let more = rows.len() > limit;
    let items = rows
        .into_iter()
        .take(limit)
        .map(UserRow::into_domain)
        .collect::<DbResult<Vec<User>>>()?;
    let next = match items.last() {
        Some(last) if more => Some(encode_user_cursor(&last.username.key(), last.id)),
        _ => None,
    };
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or_default(),
        next,
        exact: true,
    })
}

/// The most ids bound in one `IN (...)` list.
const MAX_IN_LIST: usize = 500;

fn must_touch(rows: usize) -> DbResult<()> {
    if rows == 0 {
        Err(RepoError::NotFound.into())
    } else {
        Ok(())
    }
}

/// The body of `update_access`, inside the caller's write transaction. The admins and the
/// target are locked first (`locking.rs` of each backend), so the count of the other admins
/// below cannot change before the commit. Returning `LastAdmin` before any write leaves the
/// transaction with nothing to roll back.
fn update_access(
    c: &mut Conn,
    id: UserId,
    change: AccessChange,
    audit: &[AuditEntry],
) -> DbResult<AccessOutcome> {
    let key = DbId::from(id);
    locking::lock_admins_and(c, key)?;
    let current = users::table
        .filter(users::id.eq(key))
        .select(UserRow::as_select())
        .get_result(c)?
        .into_domain()?;
    let role = change.role.unwrap_or(current.role);
    let is_active = change.is_active.unwrap_or(current.is_active);
    let was_admin = current.role == Role::Admin && current.is_active;
    let stays_admin = role == Role::Admin && is_active;
    if was_admin && !stays_admin {
        let others: i64 = users::table
            .filter(users::role.eq(Role::Admin.as_str()))
            .filter(users::is_active.eq(true))
            .filter(users::id.ne(key))
            .count()
            .get_result(c)?;
        if others == 0 {
            return Ok(AccessOutcome::LastAdmin);
        }
    }
    let stored: UserRow = diesel::update(users::table.filter(users::id.eq(key)))
        .set((
            users::role.eq(role.as_str()),
            users::is_active.eq(is_active),
            users::token_epoch.eq(users::token_epoch + i64::from(change.revoke_tokens)),
        ))
        .returning(UserRow::as_returning())
        .get_result(c)?;
    // They would never be honoured again (`ApiToken::check`): gone with the change.
    if change.revoke_tokens || role != current.role {
        delete_tokens_of(c, key)?;
    }
    append_audit(c, audit)?;
    Ok(AccessOutcome::Updated(stored.into_domain()?))
}

/// `Conflict { field: "email" }` when `email_key` is the username of another user than `id`:
/// usernames and emails share one namespace of login names (a login that is one user's username
/// and another's email would let the second take over the first's login name).
pub(crate) fn check_email_namespace(c: &mut Conn, id: DbId, email_key: &str) -> DbResult<()> {
    let clash: i64 = users::table
        .filter(users::username_key.eq(email_key))
        .filter(users::id.ne(id))
        .count()
        .get_result(c)?;
    if clash > 0 {
        Err(RepoError::Conflict { field: "email" }.into())
    } else {
        Ok(())
    }
}

/// `Conflict { field: "username" }` when `username_key` is the username or the email of another
/// user than `id` (the other half of [`check_email_namespace`]). Checked before the write so
/// that a name both taken and looked-alike is reported as taken on both databases (SQLite
/// reports whichever unique index it checks first); the unique indexes still decide races.
pub(crate) fn check_username_namespace(c: &mut Conn, id: DbId, username_key: &str) -> DbResult<()> {
    let clash: i64 = users::table
        .filter(
            users::email_key
                .eq(username_key)
                .or(users::username_key.eq(username_key)),
        )
        .filter(users::id.ne(id))
        .count()
        .get_result(c)?;
    if clash > 0 {
        Err(RepoError::Conflict { field: "username" }.into())
    } else {
        Ok(())
    }
}

/// Fills in `username_skeleton` where it is NULL (accounts stored before the column existed):
/// at start-up, after the migrations (the skeleton is computed by the domain, not in SQL). Each
/// row is one statement of its own; a row whose skeleton another account already has stays NULL
/// (both accounts keep working; new look-alikes of either are still refused). Returns (filled,
/// left NULL).
pub(crate) fn backfill_username_skeletons(c: &mut Conn) -> DbResult<(u64, u64)> {
    let pending: Vec<(DbId, String)> = users::table
        .filter(users::username_skeleton.is_null())
        .select((users::id, users::username))
        .load(c)?;
    let (mut filled, mut left) = (0, 0);
    for (id, username) in pending {
        let Ok(name) = Username::parse(&username) else {
            left += 1;
            continue;
        };
        let done = diesel::update(
            users::table
                .filter(users::id.eq(id))
                .filter(users::username_skeleton.is_null()),
        )
        .set(users::username_skeleton.eq(Some(name.skeleton())))
        .execute(c);
        match done {
            Ok(_) => filled += 1,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                tracing::warn!(
                    username = %username,
                    "username looks like another account's: its skeleton stays unset"
                );
                left += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((filled, left))
}

/// Fills in `search_key` where it is empty: accounts stored before the column existed (every
/// write sets it, and no account's key is empty: an email holds letters or digits). At
/// start-up, after the migrations (the key is computed by the domain, not in SQL). Returns how
/// many rows were filled.
pub(crate) fn backfill_search_keys(c: &mut Conn) -> DbResult<u64> {
    let pending: Vec<UserRow> = users::table
        .filter(users::search_key.eq(""))
        .select(UserRow::as_select())
        .load(c)?;
    let mut filled = 0;
    for row in pending {
        let id = row.id;
        let key = row.into_domain()?.search_key();
        if key.is_empty() {
            continue;
        }
        diesel::update(users::table.filter(users::id.eq(id)))
            .set(users::search_key.eq(key))
            .execute(c)?;
        filled += 1;
    }
    Ok(filled)
}

#[async_trait]
impl UserRepository for Store {
    async fn insert(
        &self,
        user: &User,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<(), RepoError> {
        let row = UserRow::new(user, password_hash);
        let audit = audit.to_vec();
        self.write(move |c| {
            check_email_namespace(c, row.id, &row.email_key)?;
            check_username_namespace(c, row.id, &row.username_key)?;
            diesel::insert_into(users::table).values(&row).execute(c)?;
            append_audit(c, &audit)?;
            Ok(())
        })
        .await
    }

    async fn get(&self, id: UserId) -> Result<User, RepoError> {
        self.read(move |c| {
            users::table
                .filter(users::id.eq(DbId::from(id)))
                .select(UserRow::as_select())
                .get_result(c)?
                .into_domain()
        })
        .await
    }

    async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<DbId> = ids.iter().copied().map(DbId::from).collect();
        self.read(move |c| {
            let mut users = Vec::with_capacity(ids.len());
            // Bounded IN lists: both databases limit the number of bound parameters.
            for chunk in ids.chunks(MAX_IN_LIST) {
                let rows: Vec<UserRow> = users::table
                    .filter(users::id.eq_any(chunk))
                    .select(UserRow::as_select())
                    .load(c)?;
                for row in rows {
                    users.push(row.into_domain()?);
                }
            }
            Ok(users)
        })
        .await
    }

    async fn find_credentials(
        &self,
        login: &LoginName,
    ) -> Result<Option<(User, String)>, RepoError> {
        let (key, by_email) = match login {
            LoginName::Email(e) => (e.key(), true),
            LoginName::Username(u) => (u.key(), false),
        };
        self.read(move |c| {
            let rows: Vec<UserRow> = users::table
                .filter(
                    users::username_key
                        .eq(key.clone())
                        .or(users::email_key.eq(key.clone())),
                )
                .select(UserRow::as_select())
                .load(c)?;
            // A login that is one user's email and another's username: the kind of login wins.
            let preferred = rows
                .iter()
                .position(|r| {
                    if by_email {
                        r.email_key == key
                    } else {
                        r.username_key == key
                    }
                })
                .unwrap_or(0);
            let Some(row) = rows.into_iter().nth(preferred) else {
                return Ok(None);
            };
            let hash = row.password_hash.clone();
            Ok(Some((row.into_domain()?, hash)))
        })
        .await
    }

    async fn password_hash(&self, id: UserId) -> Result<String, RepoError> {
        self.read(move |c| {
            Ok(users::table
                .filter(users::id.eq(DbId::from(id)))
                .select(users::password_hash)
                .get_result(c)?)
        })
        .await
    }

    async fn update_profile(&self, user: &User) -> Result<(), RepoError> {
        let row = UserRow::new(user, "");
        let id = user.id;
        self.write(move |c| {
            check_email_namespace(c, row.id, &row.email_key)?;
            let n = diesel::update(users::table.filter(users::id.eq(&row.id)))
                .set((
                    users::email.eq(&row.email),
                    users::email_key.eq(&row.email_key),
                    users::first_name.eq(&row.first_name),
                    users::last_name.eq(&row.last_name),
                    users::search_key.eq(&row.search_key),
                ))
                .execute(c)?;
            must_touch(n)?;
            outbox::notify_user(c, id)
        })
        .await
    }

    async fn rename(
        &self,
        id: UserId,
        username: &Username,
        audit: &[AuditEntry],
    ) -> Result<User, RepoError> {
        let (name, key, skeleton) = (
            username.as_str().to_owned(),
            username.key(),
            username.skeleton(),
        );
        let audit = audit.to_vec();
        self.write(move |c| {
            check_username_namespace(c, DbId::from(id), &key)?;
            // No row: diesel's `NotFound`, translated to `RepoError::NotFound`.
            let stored: UserRow = diesel::update(users::table.filter(users::id.eq(DbId::from(id))))
                .set((
                    users::username.eq(name),
                    users::username_key.eq(key),
                    users::username_skeleton.eq(Some(skeleton)),
                ))
                .returning(UserRow::as_returning())
                .get_result(c)?;
            let user = stored.into_domain()?;
            diesel::update(users::table.filter(users::id.eq(DbId::from(id))))
                .set(users::search_key.eq(user.search_key()))
                .execute(c)?;
            append_audit(c, &audit)?;
            outbox::notify_user(c, id)?;
            Ok(user)
        })
        .await
    }

    async fn update_access(
        &self,
        id: UserId,
        change: &AccessChange,
        audit: &[AuditEntry],
    ) -> Result<AccessOutcome, RepoError> {
        let change = *change;
        let audit = audit.to_vec();
        let watch = self.watch_users();
        let out = self
            .write(move |c| {
                let out = update_access(c, id, change, &audit)?;
                if matches!(out, AccessOutcome::Updated(_)) {
                    outbox::notify_user(c, id)?;
                }
                Ok(out)
            })
            .await?;
        if matches!(out, AccessOutcome::Updated(_)) {
            self.relayed(id, watch).await;
        }
        Ok(out)
    }

    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &[AuditEntry],
    ) -> Result<i64, RepoError> {
        let hash = password_hash.to_owned();
        let audit = audit.to_vec();
        let watch = self.watch_users();
        let epoch = self
            .write(move |c| {
                // No row: diesel's `NotFound`, translated to `RepoError::NotFound`.
                let epoch = diesel::update(users::table.filter(users::id.eq(DbId::from(id))))
                    .set((
                        users::password_hash.eq(hash),
                        users::token_epoch.eq(users::token_epoch + 1),
                        users::must_change_password.eq(false),
                    ))
                    .returning(users::token_epoch)
                    .get_result(c)?;
                delete_tokens_of(c, DbId::from(id))?;
                append_audit(c, &audit)?;
                outbox::notify_user(c, id)?;
                Ok(epoch)
            })
            .await?;
        self.relayed(id, watch).await;
        Ok(epoch)
    }

    async fn record_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        self.write_unflushed(move |c| {
            let n = diesel::update(users::table.filter(users::id.eq(DbId::from(id))))
                .set(users::last_login.eq(Some(DbTime::from(at))))
                .execute(c)?;
            must_touch(n)
        })
        .await
    }

    async fn list(&self, query: &UserQuery) -> Result<Page<User>, RepoError> {
        let q = query.clone();
        self.snapshot(move |c| list(c, &q)).await
    }

    fn user_changes(&self) -> Option<tokio::sync::broadcast::Receiver<UserChange>> {
        self.user_feed()
    }
}
