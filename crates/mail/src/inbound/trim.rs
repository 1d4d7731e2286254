//! Cutting quoted history and signatures from the text of a reply.
//!
//! The reply is what stands above the first of these lines:
//! - our own [`REPLY_ABOVE_MARKER`](crate::REPLY_ABOVE_MARKER);
//! - an attribution line such as Gmail's or Apple Mail's `On Mon, 3 Mar 2025 at 10:02, Ada
//!   <ada@example.com> wrote:` (also wrapped over up to three lines, and the German `Am … schrieb
//!   …:`, French `Le … a écrit :`, Spanish, Italian, Dutch and Scandinavian forms);
//! - `-----Original Message-----` (and its German, French, Spanish and Italian forms);
//! - an Outlook header block: `From:` followed within a few lines by `Sent:`/`Date:` and
//!   `To:`/`Subject:` (and their German and French forms), with the `____` rule above it;
//! - the signature separator `-- ` (or `--`).
//!
//! Then `>`-quoted lines and a "Sent from my iPhone" line at the end are dropped. A reply that
//! would be empty is kept whole: nothing the sender wrote is lost.

use crate::compose::REPLY_ABOVE_MARKER;

const ATTRIBUTION_STARTS: [&str; 9] = [
    "on ", "am ", "le ", "el ", "il ", "op ", "den ", "em ", "w dniu ",
];
const ATTRIBUTION_VERBS: [&str; 10] = [
    "wrote",
    "schrieb",
    "a écrit",
    "escribió",
    "ha scritto",
    "schreef",
    "skrev",
    "escreveu",
    "napisał",
    "écrit",
];
const ORIGINAL_MESSAGE: [&str; 6] = [
    "original message",
    "ursprüngliche nachricht",
    "message d'origine",
    "message d’origine",
    "mensaje original",
    "messaggio originale",
];
const HEADER_FROM: [&str; 3] = ["from:", "von:", "de:"];
const HEADER_DATE: [&str; 6] = ["sent:", "date:", "gesendet:", "datum:", "envoyé:", "fecha:"];
const HEADER_TO: [&str; 7] = [
    "to:", "subject:", "an:", "betreff:", "à:", "objet:", "asunto:",
];
const MOBILE_SIGNATURES: [&str; 6] = [
    "sent from my ",
    "get outlook for ",
    "von meinem ",
    "envoyé de mon ",
    "enviado desde mi ",
    "sent from mail for windows",
];

/// The reply without quoted history and signature.
pub(crate) fn trim_reply(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.lines().collect();
    let cut = (0..lines.len())
        .find(|&i| cut_here(&lines, i))
        .unwrap_or(lines.len());
    let mut kept = &lines[..cut];
    loop {
        match kept.last() {
            Some(line) if line.trim().is_empty() || line.trim_start().starts_with('>') => {
                kept = &kept[..kept.len() - 1];
            }
            Some(line) if starts_with_any(&line.trim().to_lowercase(), &MOBILE_SIGNATURES) => {
                kept = &kept[..kept.len() - 1];
            }
            _ => break,
        }
    }
    let reply = kept.join("\n").trim_matches('\n').trim_end().to_owned();
    if reply.trim().is_empty() {
        text.trim().to_owned()
    } else {
        reply
    }
}

fn cut_here(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    line.contains(REPLY_ABOVE_MARKER)
        || line == "--"
        || is_original_message(line)
        || is_attribution(lines, i)
        || is_outlook_rule_before_headers(lines, i)
        || is_outlook_headers(lines, i)
}

/// A line `On … wrote:`, possibly wrapped: the start of line `i` and up to two following lines.
fn is_attribution(lines: &[&str], i: usize) -> bool {
    let first = lines[i].trim().to_lowercase();
    if !starts_with_any(&first, &ATTRIBUTION_STARTS) {
        return false;
    }
    let mut joined = String::new();
    for line in lines[i..].iter().take(3) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('>') {
            break;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&line.to_lowercase());
        if joined.ends_with(':')
            && joined.len() < 400
            && joined.chars().any(|c| c.is_ascii_digit())
            && ATTRIBUTION_VERBS.iter().any(|verb| joined.contains(verb))
        {
            return true;
        }
    }
    false
}

