//! Password hashing with argon2id, off the async workers and with bounded concurrency.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::anyhow;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use ticketing_app::error::CryptoError;
use ticketing_app::metrics;
use ticketing_app::ports::PasswordHasher;
use ticketing_domain::Password;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::memory::{IDLE, MemoryPool};
use crate::workers::Workers;
use crate::{CryptoConfigError, random_bytes};

/// The cost parameters of argon2id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB (`m`).
    pub memory_kib: u32,
    /// Number of passes (`t`).
    pub iterations: u32,
    /// Degree of parallelism (`p`).
    pub parallelism: u32,
}

impl Argon2Params {
    /// The OWASP recommendation for argon2id: m = 19 MiB (19456 KiB), t = 2, p = 1.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
}

impl Default for Argon2Params {
    /// [`Argon2Params::OWASP`].
    fn default() -> Self {
        Self::OWASP
    }
}

/// How [`Argon2Hasher`] hashes and how many hashes may run at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HasherConfig {
    /// How many hashes (or verifications) run at the same time; more callers wait for a slot.
    /// Default: the number of CPUs.
    pub max_concurrent: usize,
    /// How long a caller waits for a slot before getting [`CryptoError::Busy`]. Default: 5 s.
    pub queue_timeout: Duration,
    /// The argon2id cost. Default: [`Argon2Params::OWASP`].
    pub params: Argon2Params,
    /// Run the hashes on threads of the lowest CPU priority (nice 19), so that a burst of logins
    /// only uses the CPU other requests leave. Default: true.
    pub low_priority: bool,
}

impl Default for HasherConfig {
    fn default() -> Self {
        Self {
            max_concurrent: std::thread::available_parallelism().map_or(1, usize::from),
            queue_timeout: Duration::from_secs(5),
            params: Argon2Params::OWASP,
            low_priority: true,
        }
    }
}

impl HasherConfig {
    /// **Tests only**: the minimum argon2id cost (m = 8 KiB, t = 1, p = 1), so that test suites
    /// hashing many passwords stay fast. Never use this in production: such hashes are cheap to
    /// brute-force.
    pub fn fast_for_tests() -> Self {
        Self {
            params: Argon2Params {
                memory_kib: 8,
                iterations: 1,
                parallelism: 1,
            },
            ..Self::default()
        }
    }
}

/// An argon2id [`PasswordHasher`] producing PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
///
/// Every hash and verification runs on one of `max_concurrent` dedicated threads of the lowest
/// CPU priority (unless `low_priority` is off), holding one permit of a semaphore of
/// `max_concurrent` permits; a caller that gets no permit within `queue_timeout`
/// gets [`CryptoError::Busy`]. A cancelled caller's work finishes in the background and only
/// then returns its permit, so memory use stays bounded by `max_concurrent × m`.
///
/// [`PasswordHasher::verify_signed_in`] (change-password) runs on a share of its own: a quarter
/// of `max_concurrent` threads and permits, at least one, beside the others. However many of
/// those checks queue, sign-ins never wait behind them. Memory stays bounded by
/// `(max_concurrent + that share) × m`.
///
/// Cloning is cheap and shares the semaphore.
#[derive(Clone)]
pub struct Argon2Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    params: Argon2Params,
    /// The argon2 parameters of new hashes.
    argon2_params: Params,
    /// Working memory reused between hashes (see `memory.rs`).
    memory: Arc<MemoryPool>,
    /// The threads that hash (see `workers.rs`) and their permits: sign-ins, registrations,
    /// operator resets.
    workers: Workers,
    semaphore: Arc<Semaphore>,
    /// The threads and permits of signed-in users' checks (change-password): their own share, so
    /// that a flood of them never delays a sign-in.
    signed_in_workers: Workers,
    signed_in_semaphore: Arc<Semaphore>,
    max_concurrent: usize,
    queue_timeout: Duration,
    /// A hash of a random password with the same cost, for `verify(_, None)`.
    dummy: OnceLock<String>,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Hasher")
            .field("params", &self.inner.params)
            .field("max_concurrent", &self.inner.max_concurrent)
            .field("queue_timeout", &self.inner.queue_timeout)
            .finish_non_exhaustive()
    }
}

