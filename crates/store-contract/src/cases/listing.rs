//! Ticket lists: keyset pagination in every ordering, stability under inserts, filters, totals.

use std::collections::HashSet;

use ticketing_domain::listing::{
    AssigneeFilter, Limit, Scope, SortKey, TicketOrdering, TicketQuery,
};
use ticketing_domain::{Priority, Role, Status, Ticket, TicketId, User};

use crate::StoreUnderTest;
use crate::fixtures::{add_ticket, add_user, at, expected, ids, sort_key, ticket, tickets, walk};

/// Who the listing fixtures involve.
pub(crate) struct Cast {
    pub a: User,
    pub b: User,
    pub x: User,
    pub y: User,
}

/// 23 live tickets with many ties (creation times in threes, five update times, four
/// priorities), two owners, two assignees or none, every status; plus one deleted ticket.
pub(crate) async fn seed<S: StoreUnderTest>(s: &S) -> (Cast, Vec<Ticket>) {
    let cast = Cast {
        a: add_user(s, "owner-a", Role::Customer).await,
        b: add_user(s, "owner-b", Role::Customer).await,
        x: add_user(s, "agent-x", Role::Agent).await,
        y: add_user(s, "agent-y", Role::Agent).await,
    };
    let mut all = Vec::new();
    for i in 0..24_i64 {
        let owner = if i % 3 == 0 { &cast.b } else { &cast.a };
        let assignee = match i % 5 {
            0 => None,
            1 | 3 => Some(cast.x.id),
            _ => Some(cast.y.id),
        };
        let mut t = Ticket {
            assigned_to: assignee,
            status: Status::ALL[(i as usize / 2) % 4],
            priority: Priority::ALL[i as usize % 4],
            updated_at: at(1000 + (i * 7) % 5),
            // What customers see moves less (staff-only changes): another order, other ties.
            public_updated_at: at(500 + (i * 5) % 7),
            deleted_at: (i == 23).then(|| at(2000)),
            ..ticket(owner, &format!("Ticket {i}"), "listing fixture", at(i / 3))
        };
        add_ticket(s, &mut t).await;
        all.push(t);
    }
    (cast, all)
}

fn query(scope: Scope, ordering: TicketOrdering, limit: i64) -> TicketQuery {
    TicketQuery {
        ordering,
        limit: Limit::new(limit).unwrap(),
        ..TicketQuery::new(scope)
    }
}

/// Every ordering, several page sizes: all pages together are exactly the expected sequence
/// (no duplicate, no gap, ties by id in the same direction); totals on every page.
pub async fn case_pagination_every_ordering<S: StoreUnderTest>(s: &S) {
    let (_, all) = seed(s).await;
    for ordering in TicketOrdering::ALL {
        let want = expected(&all, &query(Scope::All, ordering, 1));
        assert_eq!(want.len(), 23);
        for limit in [1, 4, 7, 23, 200] {
            let q = query(Scope::All, ordering, limit);
            let got = walk(s, q.clone()).await;
            assert_eq!(ids(&got), want, "{ordering} limit {limit}");
            let first = tickets(s).list(&q).await.unwrap();
            assert_eq!(first.total, 23, "{ordering}");
            assert_eq!(first.next.is_some(), limit < 23, "{ordering} limit {limit}");
        }
    }
}

/// A customer's list (`public_view`) orders `updated_at` by the last change customers see
/// (`public_updated_at`), with cursors of that time, in both directions and every page size.
pub async fn case_public_view_orders_by_what_customers_see<S: StoreUnderTest>(s: &S) {
    let (cast, all) = seed(s).await;
    for descending in [false, true] {
        let ordering = TicketOrdering {
            key: SortKey::UpdatedAt,
            descending,
        };
        for scope in [Scope::OwnedBy(cast.a.id), Scope::All] {
            let staff = expected(&all, &query(scope, ordering, 1));
            for limit in [1, 4, 200] {
                let q = TicketQuery {
                    public_view: true,
                    ..query(scope, ordering, limit)
                };
                let want = expected(&all, &q);
                assert_ne!(want, staff, "the fixture tells the two orders apart");
                let got = walk(s, q.clone()).await;
                assert_eq!(ids(&got), want, "{ordering} limit {limit}");
            }
        }
    }
}

