//! Personal access tokens (API tokens): a signed-in user lists, creates and revokes their own;
//! the operator creates one for a user (`ticketing token create`). What a token is and when it
//! is honoured is the domain's (`ticketing_domain::token`); authenticating with one is
//! [`App::authenticate`].

use std::net::IpAddr;

use ticketing_domain::{
    ApiToken, ApiTokenId, Credential, ExpiryDays, MAX_TOKENS_PER_USER, TokenName, TokenScope, User,
    UserId,
};

use crate::app::{App, not_found};
use crate::audit::{AuditAction, AuditActor, AuditSource};
use crate::error::{AppError, RepoError};
use crate::ports::TokenCreated;

/// Who makes a request, and how they proved it: what [`App::authenticate`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The user, as stored now (their current role decides what they may do).
    pub user: User,
    /// A signed-in session or an API token (with its scope).
    pub credential: Credential,
}

impl Authenticated {
    /// A signed-in session of `user`.
    pub fn session(user: User) -> Self {
        Self {
            user,
            credential: Credential::Session,
        }
    }

    /// The acting identity (the user's current role).
    pub fn actor(&self) -> ticketing_domain::Actor {
        self.user.actor()
    }
}

/// A token to create, already parsed at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// Its name (unique among the owner's tokens).
    pub name: TokenName,
    /// What it may be used for.
    pub scope: TokenScope,
    /// Its lifetime; `None`: it never expires.
    pub expires_in: Option<ExpiryDays>,
}

/// A token just created, with its secret: the only time the secret is known.
#[derive(Clone, PartialEq, Eq)]
pub struct CreatedApiToken {
    /// The token as stored.
    pub token: ApiToken,
    /// The secret (`tkt_…`), to show once.
    pub secret: String,
}

impl std::fmt::Debug for CreatedApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl App {
    /// The caller's API tokens, newest first. Only a signed-in session may list them (403 for
    /// a token).
    pub async fn api_tokens(&self, caller: &Authenticated) -> Result<Vec<ApiToken>, AppError> {
        caller.credential.may_manage_credentials()?;
        Ok(self.ports.store.api_tokens.list(caller.user.id).await?)
    }

    /// Creates an API token of the caller (a signed-in session only: 403 for a token), audited
    /// with the caller and `address`. `Conflict` when the caller has a token of this name, or
    /// holds [`MAX_TOKENS_PER_USER`] tokens already.
    pub async fn create_api_token(
        &self,
        caller: &Authenticated,
        input: NewApiToken,
        address: Option<IpAddr>,
    ) -> Result<CreatedApiToken, AppError> {
        caller.credential.may_manage_credentials()?;
        let source = AuditSource {
            actor: AuditActor::of(&caller.user),
            address,
        };
        self.issue_api_token(&source, &caller.user, input).await
    }

    /// Creates an API token for the user `id` as the operator (audited with the actor `cli`).
    /// `NotFound` for an unknown user, `Conflict` for a deactivated one and as for
    /// [`App::create_api_token`].
    pub async fn operator_create_api_token(
        &self,
        id: UserId,
        input: NewApiToken,
    ) -> Result<CreatedApiToken, AppError> {
        let owner = self
            .ports
            .store
            .users
            .get(id)
            .await
            .map_err(|e| not_found(e, "user"))?;
        if !owner.is_active {
            return Err(AppError::Conflict {
                field: None,
                message: format!("{} is deactivated", owner.username),
            });
        }
        self.issue_api_token(&AuditSource::cli(), &owner, input)
            .await
    }

    async fn issue_api_token(
        &self,
        source: &AuditSource,
        owner: &User,
        input: NewApiToken,
    ) -> Result<CreatedApiToken, AppError> {
        let (secret, hash) = self.ports.tokens.new_api_token();
        let token = ApiToken::issue(
            ApiTokenId::from_uuid(self.ports.ids.new_id()),
            owner,
            input.name,
            input.scope,
            input.expires_in,
            self.ports.clock.now(),
        );
        let expiry = match token.expires_at {
            Some(at) => format!("expires {}", at.format("%Y-%m-%d")),
            None => "never expires".to_owned(),
        };
        let details = format!("\"{}\" ({}, {expiry})", token.name, token.scope);
        let audit = self.audit_entry(source, AuditAction::TokenCreated, owner, details);
        match self
            .ports
            .store
            .api_tokens
            .create(&token, &hash, MAX_TOKENS_PER_USER, &[audit])
            .await
        {
            Ok(TokenCreated::Created) => Ok(CreatedApiToken { token, secret }),
            Ok(TokenCreated::LimitReached) => Err(AppError::Conflict {
                field: None,
                message: format!(
                    "at most {MAX_TOKENS_PER_USER} API tokens per user (expired ones count); \
                     delete one first"
                ),
            }),
            Err(RepoError::Conflict { field: "name" }) => Err(AppError::Conflict {
                field: Some("name"),
                message: "you already have an API token with this name".to_owned(),
            }),
            Err(e) => Err(not_found(e, "user")),
        }
    }

    /// Revokes (deletes) the caller's token `id`, audited with the caller and `address`: it
    /// stops working at once. A signed-in session only (403 for a token); `NotFound` when the
    /// caller has no such token (another user's token included).
    pub async fn revoke_api_token(
        &self,
        caller: &Authenticated,
        id: ApiTokenId,
        address: Option<IpAddr>,
    ) -> Result<(), AppError> {
        caller.credential.may_manage_credentials()?;
        let owner = &caller.user;
        let token = self
            .ports
            .store
            .api_tokens
            .get(owner.id, id)
            .await
            .map_err(|e| not_found(e, "API token"))?;
        let source = AuditSource {
            actor: AuditActor::of(owner),
            address,
        };
        let details = format!("\"{}\" ({})", token.name, token.scope);
        let audit = self.audit_entry(&source, AuditAction::TokenRevoked, owner, details);
        self.ports
            .store
            .api_tokens
            .delete(owner.id, id, &[audit])
            .await
            .map_err(|e| not_found(e, "API token"))
    }
}
