//! Storage keys: `<2 hex>/<32 hex>`, the first two characters of the name repeated as a shard
//! directory. Chosen by the server from a UUID v4, never from client input. The object of key
//! `ab/ab…` lives at `files/ab/ab…` under the store's root (a folder or a bucket prefix).

use uuid::Uuid;

/// Length of the file name part (a UUID in simple lower-case hex).
const NAME_LEN: usize = 32;
/// Length of the shard directory name.
const SHARD_LEN: usize = 2;

/// The shard directory and file name for an upload id.
pub(crate) fn parts_for_id(id: Uuid) -> (String, String) {
    let name = id.simple().to_string();
    let shard = name.chars().take(SHARD_LEN).collect();
    (shard, name)
}

/// The storage key for an upload id.
pub(crate) fn for_id(id: Uuid) -> String {
    let (shard, name) = parts_for_id(id);
    format!("{shard}/{name}")
}

/// The (shard, name) of a key of exactly the shape this store produces; `None` for anything
/// else (other lengths, upper case, `..`, absolute paths, separators, a mismatched shard).
pub(crate) fn parse(key: &str) -> Option<(&str, &str)> {
    let (shard, name) = key.split_once('/')?;
    (is_shard(shard) && is_name(name) && name.starts_with(shard)).then_some((shard, name))
}

/// Whether a name under `files/` is a shard this store creates.
pub(crate) fn is_shard(name: &str) -> bool {
    name.len() == SHARD_LEN && is_lower_hex(name)
}

/// Whether a file name inside a shard is one this store creates.
pub(crate) fn is_name(name: &str) -> bool {
    name.len() == NAME_LEN && is_lower_hex(name)
}

/// Whether a file name is an unfinished upload of the local folder: object_store's staging file
/// next to its destination (`<32 hex>#<digits>`), or a temp file of the former local store under
/// `tmp/` (`<32 hex>.part`).
pub(crate) fn is_temp_name(name: &str) -> bool {
    if let Some(name) = name.strip_suffix(".part") {
        return is_name(name);
    }
    name.split_once('#').is_some_and(|(name, n)| {
        is_name(name) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse() {
        for _ in 0..100 {
            let key = for_id(Uuid::new_v4());
            assert!(parse(&key).is_some(), "{key}");
        }
    }

    #[test]
    fn foreign_shapes_do_not_parse() {
        let good = for_id(Uuid::from_u128(0xab12_0000_0000_0000_0000_0000_0000_00cd));
        assert_eq!(good, "ab/ab1200000000000000000000000000cd");
        let bad = [
            "",
            "/",
            "ab",
            "ab/",
            "../etc/passwd",
            "/etc/passwd",
            "ab/../ab1200000000000000000000000000cd",
            "AB/AB1200000000000000000000000000CD",
            "cd/ab1200000000000000000000000000cd",
            "ab/ab1200000000000000000000000000cd/",
            "ab/ab1200000000000000000000000000cd.part",
            "ab/ab1200000000000000000000000000c",
            "ab\\ab1200000000000000000000000000cd",
            "./ab/ab1200000000000000000000000000cd",
            "ab//ab1200000000000000000000000000cd",
        ];
        for key in bad {
            assert!(parse(key).is_none(), "{key}");
        }
        assert!(is_temp_name("ab1200000000000000000000000000cd.part"));
        assert!(is_temp_name("ab1200000000000000000000000000cd#1"));
        assert!(is_temp_name("ab1200000000000000000000000000cd#12"));
        assert!(!is_temp_name("ab1200000000000000000000000000cd"));
        assert!(!is_temp_name("ab1200000000000000000000000000cd#"));
        assert!(!is_temp_name("ab1200000000000000000000000000cd#1a"));
        assert!(!is_temp_name(".probe.part"));
        assert!(!is_temp_name(".probe#1"));
    }
}
