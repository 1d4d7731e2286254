//! Reply tokens and the `Message-ID` formats shared by outgoing and inbound mail.
//!
//! One place decides how a token travels, so that what [`crate::Composer`] writes is exactly what
//! [`crate::parse_inbound`] reads back:
//!
//! - `Reply-To: support+TOKEN@example.com` (plus-addressing on the local part of the From address);
//! - `Message-ID: <EVENT.RECIPIENT.TOKEN@example.com>`, where `EVENT` is the event id as 32
//!   lowercase hex digits and `RECIPIENT` the first 16 hex digits of the SHA-256 of the lowercased
//!   recipient address (without a token: `<EVENT.RECIPIENT@example.com>`);
//! - the per-ticket thread root `<ticket-UUID@example.com>` in `In-Reply-To` and `References`.

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// RFC 4648 base32 alphabet, lowercase: survives mail systems that lowercase local parts.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// An unguessable token that ties a reply to a (ticket, participant) pair.
///
/// 128 random bits written as 26 lowercase base32 characters (`[a-z2-7]`). Parsing is
/// case-insensitive (some mail systems change the case of addresses) and strict about the
/// length and alphabet, so that other systems' plus-addresses and message ids are not mistaken
/// for tokens. `Debug` shows only a prefix: the token is a credential.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReplyToken(String);

impl ReplyToken {
    /// Length of a token in characters.
    pub const LEN: usize = 26;

    /// A fresh token from the operating system's random generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        Self(base32(&bytes))
    }

    /// The token as written in addresses and message ids.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ReplyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplyToken({}…)", &self.0[..4])
    }
}

/// The text is not a reply token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a reply token (26 characters of a-z and 2-7 expected)")]
pub struct InvalidReplyToken;

impl FromStr for ReplyToken {
    type Err = InvalidReplyToken;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        if lower.len() == Self::LEN && lower.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(Self(lower))
        } else {
            Err(InvalidReplyToken)
        }
    }
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `Message-ID` (without angle brackets) of the mail about `event_id` to `recipient`: the
/// same on every retry, distinct per recipient, carrying `token` when given.
pub(crate) fn message_id(
    event_id: Uuid,
    recipient: &str,
    token: Option<&ReplyToken>,
    domain: &str,
) -> String {
    let digest = Sha256::digest(recipient.trim().to_lowercase().as_bytes());
    let rcpt: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match token {
        Some(token) => format!("{}.{rcpt}.{}@{domain}", event_id.simple(), token.as_str()),
        None => format!("{}.{rcpt}@{domain}", event_id.simple()),
    }
}

/// The id (without angle brackets) every mail about one ticket refers to, so clients thread them.
pub(crate) fn thread_root(ticket_id: Uuid, domain: &str) -> String {
    format!("ticket-{ticket_id}@{domain}")
}

/// The token carried by a message id in the format of [`message_id`] (angle brackets optional).
pub(crate) fn token_in_message_id(id: &str) -> Option<ReplyToken> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, _domain) = id.rsplit_once('@')?;
    let mut parts = local.split('.');
    let (event, rcpt, token) = (parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if parts.next().is_none() && hex(event, 32) && hex(rcpt, 16) {
        token.parse().ok()
    } else {
        None
    }
}

/// The token carried by a plus-address `local+TOKEN@domain`.
pub(crate) fn token_in_address(address: &str) -> Option<ReplyToken> {
    let (local, _domain) = address.trim().rsplit_once('@')?;
    let (_base, tag) = local.split_once('+')?;
    tag.parse().ok()
}

/// `local+TOKEN@domain` from the `local@domain` address.
pub(crate) fn plus_address(address: &str, token: &ReplyToken) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    Some(format!("{local}+{}@{domain}", token.as_str()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = ReplyToken::generate();
        let b = ReplyToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), ReplyToken::LEN);
        assert_eq!(a.as_str().parse::<ReplyToken>(), Ok(a.clone()));
        assert_eq!(a.as_str().to_uppercase().parse::<ReplyToken>(), Ok(a));
    }

    #[test]
    fn base32_matches_rfc4648_vectors() {
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(&[0u8; 16]), "a".repeat(26));
    }

    #[test]
    fn tokens_are_strict() {
        for bad in [
            "",
            "newsletter",
            &"a".repeat(25),
            &"a".repeat(27),
            &"1".repeat(26),
        ] {
            assert_eq!(bad.parse::<ReplyToken>(), Err(InvalidReplyToken), "{bad}");
        }
    }

    #[test]
    fn debug_hides_most_of_the_token() {
        let token: ReplyToken = "abcdefghijklmnopqrstuvwxyz".parse().unwrap();
        assert_eq!(format!("{token:?}"), "ReplyToken(abcd…)");
    }

    #[test]
    fn message_ids_round_trip_their_token() {
        let event = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let token = ReplyToken::generate();
        let id = message_id(event, "Ada@Example.com", Some(&token), "help.example");
        assert_eq!(
            id,
            message_id(event, "ada@example.com", Some(&token), "help.example")
        );
        assert_ne!(
            id,
            message_id(event, "bob@example.com", Some(&token), "help.example")
        );
        assert!(id.starts_with("0123456789abcdef0123456789abcdef."));
        assert!(id.ends_with("@help.example"));
        assert_eq!(token_in_message_id(&format!("<{id}>")), Some(token));
        let plain = message_id(event, "ada@example.com", None, "help.example");
        assert_eq!(token_in_message_id(&plain), None);
        // Foreign ids, even with token-shaped pieces, carry no token.
        let foreign = format!("CAB{}.x.{}@mail.gmail.com", "0".repeat(29), "a".repeat(26));
        assert_eq!(token_in_message_id(&foreign), None);
    }

    #[test]
    fn plus_addresses_round_trip_their_token() {
        let token = ReplyToken::generate();
        let address = plus_address("support@help.example", &token).unwrap();
        assert_eq!(address, format!("support+{}@help.example", token.as_str()));
        assert_eq!(token_in_address(&address.to_uppercase()), Some(token));
        assert_eq!(token_in_address("bob+newsletter@example.com"), None);
        assert_eq!(token_in_address("support@help.example"), None);
    }
}