/// `-----Original Message-----` and its translations.
fn is_original_message(line: &str) -> bool {
    let lower = line.to_lowercase();
    let inner = lower.trim_matches(|c: char| c == '-' || c == '_' || c.is_whitespace());
    lower.starts_with("--") && ORIGINAL_MESSAGE.contains(&inner)
}

/// `From: … / Sent: … / To: … / Subject: …` as Outlook writes above the quoted message.
fn is_outlook_headers(lines: &[&str], i: usize) -> bool {
    if !starts_with_any(&header_key(lines[i]), &HEADER_FROM) {
        return false;
    }
    let next: Vec<String> = lines[i + 1..]
        .iter()
        .take(5)
        .map(|l| header_key(l))
        .collect();
    next.iter().any(|l| starts_with_any(l, &HEADER_DATE))
        && next.iter().any(|l| starts_with_any(l, &HEADER_TO))
}

/// The `________________________________` line Outlook puts above its header block.
fn is_outlook_rule_before_headers(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    line.len() >= 10
        && line.chars().all(|c| c == '_' || c == '-')
        && lines[i + 1..]
            .iter()
            .position(|l| !l.trim().is_empty())
            .is_some_and(|offset| is_outlook_headers(lines, i + 1 + offset))
}

/// A line lowercased, without bold markers (`**From:**`) and with `De :` written as `de:`.
fn header_key(line: &str) -> String {
    line.trim()
        .trim_start_matches('*')
        .to_lowercase()
        .replace(" :", ":")
        .replace(":**", ":")
}

fn starts_with_any(text: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| text.starts_with(p))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn gmail_attribution_and_quote_are_cut() {
        let text = "Thanks, it works.\n\nOn Mon, 3 Mar 2025 at 10:02, Helpdesk <support@example.com>\nwrote:\n\n> Try turning it off.\n";
        assert_eq!(trim_reply(text), "Thanks, it works.");
    }

    #[test]
    fn german_and_french_attributions_are_cut() {
        let de =
            "Danke!\n\nAm 03.03.2025 um 10:02 schrieb Helpdesk <support@example.com>:\n> Hallo";
        assert_eq!(trim_reply(de), "Danke!");
        let fr = "Merci !\n\nLe lun. 3 mars 2025 à 10:02, Helpdesk <support@example.com> a écrit :\n> Bonjour";
        assert_eq!(trim_reply(fr), "Merci !");
    }

    #[test]
    fn sentences_that_merely_start_like_an_attribution_stay() {
        let text = "On Monday the printer caught fire.\nOn the second floor I wrote: help\nThanks";
        assert_eq!(trim_reply(text), text);
    }

    #[test]
    fn original_message_and_outlook_blocks_are_cut() {
        let text =
            "Fine now.\r\n\r\n-----Original Message-----\r\nFrom: Helpdesk\r\nSent: Monday\r\n";
        assert_eq!(trim_reply(text), "Fine now.");
        let text = "Fine now.\n\n________________________________\n**From:** Helpdesk <support@example.com>\n**Sent:** Monday, March 3, 2025 10:02\n**To:** Ada\n**Subject:** [#1] x\n\nOld";
        assert_eq!(trim_reply(text), "Fine now.");
        let text = "Merci.\n\nDe : Helpdesk\nEnvoyé : lundi\nÀ : Ada\nObjet : x\n";
        assert_eq!(trim_reply(text), "Merci.");
    }

    #[test]
    fn signatures_trailing_quotes_and_mobile_lines_are_dropped() {
        let text = "Yes.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd";
        assert_eq!(trim_reply(text), "Yes.");
        let text = "> What colour?\nBlue.\n\n> Which floor?\n> Second?\n\nSent from my iPhone";
        assert_eq!(trim_reply(text), "> What colour?\nBlue.");
    }

    #[test]
    fn the_marker_cuts_everything_below() {
        let text = format!("Reply text\n\n{REPLY_ABOVE_MARKER}\n\nAda replied on ticket #1");
        assert_eq!(trim_reply(&text), "Reply text");
    }

    #[test]
    fn a_reply_that_would_be_empty_is_kept_whole() {
        let text = "> only a quote\n> nothing else";
        assert_eq!(trim_reply(text), text);
    }
}
