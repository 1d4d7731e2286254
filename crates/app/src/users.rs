//! Profiles and user administration.

use ticketing_domain::listing::{Page, UserQuery};
use ticketing_domain::{Actor, Email, PersonName, Role, User, UserId, policy};

use crate::app::{App, not_found};
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
            self.ports.users.update_profile(&user).await?;
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
        Ok(self.ports.users.list(&query).await?)
    }

    /// Changes a user's role or active flag (admins only). Deactivating ends every session and
    /// access token of the user. The last active admin cannot be demoted or deactivated.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, AppError> {
        policy::manage_users(actor)?;
        self.ports
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
        let user = match self
            .ports
            .users
            .update_access(id, &change)
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
                .sessions
                .revoke_user(user.id, None, self.ports.clock.now())
                .await?;
        }
        Ok(user)
    }
}

/// An account created by an operator (the `ticketing user create` command).
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
    /// Creates an account with any role (operator command; no actor). `Validation` on
    /// `password` for the policy, `Conflict` for a taken username or email.
    pub async fn create_user(&self, input: CreateUserInput) -> Result<User, AppError> {
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
            token_epoch: 0,
            date_joined: self.ports.clock.now(),
            last_login: None,
        };
        self.ports.users.insert(&user, &hash).await?;
        Ok(user)
    }

    /// Finds an account by username or email (operator commands).
    pub async fn find_user(&self, login: &ticketing_domain::LoginName) -> Result<User, AppError> {
        match self.ports.users.find_credentials(login).await? {
            Some((user, _)) => Ok(user),
            None => Err(AppError::NotFound("user")),
        }
    }

    /// Changes a user's role or active flag as the operator (no actor; the last-admin rule and
    /// session revocation still apply).
    pub async fn operator_update_user(
        &self,
        id: UserId,
        update: UserUpdate,
    ) -> Result<User, AppError> {
        let operator = Actor {
            id,
            role: Role::Admin,
        };
        self.update_user(&operator, id, update).await
    }

    /// Sets a user's password as the operator (a forgotten password): the policy applies, every
    /// session and access token of the user ends.
    pub async fn operator_set_password(
        &self,
        id: UserId,
        password: ticketing_domain::Password,
    ) -> Result<(), AppError> {
        let user = self
            .ports
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
        self.ports.users.set_password(id, &hash).await?;
        self.ports
            .sessions
            .revoke_user(id, None, self.ports.clock.now())
            .await?;
        Ok(())
    }

    /// Deletes refresh sessions that expired more than a day ago; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64, AppError> {
        let before = self.ports.clock.now() - chrono::Duration::days(1);
        Ok(self.ports.sessions.purge_expired(before).await?)
    }
}
