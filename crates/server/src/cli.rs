//! The command line: `serve` (default), `migrate`, `user …`, `token create`, `attachments copy`,
//! `mail receive` (in `receive.rs`), `openapi`. Every `user` command that changes an account, and every token created, is
//! recorded in the audit log with the actor `cli`.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use ticketing_app::{CreateUserInput, NewApiToken, UserUpdate};
use ticketing_domain::{
    Email, ExpiryDays, LoginName, Password, PersonName, Role, TokenName, TokenScope, Username,
};

use crate::settings::{SettingFlags, Settings};
use crate::{Application, telemetry, wiring};

/// The ticketing helpdesk server.
#[derive(Debug, Parser)]
#[command(name = "ticketing", version, about)]
pub struct Cli {
    /// A TOML config file [env: TICKETING_CONFIG]
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// The settings that have a flag (`--bind`, `--database-url`, …), from their declarations.
    #[command(flatten)]
    pub settings: SettingFlags,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrations run first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        /// The user command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage users' API tokens.
    Token {
        /// The token command.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Inbound mail.
    Mail {
        /// The mail command.
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Manage the attachment storage.
    Attachments {
        /// The attachment storage command.
        #[command(subcommand)]
        command: AttachmentsCommand,
    },
}

/// Inbound mail commands.
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Read one RFC 5322 message on standard input and make it a ticket or a message (docs/email.md):
    /// for Postfix's pipe transport, procmail, fetchmail or getmail. Exit status (sysexits): 0
    /// done (an auto-reply or bounce dropped, a message received twice, too), 65 malformed or too
    /// large, 67 sender refused, 75 try again later (nothing written).
    Receive,
}

/// Attachment storage commands.
#[derive(Debug, Subcommand)]
pub enum AttachmentsCommand {
    /// Copy every stored file to another storage under the same names, resumable (files already
    /// there with the same SHA-256 are skipped) and verified by reading each copy back. Nothing
    /// is removed from the storage in force (TICKETING_ATTACHMENTS_URL).
    Copy {
        /// The target: file://PATH or s3://BUCKET/PREFIX (with the AWS_* variables).
        #[arg(long)]
        to: String,
    },
}

/// API token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (the secret is shown only this once; only its
    /// hash is stored). The user can see and revoke it in their profile.
    Create {
        /// Username or email of the owner.
        #[arg(long)]
        user: String,
        /// The token's name (unique among the user's tokens).
        #[arg(long)]
        name: String,
        /// read (GET and HEAD only) or write (everything the user's role allows).
        #[arg(long)]
        scope: String,
        /// Days until it expires (1 to 3650); without it, it never expires.
        #[arg(long, value_name = "DAYS")]
        expires: Option<i64>,
    },
}

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (the password is read from standard input).
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Email address.
        #[arg(long)]
        email: String,
        /// customer, agent or admin.
        #[arg(long, default_value = "customer")]
        role: String,
        /// First name.
        #[arg(long, default_value = "")]
        first_name: String,
        /// Last name.
        #[arg(long, default_value = "")]
        last_name: String,
        /// Read the password from the first line of standard input (required: passwords never
        /// go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (read from standard input); their sessions end.
    SetPassword {
        /// Username or email.
        user: String,
        /// Read the password from the first line of standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role.
    SetRole {
        /// Username or email.
        user: String,
        /// customer, agent or admin.
        role: String,
    },
    /// Deactivate a user (their sessions end at once).
    Deactivate {
        /// Username or email.
        user: String,
    },
    /// Reactivate a user.
    Activate {
        /// Username or email.
        user: String,
    },
    /// Change a user's username (the new one: no `@`, not a look-alike of another username).
    Rename {
        /// Username or email.
        user: String,
        /// The new username.
        new_username: String,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // `mail receive` answers the mail server in sysexits: any failure it does not classify
    // itself (bad settings, an unreadable data directory) keeps the mail queued (75).
    let receiving = matches!(cli.command, Some(Command::Mail { .. }));
    let result = run_command(cli);
    match result {
        Err(e) if receiving && !e.is::<crate::receive::Exit>() => Err(crate::receive::Exit::new(
            crate::receive::EX_TEMPFAIL,
            format!("not received: {e:#}"),
        )
        .into()),
        other => other,
    }
}

fn run_command(cli: Cli) -> anyhow::Result<()> {
    if matches!(cli.command, Some(Command::Openapi)) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match writeln!(out, "{}", ticketing_http::openapi_json()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write the document"),
        };
    }
    let settings = Settings::load(cli.config.clone(), &cli.settings)?;
    telemetry::init(&settings);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            // One descriptor per open event stream: up to the hard limit, before listening.
            crate::open_files::raise_and_log();
            crate::huge_pages::log_if_enabled();
            let application = Application::build(settings).await?;
            application
                .run_until_stopped()
                .await
                .context("server error")
        }),
        Command::Migrate => {
            wiring::open_store(&settings, true)?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::User { command } => runtime()?.block_on(user_command(settings, command)),
        Command::Token { command } => runtime()?.block_on(token_command(settings, command)),
        Command::Attachments { command } => {
            runtime()?.block_on(attachments_command(settings, command))
        }
        Command::Mail {
            command: MailCommand::Receive,
        } => crate::receive::run(&settings),
        Command::Openapi => Ok(()),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn attachments_command(
    settings: Settings,
    command: AttachmentsCommand,
) -> anyhow::Result<()> {
    let AttachmentsCommand::Copy { to } = command;
    let from = wiring::open_attachments(&settings)?;
    let target = ticketing_attachments::Attachments::open(&to)
        .context("cannot use the target storage (--to)")?;
    if target.location() == from.location() {
        bail!("the target is the attachment storage in force");
    }
    target
        .check()
        .await
        .map_err(|e| anyhow::anyhow!("cannot write to {}: {e}", target.location()))?;
    eprintln!("copying from {} to {}", from.location(), target.location());
    let report = ticketing_attachments::copy_all(&from, &target)
        .await
        .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", from.location()))?;
    for failure in &report.failed {
        eprintln!("not copied: {}: {}", failure.storage_key, failure.error);
    }
    println!(
        "{} files: {} copied ({} bytes), {} already there, {} failed",
        report.found,
        report.copied,
        report.bytes_copied,
        report.skipped,
        report.failed.len()
    );
    if !report.failed.is_empty() {
        bail!("some files were not copied: run the command again");
    }
    Ok(())
}

async fn user_command(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    let repos = wiring::open_store(&settings, true)?;
    let app = wiring::build_app(&settings, repos, wiring::Purpose::Command)?;
    let show = |e: ticketing_app::AppError| anyhow::anyhow!(describe(&e));
    match command {
        UserCommand::Create {
            username,
            email,
            role,
            first_name,
            last_name,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let input = CreateUserInput {
                // The parsers name the field themselves ("username must …").
                username: Username::parse_new(&username).map_err(|e| anyhow::anyhow!("{e}"))?,
                email: Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?,
                password: Password::new(password),
                role: role
                    .parse::<Role>()
                    .map_err(|e| anyhow::anyhow!("role {e}"))?,
                first_name: PersonName::parse(&first_name)
                    .map_err(|e| anyhow::anyhow!("first name {e}"))?,
                last_name: PersonName::parse(&last_name)
                    .map_err(|e| anyhow::anyhow!("last name {e}"))?,
            };
            let user = app.create_user(input).await.map_err(show)?;
            println!(
                "created {} ({}) with id {}",
                user.username, user.role, user.id
            );
        }
        UserCommand::SetPassword {
            user,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let target = find(&app, &user).await?;
            app.operator_set_password(target.id, Password::new(password))
                .await
                .map_err(show)?;
            println!(
                "password of {} changed; their sessions were ended",
                target.username
            );
        }
        UserCommand::SetRole { user, role } => {
            let role = role
                .parse::<Role>()
                .map_err(|e| anyhow::anyhow!("role {e}"))?;
            let target = find(&app, &user).await?;
            let updated = app
                .operator_update_user(
                    target.id,
                    UserUpdate {
                        role: Some(role),
                        is_active: None,
                    },
                )
                .await
                .map_err(show)?;
            println!("{} is now {}", updated.username, updated.role);
        }
        UserCommand::Rename { user, new_username } => {
            let name =
                Username::parse_new(&new_username).map_err(|e| anyhow::anyhow!("new {e}"))?;
            let target = find(&app, &user).await?;
            let renamed = app
                .operator_rename_user(target.id, name)
                .await
                .map_err(show)?;
            println!("{} is now {}", target.username, renamed.username);
        }
        UserCommand::Deactivate { user } => set_active(&app, &user, false).await?,
        UserCommand::Activate { user } => set_active(&app, &user, true).await?,
    }
    Ok(())
}

async fn token_command(settings: Settings, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create {
        user,
        name,
        scope,
        expires,
    } = command;
    // Parsed before the store is opened: a typo costs nothing.
    let input = NewApiToken {
        name: TokenName::parse(&name).map_err(|e| anyhow::anyhow!("{e}"))?,
        scope: TokenScope::from_wire(scope.trim()).map_err(|e| anyhow::anyhow!("scope {e}"))?,
        expires_in: expires.map(ExpiryDays::parse).transpose().map_err(|_| {
            anyhow::anyhow!("--expires must be a whole number of days from 1 to 3650")
        })?,
    };
    let repos = wiring::open_store(&settings, true)?;
    let app = wiring::build_app(&settings, repos, wiring::Purpose::Command)?;
    let owner = find(&app, &user).await?;
    let created = app
        .operator_create_api_token(owner.id, input)
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    let token = &created.token;
    let expiry = token.expires_at.map_or_else(
        || "never expires".to_owned(),
        |at| format!("expires {}", at.to_rfc3339()),
    );
    eprintln!(
        "created API token \"{}\" ({}, {expiry}) for {} with id {}; the token below is shown \
         only this once",
        token.name, token.scope, owner.username, token.id
    );
    println!("{}", created.secret);
    Ok(())
}

/// The first line of standard input; `password_stdin` is the flag that must ask for it (a
/// password never comes from the command line).
fn read_password(password_stdin: bool) -> anyhow::Result<String> {
    if !password_stdin {
        bail!("give the password on standard input with --password-stdin");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn find(app: &ticketing_app::App, user: &str) -> anyhow::Result<ticketing_domain::User> {
    let login = LoginName::parse(user).map_err(|e| anyhow::anyhow!("user {e}"))?;
    app.find_user(&login)
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))
}

async fn set_active(app: &ticketing_app::App, user: &str, active: bool) -> anyhow::Result<()> {
    let target = find(app, user).await?;
    let updated = app
        .operator_update_user(
            target.id,
            UserUpdate {
                role: None,
                is_active: Some(active),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    println!(
        "{} is now {}",
        updated.username,
        if updated.is_active {
            "active"
        } else {
            "deactivated"
        }
    );
    Ok(())
}

fn describe(e: &ticketing_app::AppError) -> String {
    match e {
        ticketing_app::AppError::Validation(errors) => errors
            .iter()
            .map(|(f, m)| format!("{f}: {}", m.join("; ")))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}
