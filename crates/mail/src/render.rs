//! The mail templates (`templates/`, embedded at compile time) and their rendering.
//!
//! Templates named `*.html` are HTML-escaped automatically (`& < > " '`; unlike minijinja's
//! default, `/` is left alone so links stay readable to mail clients and filters), `*.txt` are not.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, Value};

use crate::compose::ComposeError;

const TEMPLATES: [(&str, &str); 5] = [
    ("layout.html", include_str!("../templates/layout.html")),
    ("ticket.html", include_str!("../templates/ticket.html")),
    ("ticket.txt", include_str!("../templates/ticket.txt")),
    (
        "password_reset.html",
        include_str!("../templates/password_reset.html"),
    ),
    (
        "password_reset.txt",
        include_str!("../templates/password_reset.txt"),
    ),
];

/// The compiled templates.
#[derive(Debug)]
pub(crate) struct Templates {
    env: Environment<'static>,
}

/// Both parts of one mail.
pub(crate) struct Rendered {
    pub(crate) text: String,
    pub(crate) html: String,
}

impl Templates {
    pub(crate) fn new() -> Result<Self, ComposeError> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .build()
            .map_err(template_error)?;
        env.set_syntax(syntax);
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
                out.write_str(&escape_html(&value.to_string()))
                    .map_err(minijinja::Error::from)
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source).map_err(template_error)?;
        }
        Ok(Self { env })
    }

    /// Renders `NAME.txt` and `NAME.html` with the same context.
    pub(crate) fn render(&self, name: &str, context: Value) -> Result<Rendered, ComposeError> {
        let part = |ext: &str| {
            self.env
                .get_template(&format!("{name}.{ext}"))
                .and_then(|t| t.render(context.clone()))
                .map_err(template_error)
        };
        Ok(Rendered {
            text: part("txt")?,
            html: part("html")?,
        })
    }
}

fn template_error(e: minijinja::Error) -> ComposeError {
    ComposeError::Template(e.to_string())
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
