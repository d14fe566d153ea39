//! The replay driver against a simulated Parse server (request ids remembered, client-chosen
//! objectIds unique, answers that can be lost after the write went through, a network that can
//! go down, a session that can expire) and a simulated queue store.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::{json, Map, Value};

use super::*;
use crate::client::RetryPolicy;
use crate::error::parse_code;
use crate::live::sim::block_on;
use crate::offline::{apply_update, prepare_create, prepare_update};
use crate::rest::{Method, Request, Session};
use crate::schema::{Change, Changes, DEAL};

/// Parse Server, as far as replayed Deal writes go.
#[derive(Default)]
struct SimParse {
    objects: RefCell<BTreeMap<String, Map<String, Value>>>,
    /// Request ids seen (Parse's idempotency table); `forget_ids` is its expiry.
    ids: RefCell<BTreeSet<String>>,
    /// Every write that took effect: (method, objectId).
    effects: RefCell<Vec<(Method, String)>>,
    /// Before the server: the request never arrives.
    down: Cell<bool>,
    /// After the server: this many answers are lost once the write took effect.
    lose_answers: Cell<u32>,
    session_expired: Cell<bool>,
    clock: Cell<i64>,
    draws: Cell<u64>,
}

fn server_error(code: i64, message: &str) -> Result<Value> {
    Err(CrmError::Server {
        parse_code: code,
        message: message.into(),
    })
}

impl SimParse {
    fn now(&self) -> String {
        self.clock.set(self.clock.get() + 1000);
        crate::wire::IsoDate::from_millis(1_790_000_000_000 + self.clock.get())
            .unwrap()
            .to_string()
    }

    fn handle(&self, request: &Request) -> Result<Value> {
        let path = request.path.strip_prefix("/classes/Deal").unwrap();
        let id = path.strip_prefix('/').map(str::to_owned);
        if request.method == Method::Get {
            let objects = self.objects.borrow();
            return match objects.get(id.as_deref().unwrap()) {
                Some(o) => Ok(Value::Object(o.clone())),
                None => server_error(parse_code::OBJECT_NOT_FOUND, "Object not found."),
            };
        }
        let rid = request.request_id.clone().unwrap();
        if !self.ids.borrow_mut().insert(rid) {
            return server_error(parse_code::DUPLICATE_REQUEST, "Duplicate request");
        }
        let body = request.body.clone().unwrap_or_default();
        let body = body.as_object().cloned().unwrap_or_default();
        if body.get("title") == Some(&json!("refused")) {
            return server_error(parse_code::VALIDATION_ERROR, "title refused by Cloud Code");
        }
        let mut objects = self.objects.borrow_mut();
        let answer = match request.method {
            Method::Post => {
                let id = body["objectId"].as_str().unwrap().to_owned();
                if objects.contains_key(&id) {
                    return server_error(parse_code::DUPLICATE_VALUE, "A duplicate value");
                }
                let at = self.now();
                let mut object = body.clone();
                object.insert("createdAt".into(), json!(at));
                object.insert("updatedAt".into(), json!(at));
                objects.insert(id.clone(), object);
                self.effects.borrow_mut().push((Method::Post, id.clone()));
                json!({"objectId": id, "createdAt": at})
            }
            Method::Put => {
                let id = id.unwrap();
                let Some(object) = objects.get_mut(&id) else {
                    return server_error(parse_code::OBJECT_NOT_FOUND, "Object not found.");
                };
                let mut js = Value::Object(object.clone());
                apply_update(&mut js, &body);
                *object = js.as_object().unwrap().clone();
                let at = self.now();
                object.insert("updatedAt".into(), json!(at));
                self.effects.borrow_mut().push((Method::Put, id));
                json!({"updatedAt": at})
            }
            Method::Delete => {
                let id = id.unwrap();
                if objects.remove(&id).is_none() {
                    return server_error(parse_code::OBJECT_NOT_FOUND, "Object not found.");
                }
                self.effects.borrow_mut().push((Method::Delete, id));
                json!({})
            }
            Method::Get => unreachable!(),
        };
        Ok(answer)
    }

    fn effects_on(&self, id: &str) -> usize {
        self.effects
            .borrow()
            .iter()
            .filter(|(_, i)| i == id)
            .count()
    }
}

