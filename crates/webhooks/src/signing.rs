//! Standard Webhooks signatures (<https://www.standardwebhooks.com/>), symmetric `v1` scheme.
//!
//! A secret is `whsec_` followed by the standard base64 of 24 to 64 random bytes. A message is
//! signed with HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the decoded
//! secret bytes, and sent as `v1,<base64 of the MAC>`. During a secret rotation the
//! `webhook-signature` header lists one signature per secret, separated by spaces.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";
const VERSION: &str = "v1,";
const MIN_KEY_BYTES: usize = 24;
const MAX_KEY_BYTES: usize = 64;
/// Bytes of a freshly generated secret.
const GENERATED_KEY_BYTES: usize = 32;
/// How far a `webhook-timestamp` may be from the verifier's clock (the specification's default).
pub const TIMESTAMP_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// A webhook signing secret, `whsec_<base64>`. Its `Debug` output hides the key.
#[derive(Clone)]
pub struct Secret {
    text: String,
    /// HMAC-SHA256 keyed with the decoded bytes, cloned for each signature.
    keyed: HmacSha256,
}

/// Why a text is not a webhook secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The text does not start with `whsec_`.
    #[error("a webhook secret starts with `whsec_`")]
    MissingPrefix,
    /// The part after the prefix is not standard base64.
    #[error("a webhook secret is `whsec_` followed by standard base64")]
    NotBase64,
    /// The decoded key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret holds 24 to 64 bytes, this one holds {0}")]
    BadLength(usize),
}

impl Secret {
    /// A new random secret of 32 bytes (from the operating system's CSPRNG via `rand`).
    #[must_use]
    pub fn generate() -> Self {
        let mut key = [0_u8; GENERATED_KEY_BYTES];
        rand::rng().fill_bytes(&mut key);
        let text = format!("{PREFIX}{}", STANDARD.encode(key));
        // Valid by construction: 32 bytes of standard base64 behind the prefix.
        Self::parse(&text).unwrap_or_else(|_| unreachable!("a generated secret parses"))
    }

    /// Parses `whsec_<base64>` (padded or not) holding 24 to 64 bytes.
    ///
    /// # Errors
    /// [`SecretError`] says which rule the text breaks.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .or_else(|_| STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| SecretError::NotBase64)?;
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&key.len()) {
            return Err(SecretError::BadLength(key.len()));
        }
        let keyed =
            HmacSha256::new_from_slice(&key).map_err(|_| SecretError::BadLength(key.len()))?;
        Ok(Self {
            text: text.to_owned(),
            keyed,
        })
    }

    /// The full `whsec_...` text: to show once to the admin and to store. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The `v1,<base64>` signature of `message` with this secret.
    #[must_use]
    pub fn sign(&self, message: &Message<'_>) -> String {
        let mac = self.mac(message.id, message.timestamp.timestamp(), message.body);
        format!("{VERSION}{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Checks received headers and body as a receiver would: the timestamp must be within
    /// [`TIMESTAMP_TOLERANCE`] of `now`, and one of the `v1` signatures must match this secret
    /// (compared in constant time).
    ///
    /// ```
    /// use ticketing_webhooks::{Message, Secret, SignedHeaders};
    /// let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    /// let now = chrono::Utc::now();
    /// let body = br#"{"type":"ticket.created"}"#;
    /// let headers = Message { id: "evt_1", timestamp: now, body }.headers(&secret, None);
    /// assert!(secret.verify(&headers, body, now).is_ok());
    /// assert!(secret.verify(&headers, b"{}", now).is_err());
    /// ```
    ///
    /// # Errors
    /// [`VerifyError`] says what did not match.
    pub fn verify(
        &self,
        headers: &SignedHeaders,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), VerifyError> {
        let seconds: i64 = headers
            .timestamp
            .trim()
            .parse()
            .map_err(|_| VerifyError::BadTimestamp)?;
        let sent = DateTime::from_timestamp(seconds, 0).ok_or(VerifyError::BadTimestamp)?;
        if (now - sent).abs() > TIMESTAMP_TOLERANCE {
            return Err(VerifyError::OutsideTolerance);
        }
        let matches = headers
            .signature
            .split(' ')
            .filter_map(|entry| entry.strip_prefix(VERSION))
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
            .any(|candidate| {
                self.mac(&headers.id, seconds, body)
                    .verify_slice(&candidate)
                    .is_ok()
            });
        if matches {
            Ok(())
        } else {
            Err(VerifyError::NoMatchingSignature)
        }
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(whsec_***)")
    }
}

/// One message to sign: the event id (stable across retries), the time of this attempt and the
/// exact body bytes that will be sent.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// The `webhook-id`: the event id, the receiver's idempotency key.
    pub id: &'a str,
    /// The `webhook-timestamp`: when this attempt is made (whole seconds are sent).
    pub timestamp: DateTime<Utc>,
    /// The request body, byte for byte.
    pub body: &'a [u8],
}

impl Message<'_> {
    /// The three Standard Webhooks headers, signed with `current` and, during a rotation's
    /// overlap period, also with `previous` (so receivers holding either secret accept it).
    #[must_use]
    pub fn headers(&self, current: &Secret, previous: Option<&Secret>) -> SignedHeaders {
        let mut signature = current.sign(self);
        if let Some(previous) = previous {
            signature.push(' ');
            signature.push_str(&previous.sign(self));
        }
        SignedHeaders {
            id: self.id.to_owned(),
            timestamp: self.timestamp.timestamp().to_string(),
            signature,
        }
    }
}

