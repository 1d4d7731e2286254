//! # ticketing-app
#![forbid(unsafe_code)]
pub mod error;
pub mod ports;
pub mod system;
pub use error::{
    AppError, AuthFailure, BlobError, CryptoError, FieldErrors, RepoError, TokenError,
};
