//! `LiveQueryClient`: Parse Live Queries over a WebSocket, driven by [`crate::live::LiveMachine`].
//! This layer only moves things between the machine and the browser: socket events in, frames
//! out, timers, the catch-up rounds (run by [`crate::live::catch_up::run`] over the REST
//! client), and events to JavaScript callbacks or to a `Pipeline`. Every hand-over to
//! JavaScript happens after the machine's borrow is released.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use serde::Deserialize;
use serde_json::Value;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::query::{CrmClass, CrmQuery, QueryData};
use super::{decode, to_js, to_js_error, CrmClient, SharedRef};
use crate::error::CrmError;
use crate::live::{catch_up, Action, CatchUp, LiveEvent, LiveEventKind, LiveMachine, LiveStatus};
use crate::models::Deal;
use crate::pipeline::Pipeline;
use crate::socket::{Socket, SocketEvent};

#[derive(Deserialize, Tsify, Default)]
#[serde(rename_all = "camelCase")]
pub struct LiveOptions {
    /// e.g. "ws://127.0.0.1:1337/parse"; default: the client's server URL with ws(s)://.
    #[serde(default)]
    #[tsify(optional)]
    pub url: Option<String>,
    /// How often to check a quiet connection is alive; default 15000, 0 turns it off.
    #[serde(default)]
    #[tsify(optional)]
    pub heartbeat_ms: Option<u32>,
    /// First reconnection delay (doubling, jittered); default 500.
    #[serde(default)]
    #[tsify(optional)]
    pub reconnect_base_ms: Option<u32>,
    /// Longest reconnection delay; default 30000.
    #[serde(default)]
    #[tsify(optional)]
    pub reconnect_max_ms: Option<u32>,
}

/// Where a subscription's events go.
#[derive(Clone)]
enum Sink {
    Callback(js_sys::Function),
    /// A pin of the local datastore, kept in step.
    Store {
        store: Rc<super::local::Inner>,
        pin: String,
    },
    Pipeline {
        pipeline: Rc<RefCell<Pipeline>>,
        notify: Rc<RefCell<Vec<js_sys::Function>>>,
        buffer: Rc<RefCell<Option<Vec<LiveEvent>>>>,
    },
}

struct Inner {
    machine: RefCell<LiveMachine>,
    shared: SharedRef,
    url: String,
    socket: RefCell<Option<Socket>>,
    /// Bumped for every socket, so events of a socket given up on are ignored.
    generation: Cell<u32>,
    last_status: Cell<LiveStatus>,
    sinks: RefCell<BTreeMap<u32, (CrmClass, Sink)>>,
    status_listeners: RefCell<Vec<js_sys::Function>>,
    error_listeners: RefCell<Vec<js_sys::Function>>,
    interval: Cell<Option<i32>>,
    _tick: RefCell<Option<Closure<dyn FnMut()>>>,
}

fn now() -> i64 {
    js_sys::Date::now() as i64
}

fn global_set_timeout(f: &js_sys::Function, ms: u32) -> Option<i32> {
    let g = js_sys::global();
    let window = g.dyn_ref::<web_sys::Window>()?;
    window
        .set_timeout_with_callback_and_timeout_and_arguments_0(f, ms.min(i32::MAX as u32) as i32)
        .ok()
}

