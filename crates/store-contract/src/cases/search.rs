//! Text search (`q`): every term must be a prefix of a word of topic or description, with the
//! domain's tokenizer (lower-cased runs of letters and digits), whatever the script.

use std::collections::BTreeSet;

use ticketing_domain::listing::{Limit, Scope, SearchText, TicketOrdering, TicketQuery};
use ticketing_domain::{Action, Description, Priority, Role, Status, Ticket, Topic};

use crate::StoreUnderTest;
use crate::fixtures::{add_ticket, add_user, at, entry, expected, ids, ticket, tickets, walk};

/// Runs search `q` over every page; checks the result against both the domain's reference
/// semantics and the expected topics written out by hand.
async fn check<S: StoreUnderTest>(s: &S, all: &[Ticket], q: &str, want_topics: &[&str]) {
    let query = TicketQuery {
        text: Some(SearchText::parse(q).unwrap()),
        limit: Limit::new(3).unwrap(),
        ..TicketQuery::new(Scope::All)
    };
    let reference = expected(all, &query);
    let got = walk(s, query.clone()).await;
    assert_eq!(
        ids(&got),
        reference,
        "{q:?}: store differs from SearchText::matches"
    );
    let topics: BTreeSet<&str> = got.iter().map(|t| t.topic.as_str()).collect();
    let want: BTreeSet<&str> = want_topics.iter().copied().collect();
    assert_eq!(topics, want, "{q:?}");
    let total = tickets(s).list(&query).await.unwrap().total;
    assert_eq!(total, want.len() as u64, "{q:?}: total");
}

async fn seed<S: StoreUnderTest>(s: &S, docs: &[(&str, &str)]) -> Vec<Ticket> {
    let owner = add_user(s, "searcher", Role::Customer).await;
    let mut all = Vec::new();
    for (i, (topic, description)) in docs.iter().enumerate() {
        let mut t = ticket(&owner, topic, description, at(i as i64));
        add_ticket(s, &mut t).await;
        all.push(t);
    }
    all
}

/// Multi-term, prefix, case-insensitive search; punctuation splits words; deleted tickets are
/// not found; an edited topic is found by its new words only.
pub async fn case_search<S: StoreUnderTest>(s: &S) {
    let mut all = seed(
        s,
        &[
            (
                "Printer is broken",
                "The office printer jams on every page.",
            ),
            ("Broken screen", "Laptop screen cracked; printing works"),
            (
                "VPN login fails",
                "Cannot connect with the VPN client since update 2.4.1",
            ),
            ("Password reset", "User-name: ALICE_SMITH wants a reset"),
            ("Deleted printer", "printer printer"),
        ],
    )
    .await;
    let deleted = Ticket {
        deleted_at: Some(at(50)),
        version: 2,
        ..all[4].clone()
    };
    tickets(s).update(&deleted, 1, &[], &[]).await.unwrap();
    all[4] = deleted;

    check(s, &all, "printer", &["Printer is broken"]).await;
    check(s, &all, "print", &["Printer is broken", "Broken screen"]).await;
    check(
        s,
        &all,
        "PRINT broken",
        &["Printer is broken", "Broken screen"],
    )
    .await;
    check(s, &all, "broken, printer!", &["Printer is broken"]).await;
    check(s, &all, "vpn 2", &["VPN login fails"]).await;
    // A number alone also finds the live ticket of that number (see `case_ticket_number_search`).
    let mut four: Vec<&str> = all
        .iter()
        .filter(|t| t.number == 4 && !t.is_deleted())
        .map(|t| t.topic.as_str())
        .collect();
    four.push("VPN login fails");
    check(s, &all, "4", &four).await;
    check(s, &all, "2.4.1", &["VPN login fails"]).await;
    check(s, &all, "alice", &["Password reset"]).await;
    check(s, &all, "smith NAME", &["Password reset"]).await;
    check(s, &all, "ice", &[]).await;
    check(s, &all, "lapt scr", &["Broken screen"]).await;
    check(s, &all, "the", &["Printer is broken", "VPN login fails"]).await;
    check(s, &all, "zzz printer", &[]).await;
    // Query syntax of the databases is plain text here.
    check(
        s,
        &all,
        "\"printer\" & !jam:* | (broken)",
        &["Printer is broken"],
    )
    .await;
    check(s, &all, "printer'); DROP TABLE tickets; --", &[]).await;
    check(s, &all, "NEAR(printer broken) OR -x AND ^y", &[]).await;

    // Editing the text re-indexes it.
    let edited = Ticket {
        topic: Topic::parse("Scanner is broken").unwrap(),
        description: Description::parse("Nothing scans").unwrap(),
        version: 2,
        ..all[0].clone()
    };
    let log = [entry(
        edited.id,
        Action::Updated,
        edited.owner,
        false,
        at(60),
    )];
    tickets(s).update(&edited, 1, &log, &[]).await.unwrap();
    all[0] = edited;
    check(s, &all, "printer", &[]).await;
    check(s, &all, "scan", &["Scanner is broken"]).await;
}

