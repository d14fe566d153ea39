//! The Live Query driver: moves what the [`LiveMachine`] decides to the outside world and
//! back — frames to the socket, socket events to the machine, reconnection timers, heartbeat
//! ticks, catch-up rounds over the REST client — and hands events, status changes and errors
//! to a [`LiveSink`]. It is generic over its environment ([`LiveEnv`]: socket, timers, tasks,
//! clock, randomness), so crm-wasm runs it on the browser's WebSocket and `setTimeout`, and its
//! tests on a simulated clock and network. Every hand-over to the sink happens with no borrow
//! held, so a sink may call back into the driver.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};

use super::catch_up::{self, Version};
use super::machine::{Action, CatchUp, LiveEvent, LiveMachine, LiveStatus};
use crate::client::{Client, Platform, RetryPolicy};
use crate::error::{CrmError, Result};
use crate::query::Query;
use crate::schema::ClassSchema;

/// When a failed catch-up round runs again.
const ROUND_RETRY: RetryPolicy = RetryPolicy {
    max_retries: u32::MAX,
    base_delay_ms: 500,
    max_delay_ms: 30_000,
};

/// What a socket reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketEvent {
    Open,
    Message(String),
    /// Closed or failed (a failure is always followed by a close; the close is what counts).
    Closed,
}

/// An open socket.
pub trait LiveSocket {
    fn send(&self, frame: &str);
    /// Closes it; its events stop at once (a socket given up on must not speak again).
    fn close(self);
}

/// What the driver needs from its environment.
pub trait LiveEnv: 'static {
    type Socket: LiveSocket + 'static;
    /// Opens a socket to `url`; `on_event` hears every event of this socket only.
    fn open(
        &self,
        url: &str,
        on_event: Box<dyn Fn(SocketEvent)>,
    ) -> std::result::Result<Self::Socket, String>;
    fn now_ms(&self) -> i64;
    /// A number in [0, 1), for the reconnection jitter.
    fn random(&self) -> f64;
    /// Calls `f` once, after `ms` milliseconds.
    fn set_timeout(&self, ms: u32, f: Box<dyn FnOnce()>);
    /// Runs `task` to completion in the background.
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>);
}

/// Where the driver's output goes.
pub trait LiveSink: 'static {
    fn event(&self, event: LiveEvent);
    fn status(&self, status: LiveStatus);
    /// A failure with no caller to throw to (a catch-up that failed, a refused session).
    fn error(&self, error: CrmError);
}

pub struct Driver<E: LiveEnv, P: Platform + 'static, S: LiveSink> {
    machine: RefCell<LiveMachine>,
    env: E,
    client: Rc<Client<P>>,
    sink: S,
    url: String,
    socket: RefCell<Option<E::Socket>>,
    /// Bumped for every socket, so events of a socket given up on are ignored.
    generation: Cell<u32>,
    last_status: Cell<LiveStatus>,
    heartbeat_ms: u32,
}

/// How long a session the Live Query server refused is left to a change of session under way
/// here (a password change's answer) before the client is signed out.
pub const SESSION_REFUSED_AFTER_MS: u32 = 2_000;

