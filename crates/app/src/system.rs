//! Production implementations of the small ports: the system clock and UUID v7 ids.

use chrono::{DateTime, Utc};
use ticketing_domain::time::to_stored_precision;
use uuid::Uuid;

use crate::ports::{Clock, IdGenerator};

/// The system clock, cut to the stored precision (microseconds, what both databases store; see
/// [`ticketing_domain::time`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_stored_precision(Utc::now())
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
