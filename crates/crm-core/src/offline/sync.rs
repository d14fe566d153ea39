//! Replaying the queue: how the answer to one replayed write is judged (applied, rejected for
//! good, or stop: the server cannot be reached, try again later).

use serde_json::{Map, Value};

use super::OpKind;
use crate::error::CrmError;

/// What to do after replaying one queued write.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// On the server: drop it from the queue.
    Applied(Value),
    /// No connection (or no session): stop here, keep it and everything after it.
    Stop(CrmError),
    /// Refused for good: keep it, report it, go on with the rest.
    Rejected(CrmError),
}

pub fn judge(result: Result<Value, CrmError>, kind: &OpKind) -> Outcome {
    match result {
        Ok(v) => Outcome::Applied(v),
        Err(e) if e.is_transient() || matches!(e, CrmError::NotSignedIn | CrmError::Timeout(_)) => {
            Outcome::Stop(e)
        }
        // Deleting what is already gone is done.
        Err(CrmError::Server {
            parse_code: crate::error::parse_code::OBJECT_NOT_FOUND,
            ref message,
        }) if matches!(kind, OpKind::Delete) && !message.starts_with("Permission denied") => {
            Outcome::Applied(Value::Object(Map::new()))
        }
        Err(e) if e.ends_session() => Outcome::Stop(e),
        Err(e) => Outcome::Rejected(e),
    }
}

/// What one `sync` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub applied: u32,
    pub rejected: u32,
    pub conflicts: u32,
    /// Still queued (rejected ones included).
    pub pending: u32,
    /// Stopped early for lack of a connection.
    pub offline: bool,
    /// Stopped early for another reason that keeps every write queued: the code of the error
    /// (`INVALID_SESSION` when the session ended, `NOT_SIGNED_IN`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
}

/// Where the local datastore's replay stands, as the app shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    Idle,
    Syncing,
    Offline,
    Error,
    /// The store was closed (`close()`, a log-out): it says so from then on, whatever a call
    /// made after it met.
    Closed,
}

/// The sync state and how many writes wait for the server. Every rule for how it changes is
/// here, one method per thing that happens; the store's handle only reports the new status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    /// Writes waiting for the server (rejected ones included).
    pub pending: u32,
}

impl SyncStatus {
    /// A store just opened.
    pub fn opened(online: bool, pending: u32) -> Self {
        let state = if online {
            SyncState::Idle
        } else {
            SyncState::Offline
        };
        SyncStatus { state, pending }
    }

    /// A replay starts.
    pub fn syncing(self, pending: u32) -> Self {
        SyncStatus {
            state: SyncState::Syncing,
            pending,
        }
    }

    /// A replay ended: offline if it stopped for lack of a connection, error if the server
    /// refused a write, the session ended (or the replay itself failed), idle otherwise.
    pub fn synced<E>(self, result: &std::result::Result<SyncReport, E>) -> Self {
        match result {
            Ok(r) if r.offline => SyncStatus {
                state: SyncState::Offline,
                pending: r.pending,
            },
            Ok(r) if r.rejected > 0 || r.stopped_by.is_some() => SyncStatus {
                state: SyncState::Error,
                pending: r.pending,
            },
            Ok(r) => SyncStatus {
                state: SyncState::Idle,
                pending: r.pending,
            },
            Err(_) => SyncStatus {
                state: SyncState::Error,
                ..self
            },
        }
    }

    /// A write was queued (or a queued one dropped): the count changes; offline if the
    /// browser says so, else the state stays.
    pub fn queued(self, online: bool, pending: u32) -> Self {
        let state = if online {
            self.state
        } else {
            SyncState::Offline
        };
        SyncStatus { state, pending }
    }
}

/// Options of the local datastore. An unknown one is refused: `autosync` for `autoSync` left
/// auto-sync on without a word.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocalOptions {
    /// Who wins a field changed both offline here and on the server; default lastWriterWins.
    #[serde(default)]
    pub conflict_policy: Option<super::ConflictPolicy>,
    /// Replay the queue when the browser comes back online and after each offline write;
    /// default true.
    #[serde(default)]
    pub auto_sync: Option<bool>,
}

#[cfg(test)]
mod status_tests {
    use super::*;

    fn report(rejected: u32, pending: u32, offline: bool) -> SyncReport {
        SyncReport {
            rejected,
            pending,
            offline,
            ..SyncReport::default()
        }
    }

    #[test]
    fn a_store_opens_idle_or_offline() {
        assert_eq!(SyncStatus::opened(true, 2).state, SyncState::Idle);
        assert_eq!(SyncStatus::opened(false, 2).state, SyncState::Offline);
        assert_eq!(SyncStatus::opened(false, 2).pending, 2);
    }

    #[test]
    fn a_replay_ends_offline_error_or_idle() {
        let s = SyncStatus::opened(true, 3).syncing(3);
        assert_eq!(s.state, SyncState::Syncing);
        let ok: std::result::Result<SyncReport, ()> = Ok(report(0, 0, false));
        assert_eq!(s.synced(&ok), SyncStatus::opened(true, 0));
        let stopped: std::result::Result<SyncReport, ()> = Ok(report(0, 2, true));
        assert_eq!(s.synced(&stopped).state, SyncState::Offline);
        assert_eq!(s.synced(&stopped).pending, 2);
        let refused: std::result::Result<SyncReport, ()> = Ok(report(1, 1, false));
        assert_eq!(s.synced(&refused).state, SyncState::Error);
        // Offline wins over a refusal: the rest was not tried.
        let both: std::result::Result<SyncReport, ()> = Ok(report(1, 2, true));
        assert_eq!(s.synced(&both).state, SyncState::Offline);
        let failed: std::result::Result<SyncReport, ()> = Err(());
        assert_eq!(
            s.synced(&failed),
            SyncStatus {
                state: SyncState::Error,
                pending: 3
            }
        );
    }

    #[test]
    fn a_queued_write_counts_and_notices_offline() {
        let s = SyncStatus::opened(true, 0);
        assert_eq!(s.queued(true, 1), SyncStatus::opened(true, 1));
        assert_eq!(s.queued(false, 1).state, SyncState::Offline);
        let err = SyncStatus {
            state: SyncState::Error,
            pending: 1,
        };
        assert_eq!(err.queued(true, 2).state, SyncState::Error);
    }

    #[test]
    fn options_read_camel_case() {
        let o: LocalOptions =
            serde_json::from_str(r#"{"autoSync":false,"conflictPolicy":"serverWins"}"#).unwrap();
        assert_eq!(o.auto_sync, Some(false));
        assert_eq!(
            o.conflict_policy,
            Some(super::super::ConflictPolicy::ServerWins)
        );
    }
}