impl Inner {
    /// Moves everything the machine produced to where it goes. Call after every input.
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
                self.deliver(event);
            }
        }
        // Status changes come from socket events as well as from actions: compare with what
        // listeners last heard.
        let status = self.machine.borrow().status();
        if status != self.last_status.get() {
            self.last_status.set(status);
            self.notify_status();
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
                let random = js_sys::Math::random();
                self.machine.borrow_mut().on_close(random);
            }
            Action::ReconnectIn(ms) => {
                let weak = Rc::downgrade(self);
                let f = Closure::once_into_js(move || {
                    if let Some(inner) = weak.upgrade() {
                        inner.machine.borrow_mut().reconnect_due();
                        inner.pump();
                    }
                });
                global_set_timeout(f.unchecked_ref(), ms);
            }
            Action::CatchUp(plan) => {
                let weak = Rc::downgrade(self);
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(inner) = weak.upgrade() {
                        inner.catch_up(plan).await;
                    }
                });
            }
            Action::Fatal(err) => self.notify_error(err),
        }
    }

    fn open_socket(self: &Rc<Self>) {
        if let Some(old) = self.socket.borrow_mut().take() {
            old.close();
        }
        let generation = self.generation.get().wrapping_add(1);
        self.generation.set(generation);
        let weak: Weak<Inner> = Rc::downgrade(self);
        let handler = move |event: SocketEvent| {
            let Some(inner) = weak.upgrade() else { return };
            if inner.generation.get() != generation {
                return;
            }
            match event {
                SocketEvent::Open => inner.machine.borrow_mut().on_open(now()),
                SocketEvent::Message(text) => inner.machine.borrow_mut().on_message(&text, now()),
                SocketEvent::Closed => {
                    if let Some(s) = inner.socket.borrow_mut().take() {
                        s.close();
                    }
                    inner.machine.borrow_mut().on_close(js_sys::Math::random());
                }
            }
            inner.pump();
        };
        match Socket::open(&self.url, handler) {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(e) => {
                self.notify_error(CrmError::Network(format!("WebSocket {}: {e}", self.url)));
                self.machine.borrow_mut().on_close(js_sys::Math::random());
            }
        }
    }

    /// Runs a catch-up (or baseline) round and delivers what it found.
    async fn catch_up(self: &Rc<Self>, plan: CatchUp) {
        let result = catch_up::run(&self.shared.core, &self.machine, &plan).await;
        if let Err(e) = result {
            self.notify_error(e);
        }
        self.pump();
    }

    fn deliver(&self, event: LiveEvent) {
        let sink = self.sinks.borrow().get(&event.subscription).cloned();
        let Some((class, sink)) = sink else { return };
        match sink {
            Sink::Callback(f) => match event_to_js(class, &event) {
                Ok(js) => {
                    let _ = f.call1(&JsValue::NULL, &js);
                }
                Err(e) => self.notify_error(e),
            },
            Sink::Store { store, pin } => {
                let object = match js_shape(class, &event, &event.object) {
                    Ok(o) => o,
                    Err(e) => return self.notify_error(e),
                };
                let class = class.name();
                let Some(id) = object
                    .get("objectId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                else {
                    return;
                };
                let gone = matches!(event.kind, LiveEventKind::Delete | LiveEventKind::Leave);
                let errors = self.error_listeners.borrow().clone();
                // IndexedDB runs transactions in the order they start: in event order.
                wasm_bindgen_futures::spawn_local(async move {
                    let result = if gone {
                        store.store.unpin(class, Some(&[id]), Some(&pin)).await
                    } else {
                        store.store.pin(class, &[object], &pin).await.map(|_| ())
                    };
                    if let Err(e) = result {
                        let js = to_js_error(e);
                        for l in &errors {
                            let _ = l.call1(&JsValue::NULL, &js);
                        }
                    }
                });
            }
            Sink::Pipeline {
                pipeline,
                notify,
                buffer,
            } => {
                if let Some(waiting) = buffer.borrow_mut().as_mut() {
                    waiting.push(event);
                    return;
                }
                if let Err(e) = apply_to_pipeline(&mut pipeline.borrow_mut(), &event) {
                    self.notify_error(e);
                }
                let listeners: Vec<js_sys::Function> = notify.borrow().clone();
                for l in listeners {
                    let _ = l.call0(&JsValue::NULL);
                }
            }
        }
    }

    fn notify_status(&self) {
        let status = self.machine.borrow().status();
        let js = super::to_js(&status).unwrap_or(JsValue::UNDEFINED);
        let listeners: Vec<js_sys::Function> = self.status_listeners.borrow().clone();
        for l in listeners {
            let _ = l.call1(&JsValue::NULL, &js);
        }
    }

    fn notify_error(&self, err: CrmError) {
        let listeners: Vec<js_sys::Function> = self.error_listeners.borrow().clone();
        if listeners.is_empty() {
            web_sys::console::warn_1(&format!("crm-wasm live query: {err}").into());
        }
        let js = to_js_error(err);
        for l in listeners {
            let _ = l.call1(&JsValue::NULL, &js);
        }
    }
}

