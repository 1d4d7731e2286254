//! Registration, login, refresh-token rotation, logout and access-token checks.

use chrono::{DateTime, Utc};
use ticketing_domain::{
    Access, Email, FamilyId, LoginName, NewPassword, Password, PersonName, Role, SessionId,
    TokenRejection, User, UserId, Username,
};

use crate::api_tokens::Authenticated;
use crate::app::App;
use crate::error::{AppError, AuthFailure, RepoError, TokenError};
use crate::ports::{IssuedToken, RefreshSession};

/// A signed-in session: the user, an access token and the refresh token for the cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    /// The user.
    pub user: User,
    /// The access token.
    pub access: IssuedToken,
    /// The refresh token (only ever sent in the HttpOnly cookie).
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_expires_at: DateTime<Utc>,
}

/// A registration, already parsed at the edge.
#[derive(Debug, Clone)]
pub struct RegisterInput {
    /// The email address.
    pub email: Email,
    /// The username; derived from the email when absent.
    pub username: Option<Username>,
    /// The password (the policy is checked here, against the final username and email).
    pub password: Password,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
}

/// A login attempt.
#[derive(Debug, Clone)]
pub struct LoginInput {
    /// Username or email.
    pub login: LoginName,
    /// The password.
    pub password: Password,
}

const DERIVED_USERNAME_ATTEMPTS: u32 = 6;

/// What every API token starts with (and no access token, a JWT, does).
pub const API_TOKEN_PREFIX: &str = "tkt_";

/// API tokens longer than this are refused before they are hashed (a real one is 47 bytes).
const MAX_API_TOKEN_BYTES: usize = 256;

