//! Id interning between cxspec's small numbers and the vendor's string ids.
//!
//! cxspec numbers sessions, agents and tasks 1, 2, 3, ... per case; the vendor's objects carry
//! strings (`ChannelSession.id` an ObjectId, `CCUser.id` a Keycloak UUID, `Task.id` a UUID
//! minted by the Routing Engine: expertflow/object-model d77a5aa, `ChannelSession.java` line
//! 50 `Utils.getObjectId()`, `task/Task.java` line 135 `UUID.randomUUID()`). One [`Ids`] holds
//! one case's bindings, both ways:
//!
//! * a number the kit names first (every session and agent, and a task the kit must name
//!   before the implementation did) gets a **minted** string, deterministic and shaped like the
//!   vendor's (24 hex digits for ObjectIds, a version-4 UUID layout for UUIDs), so that the
//!   same case sends the same bytes every run;
//! * a string the implementation names first (a task id it minted) is **bound** to the next
//!   number of its kind, in order of first appearance; the spec numbers tasks in creation order
//!   and an implementation mentions a task first when it creates it, so the numbers agree
//!   exactly when the implementation creates the same tasks.
//!
//! Left out: media ids (`TaskMedia.id`) are minted on the way out and never read back: no rule
//! reads them (VENDOR.md).

use std::collections::BTreeMap;

/// The kinds of ids the mapping interns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdKind {
    /// `ChannelSession.id` (an ObjectId).
    Session,
    /// `CCUser.id` / `TaskAgent.id` / `Sender.id` of an agent (a Keycloak UUID).
    Agent,
    /// `Task.id` (a UUID).
    Task,
}

impl IdKind {
    /// The minted string for number `n`: deterministic, the vendor's shape, and distinct per
    /// kind (so a session id can never be read as an agent's).
    pub fn mint(self, n: u32) -> String {
        match self {
            IdKind::Session => format!("5e55{n:020x}"),
            IdKind::Agent => format!("a6e00000-0000-4000-8000-{n:012x}"),
            IdKind::Task => format!("7a5c0000-0000-4000-8000-{n:012x}"),
        }
    }
}

impl IdKind {
    /// The number a minted string stands for; `None` for any other string.
    pub fn parse_minted(self, s: &str) -> Option<u32> {
        let n = match self {
            IdKind::Session => s.strip_prefix("5e55")?,
            IdKind::Agent => s.strip_prefix("a6e00000-0000-4000-8000-")?,
            IdKind::Task => s.strip_prefix("7a5c0000-0000-4000-8000-")?,
        };
        let n = u32::from_str_radix(n, 16).ok()?;
        (self.mint(n) == s).then_some(n)
    }
}

/// The conversation id of every case (`CimEvent.conversationId`, an ObjectId): one case is one
/// conversation.
pub const CONVERSATION_ID: &str = "c0a7e55a0000000000000001";

/// One kind's bindings.
#[derive(Clone, Debug, Default)]
struct Table {
    by_string: BTreeMap<String, u32>,
    by_number: BTreeMap<u32, String>,
}

impl Table {
    fn bind(&mut self, n: u32, s: String) {
        self.by_string.insert(s.clone(), n);
        self.by_number.insert(n, s);
    }
}

/// One case's id bindings, both ways.
#[derive(Clone, Debug, Default)]
pub struct Ids {
    tables: BTreeMap<IdKind, Table>,
}

impl Ids {
    pub fn new() -> Ids {
        Ids::default()
    }

    fn table(&mut self, kind: IdKind) -> &mut Table {
        self.tables.entry(kind).or_default()
    }

    /// The string of number `n`: its binding, or a minted string bound now.
    pub fn string(&mut self, kind: IdKind, n: u32) -> String {
        if let Some(s) = self.tables.get(&kind).and_then(|t| t.by_number.get(&n)) {
            return s.clone();
        }
        let minted = kind.mint(n);
        self.table(kind).bind(n, minted.clone());
        minted
    }

    /// The number bound to `s`, if any; binds nothing.
    pub fn lookup(&self, kind: IdKind, s: &str) -> Option<u32> {
        self.tables.get(&kind)?.by_string.get(s).copied()
    }

    /// The number of a string the kit minted (`IdKind::mint`) and nobody bound yet, bound now
    /// to that number: the side that serves the kit with a native engine reads the kit's
    /// numbers back this way (an implementation never needs to).
    pub fn adopt_minted(&mut self, kind: IdKind, s: &str) -> Option<u32> {
        let n = kind.parse_minted(s)?;
        if self
            .tables
            .get(&kind)
            .is_some_and(|t| t.by_number.contains_key(&n))
        {
            return None;
        }
        self.table(kind).bind(n, s.to_string());
        Some(n)
    }

    /// The number of `s`: its binding, or the next number of the kind (one past the largest
    /// bound), bound now. Used for the ids an implementation mints (tasks) and by readers of
    /// a recorded stream, where every id is new.
    pub fn intern(&mut self, kind: IdKind, s: &str) -> u32 {
        if let Some(n) = self.lookup(kind, s) {
            return n;
        }
        let table = self.table(kind);
        let next = table.by_number.keys().next_back().map_or(1, |n| n + 1);
        table.bind(next, s.to_string());
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_strings_are_stable_and_distinct_per_kind() {
        let mut ids = Ids::new();
        let s = ids.string(IdKind::Session, 1);
        assert_eq!(s, "5e5500000000000000000001");
        assert_eq!(s.len(), 24, "an ObjectId has 24 hex digits");
        assert_eq!(ids.string(IdKind::Session, 1), s, "bound once, then reused");
        assert_eq!(
            ids.string(IdKind::Agent, 1),
            "a6e00000-0000-4000-8000-000000000001"
        );
        assert_ne!(IdKind::Agent.mint(7), IdKind::Task.mint(7));
        assert_eq!(ids.lookup(IdKind::Agent, &IdKind::Agent.mint(1)), Some(1));
        assert_eq!(ids.lookup(IdKind::Task, &IdKind::Agent.mint(1)), None);
    }

    #[test]
    fn foreign_strings_bind_to_the_next_number_in_order_of_appearance() {
        let mut ids = Ids::new();
        assert_eq!(
            ids.intern(IdKind::Task, "f47ac10b-58cc-4372-a567-0e02b2c3d479"),
            1
        );
        assert_eq!(ids.intern(IdKind::Task, "second"), 2);
        assert_eq!(
            ids.intern(IdKind::Task, "f47ac10b-58cc-4372-a567-0e02b2c3d479"),
            1
        );
        // A number the kit named first keeps its minted string; the next foreign one follows it.
        assert_eq!(ids.string(IdKind::Task, 5), IdKind::Task.mint(5));
        assert_eq!(ids.intern(IdKind::Task, "third"), 6);
        assert_eq!(ids.string(IdKind::Task, 2), "second");
    }
}
