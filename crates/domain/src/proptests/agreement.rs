//! `policy::may` and the change functions never disagree: whatever the actor, the ticket and the
//! change, a change succeeds only when `may` allows every intent it implies, fails whenever `may`
//! refuses one, and a refusal it reports is one `may` gives.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use proptest::prelude::*;
use uuid::Uuid;

use super::lifecycle::{PatchSpec, actor, build, patch, status};
use crate::change::{self, ChangeError, NewMessage, TicketPatch};
use crate::ids::{MessageId, UserId};
use crate::policy::{self, Intent, Refusal};
use crate::testkit::{self, AGENT, OTHER, OTHER_TICKET, OWNER, TICKET};
use crate::text::MessageBody;
use crate::ticket::Ticket;
use crate::user::Actor;

#[derive(Debug, Clone)]
enum Op {
    Patch(PatchSpec),
    Message {
        internal: bool,
    },
    /// A message with changes (`add_message_with_changes`).
    MessageWith {
        internal: bool,
        changes: PatchSpec,
    },
    /// Attach, to no message (`None`) or to one: 0 public of this ticket, 1 internal of this
    /// ticket, 2 of another ticket.
    Attach(Option<usize>),
    /// Remove a public attachment of this ticket uploaded by owner / other customer / agent.
    Remove(usize),
    Delete,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => patch().prop_map(Op::Patch),
        2 => any::<bool>().prop_map(|internal| Op::Message { internal }),
        3 => (any::<bool>(), patch())
            .prop_map(|(internal, changes)| Op::MessageWith { internal, changes }),
        1 => prop::option::of(0..3usize).prop_map(Op::Attach),
        1 => (0..3usize).prop_map(Op::Remove),
        1 => Just(Op::Delete),
    ]
}

fn ticket() -> impl Strategy<Value = Ticket> {
    (status(), any::<bool>(), prop::bool::weighted(0.15)).prop_map(|(s, assigned, deleted)| {
        let mut t = testkit::ticket(s);
        t.assigned_to = assigned.then_some(AGENT);
        if deleted {
            t = testkit::deleted(t);
        }
        t
    })
}

/// The intents of the fields of `p` that differ from `t`.
fn patch_intents(t: &Ticket, p: &TicketPatch) -> Vec<Intent> {
    let mut intents = Vec::new();
    let edits = p.topic.as_ref().is_some_and(|x| *x != t.topic)
        || p.description.as_ref().is_some_and(|x| *x != t.description);
    if edits {
        intents.push(Intent::Edit);
    }
    if let Some(s) = p.status.filter(|s| *s != t.status) {
        intents.push(Intent::SetStatus(s));
    }
    if p.priority.is_some_and(|x| x != t.priority) {
        intents.push(Intent::SetPriority);
    }
    if p.assigned_to
        .as_ref()
        .is_some_and(|a| a.as_ref().map(|u| u.id) != t.assigned_to)
    {
        intents.push(Intent::Assign);
    }
    intents
}

/// What `op` asks of `may`, and what the change answered (success or the error).
fn run(actor: &Actor, t: &Ticket, op: &Op) -> (Vec<Intent>, Result<(), ChangeError>) {
    let now = testkit::now() + Duration::minutes(1);
    let ids = testkit::ids();
    match op {
        Op::Patch(spec) => {
            let p = build(spec);
            let mut intents = vec![Intent::View];
            intents.extend(patch_intents(t, &p));
            (
                intents,
                change::apply_patch(actor, t, &p, now, ids).map(drop),
            )
        }
        Op::MessageWith { internal, changes } => {
            let p = build(changes);
            let mut intents = vec![if *internal {
                Intent::InternalNote
            } else {
                Intent::Reply
            }];
            intents.extend(patch_intents(t, &p));
            let new = NewMessage {
                id: MessageId::from_uuid(Uuid::from_u128(78)),
                body: MessageBody::parse("hello").unwrap(),
                internal: *internal,
            };
            (
                intents,
                change::add_message_with_changes(actor, t, new, &p, now, ids).map(drop),
            )
        }
        Op::Message { internal } => {
            let new = NewMessage {
                id: MessageId::from_uuid(Uuid::from_u128(77)),
                body: MessageBody::parse("hello").unwrap(),
                internal: *internal,
            };
            let intent = if *internal {
                Intent::InternalNote
            } else {
                Intent::Reply
            };
            (
                vec![intent],
                change::add_message(actor, t, new, now, ids).map(drop),
            )
        }
        Op::Attach(to) => {
            let message = to.map(|i| match i {
                0 => testkit::message(60, TICKET, OWNER, false),
                1 => testkit::message(61, TICKET, AGENT, true),
                _ => testkit::message(62, OTHER_TICKET, OWNER, false),
            });
            let new = testkit::new_attachment(70, "log.txt");
            let checked = change::check_attachment(actor, t, message.as_ref());
            let added = change::add_attachment(actor, t, new, message.as_ref(), now, ids);
            // The pre-check and the change itself agree too.
            assert_eq!(checked, added.as_ref().map(drop).map_err(Clone::clone));
            let mut intents = vec![Intent::View, Intent::Attach];
            if let Some(m) = &message {
                intents.push(Intent::AttachToMessage { author: m.author });
            }
            (intents, added.map(drop))
        }
        Op::Remove(by) => {
            let uploader: UserId = [OWNER, OTHER, AGENT][*by];
            let attachment = testkit::attachment(80, TICKET, uploader, false);
            let intent = Intent::RemoveAttachment {
                uploaded_by: uploader,
            };
            let r = change::remove_attachment(actor, t, &attachment, now, ids);
            (vec![intent], r.map(drop))
        }
        Op::Delete => (
            vec![Intent::Delete],
            change::delete_ticket(actor, t, now, ids).map(drop),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn may_and_the_changes_never_disagree(who in 0..4usize, t in ticket(), op in op()) {
        let actor = actor(who);
        let (intents, result) = run(&actor, &t, &op);
        let refusals: Vec<Refusal> = intents
            .iter()
            .filter_map(|i| policy::may(&actor, &t, *i).err())
            .collect();
        match &result {
            Ok(()) => prop_assert!(refusals.is_empty(), "succeeded although may refused {refusals:?}"),
            Err(ChangeError::Refused(r)) => prop_assert!(
                refusals.contains(r),
                "refused with {r:?}, but may answered {refusals:?} for {intents:?}"
            ),
            // Other errors are about the values given (the assignee, the message).
            Err(_) => {}
        }
        if refusals.is_empty() {
            prop_assert!(!matches!(result, Err(ChangeError::Refused(_))), "{result:?}");
        } else {
            prop_assert!(result.is_err(), "may refused {refusals:?} but the change succeeded");
        }
        // What `allowed` offers works, as far as the intent goes.
        let allowed = policy::allowed(&actor, &t);
        if let Op::Patch(spec) = &op {
            if let Some(s) = build(spec).status.filter(|s| *s != t.status) {
                prop_assert_eq!(allowed.transitions.contains(&s), intents.iter().all(|i| {
                    *i != Intent::SetStatus(s) || policy::may(&actor, &t, *i).is_ok()
                }));
            }
        }
    }
}
