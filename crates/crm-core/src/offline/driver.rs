//! The offline replay driver: it owns the sync state of a local datastore and replays its queue
//! of writes through the [`Client`], in order, deciding each write's fate with [`judge`] and
//! merging updates with [`merge_update`]. Storage comes in through [`QueueStore`] (IndexedDB in
//! the browser, a map in the tests), the network through the client's [`Platform`]. What the
//! app should hear (status, progress, rejected writes, conflicts) is queued as [`SyncEvent`]s
//! and taken by the caller once the call has let go of its borrows.

use std::cell::{Cell, RefCell};

use serde_json::{Map, Value};

use super::{
    judge, merge_update, ConflictPolicy, LocalOptions, OpError, OpKind, Outcome, PendingOp,
    SyncReport, SyncState, SyncStatus,
};
use crate::class::CrmClass;
use crate::client::{Client, Platform};
use crate::error::{CrmError, Result};
use crate::rest;

/// What the replay needs of the local store.
#[allow(async_fn_in_trait)] // single-threaded (wasm): no Send bound wanted
pub trait QueueStore {
    /// Every queued write, oldest first (rejected ones included).
    async fn pending(&self) -> Result<Vec<PendingOp>>;
    /// The server applied `op`: drop it from the queue and store the local copy as
    /// [`settled_copy`] makes it, in one transaction.
    async fn applied(&self, op: &PendingOp, answer: &Value) -> Result<()>;
    /// The server refused `op` for good: keep it in the queue as given (`rejected` set).
    async fn rejected(&self, op: &PendingOp) -> Result<()>;
}

/// The local copy after the server applied `op`: the server's answer (timestamps, values it
/// set) folded in. None when there is nothing to store (a delete, no local copy, no answer).
pub fn settled_copy(op: &PendingOp, local: Option<Value>, answer: &Value) -> Option<Value> {
    match (&op.kind, local, answer) {
        (OpKind::Delete, _, _) => None,
        (_, Some(mut object), Value::Object(answer)) => {
            super::apply_update(&mut object, answer);
            Some(object)
        }
        _ => None,
    }
}

/// Something the app should hear about, delivered after the call that caused it.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    Status(SyncStatus),
    /// `done` counts the writes the server applied in this replay, of `total` sent for.
    Progress {
        done: u32,
        total: u32,
    },
    Rejected(PendingOp, CrmError),
    Conflict(super::Conflict),
}

impl SyncEvent {
    /// The names listeners subscribe with, one per variant.
    pub const KINDS: [&'static str; 4] = ["status", "progress", "rejected", "conflict"];

    /// Its index in [`SyncEvent::KINDS`].
    pub fn kind(&self) -> usize {
        match self {
            SyncEvent::Status(_) => 0,
            SyncEvent::Progress { .. } => 1,
            SyncEvent::Rejected(..) => 2,
            SyncEvent::Conflict(_) => 3,
        }
    }

    /// What a listener receives (JS shape).
    pub fn payload(&self) -> Value {
        match self {
            SyncEvent::Status(s) => serde_json::to_value(s).unwrap_or_default(),
            SyncEvent::Progress { done, total } => {
                serde_json::json!({"done": done, "total": total})
            }
            SyncEvent::Rejected(op, e) => serde_json::json!({
                "op": op, "error": { "code": e.code(), "message": e.to_string() }
            }),
            SyncEvent::Conflict(c) => serde_json::to_value(c).unwrap_or_default(),
        }
    }
}

/// The sync state of one local datastore handle and its replay.
pub struct OfflineSync {
    policy: ConflictPolicy,
    auto_sync: bool,
    status: Cell<SyncStatus>,
    running: Cell<bool>,
    events: RefCell<Vec<SyncEvent>>,
    /// Told whenever an event is queued, so a progress bar moves while the replay runs.
    notify: RefCell<Option<std::rc::Rc<dyn Fn()>>>,
}

impl OfflineSync {
    /// A store just opened with `pending` writes queued.
    pub fn new(options: &LocalOptions, online: bool, pending: u32) -> Self {
        OfflineSync {
            policy: options.conflict_policy.unwrap_or_default(),
            auto_sync: options.auto_sync.unwrap_or(true),
            status: Cell::new(SyncStatus::opened(online, pending)),
            running: Cell::new(false),
            events: RefCell::new(Vec::new()),
            notify: RefCell::new(None),
        }
    }

    /// What to call when an event is queued (it must not call back into this synchronously).
    pub fn set_notify(&self, notify: std::rc::Rc<dyn Fn()>) {
        *self.notify.borrow_mut() = Some(notify);
    }

    pub fn status(&self) -> SyncStatus {
        self.status.get()
    }

    /// The store was closed: the status says so, once, and nothing changes it after.
    pub fn close(&self) {
        self.set_status(SyncStatus {
            state: SyncState::Closed,
            ..self.status.get()
        });
    }

