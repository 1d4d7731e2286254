//! Concurrent writers: optimistic concurrency picks exactly one winner; guarded increments
//! never lose an update; the last-admin rule holds under concurrent demotions.

use ticketing_app::RepoError;
use ticketing_app::ports::{AccessChange, AccessOutcome, MessageRepository, TicketRepository};
use ticketing_domain::listing::{Limit, Scope, SearchText, TicketQuery, UserQuery};
use ticketing_domain::{Action, ActivityId, Priority, Role, Status, Ticket};

use crate::StoreUnderTest;
use crate::fixtures::{
    add_ticket, add_user, all_activities, all_messages, assert_same, at, entry, message, t0,
    ticket, tickets, touch, users,
};

/// Two writers update the same ticket from the same version at once: exactly one wins, the
/// other gets `Stale`; the ticket and the log hold the winner's change only.
pub async fn case_concurrent_updates_one_wins<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    for round in 0..5 {
        let mut t = ticket(&owner, &format!("Contended {round}"), "two writers", t0());
        let created = add_ticket(s, &mut t).await;
        let by_priority = Ticket {
            priority: Priority::High,
            version: 2,
            updated_at: at(1),
            ..t.clone()
        };
        let by_status = Ticket {
            status: Status::InProgress,
            version: 2,
            updated_at: at(2),
            ..t.clone()
        };
        let log_p = vec![entry(t.id, Action::PriorityChanged, agent.id, false, at(1))];
        let log_s = vec![
            entry(t.id, Action::StatusChanged, agent.id, false, at(2)),
            entry(t.id, Action::AssignedToChanged, agent.id, false, at(2)),
        ];
        let tasks = [
            (by_priority.clone(), log_p.clone()),
            (by_status.clone(), log_s.clone()),
        ]
        .into_iter()
        .map(|(state, log)| {
            let store = s.clone();
            tokio::spawn(
                async move { TicketRepository::update(&store, &state, 1, &log, &[]).await },
            )
        })
        .collect::<Vec<_>>();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap());
        }
        let won: Vec<usize> = (0..2).filter(|i| outcomes[*i].is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        let lost = 1 - won[0];
        assert!(
            matches!(outcomes[lost], Err(RepoError::Stale)),
            "round {round}: {outcomes:?}"
        );
        let (state, log) = if won[0] == 0 {
            (by_priority, log_p)
        } else {
            (by_status, log_s)
        };
        assert_same(&tickets(s).get(t.id).await.unwrap(), &state);
        let mut got: Vec<ActivityId> = all_activities(s, t.id, true)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        let mut want: Vec<ActivityId> = log.iter().map(|a| a.id).collect();
        want.push(created.id);
        got.sort();
        want.sort();
        assert_eq!(
            got, want,
            "round {round}: the log holds exactly the winner's entries"
        );
    }
}

/// Twenty messages posted at once with `Touch`: all land, the counters and version add up, and
/// every message's own word is found by a search (each added its words to what the others
/// stored, none overwrote another's).
pub async fn case_concurrent_touches_all_land<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let mut t = ticket(&owner, "Busy", "many writers", t0());
    add_ticket(s, &mut t).await;
    let tasks = (0..20)
        .map(|i| {
            let store = s.clone();
            let m = message(
                t.id,
                &owner,
                &format!("message {i} zq{i}word"),
                false,
                at(i),
            );
            let log = vec![entry(t.id, Action::MessageAdded, owner.id, false, at(i))];
            tokio::spawn(async move {
                MessageRepository::add(
                    &store,
                    &m,
                    &touch(m.ticket_id, m.created_at, 1, 0),
                    &log,
                    &[],
                )
                .await
            })
        })
        .collect::<Vec<_>>();
    for task in tasks {
        task.await.unwrap().expect("every concurrent message lands");
    }
    let stored = tickets(s).get(t.id).await.unwrap();
    assert_eq!(stored.message_count, 20);
    assert_eq!(stored.version, 21);
    // Whatever order they committed in, the newest is who spoke last.
    assert_eq!(
        stored.last_public_message.map(|l| (l.author, l.created_at)),
        Some((owner.id, at(19)))
    );
    assert_eq!(all_messages(s, t.id, false).await.unwrap().len(), 20);
    assert_eq!(all_activities(s, t.id, false).await.unwrap().len(), 21);
    for i in 0..20 {
        let query = TicketQuery {
            text: Some(SearchText::parse(&format!("zq{i}word")).unwrap()),
            ..TicketQuery::new(Scope::All)
        };
        let found = tickets(s).list(&query).await.unwrap().items;
        assert_eq!(
            found.iter().map(|f| f.id).collect::<Vec<_>>(),
            [t.id],
            "the words of message {i}"
        );
    }
}

