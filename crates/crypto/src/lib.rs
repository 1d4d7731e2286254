//! # ticketing-crypto
//!
//! The cryptographic adapters of the ticketing helpdesk:
//!
//! - [`Argon2Hasher`]: the [`PasswordHasher`](ticketing_app::ports::PasswordHasher) port with
//!   argon2id (OWASP parameters by default), run on the blocking pool with bounded concurrency.
//! - [`JwtTokens`]: the [`TokenService`](ticketing_app::ports::TokenService) port: HS256 access
//!   tokens, random refresh tokens and API tokens (both stored as SHA-256 hex) and HMAC-signed
//!   download links.
//! - [`generate_secret`]: a fresh random signing secret for a new installation.
//!
//! Secrets and passwords never appear in `Debug` output or logs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod download;
mod memory;
mod password;
mod tokens;
mod workers;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

pub use password::{Argon2Hasher, Argon2Params, HasherConfig};
pub use tokens::{JwtTokens, LEEWAY_SECS};

/// A configuration value of this crate was refused at construction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoConfigError {
    /// The token secret is too short to be safe.
    #[error("the token secret must be at least {min} bytes long (got {actual})")]
    SecretTooShort {
        /// The minimum length in bytes.
        min: usize,
        /// The length given.
        actual: usize,
    },
    /// The secret could not be used as an HMAC key.
    #[error("the token secret cannot be used as an HMAC key")]
    InvalidSecret,
    /// The access token lifetime is shorter than one second.
    #[error("the access token lifetime must be at least one second")]
    InvalidTtl,
    /// The password hasher configuration is invalid.
    #[error("invalid password hasher configuration: {0}")]
    Hasher(String),
}

/// A new random signing secret: 64 bytes from the operating system's CSPRNG, base64url without
/// padding (86 characters). Write it to the secret file of a new installation and pass its bytes
/// to [`JwtTokens::new`].
pub fn generate_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<64>())
}

/// `N` bytes from a cryptographically secure generator (the thread-local ChaCha generator that
/// `rand` seeds and reseeds from the operating system).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_long_and_distinct() {
        let a = generate_secret();
        let b = generate_secret();
        assert_eq!(a.len(), 86);
        assert_ne!(a, b);
        let decoded = URL_SAFE_NO_PAD.decode(&a).unwrap();
        assert_eq!(decoded.len(), 64);
    }
}