/// Inserting tickets between page fetches never duplicates, skips or misorders the tickets
/// that existed when the walk began.
pub async fn case_pagination_stable_under_inserts<S: StoreUnderTest>(s: &S) {
    let (cast, mut all) = seed(s).await;
    let mut n = 0_i64;
    for ordering in TicketOrdering::ALL {
        let before: Vec<TicketId> = expected(&all, &query(Scope::All, ordering, 1));
        let mut q = query(Scope::All, ordering, 4);
        let mut seen: Vec<Ticket> = Vec::new();
        for _ in 0..100 {
            let page = tickets(s).list(&q).await.unwrap();
            seen.extend(page.items);
            // A newest and an oldest ticket, highest and lowest priority, arrive meanwhile.
            for (offset, priority) in [(5000, Priority::Critical), (-5000, Priority::Low)] {
                n += 1;
                let mut t = Ticket {
                    priority,
                    updated_at: at(offset + n),
                    ..ticket(
                        &cast.a,
                        "Newcomer",
                        "inserted during the walk",
                        at(offset + n),
                    )
                };
                add_ticket(s, &mut t).await;
                all.push(t);
            }
            match page.next {
                None => break,
                Some(c) => {
                    q.after = Some(ticketing_domain::listing::Cursor::decode(&c, ordering).unwrap())
                }
            }
        }
        let unique: HashSet<TicketId> = seen.iter().map(|t| t.id).collect();
        assert_eq!(unique.len(), seen.len(), "{ordering}: duplicates");
        for id in &before {
            assert!(unique.contains(id), "{ordering}: a ticket was skipped");
        }
        let keys: Vec<_> = seen.iter().map(|t| sort_key(ordering, t)).collect();
        let ordered = keys.windows(2).all(|w| {
            if ordering.descending {
                w[0] > w[1]
            } else {
                w[0] < w[1]
            }
        });
        assert!(ordered, "{ordering}: out of order");
    }
}

/// Status and priority lists, assignee (a user or nobody), requester, scopes, and their
/// combinations select what `TicketQuery::selects` selects, with the right total; deleted
/// tickets never.
pub async fn case_filters_and_totals<S: StoreUnderTest>(s: &S) {
    let (cast, all) = seed(s).await;
    let base = |scope| query(scope, TicketOrdering::default(), 5);
    let cases: Vec<(&str, TicketQuery, usize)> = vec![
        ("all", base(Scope::All), 23),
        (
            "open",
            TicketQuery {
                statuses: vec![Status::Open],
                ..base(Scope::All)
            },
            6,
        ),
        (
            "open+resolved",
            TicketQuery {
                statuses: vec![Status::Open, Status::Resolved],
                ..base(Scope::All)
            },
            12,
        ),
        (
            "high+critical",
            TicketQuery {
                priorities: vec![Priority::High, Priority::Critical],
                ..base(Scope::All)
            },
            11,
        ),
        (
            "assigned to x",
            TicketQuery {
                assigned_to: Some(AssigneeFilter::User(cast.x.id)),
                ..base(Scope::All)
            },
            9,
        ),
        (
            "unassigned",
            TicketQuery {
                assigned_to: Some(AssigneeFilter::Nobody),
                ..base(Scope::All)
            },
            5,
        ),
        ("owned by a", base(Scope::OwnedBy(cast.a.id)), 15),
        ("owned by b", base(Scope::OwnedBy(cast.b.id)), 8),
        ("assigned scope y", base(Scope::AssignedTo(cast.y.id)), 9),
        (
            "x closed",
            TicketQuery {
                statuses: vec![Status::Closed],
                ..base(Scope::AssignedTo(cast.x.id))
            },
            1,
        ),
        (
            "b low unassigned",
            TicketQuery {
                priorities: vec![Priority::Low],
                assigned_to: Some(AssigneeFilter::Nobody),
                ..base(Scope::OwnedBy(cast.b.id))
            },
            1,
        ),
        (
            "requested by b",
            TicketQuery {
                requester: Some(cast.b.id),
                ..base(Scope::All)
            },
            8,
        ),
        (
            "requested by a, in y's scope, open or resolved",
            TicketQuery {
                requester: Some(cast.a.id),
                statuses: vec![Status::Open, Status::Resolved],
                ..base(Scope::AssignedTo(cast.y.id))
            },
            usize::MAX,
        ),
        (
            "requested by a among b's own",
            TicketQuery {
                requester: Some(cast.a.id),
                ..base(Scope::OwnedBy(cast.b.id))
            },
            0,
        ),
        (
            "requested by an agent",
            TicketQuery {
                requester: Some(cast.x.id),
                ..base(Scope::All)
            },
            0,
        ),
        (
            "a, y, in progress or closed, by priority",
            TicketQuery {
                statuses: vec![Status::InProgress, Status::Closed],
                assigned_to: Some(AssigneeFilter::User(cast.y.id)),
                ordering: "-priority".parse().unwrap(),
                ..base(Scope::OwnedBy(cast.a.id))
            },
            usize::MAX,
        ),
    ];
    for (name, q, count) in cases {
        let want = expected(&all, &q);
        if count != usize::MAX {
            assert_eq!(want.len(), count, "{name}: fixture arithmetic");
        }
        let first = tickets(s).list(&q).await.unwrap();
        assert_eq!(first.total, want.len() as u64, "{name}: total");
        let got = walk(s, q).await;
        assert_eq!(ids(&got), want, "{name}");
    }
}
