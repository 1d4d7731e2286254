//! Fuzz target `cursor`: see ../README.md.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ticketing_domain::listing::{Cursor, TicketOrdering};

const ORDERINGS: [&str; 6] = [
    "created_at",
    "-created_at",
    "updated_at",
    "-updated_at",
    "priority",
    "-priority",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ordering: TicketOrdering = ORDERINGS[pick as usize % ORDERINGS.len()].parse().unwrap();
    if let Ok(cursor) = Cursor::decode(text, ordering) {
        assert_eq!(cursor.ordering, ordering);
        // What decodes, encodes back to a cursor that decodes to the same thing.
        assert_eq!(Cursor::decode(&cursor.encode(), ordering), Ok(cursor));
    }
});
