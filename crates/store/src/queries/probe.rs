//! What the metrics sample at scrape time.

use diesel::dsl::sql;
use diesel::sql_types::BigInt;
use diesel::{QueryDsl, RunQueryDsl};
use ticketing_app::RepoError;
use ticketing_app::metrics::{PoolState, StoreProbe};

use super::Store;
use crate::schema::attachments;

#[async_trait::async_trait]
impl StoreProbe for Store {
    fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    async fn attachments_stored_bytes(&self) -> Result<u64, RepoError> {
        let bytes: i64 = self
            .read(|c| {
                Ok(attachments::table
                    .select(sql::<BigInt>("CAST(COALESCE(SUM(size), 0) AS BIGINT)"))
                    .get_result(c)?)
            })
            .await?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }
}