fn kind_name(kind: LiveEventKind) -> &'static str {
    match kind {
        LiveEventKind::Create => "create",
        LiveEventKind::Update => "update",
        LiveEventKind::Delete => "delete",
        LiveEventKind::Enter => "enter",
        LiveEventKind::Leave => "leave",
    }
}

/// An event's object (or original) in the JS shape, decoded as the class's model so bad data
/// from the server is an error, not a surprise; a caught-up delete carries only the id.
fn js_shape(class: CrmClass, event: &LiveEvent, v: &Value) -> Result<Value, CrmError> {
    if event.kind == LiveEventKind::Delete && event.caught_up {
        return Ok(v.clone());
    }
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
        v: &Value,
    ) -> Result<Value, CrmError> {
        let object: T = serde_json::from_value(v.clone())
            .map_err(|e| CrmError::MalformedResponse(format!("live event: {e}")))?;
        serde_json::to_value(object).map_err(|e| CrmError::MalformedResponse(e.to_string()))
    }
    crm_core::with_model!(class, T => typed::<T>(v))
}

/// `{kind, object, original?, caughtUp}` for a JavaScript handler.
fn event_to_js(class: CrmClass, event: &LiveEvent) -> Result<JsValue, CrmError> {
    let mut out = serde_json::json!({
        "kind": kind_name(event.kind),
        "object": js_shape(class, event, &event.object)?,
        "caughtUp": event.caught_up,
    });
    if let Some(original) = &event.original {
        out["original"] = js_shape(class, event, original)?;
    }
    to_js(&out).map_err(|_| CrmError::MalformedResponse("live event".into()))
}

fn apply_to_pipeline(pipeline: &mut Pipeline, event: &LiveEvent) -> crate::error::Result<()> {
    match event.kind {
        LiveEventKind::Delete | LiveEventKind::Leave => {
            if let Some(id) = event.object.get("objectId").and_then(Value::as_str) {
                pipeline.remove(id);
            }
            Ok(())
        }
        _ => {
            let deal: Deal = serde_json::from_value(event.object.clone())
                .map_err(|e| CrmError::MalformedResponse(format!("live event: {e}")))?;
            pipeline.upsert(deal)
        }
    }
}

fn websocket_url(server_url: &str) -> String {
    if let Some(rest) = server_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        server_url.to_owned()
    }
}

/// Live Queries for one client's session: typed events for Deal and Activity queries, with
/// reconnection, resubscription and catch-up.
#[wasm_bindgen]
pub struct LiveQueryClient {
    inner: Rc<Inner>,
}

impl LiveQueryClient {
    /// `seeded`: the caller loads the current matches itself and hands their versions to
    /// `seed_known` (no baseline round).
    fn subscribe_sink(&self, query: &QueryData, sink: Sink, seeded: bool) -> Result<u32, JsValue> {
        let class = query.class();
        if !class.is_live() {
            return Err(to_js_error(CrmError::InvalidInput(
                "Live Queries are enabled for Deal and Activity".into(),
            )));
        }
        let schema = class.schema();
        let mut machine = self.inner.machine.borrow_mut();
        let id = if seeded {
            machine.subscribe_seeded(schema, query.query().clone())
        } else {
            machine.subscribe(schema, query.query().clone())
        }
        .map_err(to_js_error)?;
        drop(machine);
        self.inner.sinks.borrow_mut().insert(id, (class, sink));
        self.inner.pump();
        Ok(id)
    }
}

