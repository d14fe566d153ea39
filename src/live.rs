//! Parse's LiveQuery protocol as a state machine without I/O: frames in, frames and events out.
//! The browser adapter (`web_live`) owns the WebSocket and the timers and feeds this machine;
//! everything it decides — what to send, when to reconnect, what to catch up — is here, and is
//! tested natively.
//!
//! Beyond Parse's own client: reconnection with jittered exponential backoff, resubscription,
//! and a catch-up after every reconnect (objects updated since the last event seen, and a check
//! for deletions among the objects the subscription knows), so that changes made while the
//! socket was down are not lost. A heartbeat — a no-op re-scope of a subscription that matches
//! nothing, which the server must answer — notices a connection that died without a close.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::RetryPolicy;
use crate::error::{CrmError, Result};
use crate::query::{Constraint, Query};
use crate::schema::ClassSchema;
use crate::wire::IsoDate;

/// How far back a catch-up (or a pin refresh) looks before its last point, for clock skew and
/// in-flight writes.
pub const CATCH_UP_MARGIN_MS: i64 = 5_000;
/// The request id of the heartbeat subscription (ordinary ones count up from 1).
const HEARTBEAT_ID: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum LiveEventKind {
    Create,
    Update,
    Delete,
    Enter,
    Leave,
}

