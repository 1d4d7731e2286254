//! Property tests: the parsers never panic and are idempotent; no sequence of changes breaks the
//! lifecycle, the version or the activity log; `policy::may` and the changes never disagree.

mod agreement;
mod lifecycle;
mod parsers;
