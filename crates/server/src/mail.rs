//! Outgoing mail, wired: the SMTP settings, and the worker each process runs when mail is
//! configured. The worker plans notifications from the event outbox (`App::mail_plan`) and sends
//! the due jobs of the queue (`App::mail_claim`, then SMTP outside any transaction, then
//! `App::mail_finish`), woken by new events and at least every few seconds. Requests never wait
//! for it. See docs/email.md.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use ticketing_app::mail::RESET_VALID_MINUTES;
use ticketing_app::{App, MailJob, MailKind};
use ticketing_mail::{
    Composer, MailAddress, Mailer, NotificationKind, OutgoingMail, PasswordResetMail, ReplyToken,
    SendError, SmtpConfig, TicketNotification,
};
use url::Url;

use crate::settings::Settings;

/// Events planned per round.
const PLAN_BATCH: u32 = 100;
/// Jobs claimed per round.
const SEND_BATCH: u32 = 10;

/// What sending needs: the SMTP client, the composer and the base of the links.
pub struct MailSetup {
    mailer: Mailer,
    composer: Composer,
    public_url: Url,
    /// The first pause after a transient failure.
    pub retry_base: Duration,
}

impl std::fmt::Debug for MailSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSetup")
            .field("mailer", &self.mailer)
            .field("public_url", &self.public_url.as_str())
            .finish_non_exhaustive()
    }
}

/// The mail set-up of `settings`: `None` (said once in the log) when no SMTP URL is set. A
/// bad URL, a missing or invalid sender stops the start-up. The SMTP password is never logged.
pub fn setup(settings: &Settings) -> anyhow::Result<Option<MailSetup>> {
    let m = &settings.mail;
    let Some(url) = &m.smtp_url else {
        tracing::info!(
            "mail is off (no TICKETING_SMTP_URL): no notifications are sent and password \
             reset by mail answers 503"
        );
        return Ok(None);
    };
    let config = SmtpConfig::parse(
        url.expose(),
        m.smtp_user.as_ref().map(|s| s.expose()),
        m.smtp_password.as_ref().map(|s| s.expose()),
    )
    .context("invalid mail settings (TICKETING_SMTP_URL)")?;
    let from = m
        .from
        .as_ref()
        .ok_or_else(|| anyhow!("TICKETING_MAIL_FROM is required when TICKETING_SMTP_URL is set"))?;
    let composer = Composer::new(from.as_str()).context("invalid TICKETING_MAIL_FROM")?;
    let mailer = Mailer::new(&config).context("invalid mail settings (TICKETING_SMTP_URL)")?;
    let public_url = match &m.public_url {
        Some(url) => url.clone(),
        None => {
            let guess = format!("http://{}/", settings.server.bind.as_str());
            tracing::warn!(
                public_url = %guess,
                "no TICKETING_PUBLIC_URL: links in mails point to the listening address"
            );
            Url::parse(&guess).context("cannot make a public URL of TICKETING_BIND")?
        }
    };
    tracing::info!(server = %config, from = from.as_str(), public_url = %public_url, "mail is on");
    Ok(Some(MailSetup {
        mailer,
        composer,
        public_url,
        retry_base: m.retry_base,
    }))
}

/// Plans and sends until the task is aborted.
pub async fn run(app: App, setup: Arc<MailSetup>) {
    let mut wake = app.event_wakeups();
    let poll = setup.retry_base.min(Duration::from_secs(5));
    loop {
        round(&app, &setup).await;
        ticketing_app::next_wakeup(&mut wake, poll, ticketing_app::GATHER).await;
    }
}

/// One round: plan every new event, then send every due job.
pub async fn round(app: &App, setup: &MailSetup) {
    loop {
        match app.mail_plan(PLAN_BATCH).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot plan notifications");
                break;
            }
        }
    }
    loop {
        let jobs = match app.mail_claim(SEND_BATCH).await {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim mail jobs");
                break;
            }
        };
        if jobs.is_empty() {
            break;
        }
        for job in jobs {
            let result = match setup.compose(&job) {
                Ok(mail) => setup.mailer.send(&mail).await.map_err(|e| match e {
                    SendError::Permanent { code, reason } => (true, format!("{code} {reason}")),
                    SendError::Transient { reason } => (false, reason),
                }),
                Err(reason) => Err((true, reason)),
            };
            if let Err(e) = app.mail_finish(&job, result).await {
                // The lease runs out and the job is tried again.
                tracing::warn!(job = %job.id, error = %e, "cannot record a mail attempt");
            }
        }
    }
}

impl MailSetup {
    /// A link into the web UI (`#/…` route).
    fn link(&self, route: &str) -> String {
        let mut base = self.public_url.as_str().to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        format!("{base}#/{route}")
    }

    /// The mail of `job`, or why it cannot be made (for good).
    fn compose(&self, job: &MailJob) -> Result<OutgoingMail, String> {
        let to = MailAddress {
            address: job.to_address.clone(),
            name: Some(job.to_name.clone()).filter(|n| !n.trim().is_empty()),
        };
        let composed = match job.kind {
            MailKind::PasswordReset => {
                let token = job
                    .secret
                    .as_deref()
                    .ok_or_else(|| "the reset token is gone".to_owned())?;
                self.composer.password_reset(&PasswordResetMail {
                    request_id: job.id,
                    to,
                    reset_url: self.link(&format!("reset-password?token={token}")),
                    valid_minutes: RESET_VALID_MINUTES,
                })
            }
            kind => {
                let kind = match kind {
                    MailKind::NewTicket => NotificationKind::NewTicket,
                    MailKind::PublicReply => NotificationKind::PublicReply,
                    MailKind::Assigned => NotificationKind::Assigned,
                    MailKind::Resolved => NotificationKind::Resolved,
                    _ => NotificationKind::Closed,
                };
                let ticket_id = job
                    .ticket_id
                    .ok_or_else(|| "a ticket mail without its ticket".to_owned())?;
                let number = job.ticket_number.unwrap_or_default();
                self.composer.ticket(&TicketNotification {
                    event_id: job.id,
                    kind,
                    to,
                    ticket_id: ticket_id.into(),
                    ticket_number: number,
                    ticket_topic: job.topic.clone(),
                    ticket_url: self.link(&format!("tickets/{number}")),
                    actor_name: job.actor_name.clone(),
                    message: job.body.clone(),
                    preferences_url: self.link("profile"),
                    reply_token: job
                        .secret
                        .as_deref()
                        .and_then(|s| s.parse::<ReplyToken>().ok()),
                })
            }
        };
        composed.map_err(|e| e.to_string())
    }
}

/// The mail set-up shared with the worker.
pub fn shared(setup: Option<MailSetup>) -> Option<Arc<MailSetup>> {
    setup.map(Arc::new)
}
