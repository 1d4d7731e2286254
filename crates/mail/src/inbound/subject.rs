//! Subject lines of inbound mail: reply/forward prefixes and the `[#1042]` ticket tag.

/// Reply prefixes in the languages mail clients commonly write (compared case-insensitively).
const REPLY_PREFIXES: [&str; 10] = [
    "re", "aw", "antw", "sv", "vs", "ref", "réf", "rif", "r", "odp",
];
/// Forward prefixes.
const FORWARD_PREFIXES: [&str; 6] = ["fwd", "fw", "wg", "tr", "enc", "rv"];

/// A subject without prefixes and ticket tag.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Subject {
    pub(crate) text: String,
    pub(crate) ticket_number: Option<u64>,
    /// The outermost prefix is a forward (`Fwd:`, `WG:`, …).
    pub(crate) forwarded: bool,
}

/// Removes every leading `Re:`/`AW:`/`Fwd:`… (also `Re[2]:`, `RE^2:`), and the first `[#N]` tag
/// wherever it stands, taking N as the ticket number; white space is collapsed.
pub(crate) fn clean(raw: &str) -> Subject {
    let mut text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut ticket_number = None;
    let mut forwarded = None;
    loop {
        if let Some((rest, is_forward)) = strip_prefix(&text) {
            forwarded.get_or_insert(is_forward);
            text = rest.to_owned();
            continue;
        }
        if ticket_number.is_none()
            && let Some((number, rest)) = strip_tag(&text)
        {
            ticket_number = Some(number);
            text = rest;
            continue;
        }
        break;
    }
    Subject {
        text,
        ticket_number,
        forwarded: forwarded.unwrap_or(false),
    }
}

/// `Re: rest` → (`rest`, is it a forward prefix).
fn strip_prefix(text: &str) -> Option<(&str, bool)> {
    let colon = text.find([':', '：'])?;
    let head = &text[..colon];
    // A counter after the word: `Re[2]`, `Re(2)`, `RE^2`.
    let word = head.split(['[', '(', '^']).next()?.trim_end();
    let counter = head[word.len()..].trim();
    let counter_ok = counter.is_empty()
        || counter
            .trim_start_matches(['[', '(', '^'])
            .trim_end_matches([']', ')'])
            .bytes()
            .all(|b| b.is_ascii_digit());
    if word.is_empty() || !counter_ok || word.chars().any(|c| !c.is_alphabetic()) {
        return None;
    }
    let word = word.to_lowercase();
    let is_forward = FORWARD_PREFIXES.contains(&word.as_str());
    if !is_forward && !REPLY_PREFIXES.contains(&word.as_str()) {
        return None;
    }
    let colon_len = text[colon..].chars().next()?.len_utf8();
    Some((text[colon + colon_len..].trim_start(), is_forward))
}

/// The first `[#N]` in `text`: N and the text without it.
fn strip_tag(text: &str) -> Option<(u64, String)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("[#") {
        let start = from + found;
        let digits_start = start + 2;
        let digits_len = text[digits_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let end = digits_start + digits_len;
        if digits_len > 0 && text[end..].starts_with(']') {
            let number = text[digits_start..end].parse().ok()?;
            let rest = format!("{} {}", &text[..start], &text[end + 1..]);
            return Some((
                number,
                rest.split_whitespace().collect::<Vec<_>>().join(" "),
            ));
        }
        from = digits_start;
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn check(raw: &str, text: &str, number: Option<u64>, forwarded: bool) {
        let subject = clean(raw);
        assert_eq!(
            subject,
            Subject {
                text: text.to_owned(),
                ticket_number: number,
                forwarded
            },
            "{raw}"
        );
    }

    #[test]
    fn prefixes_and_tags_are_removed() {
        check(
            "[#1042] Printer on fire",
            "Printer on fire",
            Some(1042),
            false,
        );
        check(
            "Re: [#1042] Printer on fire",
            "Printer on fire",
            Some(1042),
            false,
        );
        check(
            "RE: RE: AW: [#1042] Printer on fire",
            "Printer on fire",
            Some(1042),
            false,
        );
        check(
            "Re[2]: Printer on fire [#7]",
            "Printer on fire",
            Some(7),
            false,
        );
        check("Re^3: Printer", "Printer", None, false);
        check("AW: WG: Drucker brennt", "Drucker brennt", None, false);
        check("Fwd: Re: [#12] Printer", "Printer", Some(12), true);
        check("TR : Imprimante en feu", "Imprimante en feu", None, true);
        check("Réf: [#5]   Imprimante", "Imprimante", Some(5), false);
        check("Re：プリンター", "プリンター", None, false);
        check("  Printer\r\n on fire  ", "Printer on fire", None, false);
        check("", "", None, false);
    }

    #[test]
    fn look_alikes_are_kept() {
        check(
            "Reminder: printer service",
            "Reminder: printer service",
            None,
            false,
        );
        check("Note: re: nothing", "Note: re: nothing", None, false);
        check("Price [#abc] list", "Price [#abc] list", None, false);
        check("[#] x [#3]", "[#] x", Some(3), false);
        check(
            "Only the first [#1] tag [#2]",
            "Only the first tag [#2]",
            Some(1),
            false,
        );
        check(
            "[#99999999999999999999999] big",
            "[#99999999999999999999999] big",
            None,
            false,
        );
    }
}
