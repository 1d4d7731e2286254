//! Calls served together ("group commit"): concurrent calls queue their requests, and the first
//! to get the turn runs one batch for everything queued so far; the others find their answer
//! when the batch ends, or run the next batch for what queued meanwhile. A call alone runs at
//! once, its own batch of one: nothing waits for company, so an idle server answers as fast as
//! before, and a busy one sends one statement where it sent one per call.
//!
//! A batch runs in a task of its own: a caller that is dropped while it runs (a client that
//! went away) takes neither the batch nor the other callers' answers with it.

use std::future::Future;
use std::sync::Mutex;

use tokio::sync::oneshot;

/// See the module. `Req` is one call's request, `Resp` its answer.
#[derive(Debug)]
pub(crate) struct Grouped<Req, Resp> {
    waiting: Mutex<Vec<(Req, oneshot::Sender<Resp>)>>,
    turn: tokio::sync::Mutex<()>,
}

impl<Req, Resp> Default for Grouped<Req, Resp> {
    fn default() -> Self {
        Self {
            waiting: Mutex::new(Vec::new()),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<Req: Send + 'static, Resp: Send + 'static> Grouped<Req, Resp> {
    /// Queues `req` and answers it: `run` gets a batch of requests (this one and whatever else
    /// queued) and must answer each, in order. `None` when the batch holding `req` failed to
    /// answer it (`run` panicked or answered fewer).
    pub(crate) async fn call<F, Fut>(&self, req: Req, run: F) -> Option<Resp>
    where
        F: FnOnce(Vec<Req>) -> Fut,
        Fut: Future<Output = Vec<Resp>> + Send + 'static,
    {
        let (tx, mut rx) = oneshot::channel();
        self.queue().push((req, tx));
        tokio::select! {
            biased;
            answer = &mut rx => return answer.ok(),
            turn = self.turn.lock() => {
                let batch = std::mem::take(&mut *self.queue());
                if !batch.is_empty() {
                    let (reqs, replies): (Vec<Req>, Vec<oneshot::Sender<Resp>>) =
                        batch.into_iter().unzip();
                    let answers = run(reqs);
                    let ran = tokio::spawn(async move {
                        for (reply, answer) in replies.into_iter().zip(answers.await) {
                            // A caller that went away needs no answer.
                            let _ = reply.send(answer);
                        }
                    });
                    // Holding the turn while the batch runs: that is when the next calls queue.
                    let _ = ran.await;
                }
                drop(turn);
            }
        }
        // Answered by this batch, or by the one that took it from the queue before.
        rx.await.ok()
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<(Req, oneshot::Sender<Resp>)>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    /// Answers each request with itself times ten, counting batches; each batch takes 20 ms.
    async fn times_ten(
        g: Arc<Grouped<u32, u32>>,
        batches: Arc<AtomicUsize>,
        req: u32,
    ) -> Option<u32> {
        g.call(req, move |reqs| async move {
            batches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            reqs.into_iter().map(|r| r * 10).collect()
        })
        .await
    }

    #[tokio::test]
    async fn a_call_alone_runs_at_once() {
        let g = Arc::new(Grouped::default());
        let batches = Arc::new(AtomicUsize::new(0));
        assert_eq!(times_ten(g.clone(), batches.clone(), 4).await, Some(40));
        assert_eq!(times_ten(g, batches.clone(), 5).await, Some(50));
        assert_eq!(batches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn concurrent_calls_share_batches_and_each_gets_its_own_answer() {
        let g = Arc::new(Grouped::default());
        let batches = Arc::new(AtomicUsize::new(0));
        let calls: Vec<_> = (0..50)
            .map(|i| tokio::spawn(times_ten(g.clone(), batches.clone(), i)))
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            assert_eq!(call.await.unwrap(), Some(u32::try_from(i).unwrap() * 10));
        }
        let n = batches.load(Ordering::SeqCst);
        assert!(n < 50, "50 concurrent calls ran {n} batches");
    }

    #[tokio::test]
    async fn a_caller_dropped_mid_batch_leaves_the_others_answered() {
        let g = Arc::new(Grouped::default());
        let batches = Arc::new(AtomicUsize::new(0));
        let first = tokio::spawn(times_ten(g.clone(), batches.clone(), 1));
        tokio::time::sleep(Duration::from_millis(5)).await;
        // Queued behind the first batch: the second batch runs both.
        let second = tokio::spawn(times_ten(g.clone(), batches.clone(), 2));
        let third = tokio::spawn(times_ten(g.clone(), batches.clone(), 3));
        tokio::time::sleep(Duration::from_millis(25)).await;
        // Whoever runs the second batch, drop the second caller while it runs.
        second.abort();
        assert_eq!(first.await.unwrap(), Some(10));
        assert_eq!(third.await.unwrap(), Some(30));
    }

    #[tokio::test]
    async fn a_batch_that_answers_nothing_answers_none() {
        let g: Grouped<u32, u32> = Grouped::default();
        assert_eq!(g.call(1, |_| async { Vec::new() }).await, None);
    }
}
