//! Signed download links: `base64url(payload).base64url(HMAC-SHA256(payload))`.
//!
//! The payload is binary: a version byte (2), the attachment id (16 bytes), the user id (16
//! bytes), the user's token epoch when the link was issued (8 bytes, big-endian) and the expiry
//! in microseconds since the Unix epoch (8 bytes, big-endian). The epoch ties the link to the
//! sessions of its time: a password change (or deactivation) moves the user's epoch and the
//! link stops working. Version 1 links (without the epoch) are refused. The MAC key is
//! derived from the server secret (`HMAC(secret, "ticketing/download-links/v1")`), so it differs
//! from the key that signs access tokens: neither kind of token verifies as the other.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use ticketing_app::error::TokenError;
use ticketing_domain::{AttachmentId, UserId};
use uuid::Uuid;

use crate::CryptoConfigError;

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 2;
const PAYLOAD_LEN: usize = 1 + 16 + 16 + 8 + 8;
const MAC_LEN: usize = 32;
const KEY_LABEL: &[u8] = b"ticketing/download-links/v1";

/// Signs and verifies download tokens with a key derived from the server secret.
#[derive(Clone)]
pub(crate) struct DownloadSigner {
    /// HMAC-SHA256 keyed with the derived key, cloned for every use.
    mac: HmacSha256,
}

impl std::fmt::Debug for DownloadSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DownloadSigner(<redacted>)")
    }
}

impl DownloadSigner {
    pub(crate) fn new(secret: &[u8]) -> Result<Self, CryptoConfigError> {
        let mut derive =
            HmacSha256::new_from_slice(secret).map_err(|_| CryptoConfigError::InvalidSecret)?;
        derive.update(KEY_LABEL);
        let key = derive.finalize().into_bytes();
        let mac = HmacSha256::new_from_slice(&key).map_err(|_| CryptoConfigError::InvalidSecret)?;
        Ok(Self { mac })
    }

    pub(crate) fn sign(
        &self,
        attachment: AttachmentId,
        user: UserId,
        token_epoch: i64,
        expires_at: DateTime<Utc>,
    ) -> String {
        let mut payload = [0u8; PAYLOAD_LEN];
        payload[0] = VERSION;
        payload[1..17].copy_from_slice(attachment.as_uuid().as_bytes());
        payload[17..33].copy_from_slice(user.as_uuid().as_bytes());
        payload[33..41].copy_from_slice(&token_epoch.to_be_bytes());
        payload[41..].copy_from_slice(&expires_at.timestamp_micros().to_be_bytes());
        let mut mac = self.mac.clone();
        mac.update(&payload);
        let tag = mac.finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub(crate) fn verify(
        &self,
        token: &str,
        attachment: AttachmentId,
        now: DateTime<Utc>,
    ) -> Result<(UserId, i64), TokenError> {
        let (payload_b64, tag_b64) = token.split_once('.').ok_or(TokenError::Invalid)?;
        // Bound the work before decoding: both parts have a fixed length.
        if payload_b64.len() > 72 || tag_b64.len() > 64 {
            return Err(TokenError::Invalid);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| TokenError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag_b64)
            .map_err(|_| TokenError::Invalid)?;
        if payload.len() != PAYLOAD_LEN || tag.len() != MAC_LEN {
            return Err(TokenError::Invalid);
        }
        let mut mac = self.mac.clone();
        mac.update(&payload);
        mac.verify_slice(&tag).map_err(|_| TokenError::Invalid)?;

        if payload[0] != VERSION {
            return Err(TokenError::Invalid);
        }
        let signed_attachment = uuid_at(&payload, 1)?;
        let user = uuid_at(&payload, 17)?;
        let token_epoch = i64_at(&payload, 33)?;
        let expires_micros = i64_at(&payload, 41)?;

        if signed_attachment != attachment.as_uuid() {
            return Err(TokenError::Invalid);
        }
        if now.timestamp_micros() >= expires_micros {
            return Err(TokenError::Expired);
        }
        Ok((UserId::from_uuid(user), token_epoch))
    }
}

fn i64_at(payload: &[u8], start: usize) -> Result<i64, TokenError> {
    payload
        .get(start..start + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(i64::from_be_bytes)
        .ok_or(TokenError::Invalid)
}

fn uuid_at(payload: &[u8], start: usize) -> Result<Uuid, TokenError> {
    payload
        .get(start..start + 16)
        .and_then(|b| Uuid::from_slice(b).ok())
        .ok_or(TokenError::Invalid)
}
