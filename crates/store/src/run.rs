//! Running diesel, which blocks, off the async workers: both stores hand their pooled
//! connection work to [`blocking`].

use ticketing_app::RepoError;

use crate::error::DbResult;

/// Work on one connection `C` giving a `T`: what a store method runs on the blocking pool.
pub(crate) trait Work<C, T>: FnOnce(&mut C) -> DbResult<T> + Send + 'static {}

impl<C, T, F> Work<C, T> for F where F: FnOnce(&mut C) -> DbResult<T> + Send + 'static {}

/// Runs `f` on tokio's blocking pool, inside the caller's tracing span. A task that panicked is
/// `Unexpected`, naming `database`.
pub(crate) async fn blocking<T, F>(database: &'static str, f: F) -> Result<T, RepoError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, RepoError> + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        f()
    })
    .await
    .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("{database} task failed: {e}")))?
}