impl Argon2Hasher {
    /// A hasher with `config`. Refuses `max_concurrent == 0` and parameters argon2 rejects.
    pub fn new(config: HasherConfig) -> Result<Self, CryptoConfigError> {
        if config.max_concurrent == 0 {
            return Err(CryptoConfigError::Hasher(
                "max_concurrent must be at least 1".to_owned(),
            ));
        }
        let p = config.params;
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| CryptoConfigError::Hasher(format!("invalid argon2 parameters: {e}")))?;
        let memory = Arc::new(MemoryPool::default());
        // The hashing threads free the working memory once they have been idle.
        let trim = |memory: &Arc<MemoryPool>| -> crate::workers::OnIdle {
            let memory = Arc::clone(memory);
            Box::new(move || memory.trim(IDLE))
        };
        let signed_in = signed_in_share(config.max_concurrent);
        Ok(Self {
            inner: Arc::new(Inner {
                argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()),
                params: p,
                argon2_params: params,
                workers: Workers::new(
                    "argon2",
                    config.max_concurrent,
                    config.low_priority,
                    trim(&memory),
                ),
                signed_in_workers: Workers::new(
                    "argon2-signed-in",
                    signed_in,
                    config.low_priority,
                    trim(&memory),
                ),
                signed_in_semaphore: Arc::new(Semaphore::new(signed_in)),
                memory,
                semaphore: Arc::new(Semaphore::new(config.max_concurrent)),
                max_concurrent: config.max_concurrent,
                queue_timeout: config.queue_timeout,
                dummy: OnceLock::new(),
            }),
        })
    }

    /// How many permits are free right now (for metrics and tests).
    pub fn available_permits(&self) -> usize {
        self.inner.semaphore.available_permits()
    }

    /// Waits (bounded) for a permit of `lane`, then runs `work` on a hashing thread of that lane
    /// while holding it.
    async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        work: impl FnOnce(&Inner) -> Result<T, CryptoError> + Send + 'static,
    ) -> Result<T, CryptoError> {
        let (semaphore, workers) = match lane {
            Lane::Public => (&self.inner.semaphore, &self.inner.workers),
            Lane::SignedIn => (
                &self.inner.signed_in_semaphore,
                &self.inner.signed_in_workers,
            ),
        };
        let permit = self.acquire(semaphore).await?;
        let inner = Arc::clone(&self.inner);
        let span = tracing::Span::current();
        let (reply, answer) = tokio::sync::oneshot::channel();
        workers.submit(Box::new(move || {
            let _entered = span.enter();
            let result = work(&inner);
            drop(permit);
            // The caller may have gone (a cancelled request): the work is done either way.
            let _ = reply.send(result);
        }))?;
        answer
            .await
            .map_err(|_| CryptoError::Unexpected(anyhow!("password hashing task failed")))?
    }

    async fn acquire(
        &self,
        semaphore: &Arc<Semaphore>,
    ) -> Result<OwnedSemaphorePermit, CryptoError> {
        let acquire = Arc::clone(semaphore).acquire_owned();
        let waiting = metrics::password_hash_waiting();
        let outcome = tokio::time::timeout(self.inner.queue_timeout, acquire).await;
        drop(waiting);
        match outcome {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(CryptoError::Unexpected(anyhow!(closed))),
            Err(_elapsed) => {
                metrics::password_hash_rejected();
                tracing::warn!("password hashing is saturated; refusing with Busy");
                Err(CryptoError::Busy)
            }
        }
    }
}

/// Which share of the hashing threads a job runs on.
#[derive(Debug, Clone, Copy)]
enum Lane {
    /// Sign-ins, registrations, operator resets.
    Public,
    /// Signed-in users confirming their password.
    SignedIn,
}

/// The threads (and permits) of signed-in users' checks: a quarter of the public ones, at least
/// one.
fn signed_in_share(max_concurrent: usize) -> usize {
    (max_concurrent / 4).max(1)
}

