//! Test doubles for the Live Query code: a Parse server in memory (REST finds over Deals),
//! and a way to run futures that never wait. Tests only.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value;

use crate::client::Platform;
use crate::error::{CrmError, Result};

/// A Parse server in memory, enough for a round: finds on Deal filtered by `stage`
/// equality and `objectId` `$gt` / `$in`, ordered by objectId, paged by `limit`, reduced
/// to `keys`. It counts requests, and can fail them (a network down mid-round).
#[derive(Default)]
pub(crate) struct SimServer {
    pub(crate) deals: RefCell<BTreeMap<String, Value>>,
    pub(crate) requests: Cell<u32>,
    pub(crate) down: Cell<bool>,
    /// The session was revoked: every request answers Parse's invalid session token.
    pub(crate) revoked: Cell<bool>,
}

pub(crate) fn deal(id: &str, stage: &str, updated: i64) -> Value {
    let at = crate::wire::IsoDate::from_millis(updated)
        .unwrap()
        .to_string();
    serde_json::json!({"objectId": id, "title": id, "stage": stage, "updatedAt": at,
                       "createdAt": "2026-01-01T00:00:00.000Z"})
}

impl SimServer {
    pub(crate) fn put(&self, d: Value) {
        let id = d["objectId"].as_str().unwrap().to_owned();
        self.deals.borrow_mut().insert(id, d);
    }

    pub(crate) fn find(&self, params: &[(String, String)]) -> Value {
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let where_: Value = param("where")
            .map(|w| serde_json::from_str(&w).unwrap())
            .unwrap_or_default();
        let limit: usize = param("limit").map_or(100, |l| l.parse().unwrap());
        let keys: Option<Vec<String>> =
            param("keys").map(|k| k.split(',').map(str::to_owned).collect());
        let matches = |d: &Value| {
            where_
                .as_object()
                .into_iter()
                .flatten()
                .all(|(field, cond)| {
                    let v = &d[field.as_str()];
                    match (cond.get("$gt"), cond.get("$in")) {
                        (Some(gt), _) => v.as_str() > gt.as_str(),
                        (_, Some(Value::Array(any))) => any.contains(v),
                        _ => v == cond,
                    }
                })
        };
        let results: Vec<Value> = self
            .deals
            .borrow()
            .values()
            .filter(|d| matches(d))
            .take(limit)
            .map(|d| match &keys {
                Some(keys) => {
                    let mut o = serde_json::Map::new();
                    for k in keys.iter().chain(["objectId".to_owned()].iter()) {
                        if let Some(v) = d.get(k) {
                            o.insert(k.clone(), v.clone());
                        }
                    }
                    Value::Object(o)
                }
                None => d.clone(),
            })
            .collect();
        serde_json::json!({ "results": results })
    }
}

impl Platform for Rc<SimServer> {
    async fn send(&self, request: &crate::rest::Request, _: Option<&str>) -> Result<Value> {
        self.requests.set(self.requests.get() + 1);
        if self.down.get() {
            return Err(CrmError::Network("simulated: down".into()));
        }
        if self.revoked.get() {
            return Err(CrmError::Server {
                parse_code: crate::error::parse_code::INVALID_SESSION_TOKEN,
                message: "Invalid session token".into(),
            });
        }
        assert_eq!(request.path, "/classes/Deal");
        Ok(self.find(&request.params))
    }
    async fn sleep(&self, _: u32) {}
    fn mount_path(&self) -> String {
        "/parse".into()
    }
    fn random_bytes(&self, buf: &mut [u8]) {
        buf.fill(7);
    }
    fn load_session(&self) -> Option<crate::rest::Session> {
        Some(crate::rest::Session {
            user: crate::models::User::default(),
            session_token: "r:sim".into(),
        })
    }
    fn store_session(&self, _: Option<&crate::rest::Session>) {}
}

/// Runs a future whose platform never waits.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the simulated server never waits"),
    }
}

