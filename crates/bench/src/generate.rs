//! Realistic, reproducible data: users, tickets with their message threads, attachments and an
//! activity log that replays exactly what the application would have written for the same
//! history (same actions, details, visibility, counters and versions).
//!
//! Every ticket draws from its own random stream (seeded by the run's seed and its index), so a
//! ticket's content does not depend on how the run is chunked.

use std::borrow::Cow;
use std::ops::Range;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use ticketing_domain::listing::SearchText;
use ticketing_store::words;
use uuid::Uuid;

use crate::model::{ActivityRow, AttachmentRow, Chunk, MessageRow, TicketRow, UserRow};
use crate::samples::Samples;
use crate::text::{Vocabulary, lognormal};

const MICROS_PER_DAY: i64 = 86_400_000_000;
const MICROS_PER_HOUR: i64 = 3_600_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub tickets: usize,
    pub customers: usize,
    pub staff: usize,
    /// Mean messages per ticket (internal notes included).
    pub messages_mean: f64,
    /// Share of messages that carry an attachment.
    pub attachment_rate: f64,
    /// Share of tickets soft-deleted.
    pub deleted_rate: f64,
    /// Tickets are created over this many days before `now`.
    pub span_days: i64,
    pub seed: u64,
    /// "Now" in microseconds since the epoch: every generated time is before it.
    pub now: i64,
}

/// A staff member as the generator needs them.
#[derive(Debug, Clone)]
struct Staff {
    id: Uuid,
    username: String,
}

/// A random UUID v7 for a time in microseconds.
pub fn uuid_v7(rng: &mut SmallRng, micros: i64) -> Uuid {
    let bytes: [u8; 10] = rng.random();
    let millis = u64::try_from(micros / 1000).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

fn uuid_v4(rng: &mut SmallRng) -> Uuid {
    let bytes: [u8; 16] = rng.random();
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

const FIRST_NAMES: &[&str] = &[
    "Alice", "Bob", "Carla", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Marco", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Ugo", "Vera",
    "Wen", "Xavier", "Yara", "Zoe",
];
const LAST_NAMES: &[&str] = &[
    "Martin", "Schmidt", "Garcia", "Rossi", "Nowak", "Dubois", "Silva", "Kowalski", "Jensen",
    "Murphy", "Tanaka", "Haddad", "Okafor", "Novak", "Larsen", "Moreau", "Costa", "Weber",
    "Fischer", "Lopez",
];

/// The generator: users, and tickets by index range.
#[derive(Debug)]
pub struct Generator {
    plan: Plan,
    vocabulary: Vocabulary,
    samples: Samples,
    staff: Vec<Staff>,
    customers: Vec<Uuid>,
    created: Vec<i64>,
}

/// The users of a run, staff first (`admin01`, `admin02`, `agent01`…), then customers
/// (`customer00001`…, the first one has the most tickets).
pub fn users(plan: &Plan) -> Vec<UserRow> {
    let mut rng = SmallRng::seed_from_u64(plan.seed ^ 0x5eed_0001);
    let start = plan.now - plan.span_days * MICROS_PER_DAY;
    let mut out = Vec::with_capacity(plan.staff + plan.customers);
    for i in 0..plan.staff + plan.customers {
        let (username, role, domain) = if i < plan.staff.min(2) {
            (format!("admin{:02}", i + 1), "admin", "helpdesk.example")
        } else if i < plan.staff {
            (format!("agent{:02}", i - 1), "agent", "helpdesk.example")
        } else {
            (
                format!("customer{:05}", i - plan.staff + 1),
                "customer",
                "example.com",
            )
        };
        let joined = start - rng.random_range(MICROS_PER_DAY..90 * MICROS_PER_DAY);
        let email = format!("{username}@{domain}");
        out.push(UserRow {
            id: uuid_v7(&mut rng, joined),
            username_key: username.to_lowercase(),
            email_key: email.to_lowercase(),
            username,
            email,
            first_name: FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())].to_owned(),
            last_name: LAST_NAMES[rng.random_range(0..LAST_NAMES.len())].to_owned(),
            role,
            date_joined: joined,
            last_login: rng
                .random_bool(0.6)
                .then(|| plan.now - rng.random_range(MICROS_PER_HOUR..30 * MICROS_PER_DAY)),
        });
    }
    out
}

