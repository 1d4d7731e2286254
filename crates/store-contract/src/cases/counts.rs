//! List totals stay exact through every kind of ticket write: stores may answer `total` from
//! counters kept alongside the tickets (see the `ticket_counts` migration), and those counters
//! must never drift from what the filters select.

use ticketing_app::ports::TicketEffect;
use ticketing_domain::listing::{AssigneeFilter, Scope, TicketQuery};
use ticketing_domain::{Priority, Status, Ticket, UserId};

use crate::StoreUnderTest;
use crate::fixtures::{at, message, messages, tickets};

use super::listing::{Cast, seed};

/// Every combination of scope and filters whose total may come from counters, plus owner
/// scopes (which may not); each total must equal what the reference semantics select.
async fn check_totals<S: StoreUnderTest>(s: &S, cast: &Cast, all: &[Ticket], step: &str) {
    let scopes = [
        Scope::All,
        Scope::AssignedTo(cast.x.id),
        Scope::AssignedTo(cast.y.id),
        Scope::AssignedTo(cast.a.id),
        Scope::OwnedBy(cast.a.id),
    ];
    let statuses: [&[Status]; 4] = [
        &[],
        &[Status::Open],
        &[Status::Open, Status::InProgress],
        &[Status::Closed, Status::Resolved],
    ];
    let priorities: [&[Priority]; 3] =
        [&[], &[Priority::High], &[Priority::Low, Priority::Critical]];
    let assignees = [
        None,
        Some(AssigneeFilter::User(cast.x.id)),
        Some(AssigneeFilter::User(cast.y.id)),
        Some(AssigneeFilter::Nobody),
    ];
    for scope in scopes {
        for st in statuses {
            for pr in priorities {
                for assigned_to in assignees {
                    let q = TicketQuery {
                        statuses: st.to_vec(),
                        priorities: pr.to_vec(),
                        assigned_to,
                        ..TicketQuery::new(scope)
                    };
                    let want = all.iter().filter(|t| q.selects(t)).count() as u64;
                    let got = tickets(s).list(&q).await.unwrap().total;
                    assert_eq!(
                        got, want,
                        "after {step}: total of {scope:?} {st:?} {pr:?} {assigned_to:?}"
                    );
                }
            }
        }
    }
}

/// Saves `next` over the stored ticket at `index` (one version later).
async fn save<S: StoreUnderTest>(s: &S, all: &mut [Ticket], index: usize, next: Ticket) {
    let before = all[index].version;
    let next = Ticket {
        version: before + 1,
        ..next
    };
    tickets(s).update(&next, before, &[], &[]).await.unwrap();
    all[index] = next;
}

fn assigned(t: &Ticket, to: Option<UserId>) -> Ticket {
    Ticket {
        assigned_to: to,
        ..t.clone()
    }
}

/// Creation (live and deleted), reassignment, unassignment, status, priority, several fields
/// at once, soft deletion and a message that reopens a ticket: totals stay exact after each.
pub async fn case_totals_stay_exact<S: StoreUnderTest>(s: &S) {
    let (cast, mut all) = seed(s).await;
    check_totals(s, &cast, &all, "creation").await;

    let (x, y) = (cast.x.id, cast.y.id);
    let i_unassigned = all.iter().position(|t| t.assigned_to.is_none()).unwrap();
    let i_x = all.iter().position(|t| t.assigned_to == Some(x)).unwrap();
    let i_y = all.iter().position(|t| t.assigned_to == Some(y)).unwrap();
    let next = assigned(&all[i_unassigned], Some(x));
    save(s, &mut all, i_unassigned, next).await;
    let next = assigned(&all[i_x], Some(y));
    save(s, &mut all, i_x, next).await;
    let next = assigned(&all[i_y], None);
    save(s, &mut all, i_y, next).await;
    check_totals(s, &cast, &all, "reassignments").await;

    let i = all.iter().position(|t| t.status == Status::Open).unwrap();
    let next = Ticket {
        status: Status::Closed,
        closed_at: Some(at(3000)),
        ..all[i].clone()
    };
    save(s, &mut all, i, next).await;
    let j = all
        .iter()
        .position(|t| t.priority != Priority::Critical)
        .unwrap();
    let next = Ticket {
        priority: Priority::Critical,
        ..all[j].clone()
    };
    save(s, &mut all, j, next).await;
    check_totals(s, &cast, &all, "status and priority changes").await;

    let k = all
        .iter()
        .position(|t| t.deleted_at.is_none() && t.status == Status::InProgress)
        .unwrap();
    let next = Ticket {
        status: Status::Resolved,
        priority: Priority::Low,
        assigned_to: if all[k].assigned_to == Some(x) {
            Some(y)
        } else {
            Some(x)
        },
        resolved_at: Some(at(3001)),
        ..all[k].clone()
    };
    save(s, &mut all, k, next).await;
    check_totals(s, &cast, &all, "a change of every counted field").await;

    let d = all.iter().position(|t| t.deleted_at.is_none()).unwrap();
    let next = Ticket {
        deleted_at: Some(at(3002)),
        ..all[d].clone()
    };
    save(s, &mut all, d, next).await;
    check_totals(s, &cast, &all, "a soft delete").await;

    // A customer's reply reopens a resolved ticket: the status moves through a message write.
    let r = all
        .iter()
        .position(|t| t.deleted_at.is_none() && t.status == Status::Resolved)
        .unwrap();
    let before = all[r].clone();
    let reopened = Ticket {
        status: Status::Open,
        resolved_at: None,
        version: before.version + 1,
        message_count: before.message_count + 1,
        updated_at: at(3003),
        ..before.clone()
    };
    let m = message(before.id, &cast.a, "Still broken", false, at(3003));
    let effect = TicketEffect::Replace {
        ticket: reopened.clone(),
        expected_version: before.version,
    };
    messages(s).add(&m, &effect, &[], &[]).await.unwrap();
    all[r] = reopened;
    check_totals(s, &cast, &all, "a reply that reopens").await;

    // A write that loses its version race changes nothing.
    let stale = Ticket {
        status: Status::Closed,
        version: all[r].version + 1,
        ..all[r].clone()
    };
    assert!(tickets(s).update(&stale, 1, &[], &[]).await.is_err());
    check_totals(s, &cast, &all, "a stale update").await;
}

/// Concurrent writers moving tickets in opposite directions between the same counters all
/// land (no deadlock, no lost update) and the totals match the final tickets.
pub async fn case_totals_exact_under_concurrent_moves<S: StoreUnderTest>(s: &S) {
    let (cast, mut all) = seed(s).await;
    let (x, y) = (cast.x.id, cast.y.id);
    let mut tasks = Vec::new();
    let mut finals = Vec::new();
    for (i, t) in all.iter().enumerate() {
        if t.deleted_at.is_some() {
            continue;
        }
        // Even tickets move x -> y (and up in status), odd ones y -> x (and down).
        let next = Ticket {
            assigned_to: if i % 2 == 0 { Some(y) } else { Some(x) },
            status: if i % 2 == 0 {
                Status::Resolved
            } else {
                Status::Open
            },
            priority: Priority::ALL[(i + 1) % 4],
            version: t.version + 1,
            ..t.clone()
        };
        finals.push((i, next.clone()));
        let store = s.clone();
        let expected = t.version;
        tasks.push(tokio::spawn(async move {
            tickets(&store).update(&next, expected, &[], &[]).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    for (i, t) in finals {
        all[i] = t;
    }
    check_totals(s, &cast, &all, "concurrent moves").await;
}
