//! Production implementations of the small ports: the system clock and UUID v7 ids.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use crate::ports::{Clock, IdGenerator};

/// The system clock, truncated to microseconds (what both databases store).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// Time-ordered UUID v7 ids (monotonic within the process).
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7;

impl IdGenerator for UuidV7 {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}
