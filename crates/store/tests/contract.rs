//! The shared contract suite on both databases, plus what is specific to each (migrations, an
//! unreachable server, lock contention, the search index). One test binary: `contract::postgres`
//! and `contract::sqlite` each expand the suite (`store_contract_tests!`); the helpers below
//! serve both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract {
    /// The checks that need raw SQL on the store's database, for one backend: `$fixture` makes
    /// the fixture (or returns from the test), `$connect` opens a connection to its database,
    /// `$new_id` is the SQL of a fresh random id, `$numbers_migration` the `(down, up)` SQL of
    /// the ticket-numbers migration.
    macro_rules! raw_sql_checks {
        (
            fixture: $fixture:expr,
            connect: |$f:ident| $connect:expr,
            new_id: $new_id:expr,
            numbers_migration: $numbers_migration:expr,
            conversation_migration: $conversation_migration:expr $(,)?
        ) => {
            /// Username skeletons missing from older rows are filled in at start-up (`migrate`).
            #[tokio::test]
            async fn username_skeletons_are_filled_at_start_up() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_skeletons_filled_at_start_up(
                    &$f.store,
                    || $connect,
                    || {
                        $f.store.migrate().unwrap();
                    },
                )
                .await;
            }

            /// User search keys missing from older rows are filled in at start-up (`migrate`).
            #[tokio::test]
            async fn user_search_keys_are_filled_at_start_up() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_search_keys_filled_at_start_up(
                    &$f.store,
                    || $connect,
                    || {
                        $f.store.migrate().unwrap();
                    },
                )
                .await;
            }

            /// The migration that added the activities' change columns gives older status and
            /// priority entries theirs, read from their sentence.
            #[tokio::test]
            async fn older_activity_entries_get_their_changes_from_the_migration() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_activity_changes_backfilled(&$f.store, || $connect, module_path!())
                    .await;
            }

            /// The audit log is append-only: the database refuses `UPDATE` and `DELETE` on it.
            #[tokio::test]
            async fn the_audit_log_refuses_updates_and_deletes() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_audit_log_is_append_only(&$f.store, || $connect).await;
            }

            /// Ticket numbers are the database's: it refuses a number written by hand and any
            /// change of one, and does not give the number of a removed row again.
            #[tokio::test]
            async fn ticket_numbers_are_assigned_by_the_database_alone() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_numbers_belong_to_the_database(&$f.store, || $connect, $new_id).await;
            }

            /// The ticket-numbers migration numbers existing tickets in creation order and
            /// copies their last public messages (its `down.sql`, then its `up.sql` again).
            #[tokio::test]
            async fn the_numbers_migration_fills_in_existing_tickets() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_numbers_migration_fills_in(
                    &$f.store,
                    || $connect,
                    $numbers_migration,
                )
                .await;
            }

            /// After the conversation-search migration (its `down.sql`, then its `up.sql`
            /// again), the tickets that already had messages are found by their words once the
            /// start-up backfill (`migrate`) has run: public words by everyone, notes by staff.
            #[tokio::test]
            async fn the_conversation_migration_makes_stored_messages_searchable() {
                let fixture = $fixture;
                let $f = &fixture;
                super::assert_conversation_backfilled(
                    &$f.store,
                    || $connect,
                    $conversation_migration,
                    || {
                        $f.store.migrate().unwrap();
                    },
                )
                .await;
            }
        };
    }

    #[cfg(feature = "postgres")]
    mod postgres;
    #[cfg(feature = "sqlite")]
    mod sqlite;

    use std::collections::BTreeSet;

    use ticketing_app::ports::TicketRepository;
    use ticketing_domain::Role;
    use ticketing_domain::listing::tokenize;
    use ticketing_store_contract::StoreUnderTest;
    use ticketing_store_contract::fixtures::{add_ticket, add_user, t0, ticket};

    /// The migrations of both databases (`migrations/postgres/` and `migrations/sqlite/` keep the
    /// same names in lockstep), in order.
    pub(crate) const MIGRATIONS: [&str; 21] = [
        "2025-01-01-000001_create_users",
        "2025-01-01-000002_create_tickets",
        "2025-01-01-000003_create_messages_attachments_activities",
        "2025-01-01-000004_create_refresh_sessions",
        "2025-01-01-000005_create_ticket_counts",
        "2025-01-01-000006_bounded",
        "2025-01-01-000007_public_version",
        "2025-01-01-000008_audit_log",
        "2025-01-01-000009_ticket_numbers",
        "2025-01-01-000010_user_must_change_password",
        "2025-01-01-000011_events",
        "2025-01-01-000012_api_tokens",
        "2025-01-01-000013_mail",
        "2025-01-01-000014_webhooks",
        "2025-01-01-000015_presence",
        "2025-01-01-000016_shared_limits",
        "2025-01-01-000017_inbound_mail",
        "2025-01-01-000018_conversation_search",
        "2025-01-01-000019_owner_status_index",
        "2025-01-01-000020_event_staging",
        "2025-01-01-000021_search_lexemes",
    ];

    /// Runs `migrate` on three threads at once and asserts that each migration was applied
    /// exactly once among them.
    pub(crate) fn assert_concurrent_migrations_apply_once<F>(migrate: F)
    where
        F: Fn() -> Vec<String> + Clone + Send + 'static,
    {
        let handles: Vec<_> = (0..3)
            .map(|_| std::thread::spawn(migrate.clone()))
            .collect();
        let mut applied: Vec<String> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        applied.sort();
        assert_eq!(applied, MIGRATIONS, "each migration applied once");
    }

    /// Adds tickets whose descriptions hold every letter and digit of Unicode (in words of three
    /// characters: upper and lower case, marks, digits of every script); returns the words the
    /// domain's tokenizer makes of them, which the search index must hold exactly.
    pub(crate) async fn add_every_letter<S: StoreUnderTest>(s: &S) -> BTreeSet<String> {
        let owner = add_user(s, "indexer", Role::Customer).await;
        let chars: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphanumeric())
            .collect();
        let mut want = BTreeSet::from(["x".to_owned()]);
        for chunk in chars.chunks(3000) {
            let words: Vec<String> = chunk.chunks(3).map(|w| w.iter().collect()).collect();
            let description = words.join(" ");
            want.extend(tokenize(&description));
            let mut t = ticket(&owner, "x", &description, t0());
            add_ticket(s, &mut t).await;
            assert!(TicketRepository::get(s, t.id).await.is_ok());
        }
        want
    }

    /// The index holds exactly the words wanted (no extra splitting, folding or accent removal).
    pub(crate) fn assert_same_words(want: &BTreeSet<String>, got: &BTreeSet<String>) {
        let missing: Vec<_> = want.difference(got).take(5).collect();
        let extra: Vec<_> = got.difference(want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
        assert!(got.len() > 40_000, "{}", got.len());
    }

    /// A row of `SELECT username_skeleton FROM users`.
    #[derive(diesel::QueryableByName)]
    pub(crate) struct Skeleton {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        username_skeleton: Option<String>,
    }

    /// Start-up fills in the username skeletons missing from older rows: `connect` opens a
    /// connection to the store's database, `migrate` migrates it again (the server's start-up).
    /// Two stored look-alikes (`agent1`, `аgent1` with a Cyrillic `а`) keep working; only one
    /// gets the skeleton, and a new look-alike is then refused.
    pub(crate) async fn assert_skeletons_filled_at_start_up<S, C>(
        s: &S,
        connect: impl Fn() -> C,
        migrate: impl Fn(),
    ) where
        S: StoreUnderTest,
        C: diesel::connection::SimpleConnection,
        for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Skeleton>,
    {
        use diesel::RunQueryDsl;
        use ticketing_app::RepoError;
        use ticketing_app::ports::UserRepository;
        use ticketing_domain::Username;

        let exec = |sql: &str| connect().batch_execute(sql).unwrap();
        let skeletons = || -> Vec<Option<String>> {
            diesel::sql_query("SELECT username_skeleton FROM users ORDER BY username_key")
                .load::<Skeleton>(&mut connect())
                .unwrap()
                .into_iter()
                .map(|r| r.username_skeleton)
                .collect()
        };

        let agent = add_user(s, "agent1", Role::Agent).await;
        let other = add_user(s, "bob", Role::Customer).await;
        let carol = add_user(s, "carol", Role::Customer).await;
        // As stored before the column existed, with a look-alike the rule would refuse now.
        exec(
            "UPDATE users SET username_skeleton = NULL; \
             UPDATE users SET username = '\u{0430}gent1', username_key = '\u{0430}gent1' \
             WHERE username_key = 'bob'",
        );
        assert!(skeletons().iter().all(Option::is_none));
        migrate();
        let filled = skeletons();
        let want = Username::parse("agent1").unwrap().skeleton();
        assert_eq!(filled.len(), 3);
        assert_eq!(
            filled.iter().filter(|k| k.is_none()).count(),
            1,
            "{filled:?}"
        );
        assert_eq!(
            filled
                .iter()
                .filter(|k| k.as_deref() == Some(want.as_str()))
                .count(),
            1,
            "{filled:?}"
        );
        assert!(filled.contains(&Some(Username::parse("carol").unwrap().skeleton())));
        for id in [agent.id, other.id, carol.id] {
            UserRepository::get(s, id).await.unwrap();
        }
        let mut twin = ticketing_store_contract::fixtures::user("agentl", Role::Customer);
        twin.email = ticketing_domain::Email::parse("twin@example.com").unwrap();
        let err = UserRepository::insert(s, &twin, "h", &[])
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                RepoError::Conflict {
                    field: "username_skeleton"
                }
            ),
            "{err:?}"
        );
        // Nothing left to do at the next start.
        migrate();
        assert_eq!(skeletons(), filled);
    }

    /// Start-up fills in the user search keys missing from older rows (as the migration leaves
    /// them: empty), with the domain's lower-casing: a search finds them afterwards.
    pub(crate) async fn assert_search_keys_filled_at_start_up<S, C>(
        s: &S,
        connect: impl Fn() -> C,
        migrate: impl Fn(),
    ) where
        S: StoreUnderTest,
        C: diesel::connection::SimpleConnection,
    {
        use ticketing_app::ports::UserRepository;
        use ticketing_domain::listing::{SearchText, UserQuery};
        use ticketing_domain::{PersonName, User};

        let mut zoe = ticketing_store_contract::fixtures::user("zoe", Role::Customer);
        zoe.last_name = PersonName::parse("ÖZTÜRK").unwrap();
        UserRepository::insert(s, &zoe, "h", &[]).await.unwrap();
        add_user(s, "bob", Role::Customer).await;
        let found = async |q: &str| -> Vec<User> {
            let mut query = UserQuery::new();
            query.text = Some(SearchText::parse(q).unwrap());
            UserRepository::list(s, &query).await.unwrap().items
        };
        assert_eq!(found("öztürk").await.len(), 1);
        connect()
            .batch_execute("UPDATE users SET search_key = ''")
            .unwrap();
        assert!(found("öztürk").await.is_empty());
        migrate();
        let hits = found("öztürk zoe").await;
        assert_eq!(hits.iter().map(|u| u.id).collect::<Vec<_>>(), [zoe.id]);
        assert_eq!(found("bob example").await.len(), 1);
    }

    /// The fill-in of the migration `user_must_change_password` of the backend whose test
    /// module is `module` (`…::postgres` or `…::sqlite`): its statements between the markers
    /// (the append-only trigger off, the `UPDATE`s, the trigger on again).
    fn activity_backfill_sql(module: &str) -> String {
        let path = format!(
            "{}/../../migrations/{}/2025-01-01-000010_user_must_change_password/up.sql",
            env!("CARGO_MANIFEST_DIR"),
            backend_of(module)
        );
        let up = std::fs::read_to_string(&path).unwrap();
        let (_, rest) = up.split_once("-- backfill begin\n").unwrap();
        let (section, _) = rest.split_once("-- backfill end").unwrap();
        assert_eq!(section.matches("UPDATE activities").count(), 2, "{path}");
        section.to_owned()
    }

    fn backend_of(module: &str) -> &'static str {
        if module.contains("postgres") {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// Entries stored before the change columns existed (as the migration finds them: no change,
    /// a sentence) get the status and priority changes their sentence names; others stay without.
    pub(crate) async fn assert_activity_changes_backfilled<S, C>(
        s: &S,
        connect: impl Fn() -> C,
        module: &str,
    ) where
        S: StoreUnderTest,
        C: diesel::connection::SimpleConnection,
    {
        use ticketing_domain::{Action, ActivityChange, ActivityEntry, Priority, Status, Ticket};
        use ticketing_store_contract::fixtures::{all_activities, at, entry, tickets};

        let owner = add_user(s, "owner", Role::Customer).await;
        let agent = add_user(s, "agent", Role::Agent).await;
        let mut t = ticket(&owner, "Old log", "entries from before", t0());
        add_ticket(s, &mut t).await;
        let said = |action, details: &str, change| ActivityEntry {
            details: details.to_owned(),
            change,
            ..entry(t.id, action, agent.id, false, at(10))
        };
        let moved = ActivityChange::Status {
            from: Status::InProgress,
            to: Status::Resolved,
        };
        let raised = ActivityChange::Priority {
            from: Priority::Medium,
            to: Priority::Critical,
        };
        let assigned = ActivityChange::Assignee {
            from: None,
            to: Some(agent.id),
        };
        let burst = vec![
            said(
                Action::Resolved,
                "Status changed from in_progress to resolved",
                Some(moved),
            ),
            said(
                Action::PriorityChanged,
                "Priority changed from medium to critical",
                Some(raised),
            ),
            said(
                Action::AssignedToChanged,
                "Ticket assigned to agent",
                Some(assigned),
            ),
            said(Action::Updated, "Topic updated", None),
        ];
        let v2 = Ticket {
            version: 2,
            updated_at: at(10),
            ..t.clone()
        };
        tickets(s).update(&v2, 1, &burst, &[]).await.unwrap();
        let changes = || async {
            let mut got: Vec<(Action, Option<ActivityChange>)> = all_activities(s, t.id, true)
                .await
                .unwrap()
                .into_iter()
                .map(|e| (e.action, e.change))
                .collect();
            got.sort_by_key(|(a, _)| a.as_str());
            got
        };
        let mut want = vec![
            (Action::AssignedToChanged, Some(assigned)),
            (Action::Created, None),
            (Action::PriorityChanged, Some(raised)),
            (Action::Resolved, Some(moved)),
            (Action::Updated, None),
        ];
        assert_eq!(changes().await, want);
        // As the migration finds them: no change columns set (written with the trigger off as
        // the migration has it, then on again).
        let backfill = activity_backfill_sql(module);
        let (off, rest) = backfill.split_once(";\n").unwrap();
        let (_, on) = rest
            .rsplit_once("WHERE details LIKE 'Priority changed from % to %';")
            .unwrap();
        let reset =
            "UPDATE activities SET change_field = NULL, change_from = NULL, change_to = NULL";
        connect()
            .batch_execute(&format!("{off};\n{reset};\n{on}"))
            .unwrap();
        assert!(connect().batch_execute(reset).is_err(), "the trigger is on");
        assert!(changes().await.iter().all(|(_, c)| c.is_none()));
        connect().batch_execute(&backfill).unwrap();
        assert!(connect().batch_execute(reset).is_err(), "the trigger is on");
        // The assignment's sentence names no one before and a username: it stays without.
        want[0].1 = None;
        assert_eq!(changes().await, want);
    }

    /// The audit log is append-only: after one entry is appended through the port, the database
    /// (reached through `connect`) refuses `UPDATE` and `DELETE` on it.
    pub(crate) async fn assert_audit_log_is_append_only<S: StoreUnderTest, C>(
        s: &S,
        connect: impl Fn() -> C,
    ) where
        C: diesel::connection::SimpleConnection,
    {
        append_one_audit_entry(s).await;
        let mut c = connect();
        for sql in [
            "UPDATE audit_log SET details = 'forged'",
            "DELETE FROM audit_log",
        ] {
            let err = c.batch_execute(sql).unwrap_err();
            assert!(err.to_string().contains("append-only"), "{sql}: {err}");
        }
    }

    /// A row of `SELECT number FROM tickets`.
    #[derive(diesel::QueryableByName)]
    pub(crate) struct Number {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        number: i64,
    }

    /// After a ticket is created through the port, raw SQL (through `connect`; `new_id` is the
    /// SQL of a fresh id) can neither choose a number nor change one, and a row inserted without
    /// a number, removed, then followed by another, does not give its number again.
    pub(crate) async fn assert_numbers_belong_to_the_database<S: StoreUnderTest, C>(
        s: &S,
        connect: impl Fn() -> C,
        new_id: &str,
    ) where
        C: diesel::connection::SimpleConnection,
        for<'a> diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'a, C, Number>,
    {
        use diesel::RunQueryDsl;

        let owner = add_user(s, "numbered", Role::Customer).await;
        let mut t = ticket(&owner, "First", "by the port", t0());
        add_ticket(s, &mut t).await;
        let numbers = || -> Vec<i64> {
            diesel::sql_query("SELECT number FROM tickets ORDER BY number")
                .load::<Number>(&mut connect())
                .unwrap()
                .into_iter()
                .map(|r| r.number)
                .collect()
        };
        let copy = |number: &str| {
            format!(
                "INSERT INTO tickets (id, owner_id, topic, description, status, priority, \
                 created_at, updated_at, version, public_version, public_updated_at{}) \
                 SELECT {new_id}, owner_id, topic, description, status, priority, created_at, \
                 updated_at, 1, 1, public_updated_at{} FROM tickets WHERE number = {}",
                if number.is_empty() { "" } else { ", number" },
                number,
                t.number,
            )
        };
        let first = i64::try_from(t.number).unwrap();
        for sql in [
            copy(", 4242"),
            "UPDATE tickets SET number = number + 100".to_owned(),
        ] {
            assert!(connect().batch_execute(&sql).is_err(), "{sql}");
        }
        assert_eq!(numbers(), [first]);
        connect().batch_execute(&copy("")).unwrap();
        assert_eq!(numbers(), [first, first + 1]);
        connect()
            .batch_execute(&format!("DELETE FROM tickets WHERE number = {}", first + 1))
            .unwrap();
        let mut next = ticket(&owner, "Next", "by the port", t0());
        add_ticket(s, &mut next).await;
        assert_eq!(
            numbers(),
            [first, first + 2],
            "the removed number is not given again"
        );
        assert_eq!(next.number, t.number + 2);
    }

    /// Tickets and messages stored through the ports, the ticket-numbers migration reverted
    /// (`down`) and applied again (`up`) on them: the tickets (a deleted one too) are numbered by
    /// creation time, not by insertion order; each keeps its last public message (internal notes
    /// do not count); the next ticket gets the next number.
    pub(crate) async fn assert_numbers_migration_fills_in<S: StoreUnderTest, C>(
        s: &S,
        connect: impl Fn() -> C,
        (down, up): (&str, &str),
    ) where
        C: diesel::connection::SimpleConnection,
    {
        use ticketing_app::ports::MessageRepository;
        use ticketing_domain::{LastPublicMessage, Ticket};
        use ticketing_store_contract::fixtures::{at, message, touch};

        let customer = add_user(s, "customer", Role::Customer).await;
        let agent = add_user(s, "agent", Role::Agent).await;
        // Inserted in this order, created at these times.
        let mut made = Vec::new();
        for (topic, minute) in [("Late", 30), ("Early", 10), ("Middle", 20), ("Gone", 5)] {
            let mut t = ticket(&customer, topic, "migrated", at(minute));
            add_ticket(s, &mut t).await;
            made.push(t);
        }
        let gone = Ticket {
            deleted_at: Some(at(6)),
            version: 2,
            ..made[3].clone()
        };
        TicketRepository::update(s, &gone, 1, &[], &[])
            .await
            .unwrap();
        let say = |t: &Ticket, by, internal, minute| {
            let m = message(t.id, by, "said", internal, at(minute));
            let effect = touch(t.id, at(minute), u32::from(!internal), u32::from(internal));
            async move {
                MessageRepository::add(s, &m, &effect, &[], &[])
                    .await
                    .unwrap()
            }
        };
        say(&made[1], &customer, false, 11).await;
        say(&made[1], &agent, true, 12).await;
        say(&made[2], &agent, true, 21).await;
        say(&made[0], &agent, false, 31).await;
        say(&made[0], &customer, false, 32).await;

        connect().batch_execute(down).unwrap();
        connect().batch_execute(up).unwrap();

        let get = |i: usize| {
            let id = made[i].id;
            async move { TicketRepository::get(s, id).await.unwrap() }
        };
        let (late, early, middle) = (get(0).await, get(1).await, get(2).await);
        // "Gone" (created first) is deleted but keeps number 1.
        assert_eq!((early.number, middle.number, late.number), (2, 3, 4));
        let last = |by: &ticketing_domain::User, minute| {
            Some(LastPublicMessage {
                author: by.id,
                is_staff_message: by.role.is_staff(),
                created_at: at(minute),
            })
        };
        assert_eq!(early.last_public_message, last(&customer, 11));
        assert_eq!(middle.last_public_message, None);
        assert_eq!(late.last_public_message, last(&customer, 32));
        let mut next = ticket(&customer, "After", "the migration", at(40));
        add_ticket(s, &mut next).await;
        assert_eq!(next.number, 5);
    }

    /// See `the_conversation_migration_makes_stored_messages_searchable`.
    pub(crate) async fn assert_conversation_backfilled<S: StoreUnderTest, C>(
        s: &S,
        connect: impl Fn() -> C,
        (down, up): (&str, &str),
        migrate: impl Fn(),
    ) where
        C: diesel::connection::SimpleConnection,
    {
        use ticketing_app::ports::MessageRepository;
        use ticketing_domain::listing::{Scope, SearchText, TicketQuery};
        use ticketing_store_contract::fixtures::{at, message, touch};

        let customer = add_user(s, "customer", Role::Customer).await;
        let agent = add_user(s, "agent", Role::Agent).await;
        let mut t = ticket(&customer, "Before", "the upgrade", at(1));
        add_ticket(s, &mut t).await;
        let mut quiet = ticket(&customer, "Quiet", "no messages", at(2));
        add_ticket(s, &mut quiet).await;
        for (body, internal, minute) in [
            ("Grüße from the kitchen printer", false, 3),
            ("Escalated to Zephyrcorp", true, 4),
            ("Still jammed", false, 5),
        ] {
            let m = message(t.id, &agent, body, internal, at(minute));
            let effect = touch(t.id, at(minute), u32::from(!internal), u32::from(internal));
            MessageRepository::add(s, &m, &effect, &[], &[])
                .await
                .unwrap();
        }
        connect().batch_execute(down).unwrap();
        connect().batch_execute(up).unwrap();
        let found = |q: &str, customer_view: bool| {
            let query = TicketQuery {
                text: Some(SearchText::parse(q).unwrap()),
                public_view: customer_view,
                ..TicketQuery::new(if customer_view {
                    Scope::OwnedBy(customer.id)
                } else {
                    Scope::All
                })
            };
            async move {
                let page = TicketRepository::list(s, &query).await.unwrap();
                page.items
                    .iter()
                    .map(|t| t.topic.as_str().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        // Before the start-up backfill, only topic and description are indexed.
        assert!(found("jammed", false).await.is_empty());
        migrate();
        assert_eq!(found("jammed", false).await, ["Before"]);
        assert_eq!(found("grüße printer", true).await, ["Before"]);
        assert_eq!(found("zephyrcorp", false).await, ["Before"]);
        assert!(found("zephyrcorp", true).await.is_empty());
        assert_eq!(found("upgrade still", true).await, ["Before"]);
        // A second start-up finds nothing left to do, and new messages are indexed as usual.
        migrate();
        let m = message(quiet.id, &customer, "Now it beeps", false, at(6));
        let effect = touch(quiet.id, at(6), 1, 0);
        MessageRepository::add(s, &m, &effect, &[], &[])
            .await
            .unwrap();
        assert_eq!(found("beeps", true).await, ["Quiet"]);
    }

    /// Appends one audit entry through the port (for the tests of the table's triggers).
    pub(crate) async fn append_one_audit_entry<S: StoreUnderTest>(s: &S) {
        use ticketing_app::ports::AuditRepository;
        use ticketing_app::{AuditAction, AuditActor, AuditEntry};
        let target = add_user(s, "audited", Role::Customer).await;
        let entry = AuditEntry {
            id: ticketing_store_contract::fixtures::new_id(),
            at: t0(),
            actor: AuditActor::Cli,
            action: AuditAction::UserDeactivated,
            target_id: Some(target.id),
            target: "audited".to_owned(),
            details: String::new(),
            address: None,
        };
        AuditRepository::append(s, &entry).await.unwrap();
    }
}
