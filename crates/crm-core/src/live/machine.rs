//! Parse's LiveQuery protocol as a state machine without I/O: frames in, frames and events out.
//! The driver ([`super::driver`], given the browser by crm-wasm) owns the WebSocket and the timers and feeds this
//! machine; everything it decides — what to send, when to reconnect, what to catch up — is here,
//! and is tested natively.
//!
//! Beyond Parse's own client: reconnection with jittered exponential backoff, resubscription,
//! and an exact catch-up after every reconnect (see [`super::catch_up`]): the machine keeps, per
//! subscription, the `(objectId, updatedAt)` of every object it knows to match, and after a gap
//! compares that with what the server lists, so changes made while the socket was down are
//! neither lost nor guessed by a time window. The same comparison runs on a live connection
//! once events have been quiet for [`CHECK_QUIET_MS`], once more [`CHECK_AGAIN_MS`] after such a
//! check, and every [`CHECK_EVERY_MS`]: Parse's
//! server drops an event without a word when its ACL check cannot read the session, which a
//! loaded server's session lookup sometimes cannot. A heartbeat — a no-op re-scope of a
//! subscription that matches nothing, which the server must answer — notices a connection that
//! died without a close, and paces the checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::client::RetryPolicy;
use crate::error::{CrmError, Result};
use crate::query::Query;
use crate::schema::ClassSchema;
use crate::wire::IsoDate;

use super::catch_up::{self, Version, Versions};
/// The request id of the heartbeat subscription (ordinary ones count up from 1).
const HEARTBEAT_ID: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    /// List the versions the server holds for a subscription and hand them to
    /// [`LiveMachine::catch_up_listed`] (see [`super::catch_up::run`]).
    CatchUp(CatchUp),
    /// The server refused for good (e.g. a bad session): stop and tell the app.
    Fatal(CrmError),
}

/// One round of comparing a subscription with the server: after a gap (`baseline: false`), or
/// to learn what a new subscription matches (`baseline: true`, no events come of it).
#[derive(Clone, Debug, PartialEq)]
pub struct CatchUp {
    pub subscription: u32,
    /// Tells a round's answers from those of a round a newer gap superseded.
    pub epoch: u32,
    pub class: String,
    /// The subscription's conditions (no order, limit or keys).
    pub query: Query,
    pub baseline: bool,
}

/// A round in flight, and the objects live events touched since it began: for those the live
/// event is at least as new as anything the round read, so the round leaves them alone.
struct Round {
    epoch: u32,
    baseline: bool,
    touched: BTreeSet<String>,
}

struct Subscription {
    class: String,
    query: Query,
    where_: Map<String, Value>,
    confirmed: bool,
    /// Confirmed on an earlier connection: the next confirmation follows a gap.
    confirmed_before: bool,
    /// Nobody seeds what it matches (see [`LiveMachine::subscribe_seeded`]): list it from the
    /// server at the first confirmation.
    wants_baseline: bool,
    /// Seeded by a load that began before the server confirmed the subscription: a change
    /// committed between the load's read and the confirmation reached neither, so once both
    /// are in, the seed is compared with the server (a catch-up, as after a gap).
    seed_unchecked: bool,
    /// Objects currently matching, as far as the events (and the baseline or seed) tell, with
    /// the `updatedAt` of the version the client holds.
    known: Versions,
    round: Option<Round>,
    epochs: u32,
    /// `known` is complete (seeded, listed by a baseline, or caught up): a check against the
    /// server means something.
    settled: bool,
    /// When the last live event arrived that no check has covered yet.
    unchecked_since: Option<i64>,
    /// When the subscription was last compared with the server (or confirmed).
    checked_at: i64,
    /// When to compare once more after a check that events prompted or that found missed
    /// changes ([`CHECK_AGAIN_MS`]).
    recheck_at: Option<i64>,
}

/// A connected subscription is compared with the server, as after a reconnect, once events
/// have been quiet this long: Parse's LiveQuery server drops an event for good when its ACL
/// check cannot read the session (under load the session lookup fails and is taken as "not
/// readable"), with no error and no gap on the socket to tell.
pub const CHECK_QUIET_MS: i64 = 2_000;
/// ... and at least this often while connected, for a dropped event that no later event
/// follows.
pub const CHECK_EVERY_MS: i64 = 60_000;
/// A check that events prompted, or that found missed changes, runs once more this long after
/// it began: an event dropped after its listing, with none following (the end of a burst of
/// writes, a server dropping events for a while), is otherwise found only by the periodic
/// check.
pub const CHECK_AGAIN_MS: i64 = 10_000;

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
    outbox: Vec<String>,
    events: Vec<LiveEvent>,
    actions: Vec<Action>,
}

