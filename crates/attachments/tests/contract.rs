//! The attachment store contract, run identically on a local folder and on a real
//! S3-compatible server (moto, PyPI `moto[server]`): every case of `contract/cases.rs` becomes a
//! `local::…` and an `s3::…` test. The S3 tests start `moto_server` on a free port (one per test
//! process), or use the server at `TEST_S3_ENDPOINT`; without moto they pass after printing how to
//! install it (`scripts/ensure-moto.sh`), unless `TICKETING_REQUIRE_S3=1` (CI) makes that a
//! failure. See `contract/support.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod contract {
    #[macro_use]
    pub mod support;
    pub mod cases;

    mod copy;
    mod local_only;
    mod s3_only;

    contract!(
        round_trip,
        digest_and_size,
        large_file_streamed,
        too_large_leaves_nothing,
        too_large_mid_stream_aborts_the_parts,
        exact_limit_is_accepted,
        abort_leaves_nothing,
        abort_after_parts_leaves_nothing,
        dropped_writer_cleans_up,
        killed_upload_is_swept,
        sweep_keeps_known_keys,
        sweep_respects_min_age,
        sweep_ignores_foreign_objects,
        sweep_removes_orphans_past_a_listing_page,
        open_rejects_bad_keys,
        delete_is_idempotent,
        concurrent_uploads_get_distinct_keys,
        copy_to_a_store_of_the_same_kind_resumes,
    );
}