/// One change reaching a subscription. `caughtUp` marks changes found by the catch-up after a
/// reconnect rather than pushed by the server (their kind is `update` or `delete`).
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvent {
    pub subscription: u32,
    pub kind: LiveEventKind,
    pub object: Value,
    pub original: Option<Value>,
    pub caught_up: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub enum LiveStatus {
    Connecting,
    Connected,
    /// Waiting to reconnect.
    Disconnected,
    Closed,
}

/// What the adapter must do besides sending frames.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Open a socket now.
    Open,
    /// Close the socket (it is dead or no longer wanted).
    CloseSocket,
    /// Call `reconnect_due` after this many milliseconds.
    ReconnectIn(u32),
    /// Run these queries for a subscription and hand the results to `catch_up_result`.
    CatchUp(CatchUp),
    /// The server refused for good (e.g. a bad session): stop and tell the app.
    Fatal(CrmError),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CatchUp {
    pub subscription: u32,
    /// Objects matching the subscription, updated since the last event seen.
    pub changed: Query,
    /// The ids, among those the subscription knows, to check still exist and still match.
    pub known_ids: Vec<String>,
}

struct Subscription {
    class: String,
    query: Query,
    where_: Map<String, Value>,
    confirmed: bool,
    /// Latest `updatedAt` seen in an event, in epoch milliseconds.
    last_seen: Option<i64>,
    /// Objects currently matching, as far as the events (and the app's seed) tell.
    known: BTreeSet<String>,
}

pub struct LiveMachine {
    app_id: String,
    javascript_key: String,
    session_token: Option<String>,
    status: LiveStatus,
    subscriptions: BTreeMap<u32, Subscription>,
    next_id: u32,
    attempt: u32,
    backoff: RetryPolicy,
    heartbeat_ms: u32,
    /// When a heartbeat was sent and not yet answered.
    heartbeat_sent_at: Option<i64>,
    last_heard: i64,
    connected_once: bool,
    outbox: Vec<String>,
    events: Vec<LiveEvent>,
    actions: Vec<Action>,
}

fn frame(value: Value) -> String {
    value.to_string()
}

impl LiveMachine {
    pub fn new(
        app_id: &str,
        javascript_key: &str,
        session_token: Option<String>,
        heartbeat_ms: u32,
    ) -> Self {
        Self {
            app_id: app_id.to_owned(),
            javascript_key: javascript_key.to_owned(),
            session_token,
            status: LiveStatus::Disconnected,
            subscriptions: BTreeMap::new(),
            next_id: 1,
            attempt: 0,
            backoff: RetryPolicy {
                max_retries: u32::MAX,
                base_delay_ms: 500,
                max_delay_ms: 30_000,
            },
            heartbeat_ms,
            heartbeat_sent_at: None,
            last_heard: 0,
            connected_once: false,
            outbox: Vec::new(),
            events: Vec::new(),
            actions: Vec::new(),
        }
    }

    pub fn status(&self) -> LiveStatus {
        self.status
    }

    pub fn set_backoff(&mut self, base_delay_ms: u32, max_delay_ms: u32) {
        self.backoff = RetryPolicy {
            max_retries: u32::MAX,
            base_delay_ms,
            max_delay_ms,
        };
    }

    /// Frames to send, in order.
    pub fn take_outbox(&mut self) -> Vec<String> {
        std::mem::take(&mut self.outbox)
    }

    pub fn take_events(&mut self) -> Vec<LiveEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }

    /// Starts connecting (the adapter opens the socket).
    pub fn start(&mut self) {
        if matches!(self.status, LiveStatus::Disconnected) {
            self.status = LiveStatus::Connecting;
            self.actions.push(Action::Open);
        }
    }

    /// Stops for good: unsubscribes nothing (the socket closes), no reconnection.
    pub fn close(&mut self) {
        self.status = LiveStatus::Closed;
        self.actions.push(Action::CloseSocket);
    }

    /// Adds a subscription; sent now if connected, else on connect. Answers its id.
    pub fn subscribe(&mut self, schema: &ClassSchema, query: Query, now_ms: i64) -> Result<u32> {
        let where_ = query.compile_where(schema)?;
        let id = self.next_id;
        self.next_id += 1;
        let sub = Subscription {
            class: schema.class_name.to_owned(),
            query,
            where_,
            confirmed: false,
            last_seen: Some(now_ms),
            known: BTreeSet::new(),
        };
        if self.status == LiveStatus::Connected {
            self.outbox.push(self.subscribe_frame(id, &sub));
        }
        self.subscriptions.insert(id, sub);
        if self.status == LiveStatus::Disconnected {
            self.start();
        }
        Ok(id)
    }

    /// Objects the app already holds for a subscription (e.g. a pipeline's deals), so that the
    /// catch-up after a reconnect can notice which of them were deleted meanwhile.
    pub fn seed_known(&mut self, subscription: u32, ids: impl IntoIterator<Item = String>) {
        if let Some(sub) = self.subscriptions.get_mut(&subscription) {
            sub.known.extend(ids);
        }
    }

    pub fn unsubscribe(&mut self, subscription: u32) -> bool {
        let removed = self.subscriptions.remove(&subscription).is_some();
        if removed && self.status == LiveStatus::Connected {
            self.outbox.push(frame(
                json!({ "op": "unsubscribe", "requestId": subscription }),
            ));
        }
        removed
    }

    /// Whether the server confirmed the subscription on the current connection.
    pub fn is_subscribed(&self, subscription: u32) -> bool {
        self.status == LiveStatus::Connected
            && self
                .subscriptions
                .get(&subscription)
                .is_some_and(|s| s.confirmed)
    }

    pub fn subscription_count(&self) -> usize {
        self.subscriptions.len()
    }

    fn subscribe_frame(&self, id: u32, sub: &Subscription) -> String {
        let mut msg = json!({
            "op": "subscribe",
            "requestId": id,
            "query": { "className": sub.class, "where": sub.where_ },
        });
        if let Some(token) = &self.session_token {
            msg["sessionToken"] = Value::String(token.clone());
        }
        frame(msg)
    }

    /// The socket opened: say who we are.
    pub fn on_open(&mut self, now_ms: i64) {
        self.last_heard = now_ms;
        let mut msg = json!({
            "op": "connect",
            "applicationId": self.app_id,
            "javascriptKey": self.javascript_key,
        });
        // Never send nulls: the server rejects them.
        if let Some(token) = &self.session_token {
            msg["sessionToken"] = Value::String(token.clone());
        }
        self.outbox.push(frame(msg));
    }

    /// The socket closed or failed: schedule a reconnection (unless closed on purpose).
    pub fn on_close(&mut self, random: f64) {
        self.heartbeat_sent_at = None;
        if self.status == LiveStatus::Closed {
            return;
        }
        for sub in self.subscriptions.values_mut() {
            sub.confirmed = false;
        }
        self.status = LiveStatus::Disconnected;
        let delay = self.backoff.delay_ms(self.attempt, random);
        self.attempt = self.attempt.saturating_add(1);
        self.actions.push(Action::ReconnectIn(delay));
    }

    /// The reconnection delay passed.
    pub fn reconnect_due(&mut self) {
        self.start();
    }

    /// Checks the connection: sends a heartbeat when one is due and gives up on a connection
    /// whose last heartbeat went unanswered for a whole period.
    pub fn tick(&mut self, now_ms: i64) {
        if self.status != LiveStatus::Connected || self.heartbeat_ms == 0 {
            return;
        }
        let period = i64::from(self.heartbeat_ms);
        match self.heartbeat_sent_at {
            Some(sent) if now_ms - sent >= period => {
                // No answer: the connection is dead even though it never closed.
                self.actions.push(Action::CloseSocket);
                self.heartbeat_sent_at = None;
            }
            Some(_) => {}
            None if now_ms - self.last_heard >= period => {
                self.outbox.push(frame(json!({
                    "op": "update",
                    "requestId": HEARTBEAT_ID,
                    "query": { "className": "_User", "where": { "objectId": "__heartbeat__" } },
                })));
                self.heartbeat_sent_at = Some(now_ms);
            }
            None => {}
        }
    }

    /// A frame from the server.
    pub fn on_message(&mut self, text: &str, now_ms: i64) {
        self.last_heard = now_ms;
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return; // not Parse's: ignore rather than fail the connection
        };
        let op = msg.get("op").and_then(Value::as_str).unwrap_or_default();
        let request_id = msg
            .get("requestId")
            .and_then(Value::as_u64)
            .map(|id| id as u32);
        match op {
            "connected" => self.on_connected(now_ms),
            "subscribed" => {
                if request_id == Some(HEARTBEAT_ID) {
                    self.heartbeat_sent_at = None;
                } else if let Some(sub) = request_id.and_then(|id| self.subscriptions.get_mut(&id))
                {
                    sub.confirmed = true;
                }
            }
            "unsubscribed" => {}
            "error" => self.on_error(&msg, request_id),
            "create" | "update" | "delete" | "enter" | "leave" => {
                let Some(id) = request_id else { return };
                let kind = match op {
                    "create" => LiveEventKind::Create,
                    "update" => LiveEventKind::Update,
                    "delete" => LiveEventKind::Delete,
                    "enter" => LiveEventKind::Enter,
                    _ => LiveEventKind::Leave,
                };
                let Some(object) = msg.get("object").cloned() else {
                    return;
                };
                self.record(id, kind, object, msg.get("original").cloned(), false);
            }
            _ => {}
        }
    }

    fn on_connected(&mut self, now_ms: i64) {
        let reconnected = self.connected_once;
        self.status = LiveStatus::Connected;
        self.connected_once = true;
        self.attempt = 0;
        self.heartbeat_sent_at = None;
        self.last_heard = now_ms;
        // The heartbeat's subscription: matches nothing, exists to be re-scoped.
        if self.heartbeat_ms > 0 {
            self.outbox.push(frame(json!({
                "op": "subscribe",
                "requestId": HEARTBEAT_ID,
                "query": { "className": "_User", "where": { "objectId": "__heartbeat__" } },
            })));
        }
        let frames: Vec<String> = self
            .subscriptions
            .iter()
            .map(|(id, sub)| self.subscribe_frame(*id, sub))
            .collect();
        self.outbox.extend(frames);
        if reconnected {
            for (&id, sub) in &self.subscriptions {
                self.actions.push(Action::CatchUp(catch_up_plan(id, sub)));
            }
        }
    }

    fn on_error(&mut self, msg: &Value, request_id: Option<u32>) {
        let code = msg.get("code").and_then(Value::as_i64).unwrap_or(-1);
        let text = msg
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("LiveQuery error")
            .to_owned();
        let reconnect = msg
            .get("reconnect")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if request_id == Some(HEARTBEAT_ID) {
            self.heartbeat_sent_at = None; // answered, if with an error: the line is alive
            return;
        }
        if !reconnect {
            self.status = LiveStatus::Closed;
            self.actions.push(Action::CloseSocket);
            self.actions.push(Action::Fatal(CrmError::Server {
                parse_code: code,
                message: text,
            }));
        }
    }

    /// Notes an event for a subscription: its time (for catch-ups) and the objects it knows.
    fn record(
        &mut self,
        id: u32,
        kind: LiveEventKind,
        object: Value,
        original: Option<Value>,
        caught_up: bool,
    ) {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if let Some(oid) = object.get("objectId").and_then(Value::as_str) {
            match kind {
                LiveEventKind::Delete | LiveEventKind::Leave => {
                    sub.known.remove(oid);
                }
                _ => {
                    sub.known.insert(oid.to_owned());
                }
            }
        }
        let updated = object
            .get("updatedAt")
            .and_then(|v| serde_json::from_value::<IsoDate>(v.clone()).ok())
            .map(IsoDate::millis);
        if let Some(t) = updated {
            sub.last_seen = Some(sub.last_seen.map_or(t, |s| s.max(t)));
        }
        self.events.push(LiveEvent {
            subscription: id,
            kind,
            object,
            original,
            caught_up,
        });
    }

    /// The catch-up's answers: objects changed since, and which known ids still match.
    pub fn catch_up_result(
        &mut self,
        subscription: u32,
        changed: Vec<Value>,
        checked: &[String],
        still_there: &[String],
    ) {
        for object in changed {
            self.record(subscription, LiveEventKind::Update, object, None, true);
        }
        let present: BTreeSet<&str> = still_there.iter().map(String::as_str).collect();
        for id in checked {
            if !present.contains(id.as_str()) {
                let known = self
                    .subscriptions
                    .get(&subscription)
                    .is_some_and(|s| s.known.contains(id));
                if known {
                    self.record(
                        subscription,
                        LiveEventKind::Delete,
                        json!({ "objectId": id }),
                        None,
                        true,
                    );
                }
            }
        }
    }
}