/// Unicode: precomposed and decomposed accents, Hebrew, Arabic, emoji, Greek final sigma, ß,
/// dotted İ, long ſ, CJK, numerals of other scripts. The store gives what the domain's
/// tokenizer gives, character for character (no accent or case folding beyond lower-casing).
pub async fn case_search_unicode<S: StoreUnderTest>(s: &S) {
    let all = seed(
        s,
        &[
            ("Café crème", "naïve résumé"),
            ("Cafe\u{301} decomposed", "e\u{301}te\u{301} mare\u{300}"),
            ("שלום עולם", "مرحبا بالعالم"),
            ("Emoji 😀party", "🎉🎉 celebration👍done"),
            ("ΟΔΟΣ Straße", "İstanbul ſtop"),
            ("数据库 错误", "データベース エラー"),
            ("x² Ⅻ", "① Ⓐbc ٣٤"),
        ],
    )
    .await;
    let [cafe, decomposed, rtl, emoji, greek, cjk, numerals] = [
        "Café crème",
        "Cafe\u{301} decomposed",
        "שלום עולם",
        "Emoji 😀party",
        "ΟΔΟΣ Straße",
        "数据库 错误",
        "x² Ⅻ",
    ];
    check(s, &all, "café", &[cafe]).await;
    check(s, &all, "CAFÉ CRÈ", &[cafe]).await;
    check(s, &all, "cafe", &[decomposed]).await;
    check(s, &all, "e\u{301}", &[decomposed, emoji]).await;
    check(s, &all, "te", &[decomposed]).await;
    check(s, &all, "résumé", &[cafe]).await;
    check(s, &all, "resume", &[]).await;
    check(s, &all, "שלו", &[rtl]).await;
    check(s, &all, "بالع עול", &[rtl]).await;
    check(s, &all, "party 😀", &[emoji]).await;
    check(s, &all, "celebration done", &[emoji]).await;
    check(s, &all, "ΟΔΟΣ", &[greek]).await;
    check(s, &all, "οδος", &[greek]).await;
    check(s, &all, "οδοσ", &[]).await;
    check(s, &all, "strasse", &[]).await;
    check(s, &all, "STRAß", &[greek]).await;
    check(s, &all, "İst", &[greek]).await;
    // "İ" lower-cases to "i" + U+0307; the tokenizer keeps letters and digits only: "istanbul".
    check(s, &all, "istanbul", &[greek]).await;
    check(s, &all, "ſt", &[greek]).await;
    check(s, &all, "stop", &[]).await;
    check(s, &all, "数据", &[cjk]).await;
    check(s, &all, "データ エラ", &[cjk]).await;
    check(s, &all, "x²", &[numerals]).await;
    check(s, &all, "ⅻ", &[numerals]).await;
    check(s, &all, "① ⓐb", &[numerals]).await;
    check(s, &all, "٣", &[numerals]).await;
}

/// Search combined with filters, an ordering and several pages.
pub async fn case_search_with_filters_and_pages<S: StoreUnderTest>(s: &S) {
    let owner = add_user(s, "pager", Role::Customer).await;
    let mut all = Vec::new();
    for i in 0..14_i64 {
        let text = if i % 4 == 3 {
            "beta release"
        } else {
            "alpha release"
        };
        let mut t = Ticket {
            status: Status::ALL[i as usize % 4],
            priority: Priority::ALL[(i as usize / 3) % 4],
            ..ticket(&owner, &format!("Item {i}"), text, at(i % 5))
        };
        add_ticket(s, &mut t).await;
        all.push(t);
    }
    for ordering in TicketOrdering::ALL {
        let q = TicketQuery {
            text: Some(SearchText::parse("ALP rel").unwrap()),
            statuses: vec![Status::Open, Status::InProgress, Status::Resolved],
            ordering,
            limit: Limit::new(2).unwrap(),
            ..TicketQuery::new(Scope::OwnedBy(owner.id))
        };
        let want = expected(&all, &q);
        assert_eq!(want.len(), 11, "fixture arithmetic");
        assert_eq!(tickets(s).list(&q).await.unwrap().total, 11);
        assert_eq!(ids(&walk(s, q).await), want, "{ordering}");
    }
}