impl Platform for Rc<SimParse> {
    async fn send(&self, request: &Request, token: Option<&str>) -> Result<Value> {
        if self.down.get() {
            return Err(CrmError::Network("simulated: down".into()));
        }
        if self.session_expired.get() || token.is_none() {
            return server_error(parse_code::INVALID_SESSION_TOKEN, "Invalid session token");
        }
        let answer = self.handle(request)?;
        if self.lose_answers.get() > 0 && request.method != Method::Get {
            self.lose_answers.set(self.lose_answers.get() - 1);
            return Err(CrmError::Network("simulated: answer lost".into()));
        }
        Ok(answer)
    }
    async fn sleep(&self, _: u32) {}
    fn mount_path(&self) -> String {
        "/parse".into()
    }
    fn random_bytes(&self, buf: &mut [u8]) {
        // Distinct ids: a counter in the bytes.
        self.draws.set(self.draws.get() + 1);
        let n = self.draws.get().to_le_bytes();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = n[i % 8];
        }
    }
    fn load_session(&self) -> Option<Session> {
        Some(Session {
            user: crate::models::User::default(),
            session_token: "r:sim".into(),
        })
    }
    fn store_session(&self, _: Option<&Session>) {}
}

/// The local store: queued ops and local copies, as IndexedDB would hold them.
#[derive(Default)]
struct SimStore {
    ops: RefCell<BTreeMap<u64, PendingOp>>,
    objects: RefCell<BTreeMap<String, Value>>,
}

impl QueueStore for SimStore {
    async fn pending(&self) -> Result<Vec<PendingOp>> {
        Ok(self.ops.borrow().values().cloned().collect())
    }
    async fn applied(&self, op: &PendingOp, answer: &Value) -> Result<()> {
        self.ops.borrow_mut().remove(&op.seq);
        let local = self.objects.borrow().get(&op.object_id).cloned();
        if let Some(object) = settled_copy(op, local, answer) {
            self.objects
                .borrow_mut()
                .insert(op.object_id.clone(), object);
        }
        Ok(())
    }
    async fn rejected(&self, op: &PendingOp) -> Result<()> {
        self.ops.borrow_mut().insert(op.seq, op.clone());
        Ok(())
    }
}

struct World {
    server: Rc<SimParse>,
    client: Client<Rc<SimParse>>,
    store: SimStore,
    sync: OfflineSync,
}

fn world(retries: u32) -> World {
    let server = Rc::new(SimParse::default());
    let retry = RetryPolicy {
        max_retries: retries,
        ..RetryPolicy::default()
    };
    World {
        client: Client::new(server.clone(), retry),
        server,
        store: SimStore::default(),
        sync: OfflineSync::new(&LocalOptions::default(), true, 0),
    }
}

impl World {
    /// Queues a create of a deal titled `title`, as `LocalStore.create` does.
    fn create(&self, title: &str) -> String {
        let (js, body, request_id) = prepare_create(
            &self.client,
            CrmClass::Deal,
            json!({"title": title, "stage": "lead"}),
        )
        .unwrap();
        let id = js["objectId"].as_str().unwrap().to_owned();
        self.queue(&id, OpKind::Create { body }, request_id);
        self.store.objects.borrow_mut().insert(id.clone(), js);
        id
    }

    fn update(&self, id: &str, field: &str, value: Change) {
        let changes: Changes = [(field.to_owned(), value)].into();
        let local = self.store.objects.borrow().get(id).cloned();
        let (kind, object) = prepare_update(&DEAL, local, id, &changes).unwrap();
        self.store.objects.borrow_mut().insert(id.into(), object);
        self.queue(id, kind, self.client.new_id());
    }

    fn delete(&self, id: &str) {
        self.store.objects.borrow_mut().remove(id);
        self.queue(id, OpKind::Delete, self.client.new_id());
    }

    fn queue(&self, id: &str, kind: OpKind, request_id: String) {
        let mut ops = self.store.ops.borrow_mut();
        let seq = ops.keys().last().map_or(1, |s| s + 1);
        ops.insert(
            seq,
            PendingOp {
                seq,
                class_name: "Deal".into(),
                object_id: id.into(),
                request_id,
                kind,
                rejected: None,
            },
        );
    }