// ---- a simulated clock and network for the driver ----

use std::future::Future;
use std::pin::Pin;

use super::driver::{LiveEnv, LiveSocket, SocketEvent};

/// One socket as the simulated network sees it: the frames the driver sent, and its handler.
pub(crate) struct SimSocket {
    pub(crate) url: String,
    pub(crate) sent: RefCell<Vec<Value>>,
    pub(crate) closed: Cell<bool>,
    /// How many of `sent` the simulated server has answered.
    pub(crate) answered: Cell<usize>,
    handler: Box<dyn Fn(SocketEvent)>,
}

impl LiveSocket for Rc<SimSocket> {
    fn send(&self, frame: &str) {
        if !self.closed.get() {
            self.sent
                .borrow_mut()
                .push(serde_json::from_str(frame).unwrap());
        }
    }
    fn close(self) {
        self.closed.set(true);
    }
}

type Timer = (i64, u64, Box<dyn FnOnce()>);

/// A clock that moves only when told, timers that fire in order, tasks run to completion (the
/// simulated server answers at once), and sockets the test speaks for.
#[derive(Default)]
pub(crate) struct SimNet {
    pub(crate) now: Cell<i64>,
    seq: Cell<u64>,
    timers: RefCell<Vec<Timer>>,
    tasks: RefCell<Vec<Pin<Box<dyn Future<Output = ()>>>>>,
    pub(crate) sockets: RefCell<Vec<Rc<SimSocket>>>,
}

impl LiveEnv for Rc<SimNet> {
    type Socket = Rc<SimSocket>;
    fn open(
        &self,
        url: &str,
        on_event: Box<dyn Fn(SocketEvent)>,
    ) -> std::result::Result<Rc<SimSocket>, String> {
        let socket = Rc::new(SimSocket {
            url: url.to_owned(),
            sent: RefCell::new(Vec::new()),
            closed: Cell::new(false),
            answered: Cell::new(0),
            handler: on_event,
        });
        self.sockets.borrow_mut().push(socket.clone());
        Ok(socket)
    }
    fn now_ms(&self) -> i64 {
        self.now.get()
    }
    fn random(&self) -> f64 {
        0.0
    }
    fn set_timeout(&self, ms: u32, f: Box<dyn FnOnce()>) {
        let seq = self.seq.get() + 1;
        self.seq.set(seq);
        self.timers
            .borrow_mut()
            .push((self.now.get() + i64::from(ms), seq, f));
    }
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        self.tasks.borrow_mut().push(task);
    }
}

impl SimNet {
    /// The socket opened last.
    pub(crate) fn socket(&self) -> Rc<SimSocket> {
        self.sockets.borrow().last().cloned().expect("a socket")
    }

    /// Delivers an event of `socket` to the driver (no borrow of the network held).
    pub(crate) fn deliver(&self, socket: &Rc<SimSocket>, event: SocketEvent) {
        if !socket.closed.get() {
            (socket.handler)(event);
        }
    }

    /// Runs spawned tasks until none is left.
    pub(crate) fn run_tasks(&self) {
        loop {
            let tasks: Vec<_> = self.tasks.borrow_mut().drain(..).collect();
            if tasks.is_empty() {
                return;
            }
            for task in tasks {
                block_on(task);
            }
        }
    }

    /// Moves the clock forward by `ms`, firing due timers in order (and the tasks they spawn).
    pub(crate) fn advance(&self, ms: i64) {
        let until = self.now.get() + ms;
        loop {
            self.run_tasks();
            let next = {
                let mut timers = self.timers.borrow_mut();
                let due = timers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.0 <= until)
                    .min_by_key(|(_, t)| (t.0, t.1))
                    .map(|(i, _)| i);
                due.map(|i| timers.swap_remove(i))
            };
            let Some((at, _, f)) = next else { break };
            self.now.set(self.now.get().max(at));
            f();
        }
        self.now.set(until);
        self.run_tasks();
    }
}
