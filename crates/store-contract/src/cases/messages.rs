//! Messages, attachments and activities: round trips, order, internal-note visibility.

use ticketing_app::RepoError;
use ticketing_domain::listing::{Cursor, Limit, Page, TimelineQuery};
use ticketing_domain::{
    Action, ActivityChange, ActivityEntry, AttachmentId, Priority, Role, Status, Ticket,
};

use crate::StoreUnderTest;
use crate::fixtures::{
    activities, add_ticket, add_user, all_activities, all_attachments, all_messages, assert_same,
    at, attachment, attachments, entry, message, messages, new_id, t0, ticket, tickets, touch,
};

/// Messages come back whole, oldest first (ties by id); internal notes only when asked; the
/// ticket's counters follow.
pub async fn case_messages<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&owner, "Chatty", "talk", t0());
    add_ticket(s, &mut t).await;
    let mut other = ticket(&owner, "Other", "quiet", t0());
    add_ticket(s, &mut other).await;

    let m1 = message(t.id, &owner, "first", false, at(1));
    let n1 = message(t.id, &agent, "internal note", true, at(2));
    let m2 = message(t.id, &agent, "public reply at the same time", false, at(2));
    let m3 = message(t.id, &owner, "third", false, at(3));
    for m in [&m1, &n1, &m2, &m3] {
        let (effect, action) = if m.internal {
            (touch(t.id, m.created_at, 0, 1), Action::InternalNoteAdded)
        } else {
            (touch(t.id, m.created_at, 1, 0), Action::MessageAdded)
        };
        let log = [entry(t.id, action, m.author, m.internal, m.created_at)];
        messages(s).add(m, &effect, &log, &[]).await.unwrap();
    }
    let mut tied = [n1.clone(), m2.clone()];
    tied.sort_by_key(|m| m.id);
    let all = vec![m1.clone(), tied[0].clone(), tied[1].clone(), m3.clone()];
    assert_same(&all_messages(s, t.id, true).await.unwrap(), &all);
    assert_same(
        &all_messages(s, t.id, false).await.unwrap(),
        &vec![m1.clone(), m2.clone(), m3.clone()],
    );
    assert_same(&messages(s).get(n1.id).await.unwrap(), &n1);
    assert!(all_messages(s, other.id, true).await.unwrap().is_empty());

    let stored = tickets(s).get(t.id).await.unwrap();
    assert_eq!((stored.message_count, stored.internal_note_count), (3, 1));
    assert_eq!((stored.version, stored.updated_at), (5, at(3)));
    assert_eq!(stored.visible_message_count(false), 3);
}

