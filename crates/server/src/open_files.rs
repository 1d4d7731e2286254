//! The process's open-file limit (`RLIMIT_NOFILE`): raised at start-up by `ticketing serve`,
//! because every open event stream (`GET /api/v1/events/`) holds one connection, that is one
//! file descriptor, for as long as its client stays.
//!
//! The soft limit goes up to the hard limit (what an unprivileged process may do; the hard limit
//! itself is the operator's: systemd `LimitNOFILE`, `ulimit -Hn`, the container's `--ulimit`).
//! One log line tells the result; a warning when the limit leaves room for fewer streams than
//! [`STREAMS_EXPECTED`].

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// The concurrent event streams one process is sized for (the benchmark holds this many).
pub const STREAMS_EXPECTED: u64 = 10_000;
/// Descriptors kept for everything but streams: listeners, database connections, files being
/// uploaded, the log, the runtime's own.
pub const RESERVED: u64 = 256;

/// The open-file limit before and after the raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit found at start.
    pub before: u64,
    /// The soft limit now (the one that counts).
    pub soft: u64,
    /// The hard limit (the ceiling of `soft`).
    pub hard: u64,
}

impl OpenFiles {
    /// About how many streams fit under the soft limit.
    pub fn streams(&self) -> u64 {
        self.soft.saturating_sub(RESERVED)
    }
}

/// The soft limit `want` for a hard limit `hard` (unlimited is capped: the kernel refuses a soft
/// limit above `fs.nr_open`, 1 048 576 by default).
fn target(soft: u64, hard: u64) -> u64 {
    const NR_OPEN: u64 = 1 << 20;
    soft.max(hard.min(NR_OPEN))
}

/// Raises the soft limit to the hard one when it is lower; `Err` with the reason when the limit
/// cannot be read, or the result as it stands when it cannot be raised.
pub fn raise() -> Result<OpenFiles, String> {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| format!("cannot read: {e}"))?;
    let want = target(soft, hard);
    let mut now = OpenFiles {
        before: soft,
        soft,
        hard,
    };
    if want > soft {
        match setrlimit(Resource::RLIMIT_NOFILE, want, hard) {
            Ok(()) => now.soft = want,
            Err(e) => return Err(format!("cannot raise {soft} to {want}: {e}")),
        }
    }
    Ok(now)
}

/// [`raise`], then one log line with the result (a warning when streams would run short).
pub fn raise_and_log() {
    match raise() {
        Ok(files) if files.streams() < STREAMS_EXPECTED => tracing::warn!(
            soft = files.soft,
            hard = files.hard,
            before = files.before,
            streams = files.streams(),
            expected = STREAMS_EXPECTED,
            "open-file limit leaves room for fewer event streams than expected; raise the hard \
             limit (systemd LimitNOFILE, ulimit -Hn; see docs/operations.md#event-streams)"
        ),
        Ok(files) => tracing::info!(
            soft = files.soft,
            hard = files.hard,
            before = files.before,
            streams = files.streams(),
            "open-file limit"
        ),
        Err(e) => tracing::warn!(
            error = %e,
            "open-file limit unchanged; event streams may run out of file descriptors"
        ),
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn target_is_the_hard_limit_capped_and_never_lower() {
        assert_eq!(target(1024, 524_288), 524_288);
        assert_eq!(target(1024, u64::MAX), 1 << 20);
        assert_eq!(target(65_536, 65_536), 65_536);
        // A soft limit above the cap (set by the operator) is kept.
        assert_eq!(target(2 << 20, u64::MAX), 2 << 20);
    }

    #[test]
    fn raise_reaches_the_hard_limit_of_this_process() {
        let files = raise().expect("the limit can be read and raised to the hard limit");
        assert!(files.soft >= files.before);
        assert_eq!(files.soft, target(files.before, files.hard));
        let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE).expect("readable");
        assert_eq!(soft, files.soft, "the raise is in force");
    }
}
