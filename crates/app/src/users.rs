//! Profiles and user administration.

use std::net::IpAddr;
use ticketing_domain::listing::{Page, UserQuery};

use ticketing_domain::{Actor, Email, PersonName, Role, User, UserId, Username, policy};

use crate::app::{App, not_found};
use crate::audit::{AuditAction, AuditSource};
use crate::error::AppError;
use crate::ports::{AccessChange, AccessOutcome};

/// Changes to the caller's own profile (absent fields stay as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileUpdate {
    /// New email (must be free).
    pub email: Option<Email>,
    /// New first name.
    pub first_name: Option<PersonName>,
    /// New last name.
    pub last_name: Option<PersonName>,
}

/// An admin's change to a user (absent fields stay as they are).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub is_active: Option<bool>,
}

impl App {
    /// The caller's profile, fresh from the store.
    pub async fn profile(&self, actor: &Actor) -> Result<User, AppError> {
        self.ports
            .store
            .users
            .get(actor.id)
            .await
            .map_err(|e| not_found(e, "user"))
    }

    /// Updates the caller's names and email. `Conflict` (field `email`) when the email is taken.
    pub async fn update_profile(
        &self,
        actor: &Actor,
        update: ProfileUpdate,
    ) -> Result<User, AppError> {
        let mut user = self.profile(actor).await?;
        let before = user.clone();
        if let Some(email) = update.email {
            user.email = email;
        }
        if let Some(first) = update.first_name {
            user.first_name = first;
        }
        if let Some(last) = update.last_name {
            user.last_name = last;
        }
        if user != before || user.email.as_str() != before.email.as_str() {
            self.ports.store.users.update_profile(&user).await?;
        }
        Ok(user)
    }

    /// Lists users (staff only), e.g. agents for the assignment picker.
    pub async fn list_users(
        &self,
        actor: &Actor,
        query: UserQuery,
    ) -> Result<Page<User>, AppError> {
        policy::list_users(actor)?;
        Ok(self.ports.store.users.list(&query).await?)
    }

    /// Changes a user's role or active flag (admins only). Deactivating ends every session and
    /// access token of the user. The last active admin cannot be demoted or deactivated. Each
    /// change is audited (no address: see [`App::update_user_from`]).
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, AppError> {
        self.update_user_from(actor, id, update, None).await
    }

    /// [`App::update_user`] for a request from `address` (recorded in the audit log).
    pub async fn update_user_from(
        &self,
        actor: &Actor,
        id: UserId,
        update: UserUpdate,
        address: Option<IpAddr>,
    ) -> Result<User, AppError> {
        policy::manage_users(actor)?;
        let source = self.audit_source(actor, address).await?;
        self.change_access(&source, id, update).await
    }

    /// Applies an audited role or active-flag change (the policy is the caller's business).
    async fn change_access(
        &self,
        source: &AuditSource,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, AppError> {
        let current = self
            .ports
            .store
            .users
            .get(id)
            .await
            .map_err(|e| not_found(e, "user"))?;
        // Deactivating also ends every access token and session (the store increments the epoch
        // in the same transaction; the last-admin rule is checked there too, race-free). This is
        // done even when the copy read here is already inactive: a concurrent reactivation may
        // have issued tokens since.
        let deactivating = update.is_active == Some(false);
        let change = AccessChange {
            role: update.role,
            is_active: update.is_active,
            revoke_tokens: deactivating,
        };
        // What the change does to the copy read here; the store applies the same change to the
        // row it locks, so a concurrent change may make an entry describe a no-op.
        let mut audit = Vec::new();
        if let Some(role) = update.role.filter(|r| *r != current.role) {
            let details = format!("{} → {}", current.role, role);
            audit.push(self.audit_entry(source, AuditAction::RoleChanged, &current, details));
        }
        match update.is_active {
            Some(false) => audit.push(self.audit_entry(
                source,
                AuditAction::UserDeactivated,
                &current,
                "sessions ended",
            )),
            Some(true) if !current.is_active => {
                audit.push(self.audit_entry(source, AuditAction::UserReactivated, &current, ""))
            }
            _ => {}
        }
        let user = match self
            .ports
            .store
            .users
            .update_access(id, &change, &audit)
            .await
            .map_err(|e| not_found(e, "user"))?
        {
            AccessOutcome::Updated(user) => user,
            AccessOutcome::LastAdmin => {
                return Err(AppError::Conflict {
                    field: None,
                    message: "the last active admin cannot be demoted or deactivated".to_owned(),
                });
            }
        };
        if deactivating {
            self.ports
                .store
                .sessions
                .revoke_user(user.id, None, self.ports.clock.now())
                .await?;
        }
        Ok(user)
    }
}

/// An account created by an operator (the `ticketing user create` command) or an admin.
#[derive(Debug, Clone)]
pub struct CreateUserInput {
    /// Login name.
    pub username: ticketing_domain::Username,
    /// Email.
    pub email: Email,
    /// Password (the policy applies).
    pub password: ticketing_domain::Password,
    /// Role.
    pub role: Role,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
}

impl App {
    /// Creates an account with any role (operator command; audited with the actor `cli`).
    /// `Validation` on `username` (no `@`) and on `password` for the policy, `Conflict` for a
    /// taken or look-alike username or a taken email.
    pub async fn create_user(&self, input: CreateUserInput) -> Result<User, AppError> {
        self.new_account(&AuditSource::cli(), input, false).await
    }