/// Attachments: round trip (with and without a message), visibility, order, storage keys,
/// a duplicate storage key refused with nothing written, removal.
pub async fn case_attachments<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&owner, "Files", "see attached", t0());
    add_ticket(s, &mut t).await;
    let m = message(t.id, &owner, "with a file", false, at(1));
    messages(s)
        .add(&m, &touch(t.id, at(1), 1, 0), &[], &[])
        .await
        .unwrap();
    let n = message(t.id, &agent, "secret file", true, at(2));
    messages(s)
        .add(&n, &touch(t.id, at(2), 0, 1), &[], &[])
        .await
        .unwrap();

    let mut a1 = attachment(t.id, None, &owner, "plain.pdf", at(3));
    a1.file.size = 5_000_000_000;
    let a2 = attachment(t.id, Some(&m), &owner, "reply.png", at(3));
    let a3 = attachment(t.id, Some(&n), &agent, "internal.txt", at(4));
    assert!(a3.internal && !a2.internal);
    for a in [&a1, &a2, &a3] {
        let log = [entry(
            t.id,
            Action::AttachmentAdded,
            a.uploaded_by,
            a.internal,
            a.uploaded_at,
        )];
        attachments(s)
            .add(a, &touch(t.id, a.uploaded_at, 0, 0), &log, &[])
            .await
            .unwrap();
    }
    for a in [&a1, &a2, &a3] {
        assert_same(&attachments(s).get(a.id).await.unwrap(), a);
    }
    let mut tied = [a1.clone(), a2.clone()];
    tied.sort_by_key(|a| a.id);
    assert_same(
        &all_attachments(s, t.id, false).await.unwrap(),
        &tied.to_vec(),
    );
    let mut everything = tied.to_vec();
    everything.push(a3.clone());
    assert_same(&all_attachments(s, t.id, true).await.unwrap(), &everything);
    let keys = attachments(s).storage_keys().await.unwrap();
    assert_eq!(keys.len(), 3);
    // The upload quota counts the stored sizes of each uploader (above 2^32 too).
    let owner_bytes = attachments(s).bytes_uploaded_by(owner.id).await.unwrap();
    assert_eq!(owner_bytes, a1.file.size + a2.file.size);
    let agent_bytes = attachments(s).bytes_uploaded_by(agent.id).await.unwrap();
    assert_eq!(agent_bytes, a3.file.size);
    let nobody = ticketing_domain::UserId::from_uuid(new_id());
    assert_eq!(attachments(s).bytes_uploaded_by(nobody).await.unwrap(), 0);
    assert!(keys.contains(&a1.file.storage_key) && keys.contains(&a3.file.storage_key));

    let before = tickets(s).get(t.id).await.unwrap();
    let log_before = all_activities(s, t.id, true).await.unwrap();
    let mut dup = attachment(t.id, None, &owner, "dup.pdf", at(5));
    dup.file.storage_key = a1.file.storage_key.clone();
    let log = [entry(t.id, Action::AttachmentAdded, owner.id, false, at(5))];
    let r = attachments(s)
        .add(&dup, &touch(t.id, at(5), 0, 0), &log, &[])
        .await;
    assert!(
        matches!(
            r,
            Err(RepoError::Conflict {
                field: "storage_key"
            })
        ),
        "{r:?}"
    );
    assert_same(&tickets(s).get(t.id).await.unwrap(), &before);
    assert_eq!(
        all_activities(s, t.id, true).await.unwrap().len(),
        log_before.len()
    );

    let log = [entry(
        t.id,
        Action::AttachmentRemoved,
        owner.id,
        false,
        at(6),
    )];
    attachments(s)
        .remove(a2.id, &touch(t.id, at(6), 0, 0), &log, &[])
        .await
        .unwrap();
    assert!(matches!(
        attachments(s).get(a2.id).await,
        Err(RepoError::NotFound)
    ));
    assert_eq!(attachments(s).storage_keys().await.unwrap().len(), 2);
    assert_eq!(
        attachments(s).bytes_uploaded_by(owner.id).await.unwrap(),
        a1.file.size
    );
    assert_eq!(
        tickets(s).get(t.id).await.unwrap().version,
        before.version + 1
    );
    let r = attachments(s)
        .remove(a2.id, &touch(t.id, at(7), 0, 0), &[], &[])
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");
    let ghost = AttachmentId::from_uuid(new_id());
    let r = attachments(s)
        .remove(ghost, &touch(t.id, at(7), 0, 0), &[], &[])
        .await;
    assert!(matches!(r, Err(RepoError::NotFound)), "{r:?}");

    // Closing the ticket: removal is refused (Stale) and the row stays.
    let current = tickets(s).get(t.id).await.unwrap();
    let closed = Ticket {
        status: Status::Closed,
        closed_at: Some(at(8)),
        version: current.version + 1,
        updated_at: at(8),
        ..current.clone()
    };
    tickets(s)
        .update(&closed, current.version, &[], &[])
        .await
        .unwrap();
    let r = attachments(s)
        .remove(a1.id, &touch(t.id, at(9), 0, 0), &[], &[])
        .await;
    assert!(matches!(r, Err(RepoError::Stale)), "{r:?}");
    assert_same(&attachments(s).get(a1.id).await.unwrap(), &a1);
}

