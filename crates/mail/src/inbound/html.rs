//! HTML-only mail as plain text (html2text with a decorator of our own).
//!
//! Paragraphs, line breaks, lists (`* `, `1. `) and quotes (`> `) are kept; emphasis is dropped;
//! a link keeps its address right after its text (`the wiki <https://…>`), `mailto:` links only
//! their text; an image becomes its alternative text in brackets. Lines are not wrapped.

use html2text::render::{TaggedLine, TextDecorator};

/// The text of `html`; the HTML itself if it cannot be read at all.
pub(crate) fn to_text(html: &str) -> String {
    html2text::config::with_decorator(MailText::default())
        .link_footnotes(false)
        .string_from_read(html.as_bytes(), usize::MAX / 4)
        .unwrap_or_else(|_| html.to_owned())
        .replace('\u{a0}', " ")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Clone, Default)]
struct MailText {
    links: Vec<String>,
}

impl TextDecorator for MailText {
    type Annotation = ();

    fn decorate_link_start(&mut self, url: &str) -> (String, ()) {
        self.links.push(url.to_owned());
        (String::new(), ())
    }

    fn decorate_link_end(&mut self) -> String {
        match self.links.pop() {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                format!(" <{url}>")
            }
            _ => String::new(),
        }
    }

    fn decorate_em_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_em_end(&self) -> String {
        String::new()
    }

    fn decorate_strong_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_strong_end(&self) -> String {
        String::new()
    }

    fn decorate_strikeout_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_strikeout_end(&self) -> String {
        String::new()
    }

    fn decorate_code_start(&self) -> (String, ()) {
        (String::new(), ())
    }

    fn decorate_code_end(&self) -> String {
        String::new()
    }

    fn decorate_preformat_first(&self) {}

    fn decorate_preformat_cont(&self) {}

    fn decorate_image(&mut self, _src: &str, title: &str) -> (String, ()) {
        let title = title.trim();
        (
            if title.is_empty() {
                String::new()
            } else {
                format!("[{title}]")
            },
            (),
        )
    }

    fn header_prefix(&self, _level: usize) -> String {
        String::new()
    }

    fn quote_prefix(&self) -> String {
        "> ".to_owned()
    }

    fn unordered_item_prefix(&self) -> String {
        "* ".to_owned()
    }

    fn ordered_item_prefix(&self, i: i64) -> String {
        format!("{i}. ")
    }

    fn make_subblock_decorator(&self) -> Self {
        Self::default()
    }

    fn finalise(&mut self, _urls: Vec<String>) -> Vec<TaggedLine<()>> {
        Vec::new()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn structure_and_links_survive() {
        let html = "<p>Hi&nbsp;there,</p><p>see <a href=\"https://x.example/a?b=1&amp;c=2\">the <b>page</b></a> \
                    or <a href=\"mailto:ada@example.com\">mail me</a>.<br>Bye</p>\
                    <ol><li>one</li><li>two</li></ol><blockquote>old</blockquote><img src=\"cid:1\" alt=\"logo\">\
                    <script>alert(1)</script><style>p{}</style>";
        let text = to_text(html);
        assert_eq!(
            text,
            "Hi there,\n\nsee the page <https://x.example/a?b=1&c=2> or mail me.\nBye\n1. one\n2. two\n\n> old\n\n[logo]"
        );
    }

    #[test]
    fn tables_and_preformatted_text_render_compactly() {
        let html = "<table><tr><th>Printer</th><th>Floor</th></tr><tr><td>HP 4</td><td>2</td></tr></table>\
                    <pre>  indented\n    code</pre>";
        let text = to_text(html);
        assert!(text.len() < 200, "{text}");
        for cell in ["Printer", "Floor", "HP 4", "  indented", "    code"] {
            assert!(text.contains(cell), "{cell:?} missing in {text}");
        }
    }

    #[test]
    fn long_lines_are_not_wrapped() {
        let line = "word ".repeat(100);
        assert_eq!(to_text(&format!("<p>{line}</p>")), line.trim_end());
    }
}