#[wasm_bindgen]
impl LiveQueryClient {
    /// Connects with `client`'s app, key and current session.
    #[wasm_bindgen(constructor)]
    pub fn new(
        client: &CrmClient,
        options: Option<Ts<LiveOptions>>,
    ) -> Result<LiveQueryClient, JsValue> {
        let options = match options {
            Some(o) => decode(&o, "options")?,
            None => LiveOptions::default(),
        };
        let shared = client.shared().clone();
        let endpoint = shared.core.platform().endpoint().clone();
        let token = shared.core.session_token();
        if token.is_none() {
            return Err(to_js_error(CrmError::NotSignedIn));
        }
        let url = options
            .url
            .unwrap_or_else(|| websocket_url(&endpoint.server_url));
        let heartbeat = options.heartbeat_ms.unwrap_or(15_000);
        let mut machine =
            LiveMachine::new(&endpoint.app_id, &endpoint.javascript_key, token, heartbeat);
        machine.set_backoff(
            options.reconnect_base_ms.unwrap_or(500).max(10),
            options.reconnect_max_ms.unwrap_or(30_000).max(10),
        );
        let inner = Rc::new(Inner {
            machine: RefCell::new(machine),
            shared,
            url,
            socket: RefCell::new(None),
            generation: Cell::new(0),
            last_status: Cell::new(LiveStatus::Disconnected),
            sinks: RefCell::new(BTreeMap::new()),
            status_listeners: RefCell::new(Vec::new()),
            error_listeners: RefCell::new(Vec::new()),
            interval: Cell::new(None),
            _tick: RefCell::new(None),
        });
        if heartbeat > 0 {
            let weak = Rc::downgrade(&inner);
            let tick = Closure::<dyn FnMut()>::new(move || {
                if let Some(inner) = weak.upgrade() {
                    inner.machine.borrow_mut().tick(now());
                    inner.pump();
                }
            });
            if let Some(window) = js_sys::global().dyn_ref::<web_sys::Window>() {
                let every = (heartbeat / 4).max(50) as i32;
                let handle = window
                    .set_interval_with_callback_and_timeout_and_arguments_0(
                        tick.as_ref().unchecked_ref(),
                        every,
                    )
                    .ok();
                inner.interval.set(handle);
            }
            *inner._tick.borrow_mut() = Some(tick);
        }
        Ok(LiveQueryClient { inner })
    }

    /// Calls `handler({kind, object, original?, caughtUp})` for every change matching `query`
    /// (a Deal or Activity query). Answers the subscription's id, for `unsubscribe`. Typed
    /// generically in types.d.ts.
    #[wasm_bindgen(skip_typescript)]
    pub fn subscribe(&self, query: JsValue, handler: js_sys::Function) -> Result<u32, JsValue> {
        let query = CrmQuery::arg(&query, "query")?;
        self.subscribe_sink(&query, Sink::Callback(handler), false)
    }