/// The log: newest first, ties by id descending; internal entries only when asked.
pub async fn case_activities<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&owner, "Logged", "log me", t0());
    let created = add_ticket(s, &mut t).await;
    // Entries with and without their change as values (each kind round-trips).
    let with = |action, change| ActivityEntry {
        change: Some(change),
        ..entry(t.id, action, agent.id, false, at(10))
    };
    let burst = vec![
        with(
            Action::StatusChanged,
            ActivityChange::Status {
                from: Status::Open,
                to: Status::InProgress,
            },
        ),
        with(
            Action::PriorityChanged,
            ActivityChange::Priority {
                from: Priority::Low,
                to: Priority::Critical,
            },
        ),
        with(
            Action::AssignedToChanged,
            ActivityChange::Assignee {
                from: None,
                to: Some(agent.id),
            },
        ),
        with(
            Action::AssignedToChanged,
            ActivityChange::Assignee {
                from: Some(agent.id),
                to: None,
            },
        ),
        with(
            Action::Created,
            ActivityChange::Requester {
                requester: owner.id,
            },
        ),
        entry(t.id, Action::Updated, agent.id, false, at(10)),
    ];
    let v2 = Ticket {
        version: 2,
        updated_at: at(10),
        ..t.clone()
    };
    tickets(s).update(&v2, 1, &burst, &[]).await.unwrap();
    let note = message(t.id, &agent, "psst", true, at(20));
    let note_entry = entry(t.id, Action::InternalNoteAdded, agent.id, true, at(20));
    messages(s)
        .add(
            &note,
            &touch(t.id, at(20), 0, 1),
            std::slice::from_ref(&note_entry),
            &[],
        )
        .await
        .unwrap();

    let mut tied = burst.clone();
    tied.sort_by_key(|e| std::cmp::Reverse(e.id));
    let mut want: Vec<ActivityEntry> = vec![note_entry.clone()];
    want.extend(tied.iter().cloned());
    want.push(created.clone());
    assert_same(&all_activities(s, t.id, true).await.unwrap(), &want);
    want.remove(0);
    assert_same(&all_activities(s, t.id, false).await.unwrap(), &want);
}

/// Walks a timeline in pages of `limit`, checking each page's size and total; the items in order.
async fn walk_pages<T, F, Fut>(descending: bool, limit: i64, total: u64, mut list: F) -> Vec<T>
where
    F: FnMut(TimelineQuery) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, RepoError>>,
{
    let mut q = TimelineQuery {
        descending,
        after: None,
        limit: Limit::new(limit).unwrap(),
    };
    let mut all = Vec::new();
    loop {
        let page = list(q).await.unwrap();
        assert_eq!(page.total, total);
        let size = page.items.len();
        all.extend(page.items);
        match page.next {
            Some(next) => {
                assert_eq!(
                    i64::try_from(size).unwrap(),
                    limit,
                    "only a full page has a next"
                );
                q.after = Some(Cursor::decode(&next, q.ordering()).unwrap());
            }
            None => {
                assert!(i64::try_from(size).unwrap() <= limit);
                return all;
            }
        }
        assert!(all.len() as u64 <= total, "endless pages");
    }
}

