//! How the local store keeps its pins: the ids of a named pin of a class, split by a hash of the
//! id into [`BUCKETS`] records, so that pinning or unpinning a few objects rewrites the few
//! buckets they fall in, not every id of a pin that may hold 100k (one record per pin made each
//! single write cost as much as writing every id again).
//!
//! A bucket's key is `{class}#{bucket:02x}/{name}`: the buckets of one class sort together,
//! and within one bucket every name's record sorts together, so the records that can hold an id
//! (for "is it still pinned by another name?") are one key range.

use std::collections::{BTreeMap, BTreeSet};

/// How many records a pin's ids are split into.
pub const BUCKETS: u32 = 256;

/// The bucket of an id: FNV-1a of its UTF-8 bytes, the same in every tab and release.
pub fn bucket(id: &str) -> u32 {
    let hash = id.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash % BUCKETS
}

/// The key of one bucket of a named pin of a class.
pub fn bucket_key(class: &str, name: &str, bucket: u32) -> String {
    format!("{class}#{bucket:02x}/{name}")
}

/// The keys of every name's record of one bucket of a class: `lower <= key < upper`.
pub fn bucket_range(class: &str, bucket: u32) -> (String, String) {
    // '0' is the character after '/'.
    (
        format!("{class}#{bucket:02x}/"),
        format!("{class}#{bucket:02x}0"),
    )
}

/// The keys of every pin record of a class: `lower <= key < upper`.
pub fn class_range(class: &str) -> (String, String) {
    // '$' is the character after '#'.
    (format!("{class}#"), format!("{class}$"))
}

/// `ids` by bucket.
pub fn by_bucket<'a>(ids: impl IntoIterator<Item = &'a str>) -> BTreeMap<u32, BTreeSet<String>> {
    let mut out: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for id in ids {
        out.entry(bucket(id)).or_default().insert(id.to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_spread() {
        // Fixed values: a stored database's buckets must be found by every later release.
        assert_eq!(bucket(""), 0x811c_9dc5 % BUCKETS);
        assert_eq!(bucket("a"), 0xe40c_292c % BUCKETS);
        // 100 ids per bucket on average: none far from it.
        let ids: Vec<String> = (0..25600).map(|i| format!("d{i:05}")).collect();
        let split = by_bucket(ids.iter().map(String::as_str));
        assert_eq!(split.len(), BUCKETS as usize);
        assert!(
            split.values().all(|ids| (60..=140).contains(&ids.len())),
            "{:?}",
            split.values().map(BTreeSet::len).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_bucket_range_holds_every_name_of_that_bucket_and_nothing_else() {
        let (lo, hi) = bucket_range("Deal", 7);
        let inside = |k: &str| lo.as_str() <= k && k < hi.as_str();
        for name in ["_default", "", "a/b", "#", "0", "\u{ffff}", "😀"] {
            assert!(inside(&bucket_key("Deal", name, 7)), "{name}");
            assert!(!inside(&bucket_key("Deal", name, 8)), "{name}");
            assert!(!inside(&bucket_key("Deals", name, 7)), "{name}");
        }
        let (lo, hi) = class_range("Deal");
        let inside = |k: &str| lo.as_str() <= k && k < hi.as_str();
        assert!(
            inside(&bucket_key("Deal", "x", 0)) && inside(&bucket_key("Deal", "x", BUCKETS - 1))
        );
        assert!(!inside(&bucket_key("Contact", "x", 0)) && !inside("Deal/x"));
    }
}
