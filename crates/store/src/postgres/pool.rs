//! The connection pool's manager: diesel's `ConnectionManager`, plus two rules that save a
//! round trip per checkout without handing out dead connections for long.
//!
//! - A connection used successfully in the last [`RECENT`] is handed out without the
//!   `SELECT 1` that r2d2 runs on every checkout otherwise (under load, that ping was half of
//!   all round trips). Idle connections are still pinged, so a restarted server is noticed
//!   before a request uses a connection it closed.
//! - A connection whose last operation failed with an "unavailable" error (connection lost,
//!   server shutting down...) is marked broken and discarded when it returns to the pool.
//!   A connection that dies while in steady use thus fails one operation, not every one.

use std::time::{Duration, Instant};

use diesel::connection::CacheSize;
use diesel::r2d2::{ConnectionManager, Error, ManageConnection};
use diesel::{Connection, PgConnection};

/// How recently a connection must have worked to skip the checkout ping.
pub(crate) const RECENT: Duration = Duration::from_secs(2);

/// A pooled PostgreSQL connection and what the pool needs to know about its health.
pub(crate) struct Conn {
    pub(crate) conn: PgConnection,
    last_ok: Instant,
    broken: bool,
}

impl Conn {
    /// Records the outcome of an operation: `ok`, or failed in a way that condemns the
    /// connection.
    pub(crate) fn record(&mut self, ok: bool, condemned: bool) {
        if ok {
            self.last_ok = Instant::now();
        }
        self.broken |= condemned;
    }
}

/// diesel's manager with the rules above.
pub(crate) struct Manager {
    pub(crate) inner: ConnectionManager<PgConnection>,
    /// Whether connections cache named prepared statements (off behind PgBouncer in
    /// transaction mode).
    pub(crate) prepared_statements: bool,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = Error;

    fn connect(&self) -> Result<Conn, Error> {
        let mut conn = self.inner.connect()?;
        if !self.prepared_statements {
            conn.set_prepared_statement_cache_size(CacheSize::Disabled);
        }
        Ok(Conn {
            conn,
            last_ok: Instant::now(),
            broken: false,
        })
    }

    fn is_valid(&self, c: &mut Conn) -> Result<(), Error> {
        if c.last_ok.elapsed() < RECENT {
            return Ok(());
        }
        self.inner.is_valid(&mut c.conn)?;
        c.last_ok = Instant::now();
        Ok(())
    }

    fn has_broken(&self, c: &mut Conn) -> bool {
        c.broken || self.inner.has_broken(&mut c.conn)
    }
}
