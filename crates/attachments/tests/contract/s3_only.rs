//! What only the bucket has: a start-up check against the server, markers of multipart uploads.

use ticketing_app::error::BlobError;
use ticketing_app::ports::BlobStore;
use ticketing_attachments::Attachments;

use super::support::{Fixture, moto, pattern};

#[tokio::test]
async fn check_passes_on_a_bucket_and_fails_on_a_missing_one() {
    let Some(f) = Fixture::s3() else {
        return;
    };
    f.store.check().await.unwrap();
    assert!(f.objects().await.is_empty(), "the probe was left behind");

    let vars = moto().unwrap().vars();
    let missing = Attachments::open_with("s3://no-such-bucket-here/x", vars).unwrap();
    let err = missing.check().await.unwrap_err();
    assert!(matches!(err, BlobError::Io(_)), "{err:?}");
}

#[tokio::test]
async fn a_multipart_upload_leaves_a_marker_until_it_completes() {
    let Some(f) = Fixture::s3() else {
        return;
    };
    let mut writer = f.store.begin(64 * 1024 * 1024).await.unwrap();
    writer.write(&pattern(9 * 1024 * 1024, 6)).await.unwrap();
    writer.write(b"tail").await.unwrap();
    let markers = f.objects().await;
    assert_eq!(markers.len(), 1, "{markers:?}");
    assert!(markers[0].starts_with("uploads/"), "{markers:?}");
    let stored = writer.finish().await.unwrap();
    assert_eq!(f.objects().await, [format!("files/{}", stored.storage_key)]);
    assert_eq!(f.unfinished(), 0);
}