/// `{field: null}` as `{$exists: false}` and `$ne: null` as `$exists: true`, for the Live
/// Query server: its matching found nothing for the first and objects without the field for
/// the second, where REST (and the local evaluator that judges each event) answer IS NULL and
/// IS NOT NULL. Judging events cannot bring back one the server never sent.
fn nulls_as_exists(where_: &mut Map<String, Value>) {
    for (key, value) in where_.iter_mut() {
        match value {
            Value::Array(clauses) if key.starts_with('$') => {
                for clause in clauses {
                    if let Value::Object(w) = clause {
                        nulls_as_exists(w);
                    }
                }
            }
            Value::Null => *value = json!({ "$exists": false }),
            Value::Object(ops)
                if ops.get("$ne") == Some(&Value::Null) && !ops.contains_key("$exists") =>
            {
                ops.remove("$ne");
                ops.insert("$exists".into(), Value::Bool(true));
            }
            _ => {}
        }
    }
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
            outbox: Vec::new(),
            events: Vec::new(),
            actions: Vec::new(),
        }
    }

    pub fn status(&self) -> LiveStatus {
        self.status
    }

    /// The session this machine subscribes with.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
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

    /// Adds a subscription; sent now if connected, else on connect. Answers its id. What it
    /// matches is listed from the server when it is first confirmed, so that a later gap can
    /// be caught up exactly.
    pub fn subscribe(&mut self, schema: &ClassSchema, query: Query) -> Result<u32> {
        self.add_subscription(schema, query, true)
    }

    /// Adds a subscription whose current matches the app loads itself and hands over with
    /// [`LiveMachine::seed_known`] (e.g. a pipeline's deals): no baseline round.
    pub fn subscribe_seeded(&mut self, schema: &ClassSchema, query: Query) -> Result<u32> {
        let id = self.add_subscription(schema, query, false)?;
        if let Some(sub) = self.subscriptions.get_mut(&id) {
            // Events arriving while the app loads are newer than what it loads.
            sub.epochs += 1;
            sub.round = Some(Round {
                epoch: sub.epochs,
                baseline: true,
                touched: BTreeSet::new(),
            });
        }
        Ok(id)
    }

    fn add_subscription(
        &mut self,
        schema: &ClassSchema,
        query: Query,
        wants_baseline: bool,
    ) -> Result<u32> {
        // Closed for good: an id would never deliver anything.
        if self.status == LiveStatus::Closed {
            return Err(crate::error::CrmError::Closed("LiveQueryClient".into()));
        }
        let mut where_ = query.compile_where(schema)?;
        nulls_as_exists(&mut where_);
        let id = self.next_id;
        self.next_id += 1;
        let sub = Subscription {
            class: schema.class_name.to_owned(),
            query,
            where_,
            confirmed: false,
            confirmed_before: false,
            wants_baseline,
            seed_unchecked: !wants_baseline,
            known: Versions::new(),
            round: None,
            epochs: 0,
            settled: false,
            unchecked_since: None,
            checked_at: 0,
            recheck_at: None,
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

    /// The objects (id and `updatedAt`) the app loaded for a [`LiveMachine::subscribe_seeded`]
    /// subscription. Objects live events touched since it subscribed keep the events' version.
    pub fn seed_known(&mut self, subscription: u32, versions: impl IntoIterator<Item = Version>) {
        let Some(sub) = self.subscriptions.get_mut(&subscription) else {
            return;
        };
        let round = sub.round.take_if(|r| r.baseline);
        let touched = round.map(|r| r.touched).unwrap_or_default();
        for (id, updated) in versions {
            if !touched.contains(&id) {
                sub.known.insert(id, updated);
            }
        }
        sub.settled = true;
        self.check_seed(subscription);
    }

    /// The first comparison of a seeded subscription with the server, once it is both seeded
    /// and confirmed (see `seed_unchecked`).
    fn check_seed(&mut self, id: u32) {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if sub.seed_unchecked && sub.settled && sub.confirmed {
            sub.seed_unchecked = false;
            self.start_round(id, false, self.last_heard);
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
        self.with_session(json!({
            "op": "subscribe",
            "requestId": id,
            "query": { "className": sub.class, "where": sub.where_ },
        }))
    }

    /// The heartbeat's subscription (`subscribe`) or its re-scope (`update`): it matches nothing.
    fn heartbeat_frame(&self, op: &str) -> String {
        self.with_session(json!({
            "op": op,
            "requestId": HEARTBEAT_ID,
            "query": { "className": "_User", "where": { "objectId": "__heartbeat__" } },
        }))
    }

    /// A subscription's frame carries the connection's session token, as Parse's own client
    /// sends it: without it the server refuses the subscription (the heartbeat's was answered
    /// with an error every time, which passed for an answer).
    fn with_session(&self, mut msg: Value) -> String {
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
        self.check_due(now_ms);
        let period = i64::from(self.heartbeat_ms);
        match self.heartbeat_sent_at {
            Some(sent) if now_ms - sent >= period => {
                // No answer: the connection is dead even though it never closed.
                self.actions.push(Action::CloseSocket);
                self.heartbeat_sent_at = None;
            }
            Some(_) => {}
            None if now_ms - self.last_heard >= period => {
                let beat = self.heartbeat_frame("update");
                self.outbox.push(beat);
                self.heartbeat_sent_at = Some(now_ms);
            }
            None => {}
        }
    }

    /// Starts a check (a catch-up round on a live connection) for every settled, confirmed
    /// subscription with no round in flight whose events have been quiet for
    /// [`CHECK_QUIET_MS`] since one no check covered, or that was not checked for
    /// [`CHECK_EVERY_MS`]. Exact like every round: it compares versions, not times.
    pub fn check_due(&mut self, now_ms: i64) {
        if self.status != LiveStatus::Connected {
            return;
        }
        let due: Vec<(u32, bool)> = self
            .subscriptions
            .iter()
            .filter(|(_, sub)| sub.confirmed && sub.settled && sub.round.is_none())
            .filter_map(|(id, sub)| {
                let prompted = sub
                    .unchecked_since
                    .is_some_and(|t| now_ms - t >= CHECK_QUIET_MS);
                let due = prompted
                    || sub.recheck_at.is_some_and(|t| now_ms >= t)
                    || now_ms - sub.checked_at >= CHECK_EVERY_MS;
                due.then_some((*id, prompted))
            })
            .collect();
        for (id, prompted) in due {
            self.start_round(id, false, now_ms);
            if prompted {
                if let Some(sub) = self.subscriptions.get_mut(&id) {
                    sub.recheck_at = Some(now_ms + CHECK_AGAIN_MS);
                }
            }
        }
    }

    /// Starts a round for the subscription `id` and asks the driver to run it.
    fn start_round(&mut self, id: u32, baseline: bool, now_ms: i64) {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        sub.epochs += 1;
        sub.unchecked_since = None;
        sub.checked_at = now_ms;
        sub.recheck_at = None;
        sub.round = Some(Round {
            epoch: sub.epochs,
            baseline,
            touched: BTreeSet::new(),
        });
        self.actions.push(Action::CatchUp(CatchUp {
            subscription: id,
            epoch: sub.epochs,
            class: sub.class.clone(),
            query: Query {
                constraints: sub.query.constraints.clone(),
                ..Query::default()
            },
            baseline,
        }));
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
                } else if let Some(id) = request_id {
                    self.on_subscribed(id);
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
                let Some(kind) = self.as_rest_answers(id, kind, &object) else {
                    return;
                };
                self.record(id, kind, object, msg.get("original").cloned(), false);
            }
            _ => {}
        }
    }

    /// The event as REST would tell it. Parse's Live Query server matches objects with rules of
    /// its own that differ from its REST answers on PostgreSQL, which the catch-up rounds and
    /// the local store follow: `$gt` on a date matched objects without the date, a `null`
    /// matched nothing, `$ne: null` matched objects without the field. So a live list took
    /// deals its own query left out. The local evaluator (proven against REST by the
    /// differential test) has the last word: an object it says matches is an update (or the
    /// server's create or enter); one it says does not is a leave, or nothing if the
    /// subscription never had it (None). A query it cannot run (a sub-query) keeps the
    /// server's word.
    fn as_rest_answers(
        &self,
        id: u32,
        kind: LiveEventKind,
        object: &Value,
    ) -> Option<LiveEventKind> {
        use LiveEventKind as K;
        let sub = self.subscriptions.get(&id)?;
        let schema = crate::schema::for_class(&sub.class);
        let (Some(schema), false) = (schema, kind == K::Delete) else {
            return Some(kind);
        };
        let server_says_in = kind != K::Leave;
        let Ok(rest_says_in) =
            crate::eval::matches(schema, &sub.query, object, &crate::eval::NoSubQueries)
        else {
            return Some(kind);
        };
        if rest_says_in == server_says_in {
            return Some(kind);
        }
        let held = object
            .get("objectId")
            .and_then(Value::as_str)
            .is_some_and(|oid| sub.known.contains_key(oid));
        match (rest_says_in, kind) {
            (true, _) if held => Some(K::Update),
            (true, _) => Some(K::Enter),
            // Not held by a subscription whose known set is complete: nothing to tell. Before
            // that (no baseline yet), a leave, which changes nothing in a list not holding it.
            (false, K::Update | K::Enter) if sub.settled && !held => None,
            (false, K::Update | K::Enter) => Some(K::Leave),
            (false, _) => None,
        }
    }

    fn on_connected(&mut self, now_ms: i64) {
        self.status = LiveStatus::Connected;
        self.attempt = 0;
        self.heartbeat_sent_at = None;
        self.last_heard = now_ms;
        // The heartbeat's subscription: matches nothing, exists to be re-scoped.
        if self.heartbeat_ms > 0 {
            let beat = self.heartbeat_frame("subscribe");
            self.outbox.push(beat);
        }
        let frames: Vec<String> = self
            .subscriptions
            .iter()
            .map(|(id, sub)| self.subscribe_frame(*id, sub))
            .collect();
        self.outbox.extend(frames);
    }

    /// The server confirmed a subscription: from now on it sends every change, so a round that
    /// reads the server now misses nothing that happened before. After a gap that is a
    /// catch-up; for a new subscription nobody seeds, a baseline.
    fn on_subscribed(&mut self, id: u32) {
        let Some(sub) = self.subscriptions.get_mut(&id) else {
            return;
        };
        if sub.confirmed {
            return; // a repeated confirmation on the same connection
        }
        sub.confirmed = true;
        sub.checked_at = self.last_heard;
        let baseline = if sub.confirmed_before {
            false
        } else if sub.wants_baseline {
            true
        } else {
            sub.confirmed_before = true;
            self.check_seed(id);
            return;
        };
        sub.confirmed_before = true;
        self.start_round(id, baseline, self.last_heard);
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
        if !caught_up {
            sub.unchecked_since = Some(self.last_heard);
        }
        if let Some(oid) = object.get("objectId").and_then(Value::as_str) {
            if !caught_up {
                if let Some(round) = &mut sub.round {
                    round.touched.insert(oid.to_owned());
                }
            }
            match kind {
                LiveEventKind::Delete | LiveEventKind::Leave => {
                    sub.known.remove(oid);
                }
                _ => {
                    sub.known.insert(oid.to_owned(), updated_at(&object));
                }
            }
        }
        self.events.push(LiveEvent {
            subscription: id,
            kind,
            object,
            original,
            caught_up,
        });
    }

    /// A round's listing of what the server holds for the subscription. A baseline takes it
    /// as what the subscription knows; a catch-up reports the objects gone as deletes and
    /// answers the ids whose version differs, for the driver to fetch and hand to
    /// [`LiveMachine::catch_up_fetched`]. Answers nothing for a superseded round.
    pub fn catch_up_listed(
        &mut self,
        subscription: u32,
        epoch: u32,
        listed: Vec<Version>,
    ) -> Vec<String> {
        let Some(sub) = self.subscriptions.get_mut(&subscription) else {
            return Vec::new();
        };
        let Some(round) = sub.round.as_ref().filter(|r| r.epoch == epoch) else {
            return Vec::new();
        };
        if round.baseline {
            let touched = sub.round.take().map(|r| r.touched).unwrap_or_default();
            for (id, updated) in listed {
                if !touched.contains(&id) {
                    sub.known.insert(id, updated);
                }
            }
            sub.settled = true;
            return Vec::new();
        }
        let diff = catch_up::diff(&sub.known, &listed, &round.touched);
        if !diff.changed.is_empty() || !diff.gone.is_empty() {
            // Events were missed: the server may still be dropping them, so look again soon.
            sub.recheck_at = Some(sub.checked_at + CHECK_AGAIN_MS);
        }
        if diff.changed.is_empty() {
            sub.round = None;
            sub.settled = true;
        }
        for id in diff.gone {
            self.record(
                subscription,
                LiveEventKind::Delete,
                json!({ "objectId": id }),
                None,
                true,
            );
        }
        diff.changed
    }

    /// The objects a catch-up fetched (those whose version differed): each is reported as a
    /// caught-up update, unless a live event touched it meanwhile.
    pub fn catch_up_fetched(&mut self, subscription: u32, epoch: u32, objects: Vec<Value>) {
        let Some(round) = self
            .subscriptions
            .get_mut(&subscription)
            .and_then(|sub| sub.round.take_if(|r| r.epoch == epoch))
        else {
            return;
        };
        if let Some(sub) = self.subscriptions.get_mut(&subscription) {
            sub.settled = true;
        }
        for object in objects {
            let touched = object
                .get("objectId")
                .and_then(Value::as_str)
                .is_some_and(|id| round.touched.contains(id));
            if !touched {
                self.record(subscription, LiveEventKind::Update, object, None, true);
            }
        }
    }

    /// Whether the round `epoch` is still the subscription's one to run: a round that failed
    /// (the server could not be read) stays current, to be run again, until it succeeds or a
    /// newer gap supersedes it. Dropping it would lose what the gap missed for good.
    pub fn round_is_current(&self, subscription: u32, epoch: u32) -> bool {
        self.subscriptions
            .get(&subscription)
            .and_then(|s| s.round.as_ref())
            .is_some_and(|r| r.epoch == epoch)
    }

    /// The versions the subscription knows (for tests and diagnostics).
    pub fn known(&self, subscription: u32) -> Option<&Versions> {
        self.subscriptions.get(&subscription).map(|s| &s.known)
    }
}