/// The values of the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`: unix seconds.
    pub timestamp: String,
    /// `webhook-signature`: space-separated `v1,<base64>` entries.
    pub signature: String,
}

impl SignedHeaders {
    /// Header names as sent (lower case, as HTTP/2 requires and the specification writes them).
    pub const ID: &'static str = "webhook-id";
    /// See [`SignedHeaders::ID`].
    pub const TIMESTAMP: &'static str = "webhook-timestamp";
    /// See [`SignedHeaders::ID`].
    pub const SIGNATURE: &'static str = "webhook-signature";
}

/// Why [`Secret::verify`] refused a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("webhook-timestamp is not unix seconds")]
    BadTimestamp,
    /// `webhook-timestamp` is more than five minutes away from now (a replay or a bad clock).
    #[error("webhook-timestamp is too far from the current time")]
    OutsideTolerance,
    /// No `v1` signature matches the body with this secret.
    #[error("no webhook-signature matches")]
    NoMatchingSignature,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks specification.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn spec_message() -> Message<'static> {
        Message {
            id: SPEC_ID,
            timestamp: DateTime::from_timestamp(SPEC_TIMESTAMP, 0).unwrap(),
            body: SPEC_BODY,
        }
    }

    #[test]
    fn signs_the_example_of_the_specification() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        assert_eq!(secret.sign(&spec_message()), SPEC_SIGNATURE);
    }

    #[test]
    fn generated_secrets_parse_back_and_differ() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_ne!(a, b);
        assert!(a.expose().starts_with("whsec_"));
        assert_eq!(Secret::parse(a.expose()).unwrap(), a);
        let key = STANDARD.decode(&a.expose()["whsec_".len()..]).unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn parse_reports_each_rule() {
        assert_eq!(Secret::parse("MfKQ9r8G"), Err(SecretError::MissingPrefix));
        assert_eq!(Secret::parse("whsec_!!!"), Err(SecretError::NotBase64));
        let short = format!("whsec_{}", STANDARD.encode([1_u8; 23]));
        assert_eq!(Secret::parse(&short), Err(SecretError::BadLength(23)));
        let long = format!("whsec_{}", STANDARD.encode([1_u8; 65]));
        assert_eq!(Secret::parse(&long), Err(SecretError::BadLength(65)));
        for n in [24, 64] {
            assert!(Secret::parse(&format!("whsec_{}", STANDARD.encode(vec![7_u8; n]))).is_ok());
        }
        // Padded or not, the same key signs alike.
        let padded = Secret::parse(&format!("whsec_{}", STANDARD.encode([9_u8; 25]))).unwrap();
        let unpadded =
            Secret::parse(&format!("whsec_{}", STANDARD_NO_PAD.encode([9_u8; 25]))).unwrap();
        assert_eq!(padded.sign(&spec_message()), unpadded.sign(&spec_message()));
    }

    #[test]
    fn debug_hides_the_key() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(whsec_***)");
    }

    #[test]
    fn rotation_sends_both_signatures_and_each_secret_verifies() {
        let (new, old) = (Secret::generate(), Secret::generate());
        let message = spec_message();
        let headers = message.headers(&new, Some(&old));
        assert_eq!(
            headers.signature,
            format!("{} {}", new.sign(&message), old.sign(&message))
        );
        assert_eq!(headers.id, SPEC_ID);
        assert_eq!(headers.timestamp, SPEC_TIMESTAMP.to_string());
        let at = message.timestamp;
        assert_eq!(new.verify(&headers, SPEC_BODY, at), Ok(()));
        assert_eq!(old.verify(&headers, SPEC_BODY, at), Ok(()));
        assert_eq!(
            Secret::generate().verify(&headers, SPEC_BODY, at),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn verify_refuses_tampering_and_stale_timestamps() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        let message = spec_message();
        let headers = message.headers(&secret, None);
        let at = message.timestamp;
        let refused = |headers: &SignedHeaders, body: &[u8], now| secret.verify(headers, body, now);
        assert_eq!(
            refused(&headers, b"{}", at),
            Err(VerifyError::NoMatchingSignature)
        );
        let other_id = SignedHeaders {
            id: "msg_other".into(),
            ..headers.clone()
        };
        assert_eq!(
            refused(&other_id, SPEC_BODY, at),
            Err(VerifyError::NoMatchingSignature)
        );
        let late = at + TIMESTAMP_TOLERANCE + TimeDelta::seconds(1);
        assert_eq!(
            refused(&headers, SPEC_BODY, late),
            Err(VerifyError::OutsideTolerance)
        );
        assert_eq!(
            refused(&headers, SPEC_BODY, at - TimeDelta::minutes(6)),
            Err(VerifyError::OutsideTolerance)
        );
        assert_eq!(
            refused(&headers, SPEC_BODY, at + TIMESTAMP_TOLERANCE),
            Ok(())
        );
        let bad_ts = SignedHeaders {
            timestamp: "soon".into(),
            ..headers.clone()
        };
        assert_eq!(
            refused(&bad_ts, SPEC_BODY, at),
            Err(VerifyError::BadTimestamp)
        );
        let unknown_version = SignedHeaders {
            signature: headers.signature.replacen("v1,", "v2,", 1),
            ..headers
        };
        assert_eq!(
            refused(&unknown_version, SPEC_BODY, at),
            Err(VerifyError::NoMatchingSignature)
        );
    }
}
