//! Concurrent writers: optimistic concurrency picks exactly one winner; guarded increments
//! never lose an update.

use ticketing_app::RepoError;
use ticketing_app::ports::{MessageRepository, TicketRepository};
use ticketing_domain::{Action, ActivityId, Priority, Role, Status, Ticket};

use crate::StoreUnderTest;
use crate::fixtures::{
    activities, add_ticket, add_user, assert_same, at, entry, message, messages, t0, ticket,
    tickets, touch,
};

/// Two writers update the same ticket from the same version at once: exactly one wins, the
/// other gets `Stale`; the ticket and the log hold the winner's change only.
pub async fn case_concurrent_updates_one_wins<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    for round in 0..5 {
        let t = ticket(&owner, &format!("Contended {round}"), "two writers", t0());
        let created = add_ticket(s, &t).await;
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
            tokio::spawn(async move { TicketRepository::update(&store, &state, 1, &log).await })
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
        let mut got: Vec<ActivityId> = activities(s)
            .list(t.id, true)
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

/// Twenty messages posted at once with `Touch`: all land, and the counters and version add up.
pub async fn case_concurrent_touches_all_land<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let t = ticket(&owner, "Busy", "many writers", t0());
    add_ticket(s, &t).await;
    let tasks = (0..20)
        .map(|i| {
            let store = s.clone();
            let m = message(t.id, &owner, &format!("message {i}"), false, at(i));
            let log = vec![entry(t.id, Action::MessageAdded, owner.id, false, at(i))];
            tokio::spawn(async move {
                MessageRepository::add(&store, &m, &touch(m.ticket_id, m.created_at, 1, 0), &log)
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
    assert_eq!(messages(s).list(t.id, false).await.unwrap().len(), 20);
    assert_eq!(activities(s).list(t.id, false).await.unwrap().len(), 21);
}
