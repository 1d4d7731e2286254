//! The two column types whose storage differs between the databases, so that one schema, one
//! set of row types and one source of queries serve both:
//!
//! | SQL type | Rust value | PostgreSQL | SQLite |
//! |---|---|---|---|
//! | [`Id`] | [`DbId`] (a UUID) | `uuid` | `BLOB`, the 16 big-endian bytes (sorts like the UUID) |
//! | [`Instant`] | [`DbTime`] (a UTC instant, whole microseconds) | `timestamptz` | `INTEGER` microseconds since the Unix epoch |
//!
//! Each backend's conversion is a plain `ToSql`/`FromSql` impl chosen at compile time: no
//! dispatch and no copy beyond what the driver needs. A stored value that does not convert (a
//! blob of the wrong length, a time out of range) is a deserialization error, which the stores
//! report as `RepoError::Unexpected`.

use std::fmt;

use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::query_builder::QueryId;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::SqlType;
use uuid::Uuid;

/// An id column (`uuid` on PostgreSQL, a 16-byte `BLOB` on SQLite).
#[derive(Debug, Clone, Copy, Default, QueryId, SqlType)]
pub struct Id;

/// A time column (`timestamptz` on PostgreSQL, integer microseconds on SQLite).
#[derive(Debug, Clone, Copy, Default, QueryId, SqlType)]
pub struct Instant;

/// The value of an [`Id`] column.
#[derive(Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Id)]
pub struct DbId(Uuid);

impl<T: Into<Uuid>> From<T> for DbId {
    fn from(id: T) -> Self {
        DbId(id.into())
    }
}

impl DbId {
    /// The nil UUID (the "nobody" assignee of the ticket counters).
    pub const NIL: DbId = DbId(Uuid::nil());

    /// The typed id (or the UUID) stored here.
    pub fn get<T: From<Uuid>>(self) -> T {
        T::from(self.0)
    }
}

/// The value of an [`Instant`] column: whole microseconds (both databases keep microseconds; finer
/// digits are rounded down here, the same on both, rather than towards 2000-01-01 as
/// PostgreSQL's wire conversion would).
#[derive(Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Instant)]
pub struct DbTime(DateTime<Utc>);

impl From<DateTime<Utc>> for DbTime {
    fn from(t: DateTime<Utc>) -> Self {
        DbTime(DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t))
    }
}

impl DbTime {
    /// The instant stored here.
    pub fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// Microseconds since the Unix epoch (`None` when out of chrono's range).
    pub fn from_micros(micros: i64) -> Option<DbTime> {
        DateTime::from_timestamp_micros(micros).map(DbTime)
    }
}

// The values alone (as bound parameters show in `debug_query` and in the plans of the docs).
impl fmt::Debug for DbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Debug for DbTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "postgres")]
mod pg {
    use diesel::pg::{Pg, PgTypeMetadata, PgValue};
    use diesel::sql_types::{HasSqlType, Timestamptz, Uuid as PgUuid};

    use super::*;

    impl HasSqlType<Id> for Pg {
        fn metadata(lookup: &mut Self::MetadataLookup) -> PgTypeMetadata {
            <Pg as HasSqlType<PgUuid>>::metadata(lookup)
        }
    }

    impl HasSqlType<Instant> for Pg {
        fn metadata(lookup: &mut Self::MetadataLookup) -> PgTypeMetadata {
            <Pg as HasSqlType<Timestamptz>>::metadata(lookup)
        }
    }

    impl ToSql<Id, Pg> for DbId {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            ToSql::<PgUuid, Pg>::to_sql(&self.0, out)
        }
    }

    impl FromSql<Id, Pg> for DbId {
        fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
            FromSql::<PgUuid, Pg>::from_sql(value).map(DbId)
        }
    }

    impl ToSql<Instant, Pg> for DbTime {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            ToSql::<Timestamptz, Pg>::to_sql(&self.0, out)
        }
    }

    impl FromSql<Instant, Pg> for DbTime {
        fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
            FromSql::<Timestamptz, Pg>::from_sql(value).map(DbTime)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use diesel::serialize::IsNull;
    use diesel::sql_types::{BigInt, HasSqlType};
    use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

    use super::*;

    impl HasSqlType<Id> for Sqlite {
        fn metadata(_: &mut ()) -> SqliteType {
            SqliteType::Binary
        }
    }

    impl HasSqlType<Instant> for Sqlite {
        fn metadata(_: &mut ()) -> SqliteType {
            SqliteType::Long
        }
    }

    impl ToSql<Id, Sqlite> for DbId {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.as_bytes().as_slice());
            Ok(IsNull::No)
        }
    }

    impl FromSql<Id, Sqlite> for DbId {
        fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            Ok(DbId(Uuid::from_slice(value.read_blob())?))
        }
    }

    impl ToSql<Instant, Sqlite> for DbTime {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.timestamp_micros());
            Ok(IsNull::No)
        }
    }

    impl FromSql<Instant, Sqlite> for DbTime {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let micros = <i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?;
            DbTime::from_micros(micros)
                .ok_or_else(|| format!("timestamp out of range: {micros} µs").into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_keep_whole_microseconds_rounded_down() {
        let t = DateTime::from_timestamp(-1, 999_999_999).unwrap_or_default();
        assert_eq!(DbTime::from(t).get().timestamp_micros(), -1);
        assert_eq!(DbTime::from(t).get().timestamp_subsec_nanos(), 999_999_000);
        assert_eq!(DbTime::from_micros(i64::MAX), None);
    }
}