/// One step of a ticket's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Assign,
    InProgress,
    Message { staff: bool, internal: bool },
    Attach,
    Resolve,
    Close,
    Delete,
}

/// Notable tickets for the benchmark.
#[derive(Debug, Default, Clone)]
pub struct Picks {
    /// A live ticket with exactly ten messages (internal notes included).
    pub detail_ticket: Option<Uuid>,
    /// Live open or in-progress tickets to post messages to.
    pub post_targets: Vec<Uuid>,
    /// (created_at, id) of the ticket half-way down the newest-first list.
    pub middle: Option<(i64, Uuid)>,
    /// Live tickets that each of the benchmark's searches finds (staff's view: topic,
    /// description, messages and internal notes), in the order of the searches.
    pub search_hits: Vec<u64>,
    /// Candidates seen for `post_targets`.
    pub post_seen: usize,
}

const POST_TARGETS: usize = 256;

/// A word no vocabulary draw makes (letters and digits, like a knowledge-base article number),
/// put into about one message in [`RARE_WORD_ONE_IN`]: the benchmark's rare-word search.
pub const RARE_WORD: &str = "kb4052623";
const RARE_WORD_ONE_IN: u32 = 10_000;

impl Generator {
    /// A generator for `plan` over `users` (from [`users`]).
    pub fn new(plan: Plan, users: &[UserRow], samples: Samples) -> Self {
        let staff = users
            .iter()
            .filter(|u| u.role != "customer")
            .map(|u| Staff {
                id: u.id,
                username: u.username.clone(),
            })
            .collect();
        let customers = users
            .iter()
            .filter(|u| u.role == "customer")
            .map(|u| u.id)
            .collect();
        let mut rng = SmallRng::seed_from_u64(plan.seed ^ 0x5eed_0002);
        let start = plan.now - plan.span_days * MICROS_PER_DAY;
        let end = plan.now - MICROS_PER_HOUR;
        let mut created: Vec<i64> = (0..plan.tickets)
            .map(|_| rng.random_range(start..end))
            .collect();
        created.sort_unstable();
        Self {
            plan,
            vocabulary: Vocabulary::new(3000),
            samples,
            staff,
            customers,
            created,
        }
    }

    /// Tickets `range` (by creation order) and everything attached to them.
    pub fn chunk(&self, range: Range<usize>, picks: &mut Picks, search: &[SearchText]) -> Chunk {
        let mut chunk = Chunk::default();
        for i in range {
            if let Some(&created) = self.created.get(i) {
                self.ticket(i, created, &mut chunk, picks, search);
            }
        }
        chunk
    }

    fn staff_member(&self, rng: &mut SmallRng) -> &Staff {
        // Skewed: the first agents handle more tickets than the last ones.
        let u: f64 = rng.random();
        let i = ((self.staff.len() as f64) * u * u) as usize;
        &self.staff[i.min(self.staff.len() - 1)]
    }