/// The two only active admins demote (or deactivate) each other at once: exactly one change is
/// applied, the other is `LastAdmin` and changes nothing; one active admin remains. Repeated,
/// each round pairing the survivor with a new admin.
pub async fn case_concurrent_admin_demotions_keep_one<S: StoreUnderTest>(s: &S) {
    let mut survivor = add_user(s, "admin_0", Role::Admin).await;
    for round in 1..=10 {
        let newcomer = add_user(s, &format!("admin_{round}"), Role::Admin).await;
        let pair = [survivor.clone(), newcomer];
        let changes = [
            AccessChange {
                role: Some(Role::Agent),
                ..AccessChange::default()
            },
            if round % 2 == 0 {
                AccessChange {
                    role: Some(Role::Customer),
                    ..AccessChange::default()
                }
            } else {
                AccessChange {
                    is_active: Some(false),
                    revoke_tokens: true,
                    ..AccessChange::default()
                }
            },
        ];
        let tasks = pair
            .iter()
            .zip(changes)
            .map(|(u, change)| {
                let store = s.clone();
                let id = u.id;
                tokio::spawn(async move { store.update_access(id, &change, &[]).await })
            })
            .collect::<Vec<_>>();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.unwrap().unwrap());
        }
        let won: Vec<usize> = (0..2)
            .filter(|i| matches!(outcomes[*i], AccessOutcome::Updated(_)))
            .collect();
        assert_eq!(won.len(), 1, "round {round}: {outcomes:?}");
        let lost = 1 - won[0];
        assert_eq!(
            outcomes[lost],
            AccessOutcome::LastAdmin,
            "round {round}: {outcomes:?}"
        );
        if let AccessOutcome::Updated(winner) = &outcomes[won[0]] {
            assert_same(&users(s).get(winner.id).await.unwrap(), winner);
            assert!(winner.role != Role::Admin || !winner.is_active);
        }
        let loser = users(s).get(pair[lost].id).await.unwrap();
        assert_same(&loser, &pair[lost]);
        let active_admins = users(s)
            .list(&UserQuery {
                role: Some(Role::Admin),
                active: Some(true),
                text: None,
                after: None,
                limit: Limit::new(50).unwrap(),
            })
            .await
            .unwrap();
        assert_eq!(
            active_admins.items.iter().map(|u| u.id).collect::<Vec<_>>(),
            [loser.id],
            "round {round}: exactly one active admin remains"
        );
        survivor = loser;
    }
}

/// Password changes and token revocations racing on one user: every one increments the epoch
/// (none is lost), and each `set_password` returns a distinct new epoch.
pub async fn case_concurrent_epoch_bumps_all_land<S: StoreUnderTest>(s: &S) {
    add_user(s, "keeper", Role::Admin).await;
    let target = add_user(s, "target", Role::Agent).await;
    let tasks = (0..16)
        .map(|i| {
            let store = s.clone();
            let id = target.id;
            tokio::spawn(async move {
                if i % 2 == 0 {
                    store
                        .set_password(id, &format!("$hash-{i}"), &[])
                        .await
                        .map(Some)
                } else {
                    let change = AccessChange {
                        revoke_tokens: true,
                        ..AccessChange::default()
                    };
                    store.update_access(id, &change, &[]).await.map(|_| None)
                }
            })
        })
        .collect::<Vec<_>>();
    let mut returned = Vec::new();
    for task in tasks {
        if let Some(epoch) = task.await.unwrap().expect("every bump lands") {
            returned.push(epoch);
        }
    }
    returned.sort_unstable();
    returned.dedup();
    assert_eq!(returned.len(), 8, "distinct epochs: {returned:?}");
    assert!(
        returned.iter().all(|e| (1..=16).contains(e)),
        "{returned:?}"
    );
    let stored = users(s).get(target.id).await.unwrap();
    assert_eq!(stored.token_epoch, 16);
    assert_eq!(stored.role, Role::Agent);
    assert!(stored.is_active);
}