impl App {
    /// Registers a customer and signs them in.
    ///
    /// Errors: `Validation` (password policy, on `password`; a username with `@`, on
    /// `username`), `Conflict` (email or an explicitly chosen username taken, or a look-alike
    /// of another username), `Unavailable`.
    pub async fn register(&self, input: RegisterInput) -> Result<AuthSession, AppError> {
        let explicit = input.username.is_some();
        if let Some(name) = &input.username {
            name.check_new().map_err(crate::users::username_error)?;
        }
        let base = input
            .username
            .unwrap_or_else(|| Username::derive_from_email(&input.email));
        let new_password = NewPassword::parse(input.password, &base, &input.email)
            .map_err(|e| AppError::Validation(password_errors("password", &e)))?;
        let hash = self.ports.hasher.hash(new_password.password()).await?;
        let now = self.ports.clock.now();
        let mut user = User {
            id: UserId::from_uuid(self.ports.ids.new_id()),
            username: base.clone(),
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            role: Role::Customer,
            is_active: true,
            must_change_password: false,
            token_epoch: 0,
            date_joined: now,
            last_login: Some(now),
        };
        let mut attempt = 0;
        loop {
            match self.ports.store.users.insert(&user, &hash, &[]).await {
                Ok(()) => break,
                Err(RepoError::Conflict {
                    field: "username" | "username_skeleton",
                }) if !explicit && attempt < DERIVED_USERNAME_ATTEMPTS => {
                    attempt += 1;
                    let n = (self.ports.ids.new_id().as_u128() % 9000 + 1000) as u32;
                    user.username = base.with_suffix(n);
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.start_session(user, None).await
    }

    /// Checks credentials and signs the user in. Unknown user, wrong password and deactivated
    /// account all give the same `Unauthenticated(InvalidCredentials)`, in the same time.
    pub async fn login(&self, input: LoginInput) -> Result<AuthSession, AppError> {
        let found = self
            .ports
            .store
            .users
            .find_credentials(&input.login)
            .await?;
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let ok = self.ports.hasher.verify(&input.password, hash).await?;
        let user = match user {
            Some(u) if ok && u.is_active => u,
            _ => return Err(AppError::Unauthenticated(AuthFailure::InvalidCredentials)),
        };
        let now = self.ports.clock.now();
        self.ports.store.users.record_login(user.id, now).await?;
        let user = User {
            last_login: Some(now),
            ..user
        };
        self.start_session(user, None).await
    }

    /// Starts a refresh-token family (or continues `family`) and issues an access token.
    pub(crate) async fn start_session(
        &self,
        user: User,
        family: Option<FamilyId>,
    ) -> Result<AuthSession, AppError> {
        let now = self.ports.clock.now();
        let (token, token_hash) = self.ports.tokens.new_refresh_token();
        let session = RefreshSession {
            id: SessionId::from_uuid(self.ports.ids.new_id()),
            family: family.unwrap_or_else(|| FamilyId::from_uuid(self.ports.ids.new_id())),
            user_id: user.id,
            token_hash,
            created_at: now,
            expires_at: now + self.settings.refresh_ttl,
            rotated_at: None,
            revoked_at: None,
        };
        self.ports.store.sessions.create(&session).await?;
        let access = self.ports.tokens.issue_access(&user, now)?;
        Ok(AuthSession {
            user,
            access,
            refresh_token: token,
            refresh_expires_at: session.expires_at,
        })
    }

    /// Exchanges a refresh token for a new access token and a new refresh token (rotation).
    ///
    /// A token that was already rotated away is treated as stolen: its whole family is revoked
    /// and the answer is `Unauthenticated(RefreshReused)`. Expired, revoked or unknown tokens and
    /// deactivated users are `Unauthenticated(TokenInvalid)`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<AuthSession, AppError> {
        let invalid = AppError::Unauthenticated(AuthFailure::TokenInvalid);
        let hash = self.ports.tokens.hash_refresh_token(refresh_token);
        let Some(old) = self.ports.store.sessions.find_by_hash(&hash).await? else {
            return Err(invalid);
        };
        let now = self.ports.clock.now();
        if old.revoked_at.is_some() {
            return Err(invalid);
        }
        if old.rotated_at.is_some() {
            self.ports
                .store
                .sessions
                .revoke_family(old.family, now)
                .await?;
            tracing::warn!(family = %old.family, user = %old.user_id, "refresh token reused: family revoked");
            return Err(AppError::Unauthenticated(AuthFailure::RefreshReused));
        }
        if old.expires_at <= now {
            return Err(invalid);
        }
        let user = match self.ports.store.users.get(old.user_id).await {
            Ok(u) if u.is_active => u,
            Ok(_) | Err(RepoError::NotFound) => {
                self.ports
                    .store
                    .sessions
                    .revoke_family(old.family, now)
                    .await?;
                return Err(invalid);
            }
            Err(e) => return Err(e.into()),
        };
        let (token, token_hash) = self.ports.tokens.new_refresh_token();
        let new = RefreshSession {
            id: SessionId::from_uuid(self.ports.ids.new_id()),
            family: old.family,
            user_id: user.id,
            token_hash,
            created_at: now,
            expires_at: now + self.settings.refresh_ttl,
            rotated_at: None,
            revoked_at: None,
        };
        match self.ports.store.sessions.rotate(old.id, &new, now).await {
            Ok(()) => {}
            Err(RepoError::Stale) => {
                self.ports
                    .store
                    .sessions
                    .revoke_family(old.family, now)
                    .await?;
                return Err(AppError::Unauthenticated(AuthFailure::RefreshReused));
            }
            Err(e) => return Err(e.into()),
        }
        let access = self.ports.tokens.issue_access(&user, now)?;
        Ok(AuthSession {
            user,
            access,
            refresh_token: token,
            refresh_expires_at: new.expires_at,
        })
    }

    /// Ends the session of a refresh token (its whole family). Unknown or dead tokens are fine.
    pub async fn logout(&self, refresh_token: Option<&str>) -> Result<(), AppError> {
        let Some(token) = refresh_token else {
            return Ok(());
        };
        let hash = self.ports.tokens.hash_refresh_token(token);
        if let Some(session) = self.ports.store.sessions.find_by_hash(&hash).await? {
            if session.revoked_at.is_none() {
                self.ports
                    .store
                    .sessions
                    .revoke_family(session.family, self.ports.clock.now())
                    .await?;
            }
        }
        Ok(())
    }

    /// Who a bearer token stands for, if it is valid and still honoured for a request of kind
    /// `access`: an access token (JWT) of a signed-in session, or an API token (`tkt_…`).
    ///
    /// An access token is honoured while its user exists, is active and has not changed
    /// password (or been deactivated, or signed out everywhere) since it was issued. An API
    /// token is honoured while it exists (not revoked), has not expired, and its owner is
    /// active with the role and token epoch it was created with (`ApiToken::check`); a `read`
    /// token only for `Access::Read` (403 otherwise). A use of an API token is recorded in
    /// `last_used_at` at most once a minute. The returned user carries the current role.
    pub async fn authenticate(
        &self,
        bearer: &str,
        access: Access,
    ) -> Result<Authenticated, AppError> {
        if bearer.starts_with(API_TOKEN_PREFIX) {
            return self.authenticate_api_token(bearer, access).await;
        }
        let now = self.ports.clock.now();
        let claims = self
            .ports
            .tokens
            .verify_access(bearer, now)
            .map_err(|e| match e {
                TokenError::Expired => AppError::Unauthenticated(AuthFailure::TokenExpired),
                TokenError::Invalid => AppError::Unauthenticated(AuthFailure::TokenInvalid),
            })?;
        let user = match self.ports.store.users.get(claims.user_id).await {
            Ok(u) => u,
            Err(RepoError::NotFound) => {
                return Err(AppError::Unauthenticated(AuthFailure::TokenInvalid));
            }
            Err(e) => return Err(e.into()),
        };
        if !user.is_active || user.token_epoch != claims.token_epoch {
            return Err(AppError::Unauthenticated(AuthFailure::TokenInvalid));
        }
        Ok(Authenticated::session(user))
    }

    async fn authenticate_api_token(
        &self,
        secret: &str,
        access: Access,
    ) -> Result<Authenticated, AppError> {
        let invalid = AppError::Unauthenticated(AuthFailure::TokenInvalid);
        if secret.len() > MAX_API_TOKEN_BYTES {
            return Err(invalid);
        }
        let hash = self.ports.tokens.hash_api_token(secret);
        let Some(token) = self.ports.store.api_tokens.find_by_hash(&hash).await? else {
            return Err(invalid);
        };
        let user = match self.ports.store.users.get(token.user_id).await {
            Ok(u) => u,
            Err(RepoError::NotFound) => return Err(invalid),
            Err(e) => return Err(e.into()),
        };
        let now = self.ports.clock.now();
        match token.check(&user, now) {
            Ok(()) => {}
            Err(TokenRejection::Expired) => {
                return Err(AppError::Unauthenticated(AuthFailure::ApiTokenExpired));
            }
            Err(why) => {
                tracing::info!(token = %token.id, user = %user.id, reason = %why, "API token refused");
                return Err(invalid);
            }
        }
        let credential = token.credential();
        credential.permits(access)?;
        if token.needs_touch(now) {
            // Bookkeeping: a failure to record the use does not fail the request.
            if let Err(e) = self.ports.store.api_tokens.touch(token.id, now).await {
                tracing::warn!(token = %token.id, error = %e, "cannot record the use of an API token");
            }
        }
        Ok(Authenticated { user, credential })
    }

    /// Changes the caller's password: checks the old one, applies the policy, revokes every
    /// session, every access token issued before and every API token, and starts a fresh
    /// session for the caller. A temporary password (`must_change_password`) stops being one.
    ///
    /// Errors: `Domain` (403) for a caller authenticated with an API token, `Validation` on
    /// `old_password` (wrong) or `new_password` (policy), `Unavailable`.
    pub async fn change_password(
        &self,
        caller: &Authenticated,
        old_password: Password,
        new_password: Password,
    ) -> Result<AuthSession, AppError> {
        caller.credential.may_manage_credentials()?;
        let user = &caller.user;
        let hash = self.ports.store.users.password_hash(user.id).await?;
        if !self
            .ports
            .hasher
            .verify_signed_in(&old_password, hash)
            .await?
        {
            return Err(AppError::field(
                "old_password",
                "is not your current password",
            ));
        }
        if old_password == new_password {
            return Err(AppError::field(
                "new_password",
                "must differ from the current password",
            ));
        }
        let new = NewPassword::parse(new_password, &user.username, &user.email)
            .map_err(|e| AppError::Validation(password_errors("new_password", &e)))?;
        let new_hash = self.ports.hasher.hash(new.password()).await?;
        let epoch = self
            .ports
            .store
            .users
            .set_password(user.id, &new_hash, &[])
            .await?;
        self.ports
            .store
            .sessions
            .revoke_user(user.id, None, self.ports.clock.now())
            .await?;
        let user = User {
            token_epoch: epoch,
            must_change_password: false,
            ..user.clone()
        };
        self.start_session(user, None).await
    }

    /// Ends every session of a user: their access tokens (the token epoch moves) and refresh
    /// sessions. For a signed-in caller who guessed their own password too often.
    pub async fn end_sessions(&self, id: UserId) -> Result<(), AppError> {
        let change = crate::ports::AccessChange {
            role: None,
            is_active: None,
            revoke_tokens: true,
        };
        // Not an administrator's act: nothing for the audit log.
        self.ports
            .store
            .users
            .update_access(id, &change, &[])
            .await?;
        self.ports
            .store
            .sessions
            .revoke_user(id, None, self.ports.clock.now())
            .await?;
        Ok(())
    }
}

fn password_errors(field: &str, e: &ticketing_domain::PasswordError) -> crate::error::FieldErrors {
    let mut errors = crate::error::FieldErrors::new();
    errors.insert(
        field.to_owned(),
        e.0.iter().map(ToString::to_string).collect(),
    );
    errors
}