    fn status_and_path(&self, rng: &mut SmallRng, age: f64) -> (&'static str, Vec<Step>) {
        // Densities over age (0 newest, 1 oldest) whose integrals are 15/10/20/55 %: open and
        // in-progress tickets are mostly recent, closed ones mostly old.
        let recent = 1.0 - age;
        let weights = [0.3 * recent, 0.2 * recent, 0.2, 0.8 - 0.5 * recent];
        let mut u: f64 = rng.random::<f64>() * weights.iter().sum::<f64>();
        let mut status = 3;
        for (k, w) in weights.iter().enumerate() {
            if u < *w {
                status = k;
                break;
            }
            u -= w;
        }
        use Step::*;
        match status {
            0 => (
                "open",
                if rng.random_bool(0.55) {
                    vec![Assign]
                } else {
                    vec![]
                },
            ),
            1 => ("in_progress", vec![Assign, InProgress]),
            2 => {
                if rng.random_bool(0.75) {
                    ("resolved", vec![Assign, InProgress, Resolve])
                } else {
                    ("resolved", vec![Assign, Resolve])
                }
            }
            _ => {
                let r: f64 = rng.random();
                if r < 0.7 {
                    ("closed", vec![Assign, InProgress, Resolve, Close])
                } else if r < 0.9 {
                    ("closed", vec![Assign, Resolve, Close])
                } else if rng.random_bool(0.5) {
                    ("closed", vec![Assign, Close])
                } else {
                    ("closed", vec![Close])
                }
            }
        }
    }