/// A ticket's messages, attachments and activities page by keyset in both directions: each
/// item exactly once, ties by id, `total` the same on every page, internal items only when
/// asked; a cursor of the other direction is refused; the attachments of given messages.
pub async fn case_timelines<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "owner", Role::Customer).await;
    let agent = add_user(s, "agent", Role::Agent).await;
    let mut t = ticket(&owner, "Long", "history", t0());
    let created = add_ticket(s, &mut t).await;
    let mut all = Vec::new();
    for i in 0..9 {
        // Three messages per second: ties broken by id.
        let internal = i % 4 == 3;
        let by = if internal { &agent } else { &owner };
        let m = message(t.id, by, &format!("message {i}"), internal, at(1 + i / 3));
        let (effect, action) = if internal {
            (touch(t.id, m.created_at, 0, 1), Action::InternalNoteAdded)
        } else {
            (touch(t.id, m.created_at, 1, 0), Action::MessageAdded)
        };
        let log = [entry(t.id, action, m.author, internal, m.created_at)];
        messages(s).add(&m, &effect, &log, &[]).await.unwrap();
        all.push(m);
    }
    all.sort_by_key(|m| (m.created_at, m.id));
    let public: Vec<_> = all.iter().filter(|m| !m.internal).cloned().collect();
    for limit in [1, 2, 4, 200] {
        let got = walk_pages(false, limit, 9, |q| async move {
            messages(s).list(t.id, true, &q).await
        })
        .await;
        assert_same(&got, &all);
        let got = walk_pages(true, limit, 9, |q| async move {
            messages(s).list(t.id, true, &q).await
        })
        .await;
        assert_same(&got, &all.iter().rev().cloned().collect::<Vec<_>>());
        let got = walk_pages(false, limit, public.len() as u64, |q| async move {
            messages(s).list(t.id, false, &q).await
        })
        .await;
        assert_same(&got, &public);
    }

    let log = all_activities(s, t.id, true).await.unwrap();
    assert_eq!(log.len(), 10);
    assert_eq!(log.last().map(|e| e.id), Some(created.id));
    let got = walk_pages(true, 3, 10, |q| async move {
        activities(s).list(t.id, true, &q).await
    })
    .await;
    assert_same(&got, &log);
    let got = walk_pages(false, 3, 8, |q| async move {
        activities(s).list(t.id, false, &q).await
    })
    .await;
    let public_log: Vec<ActivityEntry> =
        log.iter().rev().filter(|e| !e.internal).cloned().collect();
    assert_same(&got, &public_log);

    let on_public = attachment(t.id, Some(&public[0]), &owner, "a.txt", at(5));
    let internal_note = all.iter().find(|m| m.internal).unwrap();
    let on_note = attachment(t.id, Some(internal_note), &agent, "b.txt", at(6));
    let loose = attachment(t.id, None, &owner, "c.txt", at(7));
    for a in [&on_public, &on_note, &loose] {
        attachments(s)
            .add(a, &touch(t.id, a.uploaded_at, 0, 0), &[], &[])
            .await
            .unwrap();
    }
    let got = walk_pages(true, 2, 3, |q| async move {
        attachments(s).list(t.id, true, &q).await
    })
    .await;
    assert_same(
        &got,
        &vec![loose.clone(), on_note.clone(), on_public.clone()],
    );
    let ids = [public[0].id, internal_note.id, public[1].id];
    assert_same(
        &attachments(s).of_messages(&ids, true).await.unwrap(),
        &vec![on_public.clone(), on_note.clone()],
    );
    assert_same(
        &attachments(s).of_messages(&ids, false).await.unwrap(),
        &vec![on_public.clone()],
    );
    assert!(
        attachments(s)
            .of_messages(&[], true)
            .await
            .unwrap()
            .is_empty()
    );

    // The detail's timeline is what the lists answer for their newest page, plus the files
    // of that page's messages.
    for limit in [1, 2, 4, 200] {
        let limit = Limit::new(limit).unwrap();
        let newest = TimelineQuery::newest_first(limit);
        for internal in [false, true] {
            let got = tickets(s).timeline(t.id, internal, limit).await.unwrap();
            let want_messages = messages(s).list(t.id, internal, &newest).await.unwrap();
            let ids: Vec<_> = want_messages.items.iter().map(|m| m.id).collect();
            assert_eq!(got.messages.total, want_messages.total);
            assert_eq!(got.messages.next, want_messages.next);
            assert_same(&got.messages.items, &want_messages.items);
            assert_same(
                &got.files,
                &attachments(s).of_messages(&ids, internal).await.unwrap(),
            );
            let want = attachments(s).list(t.id, internal, &newest).await.unwrap();
            assert_eq!(
                (got.attachments.total, &got.attachments.next),
                (want.total, &want.next)
            );
            assert_same(&got.attachments.items, &want.items);
            let want = activities(s).list(t.id, internal, &newest).await.unwrap();
            assert_eq!(
                (got.activities.total, &got.activities.next),
                (want.total, &want.next)
            );
            assert_same(&got.activities.items, &want.items);
        }
    }
    let whole = tickets(s)
        .timeline(t.id, true, Limit::new(200).unwrap())
        .await
        .unwrap();
    assert_same(&whole.files, &vec![on_public.clone(), on_note.clone()]);

    // A cursor made for the other direction is refused.
    let newest = TimelineQuery::newest_first(Limit::new(2).unwrap());
    let first = messages(s).list(t.id, true, &newest).await.unwrap();
    let cursor = Cursor::decode(&first.next.unwrap(), newest.ordering()).unwrap();
    let mixed = TimelineQuery {
        descending: false,
        after: Some(cursor),
        limit: Limit::new(2).unwrap(),
    };
    assert!(messages(s).list(t.id, true, &mixed).await.is_err());
}