    /// Creates an account as an admin, from a request from `address`: any role, with the
    /// password the admin chose. With `temporary`, the user must change it before anything else
    /// (`must_change_password`; every other call answers `PasswordChangeRequired`). Audited with
    /// the admin as the actor. `Forbidden` for anyone but admins (checked first); then the errors
    /// of [`App::create_user`].
    pub async fn admin_create_user(
        &self,
        actor: &Actor,
        input: CreateUserInput,
        temporary: bool,
        address: Option<IpAddr>,
    ) -> Result<User, AppError> {
        policy::manage_users(actor)?;
        let source = self.audit_source(actor, address).await?;
        self.new_account(&source, input, temporary).await
    }

    /// Stores a new account made by `source` (the policy is the caller's business).
    async fn new_account(
        &self,
        source: &AuditSource,
        input: CreateUserInput,
        temporary: bool,
    ) -> Result<User, AppError> {
        input.username.check_new().map_err(username_error)?;
        let password =
            ticketing_domain::NewPassword::parse(input.password, &input.username, &input.email)
                .map_err(|e| {
                    let mut errors = crate::error::FieldErrors::new();
                    errors.insert(
                        "password".to_owned(),
                        e.0.iter().map(ToString::to_string).collect(),
                    );
                    AppError::Validation(errors)
                })?;
        let hash = self.ports.hasher.hash(password.password()).await?;
        let user = User {
            id: UserId::from_uuid(self.ports.ids.new_id()),
            username: input.username,
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            role: input.role,
            is_active: true,
            must_change_password: temporary,
            token_epoch: 0,
            date_joined: self.ports.clock.now(),
            last_login: None,
        };
        let role = user.role;
        let details = if temporary {
            format!("role {role}, temporary password")
        } else {
            format!("role {role}")
        };
        let audit = self.audit_entry(source, AuditAction::UserCreated, &user, details);
        self.ports
            .store
            .users
            .insert(&user, &hash, &[audit])
            .await?;
        Ok(user)
    }

    /// Renames a user as the operator (audited with the actor `cli`): the new username follows
    /// the rules of new usernames (no `@`, not a look-alike of another); the old one may be
    /// anything stored. `Validation` on `username`, `Conflict` for a taken or look-alike name.
    pub async fn operator_rename_user(
        &self,
        id: UserId,
        username: Username,
    ) -> Result<User, AppError> {
        username.check_new().map_err(username_error)?;
        let current = self
            .ports
            .store
            .users
            .get(id)
            .await
            .map_err(|e| not_found(e, "user"))?;
        let audit = self.audit_entry(
            &AuditSource::cli(),
            AuditAction::UserRenamed,
            &current,
            format!("{} → {}", current.username, username),
        );
        self.ports
            .store
            .users
            .rename(id, &username, &[audit])
            .await
            .map_err(|e| not_found(e, "user"))
    }

    /// Finds an account by username or email (operator commands).
    pub async fn find_user(&self, login: &ticketing_domain::LoginName) -> Result<User, AppError> {
        match self.ports.store.users.find_credentials(login).await? {
            Some((user, _)) => Ok(user),
            None => Err(AppError::NotFound("user")),
        }
    }

    /// Changes a user's role or active flag as the operator (audited with the actor `cli`; the
    /// last-admin rule and session revocation still apply).
    pub async fn operator_update_user(
        &self,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, AppError> {
        self.change_access(&AuditSource::cli(), id, update).await
    }

    /// Sets a user's password as the operator (a forgotten password): the policy applies, every
    /// session and access token of the user ends. Audited with the actor `cli` (never the
    /// password).
    pub async fn operator_set_password(
        &self,
        id: UserId,
        password: ticketing_domain::Password,
    ) -> Result<(), AppError> {
        let user = self
            .ports
            .store
            .users
            .get(id)
            .await
            .map_err(|e| not_found(e, "user"))?;
        let password = ticketing_domain::NewPassword::parse(password, &user.username, &user.email)
            .map_err(|e| {
                let mut errors = crate::error::FieldErrors::new();
                errors.insert(
                    "password".to_owned(),
                    e.0.iter().map(ToString::to_string).collect(),
                );
                AppError::Validation(errors)
            })?;
        let hash = self.ports.hasher.hash(password.password()).await?;
        let audit = self.audit_entry(
            &AuditSource::cli(),
            AuditAction::PasswordReset,
            &user,
            "sessions ended",
        );
        self.ports
            .store
            .users
            .set_password(id, &hash, &[audit])
            .await?;
        self.ports
            .store
            .sessions
            .revoke_user(id, None, self.ports.clock.now())
            .await?;
        Ok(())
    }

    /// Deletes refresh sessions that expired more than a day ago; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64, AppError> {
        let before = self.ports.clock.now() - chrono::Duration::days(1);
        Ok(self.ports.store.sessions.purge_expired(before).await?)
    }
}

/// A refused new username, on the field `username`.
pub(crate) fn username_error(e: ticketing_domain::ValueError) -> AppError {
    let mut errors = crate::error::FieldErrors::new();
    errors.insert("username".to_owned(), vec![e.problem().to_string()]);
    AppError::Validation(errors)
}
