//! `AuditRepository` of the memory store, and appending entries inside other writes.

use async_trait::async_trait;
use ticketing_app::ports::AuditRepository;
use ticketing_app::{AuditCursor, AuditEntry, AuditQuery, RepoError};
use ticketing_domain::listing::Page;

use super::{MemoryStore, State, micros};

impl State {
    /// `Conflict { field: "id" }` when an entry's id is taken (checked before any write, so
    /// that a write with its entries is all or nothing, as in the databases).
    pub(super) fn check_audit(&self, entries: &[AuditEntry]) -> Result<(), RepoError> {
        let taken = entries
            .iter()
            .any(|e| self.audit.iter().any(|stored| stored.id == e.id));
        if taken {
            Err(RepoError::Conflict { field: "id" })
        } else {
            Ok(())
        }
    }

    /// Appends entries already checked by [`State::check_audit`], with their events.
    pub(super) fn append_audit(&mut self, entries: &[AuditEntry]) {
        self.audit.extend(entries.iter().map(|e| AuditEntry {
            at: micros(e.at),
            ..e.clone()
        }));
        let events: Vec<_> = entries.iter().map(AuditEntry::event).collect();
        self.append_events(&events);
    }
}

#[async_trait]
impl AuditRepository for MemoryStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), RepoError> {
        let mut s = self.state()?;
        let entries = std::slice::from_ref(entry);
        s.check_audit(entries)?;
        s.append_audit(entries);
        Ok(())
    }

    async fn list(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, RepoError> {
        let s = self.state()?;
        let mut selected: Vec<AuditEntry> = s
            .audit
            .iter()
            .filter(|e| query.selects(e))
            .cloned()
            .collect();
        selected.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        let total = selected.len() as u64;
        let limit = usize::from(query.limit.get());
        let rest: Vec<AuditEntry> = selected
            .into_iter()
            .filter(|e| query.after.is_none_or(|c| (e.at, e.id) < (c.at, c.id)))
            .collect();
        let more = rest.len() > limit;
        let items: Vec<AuditEntry> = rest.into_iter().take(limit).collect();
        let next = match items.last() {
            Some(last) if more => Some(
                AuditCursor {
                    at: last.at,
                    id: last.id,
                }
                .encode(),
            ),
            _ => None,
        };
        Ok(Page {
            items,
            total,
            next,
            exact: true,
        })
    }
}