impl<E: LiveEnv, P: Platform + 'static, S: LiveSink> Driver<E, P, S> {
    /// A driver for `machine` (not started: the first subscription connects). With a
    /// heartbeat, the connection is checked every quarter period.
    pub fn new(
        env: E,
        client: Rc<Client<P>>,
        sink: S,
        url: String,
        machine: LiveMachine,
        heartbeat_ms: u32,
    ) -> Rc<Self> {
        let driver = Rc::new(Driver {
            machine: RefCell::new(machine),
            env,
            client,
            sink,
            url,
            socket: RefCell::new(None),
            generation: Cell::new(0),
            last_status: Cell::new(LiveStatus::Disconnected),
            heartbeat_ms,
        });
        if heartbeat_ms > 0 {
            Self::schedule_tick(&driver);
        }
        driver
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    pub fn client(&self) -> &Rc<Client<P>> {
        &self.client
    }

    pub fn status(&self) -> LiveStatus {
        self.machine.borrow().status()
    }

    pub fn is_subscribed(&self, subscription: u32) -> bool {
        self.machine.borrow().is_subscribed(subscription)
    }

    /// Subscribes (see [`LiveMachine::subscribe`]; `seeded`: [`LiveMachine::subscribe_seeded`]).
    /// Nothing reaches the sink before this returns the id, so the caller can route it.
    pub fn subscribe(
        self: &Rc<Self>,
        schema: &ClassSchema,
        query: Query,
        seeded: bool,
    ) -> Result<u32> {
        let id = {
            let mut machine = self.machine.borrow_mut();
            if seeded {
                machine.subscribe_seeded(schema, query)
            } else {
                machine.subscribe(schema, query)
            }
        }?;
        Ok(id)
    }

    /// Call after [`Driver::subscribe`] once the caller has routed the id.
    pub fn kick(self: &Rc<Self>) {
        self.pump();
    }

    pub fn seed_known(&self, subscription: u32, versions: Vec<Version>) {
        self.machine.borrow_mut().seed_known(subscription, versions);
    }

    pub fn unsubscribe(self: &Rc<Self>, subscription: u32) -> bool {
        let removed = self.machine.borrow_mut().unsubscribe(subscription);
        self.pump();
        removed
    }

    /// Closes for good.
    pub fn close(self: &Rc<Self>) {
        self.machine.borrow_mut().close();
        self.pump();
    }

    fn schedule_tick(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let every = (self.heartbeat_ms / 4).max(50);
        self.env.set_timeout(
            every,
            Box::new(move || {
                let Some(driver) = weak.upgrade() else { return };
                if driver.status() == LiveStatus::Closed {
                    return;
                }
                let now = driver.env.now_ms();
                driver.machine.borrow_mut().tick(now);
                driver.pump();
                driver.schedule_tick();
            }),
        );
    }

    /// Moves everything the machine produced to where it goes. Called after every input.
    fn pump(self: &Rc<Self>) {
        loop {
            let (frames, events, actions) = {
                let mut m = self.machine.borrow_mut();
                (m.take_outbox(), m.take_events(), m.take_actions())
            };
            if frames.is_empty() && events.is_empty() && actions.is_empty() {
                break;
            }
            if let Some(socket) = self.socket.borrow().as_ref() {
                for f in &frames {
                    socket.send(f);
                }
            }
            for action in actions {
                self.act(action);
            }
            for event in events {
                self.sink.event(event);
            }
        }
        // Status changes come from socket events as well as from actions: compare with what
        // the sink last heard.
        let status = self.status();
        if status != self.last_status.get() {
            self.last_status.set(status);
            self.sink.status(status);
        }
    }

    fn act(self: &Rc<Self>, action: Action) {
        match action {
            Action::Open => self.open_socket(),
            Action::CloseSocket => {
                // Given up on (dead, or closed on purpose): the machine learns it now, not from
                // a close event that may never come.
                if let Some(s) = self.socket.borrow_mut().take() {
                    s.close();
                }
                self.generation.set(self.generation.get().wrapping_add(1));
                let random = self.env.random();
                self.machine.borrow_mut().on_close(random);
            }
            Action::ReconnectIn(ms) => {
                let weak = Rc::downgrade(self);
                self.env.set_timeout(
                    ms,
                    Box::new(move || {
                        if let Some(driver) = weak.upgrade() {
                            driver.machine.borrow_mut().reconnect_due();
                            driver.pump();
                        }
                    }),
                );
            }
            Action::CatchUp(plan) => self.run_round(plan, 0),
            Action::Fatal(err) => {
                // The session ended elsewhere (a log-out, a revocation, a password change): the
                // client is signed out and told (onSessionExpired), as a refusal over REST does,
                // rather than left on a signed-in screen that no longer follows anything. After
                // a moment: a password change made here ends this session too, and the socket
                // may hear of it before the change's answer brings the new session.
                if let CrmError::Server {
                    parse_code: crate::error::parse_code::INVALID_SESSION_TOKEN,
                    ..
                } = &err
                {
                    let token = self.machine.borrow().session_token().map(str::to_owned);
                    if let Some(token) = token {
                        let client = Rc::downgrade(&self.client);
                        self.env.set_timeout(
                            SESSION_REFUSED_AFTER_MS,
                            Box::new(move || {
                                if let Some(client) = client.upgrade() {
                                    client.session_refused(&token);
                                }
                            }),
                        );
                    }
                }
                self.sink.error(err)
            }
        }
    }

    /// Runs a catch-up round; one that fails is reported and run again after a backoff
    /// (500 ms doubling to 30 s), for as long as it is the subscription's current round.
    fn run_round(self: &Rc<Self>, plan: CatchUp, attempt: u32) {
        let weak = Rc::downgrade(self);
        self.env.spawn(Box::pin(async move {
            let Some(driver) = weak.upgrade() else { return };
            let result = catch_up::run(&driver.client, &driver.machine, &plan).await;
            if let Err(e) = result {
                // The session ended (revoked, expired, logged out): no round can succeed again,
                // and the server sends its events to no one. Said once, then closed for good,
                // rather than an error every backoff on a socket that still looks connected.
                let ended = e.ends_session();
                driver.sink.error(e);
                if ended {
                    driver.machine.borrow_mut().close();
                    driver.pump();
                    return;
                }
                let current = driver
                    .machine
                    .borrow()
                    .round_is_current(plan.subscription, plan.epoch);
                if current && driver.status() != LiveStatus::Closed {
                    let delay = ROUND_RETRY.delay_ms(attempt, driver.env.random());
                    let weak = Rc::downgrade(&driver);
                    driver.env.set_timeout(
                        delay,
                        Box::new(move || {
                            if let Some(driver) = weak.upgrade() {
                                driver.run_round(plan, attempt.saturating_add(1));
                            }
                        }),
                    );
                }
            }
            driver.pump();
        }));
    }

    fn open_socket(self: &Rc<Self>) {
        if let Some(old) = self.socket.borrow_mut().take() {
            old.close();
        }
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        let weak: Weak<Self> = Rc::downgrade(self);
        let handler = move |event: SocketEvent| {
            let Some(driver) = weak.upgrade() else { return };
            if driver.generation.get() != generation {
                return;
            }
            let now = driver.env.now_ms();
            match event {
                SocketEvent::Open => driver.machine.borrow_mut().on_open(now),
                SocketEvent::Message(text) => driver.machine.borrow_mut().on_message(&text, now),
                SocketEvent::Closed => {
                    if let Some(s) = driver.socket.borrow_mut().take() {
                        s.close();
                    }
                    let random = driver.env.random();
                    driver.machine.borrow_mut().on_close(random);
                }
            }
            driver.pump();
        };
        match self.env.open(&self.url, Box::new(handler)) {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(e) => {
                self.sink
                    .error(CrmError::Network(format!("WebSocket {}: {e}", self.url)));
                let random = self.env.random();
                self.machine.borrow_mut().on_close(random);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::machine::{self, LiveEventKind};
    use crate::live::sim::{deal, SimNet, SimServer};
    use crate::schema::DEAL;
    use serde_json::{json, Value};

    const T0: i64 = 1_790_000_000_000;

    #[derive(Default)]
    struct Recorder {
        events: RefCell<Vec<LiveEvent>>,
        statuses: RefCell<Vec<LiveStatus>>,
        errors: RefCell<Vec<String>>,
    }

    impl LiveSink for Rc<Recorder> {
        fn event(&self, event: LiveEvent) {
            self.events.borrow_mut().push(event);
        }
        fn status(&self, status: LiveStatus) {
            self.statuses.borrow_mut().push(status);
        }
        fn error(&self, error: CrmError) {
            self.errors.borrow_mut().push(error.code().to_owned());
        }
    }

    type SimDriver = Driver<Rc<SimNet>, Rc<SimServer>, Rc<Recorder>>;

    struct World {
        net: Rc<SimNet>,
        server: Rc<SimServer>,
        sink: Rc<Recorder>,
        driver: Rc<SimDriver>,
    }

    fn world(heartbeat_ms: u32) -> World {
        let net = Rc::new(SimNet::default());
        net.now.set(T0);
        let server = Rc::new(SimServer::default());
        let client = Rc::new(Client::new(
            server.clone(),
            crate::client::RetryPolicy::default(),
        ));
        let sink = Rc::new(Recorder::default());
        let mut machine = LiveMachine::new("crm", "key", Some("r:sim".into()), heartbeat_ms);
        machine.set_backoff(100, 400);
        let driver = Driver::new(
            net.clone(),
            client,
            sink.clone(),
            "ws://sim/parse".into(),
            machine,
            heartbeat_ms,
        );
        World {
            net,
            server,
            sink,
            driver,
        }
    }

    /// The Live Query server's side of the protocol, on the newest socket: answers every frame
    /// not yet answered (connect, subscribe, the heartbeat's re-scope).
    fn serve(net: &SimNet) {
        loop {
            let socket = net.socket();
            let frames: Vec<Value> = socket.sent.borrow()[socket.answered.get()..].to_vec();
            if frames.is_empty() || socket.closed.get() {
                return;
            }
            socket.answered.set(socket.answered.get() + frames.len());
            for f in frames {
                let answer = match f["op"].as_str() {
                    Some("connect") => json!({"op": "connected", "clientId": "c"}),
                    Some("subscribe") | Some("update") => {
                        json!({"op": "subscribed", "requestId": f["requestId"]})
                    }
                    _ => continue,
                };
                net.deliver(&socket, SocketEvent::Message(answer.to_string()));
            }
        }
    }

    fn push_event(net: &SimNet, op: &str, id: u32, object: Value) {
        let msg = json!({"op": op, "requestId": id, "clientId": "c", "object": object});
        net.deliver(&net.socket(), SocketEvent::Message(msg.to_string()));
    }

    fn connect(w: &World) -> u32 {
        let id = w
            .driver
            .subscribe(&DEAL, Query::new().equal_to("stage", "won"), false)
            .unwrap();
        w.driver.kick();
        assert_eq!(
            w.net.sockets.borrow().len(),
            1,
            "the first subscription connects"
        );
        assert_eq!(w.net.socket().url, "ws://sim/parse");
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks(); // the baseline round
        assert!(w.driver.is_subscribed(id));
        id
    }

    fn kinds(sink: &Recorder) -> Vec<(LiveEventKind, bool, String)> {
        sink.events
            .borrow()
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.caught_up,
                    e.object["objectId"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Time passes on a healthy connection: the server answers every frame (heartbeats too).
    fn pass(w: &World, ms: i64) {
        for _ in 0..ms / 250 {
            w.net.advance(250);
            serve(&w.net);
            w.net.run_tasks();
        }
    }

    /// Parse's LiveQuery server drops an event when its ACL check cannot read the session (a
    /// session lookup that fails under load counts as "not readable"): nothing on the socket
    /// tells. The check after a quiet spell finds the write all the same, by versions.
    #[test]
    fn an_event_the_server_dropped_on_a_live_socket_is_found_by_the_quiet_check() {
        let w = world(4_000); // ticks every 1 s
        let id = connect(&w);
        w.server.put(deal("seen", "won", T0 + 10));
        push_event(&w.net, "create", id, deal("seen", "won", T0 + 10));
        // Committed on the server; its event never comes.
        w.server.put(deal("dropped", "won", T0 + 20));
        let before = w.server.requests.get();
        pass(&w, 1_000);
        assert_eq!(w.server.requests.get(), before, "not quiet long enough yet");
        pass(&w, machine::CHECK_QUIET_MS);
        assert_eq!(
            kinds(&w.sink),
            [
                (LiveEventKind::Create, false, "seen".into()),
                (LiveEventKind::Update, true, "dropped".into()),
            ]
        );
        // The last write of the burst committed after that check had listed the server, and
        // its event was dropped too: no event follows it, so the check that events prompted
        // runs once more, well before the periodic one.
        w.server.put(deal("tail", "won", T0 + 25));
        pass(&w, machine::CHECK_AGAIN_MS);
        assert_eq!(
            kinds(&w.sink).last(),
            Some(&(LiveEventKind::Update, true, "tail".into()))
        );
        // That check found a missed change, so it looks once more (finding nothing); then no
        // further round until events come or the period passes.
        let before = w.server.requests.get();
        pass(&w, machine::CHECK_AGAIN_MS);
        assert!(
            w.server.requests.get() > before,
            "a check after a found drop"
        );
        let after = w.server.requests.get();
        pass(&w, machine::CHECK_AGAIN_MS * 2);
        assert_eq!(w.server.requests.get(), after);
        // The periodic check finds a dropped event that no other event followed.
        w.server.put(deal("lonely", "won", T0 + 30));
        pass(&w, machine::CHECK_EVERY_MS);
        assert_eq!(
            kinds(&w.sink).last(),
            Some(&(LiveEventKind::Update, true, "lonely".into()))
        );
        assert_eq!(kinds(&w.sink).len(), 4, "nothing reported twice");
        assert_eq!(w.net.sockets.borrow().len(), 1, "all on the first socket");
    }

    #[test]
    fn a_dropped_connection_reconnects_with_backoff_and_catches_up_a_reordered_write() {
        let w = world(0);
        w.server.put(deal("a", "won", T0));
        w.server.put(deal("b", "won", T0));
        let id = connect(&w);
        assert!(
            w.sink.events.borrow().is_empty(),
            "the baseline reports nothing"
        );

        // A fast write arrives live, stamped a minute later than the slow one below.
        w.server.put(deal("fast", "won", T0 + 60_000));
        push_event(&w.net, "create", id, deal("fast", "won", T0 + 60_000));
        // The socket drops; meanwhile the slow write (stamped earlier) commits and b goes.
        w.net.deliver(&w.net.socket(), SocketEvent::Closed);
        assert_eq!(w.driver.status(), LiveStatus::Disconnected);
        w.server.put(deal("a", "won", T0 + 1));
        w.server.deals.borrow_mut().remove("b");

        w.net.advance(49);
        assert_eq!(w.net.sockets.borrow().len(), 1, "backoff: not yet");
        w.net.advance(1);
        assert_eq!(w.net.sockets.borrow().len(), 2, "reconnects after 50 ms");
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert_eq!(
            kinds(&w.sink),
            [
                (LiveEventKind::Create, false, "fast".into()),
                (LiveEventKind::Delete, true, "b".into()),
                (LiveEventKind::Update, true, "a".into()),
            ]
        );
        assert_eq!(
            *w.sink.statuses.borrow(),
            [
                LiveStatus::Connecting,
                LiveStatus::Connected,
                LiveStatus::Disconnected,
                LiveStatus::Connecting,
                LiveStatus::Connected,
            ]
        );
        assert!(w.sink.errors.borrow().is_empty());
    }

    #[test]
    fn a_frozen_connection_is_given_up_by_the_heartbeat_and_what_it_missed_is_caught_up() {
        let w = world(1000);
        let id = connect(&w);
        let first = w.net.socket();
        // The connection goes silent: frames still leave, nothing comes back.
        w.server.put(deal("missed", "won", T0));
        w.net.advance(1000); // the heartbeat is sent...
        assert!(first.sent.borrow().iter().any(|f| f["op"] == "update"));
        assert!(!first.closed.get());
        w.net.advance(1000); // ...and not answered within a period: given up
        assert!(first.closed.get(), "the silent socket is closed");
        w.net.advance(400);
        assert!(w.net.sockets.borrow().len() >= 2, "and a new one opened");
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert!(w.driver.is_subscribed(id));
        assert_eq!(
            kinds(&w.sink),
            [(LiveEventKind::Update, true, "missed".into())]
        );
        // Answered heartbeats keep a live connection open.
        let live = w.net.socket();
        for _ in 0..5 {
            w.net.advance(500);
            serve(&w.net);
        }
        assert!(!live.closed.get());
    }

    #[test]
    fn a_refusal_is_fatal_reported_and_never_retried() {
        let w = world(0);
        w.driver.subscribe(&DEAL, Query::new(), false).unwrap();
        w.driver.kick();
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        let refusal = json!({"op": "error", "code": 209, "error": "Invalid session token", "reconnect": false});
        w.net
            .deliver(&w.net.socket(), SocketEvent::Message(refusal.to_string()));
        assert_eq!(*w.sink.errors.borrow(), ["INVALID_SESSION"]);
        assert_eq!(w.driver.status(), LiveStatus::Closed);
        w.net.advance(120_000);
        assert_eq!(w.net.sockets.borrow().len(), 1, "no reconnection");
    }

    #[test]
    fn a_failed_round_is_run_again_until_it_succeeds() {
        let w = world(0);
        let id = connect(&w);
        w.net.deliver(&w.net.socket(), SocketEvent::Closed);
        w.server.put(deal("x", "won", T0));
        w.server.down.set(true);
        w.net.advance(50);
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert_eq!(*w.sink.errors.borrow(), ["NETWORK_ERROR"]);
        w.net.advance(250); // the first retry: still down
        assert_eq!(w.sink.errors.borrow().len(), 2);
        assert!(w.sink.events.borrow().is_empty());
        w.server.down.set(false);
        w.net.advance(500); // the second retry, without a new gap
        assert!(w.driver.is_subscribed(id));
        assert_eq!(kinds(&w.sink), [(LiveEventKind::Update, true, "x".into())]);
        assert_eq!(w.sink.errors.borrow().len(), 2, "and no more retries");
        w.net.advance(60_000);
        assert_eq!(w.sink.errors.borrow().len(), 2);
        assert_eq!(w.sink.events.borrow().len(), 1);
    }

    #[test]
    fn a_session_that_ended_closes_the_client_with_one_error() {
        let w = world(4_000);
        let _id = connect(&w);
        w.server.revoked.set(true);
        w.net.deliver(&w.net.socket(), SocketEvent::Closed);
        w.net.advance(400);
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert_eq!(*w.sink.errors.borrow(), ["INVALID_SESSION"]);
        assert_eq!(w.driver.status(), LiveStatus::Closed);
        assert_eq!(w.sink.statuses.borrow().last(), Some(&LiveStatus::Closed));
        assert!(w.net.socket().closed.get(), "its socket is closed");
        // Nothing more: no retried round, no reconnect, no heartbeat.
        let requests = w.server.requests.get();
        let sockets = w.net.sockets.borrow().len();
        pass(&w, machine::CHECK_EVERY_MS * 2);
        assert_eq!(w.server.requests.get(), requests);
        assert_eq!(w.net.sockets.borrow().len(), sockets);
        assert_eq!(w.sink.errors.borrow().len(), 1);
    }

    #[test]
    fn a_session_the_live_server_refuses_signs_the_client_out() {
        // Logged out, revoked or ended by a password change on another device: the Live Query
        // server says so at once (209, no reconnect). The app kept showing a signed-in screen
        // that followed nothing until its next request (found by a newcomer).
        use crate::client::ClientEvent;
        let w = world(0);
        connect(&w);
        let refused = json!({"op": "error", "code": 209, "error": "Invalid session token", "reconnect": false});
        w.net
            .deliver(&w.net.socket(), SocketEvent::Message(refused.to_string()));
        w.net.run_tasks();
        assert_eq!(*w.sink.errors.borrow(), ["INVALID_SESSION"]);
        // A moment for a change of session under way here.
        w.net.advance(i64::from(SESSION_REFUSED_AFTER_MS) - 1);
        assert_eq!(w.driver.client().session_token().as_deref(), Some("r:sim"));
        w.net.advance(1);
        assert_eq!(w.driver.client().session_token(), None);
        assert_eq!(
            w.driver.client().take_events(),
            [ClientEvent::SessionExpired]
        );
        // Another refusal keeps the session; so does a refusal of a session since replaced.
        let w = world(0);
        connect(&w);
        let other =
            json!({"op": "error", "code": 119, "error": "Permission denied", "reconnect": false});
        w.net
            .deliver(&w.net.socket(), SocketEvent::Message(other.to_string()));
        w.net.run_tasks();
        w.driver.client().session_refused("r:an-older-session");
        assert_eq!(w.driver.client().session_token().as_deref(), Some("r:sim"));
        assert!(w.driver.client().take_events().is_empty());
    }

    #[test]
    fn a_failed_round_is_reported_and_the_next_gap_catches_up() {
        let w = world(0);
        let id = connect(&w);
        w.net.deliver(&w.net.socket(), SocketEvent::Closed);
        w.server.put(deal("x", "won", T0));
        w.server.down.set(true); // REST fails, the socket comes back
        w.net.advance(50);
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert_eq!(*w.sink.errors.borrow(), ["NETWORK_ERROR"]);
        assert!(w.sink.events.borrow().is_empty());
        w.server.down.set(false);
        w.net.deliver(&w.net.socket(), SocketEvent::Closed);
        w.net.advance(400);
        w.net.deliver(&w.net.socket(), SocketEvent::Open);
        serve(&w.net);
        w.net.run_tasks();
        assert!(w.driver.is_subscribed(id));
        assert_eq!(kinds(&w.sink), [(LiveEventKind::Update, true, "x".into())]);
    }
}