impl Inner {
    /// argon2 with `params` into `out`, in reused working memory.
    fn compute(
        &self,
        argon2: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let mut memory = self.memory.take(params.block_count());
        let blocks = params.block_count().min(memory.len());
        let result =
            argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]);
        self.memory.give(memory);
        result.map_err(|e| CryptoError::Unexpected(anyhow!("argon2 hashing failed: {e}")))
    }

    fn hash(&self, password: &[u8]) -> Result<String, CryptoError> {
        let salt_bytes = random_bytes::<16>();
        let salt = SaltString::encode_b64(&salt_bytes)
            .map_err(|e| CryptoError::Unexpected(anyhow!("salt encoding failed: {e}")))?;
        let params = &self.argon2_params;
        let mut out = vec![0_u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
        self.compute(&self.argon2, params, password, &salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(params)
                .map_err(|e| CryptoError::Unexpected(anyhow!("argon2 parameters: {e}")))?,
            salt: Some(salt.as_salt()),
            hash: Some(
                Output::new(&out)
                    .map_err(|e| CryptoError::Unexpected(anyhow!("argon2 output: {e}")))?,
            ),
        };
        Ok(phc.to_string())
    }

    fn verify(&self, password: &[u8], stored: &str) -> Result<bool, CryptoError> {
        let malformed = |e: argon2::password_hash::Error| {
            CryptoError::Unexpected(anyhow!("malformed stored password hash: {e}"))
        };
        let parsed = PasswordHash::new(stored).map_err(malformed)?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(malformed)?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|e| malformed(e.into()))?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(malformed)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(malformed(argon2::password_hash::Error::PhcStringField));
        };
        let mut salt_buf = [0_u8; 64];
        let salt = salt.decode_b64(&mut salt_buf).map_err(malformed)?;
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut out = vec![0_u8; expected.len()];
        self.compute(&argon2, &params, password, salt, &mut out)?;
        let computed = Output::new(&out).map_err(malformed)?;
        // `Output` compares in constant time.
        Ok(computed == expected)
    }

    fn dummy_hash(&self) -> Result<&str, CryptoError> {
        if let Some(h) = self.dummy.get() {
            return Ok(h);
        }
        let fresh = self.hash(&random_bytes::<32>())?;
        // Another thread may have won the race; either value is fine.
        let _ = self.dummy.set(fresh);
        self.dummy
            .get()
            .map(String::as_str)
            .ok_or_else(|| CryptoError::Unexpected(anyhow!("dummy hash missing")))
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<String, CryptoError> {
        if password.expose().len() > Password::MAX_BYTES {
            return Err(CryptoError::Unexpected(anyhow!(
                "password longer than {} bytes",
                Password::MAX_BYTES
            )));
        }
        let bytes = password.expose().as_bytes().to_vec();
        self.run(Lane::Public, move |inner| inner.hash(&bytes))
            .await
    }

    async fn verify(&self, password: &Password, hash: Option<String>) -> Result<bool, CryptoError> {
        // Over-long input never matches; answering at once tells nothing about the account.
        if password.expose().len() > Password::MAX_BYTES {
            return Ok(false);
        }
        let bytes = password.expose().as_bytes().to_vec();
        self.run(Lane::Public, move |inner| match hash {
            Some(stored) => inner.verify(&bytes, &stored),
            None => {
                let dummy = inner.dummy_hash()?;
                inner.verify(&bytes, dummy).map(|_| false)
            }
        })
        .await
    }

    async fn verify_signed_in(
        &self,
        password: &Password,
        hash: String,
    ) -> Result<bool, CryptoError> {
        if password.expose().len() > Password::MAX_BYTES {
            return Ok(false);
        }
        let bytes = password.expose().as_bytes().to_vec();
        self.run(Lane::SignedIn, move |inner| inner.verify(&bytes, &hash))
            .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn zero_concurrency_is_refused() {
        let config = HasherConfig {
            max_concurrent: 0,
            ..HasherConfig::fast_for_tests()
        };
        assert!(Argon2Hasher::new(config).is_err());
    }

    #[test]
    fn impossible_params_are_refused() {
        let mut config = HasherConfig::fast_for_tests();
        config.params.memory_kib = 1;
        assert!(Argon2Hasher::new(config).is_err());
    }

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = Argon2Hasher::new(HasherConfig::fast_for_tests()).unwrap();
        let inner = &hasher.inner;
        let ours = inner.hash(b"correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            inner
                .argon2
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert!(
            inner
                .argon2
                .verify_password(b"wrong horse", &parsed)
                .is_err()
        );
        let salt = SaltString::encode_b64(&[7_u8; 16]).unwrap();
        let theirs = inner
            .argon2
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(inner.verify(b"correct horse", &theirs).unwrap());
        assert!(!inner.verify(b"wrong horse", &theirs).unwrap());
        // Other parameters than the configured ones (an older hash) verify too.
        let owasp = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19_456, 2, 1, None).unwrap(),
        );
        let old = owasp.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(inner.verify(b"pw", &old).unwrap());
        assert!(inner.verify(b"pw", "not a hash").is_err());
    }

    /// With every signed-in permit taken and checks queued behind it, a sign-in's check is
    /// answered at once: it has its own threads and permits.
    #[tokio::test]
    async fn signed_in_checks_never_hold_up_sign_ins() {
        let h = Argon2Hasher::new(HasherConfig {
            max_concurrent: 1,
            queue_timeout: Duration::from_secs(60),
            ..HasherConfig::fast_for_tests()
        })
        .unwrap();
        let stored = h.hash(&Password::new("the password")).await.unwrap();
        // Hold the only signed-in permit: signed-in checks queue behind it, forever.
        let held = Arc::clone(&h.inner.signed_in_semaphore)
            .acquire_owned()
            .await
            .unwrap();
        let queued: Vec<_> = (0..8)
            .map(|_| {
                let (h, stored) = (h.clone(), stored.clone());
                tokio::spawn(
                    async move { h.verify_signed_in(&Password::new("wrong"), stored).await },
                )
            })
            .collect();
        tokio::task::yield_now().await;
        assert!(
            h.verify(&Password::new("the password"), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(queued.iter().all(|q| !q.is_finished()));
        drop(held);
        for q in queued {
            assert!(!q.await.unwrap().unwrap());
        }
        assert!(
            h.verify_signed_in(&Password::new("the password"), stored)
                .await
                .unwrap()
        );
    }

    #[test]
    fn debug_shows_config_only() {
        let hasher = Argon2Hasher::new(HasherConfig::fast_for_tests()).unwrap();
        let shown = format!("{hasher:?}");
        assert!(shown.contains("memory_kib: 8"), "{shown}");
    }
}
