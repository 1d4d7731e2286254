//! Access tokens (JWT, HS256), refresh tokens and download links.

use std::str::FromStr;

use anyhow::anyhow;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ticketing_app::API_TOKEN_PREFIX;
use ticketing_app::error::{CryptoError, TokenError};
use ticketing_app::ports::{AccessClaims, IssuedToken, TokenService};
use ticketing_domain::{AttachmentId, Role, User, UserId};
use uuid::Uuid;

use crate::download::DownloadSigner;
use crate::{CryptoConfigError, random_bytes};

/// The value of the `typ` claim of access tokens.
const ACCESS_TYP: &str = "access";

/// Tolerance for `nbf` and `iat` in the future, in seconds: absorbs a small clock difference
/// between server instances (or a clock step) right after issuing. `exp` has no leeway: a token
/// is expired from its `exp` second on.
pub const LEEWAY_SECS: i64 = 5;

/// Tokens longer than this are refused before any parsing (a real one is about 400 bytes).
const MAX_TOKEN_BYTES: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    role: String,
    exp: i64,
    iat: i64,
    nbf: i64,
    jti: Uuid,
    ep: i64,
    typ: String,
}

/// The [`TokenService`]: HS256 access tokens, random refresh tokens, HMAC-signed download links.
///
/// Access tokens carry `sub` (user id), `role`, `exp`, `iat`, `nbf`, `jti` (UUID v4), `ep` (the
/// user's token epoch) and `typ: "access"`. Verification accepts HS256 only (never `none`, other
/// HMAC sizes or asymmetric algorithms) and checks `nbf`, `iat` (with [`LEEWAY_SECS`] of
/// tolerance) and `exp` (strictly) against the `now` it is given, never the system clock. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct JwtTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    downloads: DownloadSigner,
    access_ttl: Duration,
}

impl std::fmt::Debug for JwtTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtTokens")
            .field("secret", &"<redacted>")
            .field("access_ttl", &self.access_ttl)
            .finish()
    }
}

impl JwtTokens {
    /// The shortest secret accepted, in bytes.
    pub const MIN_SECRET_BYTES: usize = 32;

    /// A token service signing with `secret` (at least [`Self::MIN_SECRET_BYTES`] bytes) whose
    /// access tokens live `access_ttl` (at least one second).
    pub fn new(secret: &[u8], access_ttl: Duration) -> Result<Self, CryptoConfigError> {
        if secret.len() < Self::MIN_SECRET_BYTES {
            return Err(CryptoConfigError::SecretTooShort {
                min: Self::MIN_SECRET_BYTES,
                actual: secret.len(),
            });
        }
        if access_ttl < Duration::seconds(1) {
            return Err(CryptoConfigError::InvalidTtl);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        // Time is checked against the `now` passed in, not the system clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            downloads: DownloadSigner::new(secret)?,
            access_ttl,
        })
    }

    /// The configured access token lifetime.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }
}

/// A fresh secret of 256 random bits (base64url, after `prefix`) and its [`secret_hash`]: what
/// refresh tokens and API tokens are.
fn random_secret(prefix: &str) -> (String, String) {
    let token = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()));
    let hash = secret_hash(&token);
    (token, hash)
}

/// How a random secret is stored: SHA-256, lower-case hex. 256 random bits leave nothing to
/// guess, so a fast hash is enough (no salt, no key stretching).
fn secret_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl TokenService for JwtTokens {
    fn issue_access(&self, user: &User, now: DateTime<Utc>) -> Result<IssuedToken, CryptoError> {
        let iat = now.timestamp();
        let exp = iat
            .checked_add(self.access_ttl.num_seconds())
            .ok_or_else(|| CryptoError::Unexpected(anyhow!("token expiry overflows")))?;
        let expires_at = DateTime::from_timestamp(exp, 0)
            .ok_or_else(|| CryptoError::Unexpected(anyhow!("token expiry out of range")))?;
        let claims = Claims {
            sub: user.id.as_uuid(),
            role: user.role.as_str().to_owned(),
            exp,
            iat,
            nbf: iat,
            jti: Uuid::new_v4(),
            ep: user.token_epoch,
            typ: ACCESS_TYP.to_owned(),
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
                .map_err(|e| CryptoError::Unexpected(anyhow!("signing the access token: {e}")))?;
        Ok(IssuedToken { token, expires_at })
    }

    fn verify_access(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Invalid);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let claims = data.claims;
        if claims.typ != ACCESS_TYP {
            return Err(TokenError::Invalid);
        }
        let role = Role::from_str(&claims.role).map_err(|_| TokenError::Invalid)?;
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(TokenError::Invalid)?;
        let now = now.timestamp();
        let latest_start = now.saturating_add(LEEWAY_SECS);
        if claims.nbf > latest_start || claims.iat > latest_start {
            return Err(TokenError::Invalid);
        }
        // Checked last: `Expired` only for a token that is valid in every other way.
        if now >= claims.exp {
            return Err(TokenError::Expired);
        }
        Ok(AccessClaims {
            user_id: UserId::from_uuid(claims.sub),
            role,
            token_epoch: claims.ep,
            jti: claims.jti,
            expires_at,
        })
    }

    fn new_refresh_token(&self) -> (String, String) {
        random_secret("")
    }

    fn hash_refresh_token(&self, token: &str) -> String {
        secret_hash(token)
    }

    fn new_api_token(&self) -> (String, String) {
        random_secret(API_TOKEN_PREFIX)
    }

    fn hash_api_token(&self, token: &str) -> String {
        secret_hash(token)
    }

    fn sign_download(
        &self,
        attachment: AttachmentId,
        user: UserId,
        token_epoch: i64,
        expires_at: DateTime<Utc>,
    ) -> String {
        self.downloads
            .sign(attachment, user, token_epoch, expires_at)
    }

    fn verify_download(
        &self,
        token: &str,
        attachment: AttachmentId,
        now: DateTime<Utc>,
    ) -> Result<(UserId, i64), TokenError> {
        self.downloads.verify(token, attachment, now)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn short_secret_and_bad_ttl_are_refused() {
        assert!(matches!(
            JwtTokens::new(&[7u8; 31], Duration::minutes(15)),
            Err(CryptoConfigError::SecretTooShort {
                min: 32,
                actual: 31
            })
        ));
        assert!(matches!(
            JwtTokens::new(&[7u8; 32], Duration::milliseconds(500)),
            Err(CryptoConfigError::InvalidTtl)
        ));
        assert!(JwtTokens::new(&[7u8; 32], Duration::minutes(15)).is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret = b"super-secret-value-that-must-not-leak!!";
        let tokens = JwtTokens::new(secret, Duration::minutes(15)).unwrap();
        let shown = format!("{tokens:?}");
        assert!(!shown.contains("super-secret"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn api_tokens_are_prefixed_random_and_stored_as_sha256() {
        let tokens = JwtTokens::new(&[1u8; 32], Duration::minutes(15)).unwrap();
        let (a, hash_a) = tokens.new_api_token();
        let (b, _) = tokens.new_api_token();
        assert_ne!(a, b);
        let body = a.strip_prefix("tkt_").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
        assert_eq!(hash_a, hex::encode(Sha256::digest(a.as_bytes())));
        assert_eq!(tokens.hash_api_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(body));
    }

    #[test]
    fn refresh_hash_is_sha256_hex() {
        let tokens = JwtTokens::new(&[1u8; 32], Duration::minutes(15)).unwrap();
        assert_eq!(
            tokens.hash_refresh_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