    fn sync(&self) -> Result<SyncReport> {
        block_on(self.sync.sync(&self.store, &self.client))
    }

    fn progress(&self) -> Vec<(u32, u32)> {
        self.sync
            .take_events()
            .into_iter()
            .filter_map(|e| match e {
                SyncEvent::Progress { done, total } => Some((done, total)),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn a_replay_applies_every_write_in_order_and_folds_the_answers_in() {
    let w = world(3);
    let a = w.create("A");
    let b = w.create("B");
    w.update(&a, "title", Change::Value(json!("A2")));
    w.delete(&b);
    let report = w.sync().unwrap();
    assert_eq!(
        report,
        SyncReport {
            applied: 4,
            ..SyncReport::default()
        }
    );
    let on_server = w.server.objects.borrow();
    assert_eq!(on_server[&a]["title"], "A2");
    assert!(!on_server.contains_key(&b));
    // The local copy carries the server's timestamps.
    let local = &w.store.objects.borrow()[&a];
    assert_eq!(local["createdAt"], on_server[&a]["createdAt"]);
    assert_eq!(local["updatedAt"], on_server[&a]["updatedAt"]);
    assert_eq!(w.progress(), [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]);
    assert_eq!(w.sync.status(), SyncStatus::opened(true, 0));
}

#[test]
fn a_refused_write_is_kept_marked_and_the_rest_goes_on() {
    let w = world(3);
    let a = w.create("A");
    let bad = w.create("refused");
    let c = w.create("C");
    let report = w.sync().unwrap();
    assert_eq!(
        (
            report.applied,
            report.rejected,
            report.pending,
            report.offline
        ),
        (2, 1, 1, false)
    );
    assert!(w.server.objects.borrow().contains_key(&a));
    assert!(w.server.objects.borrow().contains_key(&c));
    let kept = block_on(w.store.pending()).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].object_id, bad);
    assert_eq!(kept[0].rejected.as_ref().unwrap().code, "VALIDATION_FAILED");
    let events = w.sync.take_events();
    let rejected: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            SyncEvent::Rejected(op, err) => Some((op.object_id.clone(), err.code())),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, [(bad, "VALIDATION_FAILED")]);
    assert_eq!(w.sync.status().state, super::super::SyncState::Error);
    // A rejected write is not sent again by the next replay.
    let effects = w.server.effects.borrow().len();
    assert_eq!(w.sync().unwrap().applied, 0);
    assert_eq!(w.server.effects.borrow().len(), effects);
}

#[test]
fn an_answer_lost_mid_write_is_confirmed_not_applied_twice() {
    // The retry inside one replay: the same request id is sent again, the server says it has
    // seen it (159), and reading the object back confirms the write.
    let w = world(3);
    let a = w.create("A");
    w.update(&a, "amount", Change::Number(5.0));
    w.server.lose_answers.set(2);
    let report = w.sync().unwrap();
    assert_eq!((report.applied, report.pending), (2, 0));
    assert_eq!(w.server.effects_on(&a), 2, "one create and one update");
    assert_eq!(w.server.objects.borrow()[&a]["amount"].as_f64(), Some(5.0));
}

#[test]
fn a_write_whose_answer_was_lost_in_an_earlier_replay_is_not_applied_again() {
    // No retries left: the replay stops with the write applied on the server but still queued.
    let w = world(0);
    let a = w.create("A");
    let b = w.create("B");
    w.server.lose_answers.set(1);
    let report = w.sync().unwrap();
    assert_eq!(
        (report.applied, report.pending, report.offline),
        (0, 2, true)
    );
    assert_eq!(w.progress(), [(0, 2)], "nothing applied, nothing counted");
    assert_eq!(w.sync.status().state, super::super::SyncState::Offline);
    assert_eq!(w.server.effects_on(&a), 1);
    // The next replay sends it with the same request id: recognised, confirmed, not redone.
    let report = w.sync().unwrap();
    assert_eq!((report.applied, report.pending), (2, 0));
    assert_eq!(w.server.effects_on(&a), 1);
    assert_eq!(w.server.effects_on(&b), 1);
    // Even once the server forgot the request id: the objectId is taken, and reading it back
    // shows it is this create.
    let c = w.create("C");
    w.server.lose_answers.set(1);
    assert_eq!(w.sync().unwrap().applied, 0);
    w.server.ids.borrow_mut().clear();
    let report = w.sync().unwrap();
    assert_eq!((report.applied, report.rejected, report.pending), (1, 0, 0));
    assert_eq!(w.server.effects_on(&c), 1);
}

#[test]
fn offline_nothing_is_counted_as_done() {
    let w = world(3);
    w.create("A");
    w.create("B");
    w.create("C");
    w.server.down.set(true);
    let report = w.sync().unwrap();
    assert_eq!(
        (report.applied, report.pending, report.offline),
        (0, 3, true)
    );
    assert_eq!(w.progress(), [(0, 3)]);
    w.server.down.set(false);
    assert_eq!(w.sync().unwrap().applied, 3);
    assert_eq!(w.progress(), [(0, 3), (1, 3), (2, 3), (3, 3)]);
}

#[test]
fn an_expired_session_stops_the_replay() {
    let w = world(3);
    let a = w.create("A");
    w.create("B");
    w.server.session_expired.set(true);
    let report = w.sync().unwrap();
    // Not "offline": the connection is fine, the session is not.
    assert_eq!(
        (report.applied, report.pending, report.offline),
        (0, 2, false)
    );
    assert_eq!(report.stopped_by.as_deref(), Some("INVALID_SESSION"));
    assert_eq!(w.sync.status().state, crate::offline::SyncState::Error);
    assert_eq!(
        w.client.take_events(),
        [crate::client::ClientEvent::SessionExpired]
    );
    assert!(w.client.session_token().is_none(), "signed out");
    assert_eq!(w.server.effects_on(&a), 0);
    // Only one request reached the server: the rest was not tried.
    assert_eq!(w.client.requests_sent(), 1);
    assert_eq!(w.progress(), [(0, 2)]);
}

#[test]
fn an_update_merges_with_what_the_server_holds() {
    let w = world(3);
    let a = w.create("A");
    w.sync().unwrap();
    w.update(&a, "title", Change::Value(json!("ours")));
    // Someone else changed the title meanwhile.
    w.server.objects.borrow_mut().get_mut(&a).unwrap()["title"] = json!("theirs");
    let report = w.sync().unwrap();
    assert_eq!((report.applied, report.conflicts), (1, 1));
    assert!(w
        .sync
        .take_events()
        .iter()
        .any(|e| matches!(e, SyncEvent::Conflict(c) if c.theirs == "theirs")));
    assert_eq!(w.server.objects.borrow()[&a]["title"], "ours");
}

#[test]
fn one_replay_at_a_time() {
    let w = world(3);
    w.sync.running.set(true);
    assert_eq!(w.sync().unwrap_err().code(), "INVALID_INPUT");
}

#[test]
fn events_name_their_listeners() {
    let progress = SyncEvent::Progress { done: 1, total: 2 };
    assert_eq!(SyncEvent::KINDS[progress.kind()], "progress");
    assert_eq!(progress.payload(), json!({"done": 1, "total": 2}));
    let status = SyncEvent::Status(SyncStatus::opened(false, 1));
    assert_eq!(status.payload(), json!({"state": "offline", "pending": 1}));
}

#[test]
fn a_closed_store_says_closed_whatever_happens_after() {
    // It said "error" once a call met the closed database, which an app shows as a sync problem.
    let w = world(0);
    w.create("queued before the close");
    w.sync.queued(true, 1);
    w.sync.take_events();
    w.sync.close();
    let told: Vec<Value> = w
        .sync
        .take_events()
        .iter()
        .map(SyncEvent::payload)
        .collect();
    assert_eq!(told, [json!({"state": "closed", "pending": 1})]);
    let _ = w.sync();
    w.sync.queued(false, 2);
    w.sync.dropped(0);
    assert_eq!(w.sync.status().state, super::super::SyncState::Closed);
    assert_eq!(w.sync.status().pending, 1);
    let statuses = w
        .sync
        .take_events()
        .into_iter()
        .filter(|e| matches!(e, SyncEvent::Status(_)))
        .count();
    assert_eq!(statuses, 0, "nothing changes a closed store's status");
}