    pub fn closed(&self) -> bool {
        self.status.get().state == SyncState::Closed
    }

    /// Whether to replay by itself (after an offline write, when the browser comes online).
    pub fn auto_sync(&self) -> bool {
        self.auto_sync
    }

    pub fn take_events(&self) -> Vec<SyncEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    fn emit(&self, event: SyncEvent) {
        self.events.borrow_mut().push(event);
        let notify = self.notify.borrow().clone();
        if let Some(notify) = notify {
            notify();
        }
    }

    fn set_status(&self, status: SyncStatus) {
        if self.closed() {
            return;
        }
        self.status.set(status);
        self.emit(SyncEvent::Status(status));
    }

    /// A write was queued: the count changes, offline if the browser says so. Answers whether
    /// to replay now.
    pub fn queued(&self, online: bool, pending: u32) -> bool {
        self.set_status(self.status.get().queued(online, pending));
        self.auto_sync && online
    }

    /// A queued write was dropped: only the count changes.
    pub fn dropped(&self, pending: u32) {
        self.set_status(SyncStatus {
            pending,
            ..self.status.get()
        });
    }

    /// Replays the queue in order. A write the server refuses is kept, reported and skipped;
    /// the replay stops at the first write that cannot reach the server (no connection, no
    /// session), which stays queued with everything after it.
    pub async fn sync<S: QueueStore, P: Platform>(
        &self,
        store: &S,
        client: &Client<P>,
    ) -> Result<SyncReport> {
        if self.running.replace(true) {
            return Err(CrmError::InvalidInput("a sync is already running".into()));
        }
        let result = self.replay(store, client).await;
        self.running.set(false);
        self.set_status(self.status.get().synced(&result));
        result
    }

    async fn replay<S: QueueStore, P: Platform>(
        &self,
        store: &S,
        client: &Client<P>,
    ) -> Result<SyncReport> {
        let queued = store.pending().await?;
        self.set_status(self.status.get().syncing(queued.len() as u32));
        let todo: Vec<PendingOp> = queued
            .into_iter()
            .filter(|o| o.rejected.is_none())
            .collect();
        let total = todo.len() as u32;
        let mut report = SyncReport::default();
        self.emit(SyncEvent::Progress { done: 0, total });
        for op in todo {
            let result = self.replay_one(client, &op, &mut report).await;
            match judge(result, &op.kind) {
                Outcome::Applied(answer) => {
                    store.applied(&op, &answer).await?;
                    report.applied += 1;
                    let done = report.applied;
                    self.emit(SyncEvent::Progress { done, total });
                }
                Outcome::Rejected(e) => {
                    let error = OpError {
                        code: e.code().into(),
                        message: e.to_string(),
                    };
                    let op = PendingOp {
                        rejected: Some(error),
                        ..op
                    };
                    store.rejected(&op).await?;
                    report.rejected += 1;
                    self.emit(SyncEvent::Rejected(
                        PendingOp {
                            rejected: None,
                            ..op
                        },
                        e,
                    ));
                }
                Outcome::Stop(e) => {
                    // A lost connection (or a timeout) is "offline"; an ended session is not.
                    if e.is_transient() || matches!(e, CrmError::Timeout(_)) {
                        report.offline = true;
                    } else {
                        report.stopped_by = Some(e.code().into());
                    }
                    break;
                }
            }
        }
        report.pending = store.pending().await?.len() as u32;
        Ok(report)
    }

    async fn replay_one<P: Platform>(
        &self,
        client: &Client<P>,
        op: &PendingOp,
        report: &mut SyncReport,
    ) -> Result<Value> {
        let schema = CrmClass::from_name(&op.class_name)
            .ok_or_else(|| CrmError::InvalidInput(format!("no class {:?}", op.class_name)))?
            .schema();
        let request_id = op.request_id.clone();
        match &op.kind {
            OpKind::Create { body } => {
                let req = rest::create_in(schema, body.clone(), request_id);
                client.replay(&req).await
            }
            OpKind::Update { body, base } => {
                // What the server holds now decides conflicts; fields not in the body are not sent.
                let get = rest::get_in(schema, &op.object_id)?;
                let current = client.send_request(&get).await?;
                let (send, conflicts) =
                    merge_update(schema, &op.object_id, body, base, &current, self.policy);
                report.conflicts += conflicts.len() as u32;
                for c in conflicts {
                    self.emit(SyncEvent::Conflict(c));
                }
                if send.is_empty() {
                    return Ok(Value::Object(Map::new()));
                }
                let req = rest::update_in(schema, &op.object_id, send, request_id)?;
                client.replay(&req).await
            }
            OpKind::Delete => {
                let req = rest::delete_in(schema, &op.object_id, request_id)?;
                client.replay(&req).await
            }
        }
    }
}

#[cfg(test)]
#[path = "driver_tests.rs"]
mod tests;