    /// Keeps `pipeline` in step with `query`: loads every match, then applies each change as
    /// it happens (and what was missed while disconnected). Answers the subscription's id.
    #[wasm_bindgen(js_name = livePipeline)]
    pub async fn live_pipeline(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Pipeline")] pipeline: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CrmQuery<Deal>")] query: JsValue,
    ) -> Result<u32, JsValue> {
        let pipeline = super::PipelineHandle::arg(&pipeline, "pipeline")?;
        let query = CrmQuery::arg(&query, "query")?;
        if query.class() != CrmClass::Deal {
            return Err(to_js_error(CrmError::InvalidInput(
                "a pipeline follows a query over Deal".into(),
            )));
        }
        let (inner_pipeline, notify) = (&pipeline.pipeline, &pipeline.listeners);
        // Subscribe first and hold events while loading, so nothing falls between the two.
        let buffer = Rc::new(RefCell::new(Some(Vec::new())));
        let id = self.subscribe_sink(
            &query,
            Sink::Pipeline {
                pipeline: inner_pipeline.clone(),
                notify: notify.clone(),
                buffer: buffer.clone(),
            },
            true,
        )?;
        let loaded: crate::error::Result<Vec<Deal>> =
            self.inner.shared.core.find_all(query.query()).await;
        let deals = match loaded {
            Ok(d) => d,
            Err(e) => {
                self.unsubscribe(id);
                return Err(to_js_error(e));
            }
        };
        let versions: Vec<crate::live::Version> = deals
            .iter()
            .filter_map(|d| Some((d.object_id.clone()?, d.updated_at.map(|t| t.millis()))))
            .collect();
        self.inner.machine.borrow_mut().seed_known(id, versions);
        let held = buffer.borrow_mut().take().unwrap_or_default();
        {
            let mut p = inner_pipeline.borrow_mut();
            p.load(deals).map_err(to_js_error)?;
            for event in &held {
                let _ = apply_to_pipeline(&mut p, event);
            }
        }
        let listeners: Vec<js_sys::Function> = notify.borrow().clone();
        for l in listeners {
            let _ = l.call0(&JsValue::NULL);
        }
        Ok(id)
    }

    /// Keeps a pin of the local datastore in step with `query`: refreshes it now, then applies
    /// every change (created and updated objects are stored, deleted ones unpinned). Answers
    /// the subscription's id.
    #[wasm_bindgen(js_name = livePin)]
    pub async fn live_pin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LocalStore")] store: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CrmQuery<Deal> | CrmQuery<Activity>")]
        query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] name: Option<JsValue>,
    ) -> Result<u32, JsValue> {
        let name = match name {
            Some(v) => super::opt_text_arg(&v, "pin name")?,
            None => None,
        };
        let pin = name.unwrap_or_else(|| crate::local_store::DEFAULT_PIN.into());
        let inner = super::LocalStore::arg(&store, "store")?;
        let query = CrmQuery::arg(&query, "query")?;
        let id = self.subscribe_sink(
            &query,
            Sink::Store {
                store: inner.clone(),
                pin: pin.clone(),
            },
            false,
        )?;
        let class = query.class_name();
        let refreshed = inner
            .store
            .refresh_pin(&self.inner.shared.core, &class, &pin, query.query())
            .await;
        if let Err(e) = refreshed {
            self.unsubscribe(id);
            return Err(to_js_error(e));
        }
        Ok(id)
    }

    pub fn unsubscribe(&self, subscription: u32) -> bool {
        self.inner.sinks.borrow_mut().remove(&subscription);
        let removed = self.inner.machine.borrow_mut().unsubscribe(subscription);
        self.inner.pump();
        removed
    }

    /// Whether the server has confirmed the subscription on the current connection (events
    /// flow from then on).
    #[wasm_bindgen(js_name = isSubscribed)]
    pub fn is_subscribed(&self, subscription: u32) -> bool {
        self.inner.machine.borrow().is_subscribed(subscription)
    }

    /// "connecting" | "connected" | "disconnected" | "closed".
    #[wasm_bindgen(getter, unchecked_return_type = "LiveStatus")]
    pub fn status(&self) -> JsValue {
        super::to_js(&self.inner.machine.borrow().status()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Calls `listener(status)` on every change of status; returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onStatus, unchecked_return_type = "() => void")]
    pub fn on_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(status: LiveStatus) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        add_listener(&self.inner, listener, |i| &i.status_listeners)
    }

    /// Calls `listener(error)` for failures that have no caller to throw to (a catch-up that
    /// failed, a refused session); returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onError, unchecked_return_type = "() => void")]
    pub fn on_error(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(error: CrmError) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        add_listener(&self.inner, listener, |i| &i.error_listeners)
    }

    /// Closes the connection for good.
    pub fn close(&self) {
        if let (Some(h), Some(window)) = (
            self.inner.interval.take(),
            js_sys::global().dyn_ref::<web_sys::Window>(),
        ) {
            window.clear_interval_with_handle(h);
        }
        self.inner.machine.borrow_mut().close();
        self.inner.pump();
    }
}

fn add_listener(
    inner: &Rc<Inner>,
    listener: js_sys::Function,
    list: fn(&Inner) -> &RefCell<Vec<js_sys::Function>>,
) -> js_sys::Function {
    list(inner).borrow_mut().push(listener.clone());
    let weak = Rc::downgrade(inner);
    Closure::once_into_js(move || {
        if let Some(i) = weak.upgrade() {
            list(&i).borrow_mut().retain(|f| f != &listener);
        }
    })
    .unchecked_into()
}