    fn ticket(
        &self,
        index: usize,
        created_at: i64,
        out: &mut Chunk,
        picks: &mut Picks,
        search: &[SearchText],
    ) {
        let plan = &self.plan;
        let mut rng = SmallRng::seed_from_u64(
            plan.seed
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(index as u64),
        );
        let span = (plan.span_days * MICROS_PER_DAY) as f64;
        let age_micros = plan.now - created_at;
        let age = (age_micros as f64 / span).clamp(0.0, 1.0);
        let (status, path) = self.status_and_path(&mut rng, age);
        let id = uuid_v7(&mut rng, created_at);
        let u: f64 = rng.random();
        let owner_index = ((self.customers.len() as f64) * u.powf(1.5)) as usize;
        let owner = self.customers[owner_index.min(self.customers.len() - 1)];
        let priority: i16 = match rng.random_range(0..100) {
            0..20 => 1,
            20..70 => 2,
            70..92 => 3,
            _ => 4,
        };
        let assignee = path
            .contains(&Step::Assign)
            .then(|| self.staff_member(&mut rng).clone());

        // Messages: Gamma(2)-distributed counts whose mean depends on how far the ticket got.
        let mean = match status {
            "open" => 3.0,
            "in_progress" => 7.0,
            "resolved" => 11.0,
            _ => 12.0,
        } * plan.messages_mean
            / 10.0;
        let e1: f64 = -rng.random::<f64>().max(1e-12).ln();
        let e2: f64 = -rng.random::<f64>().max(1e-12).ln();
        let n_messages = ((mean * (e1 + e2) / 2.0).round() as usize).min(80);

        // The history, in order: assignment and start, the conversation, the end.
        let mut steps: Vec<Step> = Vec::with_capacity(n_messages + 6);
        for s in &path {
            if matches!(s, Step::Assign | Step::InProgress) {
                steps.push(*s);
            }
        }
        for k in 0..n_messages {
            let staff = k % 2 == 0;
            let internal = staff && rng.random_bool(0.25);
            steps.push(Step::Message { staff, internal });
            if rng.random_bool(plan.attachment_rate) {
                steps.push(Step::Attach);
            }
        }
        for s in &path {
            if matches!(s, Step::Resolve | Step::Close) {
                steps.push(*s);
            }
        }
        let deleted = rng.random_bool(plan.deleted_rate);
        if deleted {
            steps.push(Step::Delete);
        }

        // Times: the ticket lives for a while (still going for open ones), steps spread over
        // that time in order, at least a millisecond apart, all before now.
        let lifetime = if matches!(status, "open" | "in_progress") {
            (age_micros as f64 * rng.random_range(0.2..0.95)) as i64
        } else {
            let days = lognormal(&mut rng, 3.0 * 24.0, 1.0, 1, 60 * 24) as i64;
            (days * MICROS_PER_HOUR).min(age_micros * 9 / 10)
        };
        let mut offsets: Vec<i64> = (0..steps.len())
            .map(|_| rng.random_range(1000..lifetime.max(2000)))
            .collect();
        offsets.sort_unstable();
        let mut last = created_at;
        let times: Vec<i64> = offsets
            .into_iter()
            .map(|o| {
                last = (created_at + o).max(last + 1000);
                last
            })
            .collect();

        let topic = self.vocabulary.topic(&mut rng);
        let words = lognormal(&mut rng, 40.0, 0.8, 3, 1000);
        let description = clip(self.vocabulary.sentences(&mut rng, words, true), 9_990);
        let search_text = words::search_text(&topic, &description);
        let mut conversation_text = String::new();
        let mut notes_text = String::new();

        let mut activity = |rng: &mut SmallRng,
                            action: &'static str,
                            details: Cow<'static, str>,
                            internal: bool,
                            by: Uuid,
                            at: i64| {
            out.activities.push(ActivityRow {
                id: uuid_v7(rng, at),
                ticket_id: id,
                action,
                details,
                internal,
                performed_by: by,
                created_at: at,
            });
        };
        activity(
            &mut rng,
            "created",
            Cow::Borrowed("Ticket created"),
            false,
            owner,
            created_at,
        );

        let mut version: i64 = 1;
        let mut current = "open";
        let mut resolved_at = None;
        let mut closed_at = None;
        let mut deleted_at = None;
        let mut message_count = 0;
        let mut internal_notes = 0;
        let mut last_message: Option<(Uuid, bool, Uuid)> = None;
        let mut last_public: Option<(Uuid, bool, i64)> = None;
        let mut messages = 0usize;
        let staff_actor = |rng: &mut SmallRng| {
            assignee
                .as_ref()
                .map_or_else(|| self.staff_member(rng).id, |a| a.id)
        };
        let mut updated_at = created_at;
        for (step, at) in steps.iter().zip(times.iter().copied()) {
            match *step {
                Step::Assign => {
                    let Some(a) = &assignee else { continue };
                    let by = if rng.random_bool(0.5) {
                        a.id
                    } else {
                        self.staff[rng.random_range(0..self.staff.len().min(2))].id
                    };
                    let details = format!("Ticket assigned to {}", a.username);
                    activity(
                        &mut rng,
                        "assigned_to_changed",
                        details.into(),
                        false,
                        by,
                        at,
                    );
                }
                Step::InProgress => {
                    let by = staff_actor(&mut rng);
                    activity(
                        &mut rng,
                        "status_changed",
                        Cow::Borrowed("Status changed from open to in_progress"),
                        false,
                        by,
                        at,
                    );
                    current = "in_progress";
                }
                Step::Message { staff, internal } => {
                    let author = if staff { staff_actor(&mut rng) } else { owner };
                    let words = lognormal(&mut rng, 25.0, 0.9, 1, 800);
                    let mut body = self.vocabulary.sentences(&mut rng, words, true);
                    if rng.random_ratio(1, RARE_WORD_ONE_IN) {
                        body = format!("See {} first. {body}", RARE_WORD.to_uppercase());
                    }
                    let body = clip(body, 9_990);
                    let stored = if internal {
                        &mut notes_text
                    } else {
                        &mut conversation_text
                    };
                    if let Some(more) = words::merged(stored, &body) {
                        *stored = more;
                    }
                    let mid = uuid_v7(&mut rng, at);
                    out.messages.push(MessageRow {
                        id: mid,
                        ticket_id: id,
                        author,
                        body,
                        is_staff: staff,
                        internal,
                        created_at: at,
                    });
                    messages += 1;
                    if internal {
                        internal_notes += 1;
                        activity(
                            &mut rng,
                            "internal_note_added",
                            Cow::Borrowed("Internal note added"),
                            true,
                            author,
                            at,
                        );
                    } else {
                        message_count += 1;
                        last_public = Some((author, staff, at));
                        activity(
                            &mut rng,
                            "message_added",
                            Cow::Borrowed("Message added"),
                            false,
                            author,
                            at,
                        );
                    }
                    last_message = Some((mid, internal, author));
                }
                Step::Attach => {
                    let Some((mid, internal, author)) = last_message else {
                        continue;
                    };
                    let sample = rng.random_range(0..self.samples.len());
                    let s = self.samples.get(sample);
                    let key = uuid_v4(&mut rng).simple().to_string();
                    let storage_key = format!("{}/{key}", &key[..2]);
                    out.attachments.push(AttachmentRow {
                        id: uuid_v7(&mut rng, at),
                        ticket_id: id,
                        message_id: Some(mid),
                        storage_key,
                        filename: s.filename,
                        content_type: s.content_type,
                        size: s.size,
                        sha256: s.sha256,
                        internal,
                        uploaded_by: author,
                        uploaded_at: at,
                        sample,
                    });
                    activity(
                        &mut rng,
                        "attachment_added",
                        format!("Attachment \"{}\" added", s.filename).into(),
                        internal,
                        author,
                        at,
                    );
                }
                Step::Resolve => {
                    let by = staff_actor(&mut rng);
                    let details = format!("Status changed from {current} to resolved");
                    activity(&mut rng, "resolved", details.into(), false, by, at);
                    current = "resolved";
                    resolved_at = Some(at);
                }
                Step::Close => {
                    let by = if rng.random_bool(0.6) {
                        owner
                    } else {
                        staff_actor(&mut rng)
                    };
                    let details = format!("Status changed from {current} to closed");
                    activity(&mut rng, "closed", details.into(), false, by, at);
                    current = "closed";
                    closed_at = Some(at);
                }
                Step::Delete => {
                    let by = self.staff_member(&mut rng).id;
                    activity(
                        &mut rng,
                        "deleted",
                        Cow::Borrowed("Ticket deleted"),
                        false,
                        by,
                        at,
                    );
                    deleted_at = Some(at);
                }
            }
            // Every applied change bumps the version and `updated_at` (skipped steps `continue`).
            version += 1;
            updated_at = at;
        }
        debug_assert_eq!(current, status);

        let live = deleted_at.is_none();
        if live && messages == 10 && picks.detail_ticket.is_none() && index >= plan.tickets / 2 {
            picks.detail_ticket = Some(id);
        }
        if live && matches!(status, "open" | "in_progress") && index >= plan.tickets / 2 {
            // Reservoir sample of the second half's live open tickets.
            picks.post_seen += 1;
            if picks.post_targets.len() < POST_TARGETS {
                picks.post_targets.push(id);
            } else {
                let j = rng.random_range(0..picks.post_seen);
                if let Some(slot) = picks.post_targets.get_mut(j) {
                    *slot = id;
                }
            }
        }
        if index + 1 + plan.tickets / 2 == plan.tickets {
            picks.middle = Some((created_at, id));
        }

        if picks.search_hits.len() < search.len() {
            picks.search_hits.resize(search.len(), 0);
        }
        if deleted_at.is_none() {
            let stored = [&search_text, &conversation_text, &notes_text];
            for (q, hits) in search.iter().zip(picks.search_hits.iter_mut()) {
                let found = q.terms().iter().all(|t| {
                    stored
                        .iter()
                        .any(|s| s.split(' ').any(|w| w.starts_with(t.as_str())))
                });
                if found {
                    *hits += 1;
                }
            }
        }

        out.tickets.push(TicketRow {
            id,
            owner,
            assignee: assignee.map(|a| a.id),
            topic,
            description,
            status,
            priority,
            created_at,
            updated_at,
            resolved_at,
            closed_at,
            version,
            message_count,
            internal_note_count: internal_notes,
            deleted_at,
            search_text,
            conversation_text,
            notes_text,
            last_public,
        });
    }
}

/// `s` cut to at most `max` bytes at a character boundary, without trailing blanks.
fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    let trimmed = s.trim_end().len();
    s.truncate(trimmed);
    s
}