/// An object's `updatedAt` in epoch milliseconds, if it has a valid one.
pub fn updated_at(object: &Value) -> Option<i64> {
    object
        .get("updatedAt")
        .and_then(|v| serde_json::from_value::<IsoDate>(v.clone()).ok())
        .map(IsoDate::millis)
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
            .subscribe(&DEAL, Query::new().equal_to("stage", "won"))
            .unwrap();
        assert_eq!(m.take_actions(), vec![Action::Open]);
        m.on_open(T0);
        m.on_message(r#"{"op":"connected","clientId":"c1"}"#, T0);
        (m, id)
    }

    fn confirm(m: &mut LiveMachine, id: u32) -> Vec<Action> {
        m.on_message(
            &json!({"op": "subscribed", "requestId": id}).to_string(),
            T0,
        );
        m.take_actions()
    }

    fn round(actions: &[Action]) -> CatchUp {
        match actions {
            [Action::CatchUp(plan)] => plan.clone(),
            other => panic!("expected one round: {other:?}"),
        }
    }

    fn at(ms: i64) -> String {
        IsoDate::from_millis(ms).unwrap().to_string()
    }

    fn deal(id: &str, updated_ms: i64) -> Value {
        json!({"objectId": id, "className": "Deal", "title": id, "stage": "won", "updatedAt": at(updated_ms)})
    }

    fn event(op: &str, id: u32, object: Value) -> String {
        json!({"op": op, "requestId": id, "clientId": "c1", "object": object}).to_string()
    }

    /// Cuts the connection and brings it back; answers the round its confirmation asks for.
    fn gap(m: &mut LiveMachine, id: u32) -> CatchUp {
        m.on_close(0.0);
        m.reconnect_due();
        m.take_actions();
        m.on_open(T0);
        m.on_message(r#"{"op":"connected","clientId":"c2"}"#, T0);
        assert!(
            m.take_actions().is_empty(),
            "no round before the server confirms"
        );
        let plan = round(&confirm(m, id));
        assert!(!plan.baseline);
        plan
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
    fn subscribing_after_close_is_refused() {
        let (mut m, _) = connected(0);
        m.close();
        let schema = crate::schema::for_class("Deal").unwrap();
        let refused = m.subscribe(schema, Query::new()).unwrap_err();
        assert_eq!(refused.code(), "CLOSED");
        assert!(m.subscribe_seeded(schema, Query::new()).is_err());
    }

    #[test]
    fn events_follow_what_rest_answers_not_the_live_servers_own_matching() {
        // Parse's Live Query server matched `$gt` on a date for deals without one, and `$ne:
        // null` for deals without the field; REST (and the catch-up rounds, and the local
        // store) leave them out. Raw frames as that server sent them.
        let mut m = LiveMachine::new("crm", "key", Some("r:tok".into()), 0);
        let query = Query::new().with(crate::query::Constraint::GreaterThan {
            field: "expectedCloseDate".into(),
            value: json!({"__type": "Date", "iso": "2026-06-01T00:00:00.000Z"}),
        });
        let id = m.subscribe(&DEAL, query).unwrap();
        m.on_open(T0);
        m.on_message(r#"{"op":"connected","clientId":"c1"}"#, T0);
        let dated = |oid: &str, iso: Option<&str>| {
            let mut d = deal(oid, T0);
            if let Some(iso) = iso {
                d["expectedCloseDate"] = json!({"__type": "Date", "iso": iso});
            }
            d
        };
        let send =
            |m: &mut LiveMachine, op: &str, object: Value| m.on_message(&event(op, id, object), T0);
        send(&mut m, "create", dated("undated", None));
        send(
            &mut m,
            "create",
            dated("late", Some("2026-07-01T00:00:00.000Z")),
        );
        // Its date taken away: the server still says it matches.
        send(&mut m, "update", dated("late", None));
        // An object REST matches that the server says left: still in, as an update.
        send(
            &mut m,
            "enter",
            dated("late", Some("2026-08-01T00:00:00.000Z")),
        );
        send(
            &mut m,
            "leave",
            dated("late", Some("2026-09-01T00:00:00.000Z")),
        );
        let told: Vec<(String, LiveEventKind)> = m
            .take_events()
            .into_iter()
            .map(|e| (e.object["objectId"].as_str().unwrap().to_owned(), e.kind))
            .collect();
        let late = |k| ("late".to_owned(), k);
        assert_eq!(
            told,
            [
                late(LiveEventKind::Create),
                late(LiveEventKind::Leave),
                late(LiveEventKind::Enter),
                late(LiveEventKind::Update),
            ]
        );
        assert_eq!(
            m.subscriptions[&id].known.keys().collect::<Vec<_>>(),
            ["late"]
        );
        // A deletion is told as it comes; so is what matches either way.
        send(
            &mut m,
            "update",
            dated("late", Some("2026-10-01T00:00:00.000Z")),
        );
        send(&mut m, "delete", dated("late", None));
        let kinds: Vec<_> = m.take_events().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [LiveEventKind::Update, LiveEventKind::Delete]);
    }

    #[test]
    fn events_are_typed_and_tracked() {
        let (mut m, id) = connected(0);
        m.on_message(
            &json!({"op": "create", "requestId": id, "clientId": "c1",
                    "object": {"objectId": "d1", "className": "Deal", "stage": "won", "updatedAt": "2026-09-22T00:00:00.000Z"}})
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
        m.on_message(&event("update", id, deal("d2", T0)), T0);
        assert_eq!(m.known(id).unwrap().get("d2"), Some(&Some(T0)));
    }

    #[test]
    fn a_lost_connection_reconnects_with_backoff_resubscribes_and_catches_up() {
        let (mut m, id) = connected(0);
        let base = round(&confirm(&mut m, id));
        assert!(base.baseline, "a new subscription lists what it matches");
        assert_eq!(base.query.compile_where(&DEAL).unwrap()["stage"], "won");
        assert!(m
            .catch_up_listed(
                id,
                base.epoch,
                vec![("d1".into(), Some(T0)), ("d2".into(), Some(T0))]
            )
            .is_empty());
        assert!(m.take_events().is_empty(), "a baseline reports nothing");
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
        let plan = round(&confirm(&mut m, id));
        assert!(!plan.baseline);
        // d1 changed, d2 is gone, d3 is new.
        let wanted = m.catch_up_listed(
            id,
            plan.epoch,
            vec![("d1".into(), Some(T0 + 1)), ("d3".into(), Some(T0 + 2))],
        );
        assert_eq!(wanted, ["d1", "d3"]);
        m.catch_up_fetched(id, plan.epoch, vec![deal("d1", T0 + 1), deal("d3", T0 + 2)]);
        let events = m.take_events();
        assert_eq!(
            events
                .iter()
                .map(|e| (e.kind, e.caught_up, e.object["objectId"].clone()))
                .collect::<Vec<_>>(),
            [
                (LiveEventKind::Delete, true, json!("d2")),
                (LiveEventKind::Update, true, json!("d1")),
                (LiveEventKind::Update, true, json!("d3")),
            ]
        );
        assert_eq!(events[0].object, json!({"objectId": "d2"}));
        // After a successful connect the backoff starts over.
        m.on_close(0.0);
        assert_eq!(m.take_actions(), vec![Action::ReconnectIn(250)]);
    }

    /// The bug the time margin had: a write stamped long before the newest event seen, whose
    /// event was lost with the socket, is still found, because versions are compared, not times.
    #[test]
    fn a_write_stamped_long_before_the_newest_event_is_still_caught_up() {
        let (mut m, id) = connected(0);
        let base = round(&confirm(&mut m, id));
        m.catch_up_listed(id, base.epoch, vec![("slow".into(), Some(T0))]);
        // A fast write a minute later arrives live; the slow one (stamped at T0 + 1) commits
        // while the socket is down.
        m.on_message(&event("create", id, deal("fast", T0 + 60_000)), T0);
        m.take_events();
        let plan = gap(&mut m, id);
        let wanted = m.catch_up_listed(
            id,
            plan.epoch,
            vec![
                ("fast".into(), Some(T0 + 60_000)),
                ("slow".into(), Some(T0 + 1)),
            ],
        );
        assert_eq!(wanted, ["slow"], "only the difference is fetched");
        m.catch_up_fetched(id, plan.epoch, vec![deal("slow", T0 + 1)]);
        let events = m.take_events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].object["objectId"], "slow");
        assert!(events[0].caught_up);
        // Nothing missed: the next gap finds nothing to do.
        let plan = gap(&mut m, id);
        let listed = vec![
            ("fast".into(), Some(T0 + 60_000)),
            ("slow".into(), Some(T0 + 1)),
        ];
        assert!(m.catch_up_listed(id, plan.epoch, listed).is_empty());
        assert!(m.take_events().is_empty());
    }

    #[test]
    fn live_events_during_a_round_win_over_what_the_round_read() {
        let (mut m, id) = connected(0);
        let base = round(&confirm(&mut m, id));
        m.catch_up_listed(
            id,
            base.epoch,
            vec![("a".into(), Some(T0)), ("b".into(), Some(T0))],
        );
        let plan = gap(&mut m, id);
        // While the round runs: `a` is updated live, `b` deleted live.
        m.on_message(&event("update", id, deal("a", T0 + 5)), T0);
        m.on_message(&event("delete", id, deal("b", T0 + 5)), T0);
        m.take_events();
        // The listing was read before those (old `a`, `b` still there, and a new `c`).
        let wanted = m.catch_up_listed(
            id,
            plan.epoch,
            vec![
                ("a".into(), Some(T0 + 1)),
                ("b".into(), Some(T0)),
                ("c".into(), Some(T0)),
            ],
        );
        assert_eq!(wanted, ["c"]);
        m.catch_up_fetched(id, plan.epoch, vec![deal("a", T0 + 1), deal("c", T0)]);
        let events = m.take_events();
        assert_eq!(
            events
                .iter()
                .map(|e| e.object["objectId"].clone())
                .collect::<Vec<_>>(),
            [json!("c")],
            "the stale `a` is not reported over the live one"
        );
        assert_eq!(m.known(id).unwrap().get("a"), Some(&Some(T0 + 5)));
        assert!(!m.known(id).unwrap().contains_key("b"));
    }

    #[test]
    fn a_round_superseded_by_a_newer_gap_is_ignored() {
        let (mut m, id) = connected(0);
        let base = round(&confirm(&mut m, id));
        m.catch_up_listed(id, base.epoch, vec![]);
        let old = gap(&mut m, id);
        let new = gap(&mut m, id);
        assert_ne!(old.epoch, new.epoch);
        assert!(m
            .catch_up_listed(id, old.epoch, vec![("x".into(), Some(T0))])
            .is_empty());
        m.catch_up_fetched(id, old.epoch, vec![deal("x", T0)]);
        assert!(m.take_events().is_empty());
        assert_eq!(
            m.catch_up_listed(id, new.epoch, vec![("x".into(), Some(T0))]),
            ["x"]
        );
        // Its fetch failed: the round stays current and runs again.
        assert!(m.round_is_current(id, new.epoch));
        assert!(!m.round_is_current(id, old.epoch));
        assert_eq!(
            m.catch_up_listed(id, new.epoch, vec![("x".into(), Some(T0))]),
            ["x"]
        );
        m.catch_up_fetched(id, new.epoch, vec![deal("x", T0)]);
        assert_eq!(m.take_events().len(), 1, "the retried round reports x once");
        assert!(!m.round_is_current(id, new.epoch), "done");
    }

    #[test]
    fn a_seeded_subscription_takes_no_baseline_and_events_win_over_the_seed() {
        let mut m = LiveMachine::new("crm", "key", Some("r:tok".into()), 0);
        let id = m.subscribe_seeded(&DEAL, Query::new()).unwrap();
        m.on_open(T0);
        m.on_message(r#"{"op":"connected","clientId":"c1"}"#, T0);
        m.take_actions();
        assert!(confirm(&mut m, id).is_empty(), "the app seeds it");
        m.on_message(&event("update", id, deal("a", T0 + 9)), T0);
        m.seed_known(
            id,
            [("a".to_string(), Some(T0)), ("b".to_string(), Some(T0))],
        );
        assert_eq!(m.known(id).unwrap().get("a"), Some(&Some(T0 + 9)));
        assert_eq!(m.known(id).unwrap().get("b"), Some(&Some(T0)));
        let plan = gap(&mut m, id);
        assert_eq!(
            m.catch_up_listed(
                id,
                plan.epoch,
                vec![("a".into(), Some(T0 + 9)), ("b".into(), Some(T0))]
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_seed_is_compared_with_the_server_once_it_is_in_and_confirmed() {
        // The load may read before the server confirms the subscription: a deal created in
        // between is in neither. Seed first or confirmation first, one catch-up finds it.
        for seed_first in [false, true] {
            let mut m = LiveMachine::new("crm", "key", Some("r:tok".into()), 0);
            let id = m.subscribe_seeded(&DEAL, Query::new()).unwrap();
            m.on_open(T0);
            m.on_message(r#"{"op":"connected","clientId":"c1"}"#, T0);
            m.take_actions();
            let seed = [("a".to_string(), Some(T0))];
            let plan = if seed_first {
                m.seed_known(id, seed);
                assert!(m.take_actions().is_empty(), "not before the confirmation");
                round(&confirm(&mut m, id))
            } else {
                assert!(confirm(&mut m, id).is_empty(), "not before the seed");
                m.seed_known(id, seed);
                round(&m.take_actions())
            };
            assert!(!plan.baseline, "a comparison, not a baseline");
            assert_eq!(
                m.catch_up_listed(
                    id,
                    plan.epoch,
                    vec![("a".into(), Some(T0)), ("b".into(), Some(T0 + 5))]
                ),
                ["b"]
            );
            m.catch_up_fetched(id, plan.epoch, vec![deal("b", T0 + 5)]);
            let events = m.take_events();
            assert_eq!(events.len(), 1);
            assert_eq!(events[0].object["objectId"], "b");
            assert!(events[0].caught_up);
            // Once: a repeated confirmation starts nothing.
            assert!(confirm(&mut m, id).is_empty());
        }
    }

    #[test]
    fn a_silent_connection_is_noticed_by_the_heartbeat() {
        let (mut m, _) = connected(1000);
        let frames = sent(&mut m);
        let beat = frames.iter().find(|f| f["requestId"] == HEARTBEAT_ID);
        // With the connection's session token, as every subscription: the server refuses one
        // without it, and a refusal is no proof that the line is alive.
        assert_eq!(
            beat.map(|f| (&f["op"], &f["sessionToken"])),
            Some((&json!("subscribe"), &json!("r:tok"))),
            "heartbeat subscription"
        );
        m.tick(T0 + 500);
        assert!(sent(&mut m).is_empty(), "nothing due yet");
        m.tick(T0 + 1000);
        let ping = sent(&mut m);
        assert_eq!(
            (&ping[0]["op"], &ping[0]["sessionToken"]),
            (&json!("update"), &json!("r:tok"))
        );
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
        let id2 = m.subscribe(&DEAL, Query::new()).unwrap();
        assert_eq!(sent(&mut m)[0]["requestId"], id2);
        assert!(m
            .subscribe(&DEAL, Query::new().equal_to("nope", 1))
            .is_err());
    }
}