fn catch_up_plan(id: u32, sub: &Subscription) -> CatchUp {
    let mut changed = Query {
        constraints: sub.query.constraints.clone(),
        ..Query::default()
    };
    if let Some(since) = sub
        .last_seen
        .and_then(|t| IsoDate::from_millis(t - CATCH_UP_MARGIN_MS))
    {
        changed.constraints.push(Constraint::GreaterThan {
            field: "updatedAt".into(),
            value: Value::String(since.to_string()),
        });
    }
    CatchUp {
        subscription: id,
        changed,
        known_ids: sub.known.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DEAL;

    const T0: i64 = 1_790_000_000_000;

    fn sent(m: &mut LiveMachine) -> Vec<Value> {
        m.take_outbox()
            .iter()
            .map(|f| serde_json::from_str(f).unwrap())
            .collect()
    }

    fn connected(heartbeat: u32) -> (LiveMachine, u32) {
        let mut m = LiveMachine::new("crm", "key", Some("r:tok".into()), heartbeat);
        let id = m
            .subscribe(&DEAL, Query::new().equal_to("stage", "won"), T0)
            .unwrap();
        assert_eq!(m.take_actions(), vec![Action::Open]);
        m.on_open(T0);
        m.on_message(r#"{"op":"connected","clientId":"c1"}"#, T0);
        (m, id)
    }

    #[test]
    fn connects_then_subscribes_with_the_session() {
        let (mut m, id) = connected(0);
        let frames = sent(&mut m);
        assert_eq!(
            frames[0],
            json!({"op": "connect", "applicationId": "crm", "javascriptKey": "key", "sessionToken": "r:tok"})
        );
        assert_eq!(
            frames[1],
            json!({"op": "subscribe", "requestId": id, "sessionToken": "r:tok",
                   "query": {"className": "Deal", "where": {"stage": "won"}}})
        );
        assert_eq!(m.status(), LiveStatus::Connected);
        let anonymous = LiveMachine::new("crm", "key", None, 0);
        drop(anonymous);
    }

    #[test]
    fn events_are_typed_and_tracked() {
        let (mut m, id) = connected(0);
        m.on_message(
            &json!({"op": "create", "requestId": id, "clientId": "c1",
                    "object": {"objectId": "d1", "className": "Deal", "updatedAt": "2026-09-22T00:00:00.000Z"}})
            .to_string(),
            T0,
        );
        m.on_message(&json!({"op": "leave", "requestId": id, "object": {"objectId": "d1"}, "original": {"objectId": "d1"}}).to_string(), T0);
        m.on_message("not json", T0);
        m.on_message(
            r#"{"op":"update","requestId":999,"object":{"objectId":"x"}}"#,
            T0,
        );
        let events = m.take_events();
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [LiveEventKind::Create, LiveEventKind::Leave]
        );
        assert!(events[1].original.is_some());
        assert_eq!(m.subscriptions[&id].known.len(), 0, "left again");
        assert_eq!(
            m.subscriptions[&id].last_seen,
            IsoDate::parse("2026-09-22").map(IsoDate::millis)
        );
    }

    #[test]
    fn a_lost_connection_reconnects_with_backoff_resubscribes_and_catches_up() {
        let (mut m, id) = connected(0);
        m.seed_known(id, ["d1".to_string(), "d2".to_string()]);
        sent(&mut m);
        m.on_close(0.0);
        assert_eq!(m.status(), LiveStatus::Disconnected);
        assert_eq!(m.take_actions(), vec![Action::ReconnectIn(250)]);
        m.reconnect_due();
        assert_eq!(m.take_actions(), vec![Action::Open]);
        m.on_close(0.0);
        assert_eq!(
            m.take_actions(),
            vec![Action::ReconnectIn(500)],
            "the delay doubles"
        );
        m.reconnect_due();
        m.take_actions();
        m.on_open(T0 + 10_000);
        m.on_message(r#"{"op":"connected","clientId":"c2"}"#, T0 + 10_000);
        let frames = sent(&mut m);
        assert_eq!(frames[1]["op"], "subscribe");
        assert_eq!(frames[1]["requestId"], id);
        let actions = m.take_actions();
        let Action::CatchUp(plan) = &actions[0] else {
            panic!("{actions:?}")
        };
        assert_eq!(plan.known_ids, ["d1", "d2"]);
        let w = plan.changed.compile_where(&DEAL).unwrap();
        assert_eq!(w["stage"], "won");
        assert_eq!(
            w["updatedAt"]["$gt"]["iso"],
            IsoDate::from_millis(T0 - CATCH_UP_MARGIN_MS)
                .unwrap()
                .to_string()
        );
        // d1 changed, d2 is gone.
        m.catch_up_result(
            id,
            vec![json!({"objectId": "d1", "title": "new"})],
            &plan.known_ids,
            &["d1".to_string()],
        );
        let events = m.take_events();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.kind, e.caught_up))
                .collect::<Vec<_>>(),
            [(LiveEventKind::Update, true), (LiveEventKind::Delete, true)]
        );
        assert_eq!(events[1].object, json!({"objectId": "d2"}));
        // After a successful connect the backoff starts over.
        m.on_close(0.0);
        assert_eq!(m.take_actions(), vec![Action::ReconnectIn(250)]);
    }

    #[test]
    fn a_silent_connection_is_noticed_by_the_heartbeat() {
        let (mut m, _) = connected(1000);
        let frames = sent(&mut m);
        assert!(
            frames.iter().any(|f| f["requestId"] == HEARTBEAT_ID),
            "heartbeat subscription"
        );
        m.tick(T0 + 500);
        assert!(sent(&mut m).is_empty(), "nothing due yet");
        m.tick(T0 + 1000);
        let ping = sent(&mut m);
        assert_eq!(ping[0]["op"], "update");
        m.on_message(
            &json!({"op": "subscribed", "requestId": HEARTBEAT_ID}).to_string(),
            T0 + 1100,
        );
        m.tick(T0 + 2100);
        assert_eq!(
            sent(&mut m).len(),
            1,
            "answered: a new heartbeat after a quiet period"
        );
        m.tick(T0 + 3200);
        assert_eq!(
            m.take_actions(),
            vec![Action::CloseSocket],
            "unanswered for a period: dead"
        );
    }

    #[test]
    fn a_refusal_without_reconnect_is_fatal_and_close_is_final() {
        let (mut m, _) = connected(0);
        m.on_message(
            r#"{"op":"error","code":142,"error":"Please login to continue.","reconnect":false}"#,
            T0,
        );
        let actions = m.take_actions();
        assert!(matches!(&actions[1], Action::Fatal(e) if e.code() == "VALIDATION_FAILED"));
        assert_eq!(m.status(), LiveStatus::Closed);
        m.on_close(0.5);
        assert!(
            m.take_actions().is_empty(),
            "no reconnection after a fatal error"
        );
    }

    #[test]
    fn unsubscribe_and_subscribe_while_connected() {
        let (mut m, id) = connected(0);
        sent(&mut m);
        assert!(m.unsubscribe(id));
        assert!(!m.unsubscribe(id));
        assert_eq!(
            sent(&mut m),
            [json!({"op": "unsubscribe", "requestId": id})]
        );
        let id2 = m.subscribe(&DEAL, Query::new(), T0).unwrap();
        assert_eq!(sent(&mut m)[0]["requestId"], id2);
        assert!(m
            .subscribe(&DEAL, Query::new().equal_to("nope", 1), T0)
            .is_err());
    }
}
