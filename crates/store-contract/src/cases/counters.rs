//! The shared counters of the limits (`CounterRepository`): fixed windows per key, taking back
//! and forgetting, pruning, and no hit lost among concurrent writers.

use std::time::Duration;

use crate::StoreUnderTest;
use crate::fixtures::{at, t0};

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| (*k).to_owned()).collect()
}

/// Hits count per key in windows: the counts come back in the order of the keys, a window
/// starts with its first hit and ends `window` later, when the next hit starts a new one.
pub async fn case_counters_count_in_fixed_windows<S: StoreUnderTest>(s: &S) {
    let minute = Duration::from_secs(60);
    let first = s.hit(&keys(&["b", "a"]), minute, t0()).await.unwrap();
    assert_eq!(
        first.iter().map(|c| c.hits).collect::<Vec<_>>(),
        [1, 1],
        "{first:?}"
    );
    assert!(first.iter().all(|c| c.window_start == t0()), "{first:?}");
    let second = s
        .hit(&keys(&["a", "c", "b"]), minute, at(59))
        .await
        .unwrap();
    assert_eq!(
        second.iter().map(|c| c.hits).collect::<Vec<_>>(),
        [2, 1, 2],
        "{second:?}"
    );
    assert_eq!(second[0].window_start, t0());
    assert_eq!(second[1].window_start, at(59));
    // The window of `a` and `b` ends at 60 s: a new one starts; `c`'s runs on.
    let third = s.hit(&keys(&["a", "c"]), minute, at(60)).await.unwrap();
    assert_eq!(third[0].hits, 1, "{third:?}");
    assert_eq!(third[0].window_start, at(60));
    assert_eq!(third[1].hits, 2, "{third:?}");
    assert_eq!(third[1].window_start, at(59));
    // Another window length on the same key counts on in the stored window while it lasts.
    let long = s
        .hit(&keys(&["c"]), Duration::from_secs(3600), at(500))
        .await
        .unwrap();
    assert_eq!((long[0].hits, long[0].window_start), (3, at(59)));
    assert!(s.hit(&[], minute, at(1)).await.unwrap().is_empty());
}

/// A hit taken back lowers the count (never below zero), a reset forgets the key, and keys
/// without a count are left alone by both.
pub async fn case_counters_take_back_and_forget<S: StoreUnderTest>(s: &S) {
    let minute = Duration::from_secs(60);
    for _ in 0..3 {
        s.hit(&keys(&["k", "other"]), minute, t0()).await.unwrap();
    }
    s.release(&keys(&["k", "never-counted"]), &[])
        .await
        .unwrap();
    let now = s.hit(&keys(&["k"]), minute, at(1)).await.unwrap();
    assert_eq!(now[0].hits, 3, "3 hits, 1 taken back, 1 more");
    for _ in 0..5 {
        s.release(&keys(&["k"]), &[]).await.unwrap();
    }
    let now = s.hit(&keys(&["k"]), minute, at(2)).await.unwrap();
    assert_eq!(now[0].hits, 1, "never below zero");
    assert_eq!(now[0].window_start, t0(), "taking back keeps the window");
    s.hit(&keys(&["j"]), minute, at(2)).await.unwrap();
    // Both at once: `j` taken back, `k` forgotten.
    s.release(&keys(&["j"]), &keys(&["k", "never-counted"]))
        .await
        .unwrap();
    let now = s
        .hit(&keys(&["k", "other", "j"]), minute, at(3))
        .await
        .unwrap();
    assert_eq!((now[0].hits, now[0].window_start), (1, at(3)), "forgotten");
    assert_eq!(now[1].hits, 4, "another key is left alone");
    assert_eq!((now[2].hits, now[2].window_start), (1, at(2)), "taken back");
    s.release(&[], &[]).await.unwrap();
}

/// Pruning deletes the counters whose window started before the given time, and only those.
pub async fn case_counters_are_pruned<S: StoreUnderTest>(s: &S) {
    let minute = Duration::from_secs(60);
    s.hit(&keys(&["old", "older"]), minute, t0()).await.unwrap();
    s.hit(&keys(&["new"]), minute, at(100)).await.unwrap();
    assert_eq!(s.prune_counters(at(100)).await.unwrap(), 2);
    assert_eq!(s.prune_counters(at(100)).await.unwrap(), 0);
    let left = s
        .hit(&keys(&["new", "old"]), minute, at(101))
        .await
        .unwrap();
    assert_eq!(left[0].hits, 2, "kept");
    assert_eq!(left[1].hits, 1, "pruned, counted afresh");
}

/// Concurrent hits on the same keys (from many connections at once) are all counted, in one
/// window, and never deadlock whatever the order of the keys; each hit gets a count of its own
/// (1 to 24 once each: a limit of N admits N of them, however they were sent).
pub async fn case_concurrent_hits_are_all_counted<S: StoreUnderTest>(s: &S) {
    let minute = Duration::from_secs(60);
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = s.clone();
            let names = if i % 2 == 0 {
                keys(&["shared-a", "shared-b"])
            } else {
                keys(&["shared-b", "shared-a"])
            };
            tokio::spawn(async move { store.hit(&names, minute, at(i)).await })
        })
        .collect();
    let mut seen = Vec::new();
    let mut of_a = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        let counts = task.await.unwrap().unwrap();
        seen.push(counts.iter().map(|c| c.hits).max().unwrap());
        of_a.push(counts[i % 2].hits);
    }
    seen.sort_unstable();
    assert_eq!(seen.last(), Some(&24), "{seen:?}");
    of_a.sort_unstable();
    assert_eq!(
        of_a,
        (1..=24).collect::<Vec<u32>>(),
        "each hit its own count"
    );
    let last = s
        .hit(&keys(&["shared-a", "shared-b"]), minute, at(30))
        .await
        .unwrap();
    assert_eq!(
        last.iter().map(|c| c.hits).collect::<Vec<_>>(),
        [25, 25],
        "no hit lost"
    );
}
