//! `LiveQueryClient`: Parse Live Queries, run by the core's [`crate::live::Driver`] (machine,
//! reconnection, heartbeat, exact catch-up). This layer gives the driver the browser
//! (WebSocket, `setTimeout`, tasks, clock) and routes what comes out: events to JavaScript
//! callbacks, to a `Pipeline` or to a pin of the local store; status and errors to listeners.
//! The driver hands over with no borrow held, so a callback may call back in.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::query::{CrmClass, CrmQuery, QueryData};
use super::{decode, to_js, to_js_error, CrmClient, SharedRef};
use crate::error::CrmError;
use crate::live::{
    Driver, LiveEnv, LiveEvent, LiveEventKind, LiveMachine, LiveSink, LiveSocket, LiveStatus,
    SocketEvent,
};
use crate::models::Deal;
use crate::pipeline::Pipeline;
use crate::socket::Socket;
use crate::web::BrowserPlatform;

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

/// The browser as the driver's environment.
struct Browser;

impl LiveSocket for Socket {
    fn send(&self, frame: &str) {
        // A frame that cannot leave is like one lost in transit: the heartbeat notices.
        let _ = Socket::send(self, frame);
    }
    fn close(self) {
        Socket::close(self);
    }
}

impl LiveEnv for Browser {
    type Socket = Socket;
    fn open(&self, url: &str, on_event: Box<dyn Fn(SocketEvent)>) -> Result<Socket, String> {
        let on_event = Rc::new(on_event);
        Socket::open(url, move |e| on_event(e))
    }
    fn now_ms(&self) -> i64 {
        js_sys::Date::now() as i64
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
    fn set_timeout(&self, ms: u32, f: Box<dyn FnOnce()>) {
        let f = Closure::once_into_js(f);
        let g = js_sys::global();
        if let Some(window) = g.dyn_ref::<web_sys::Window>() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                f.unchecked_ref(),
                ms.min(i32::MAX as u32) as i32,
            );
        }
    }
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}

/// Where the driver's output goes: each subscription's sink, and the listeners.
#[derive(Default)]
struct Outputs {
    sinks: RefCell<BTreeMap<u32, (CrmClass, Sink)>>,
    status_listeners: RefCell<Vec<js_sys::Function>>,
    error_listeners: RefCell<Vec<js_sys::Function>>,
}

type LiveDriver = Driver<Browser, BrowserPlatform, Outputs>;

impl LiveSink for Outputs {
    fn event(&self, event: LiveEvent) {
        self.deliver(event);
    }
    fn status(&self, status: LiveStatus) {
        let js = super::to_js(&status).unwrap_or(JsValue::UNDEFINED);
        let listeners: Vec<js_sys::Function> = self.status_listeners.borrow().clone();
        for l in listeners {
            let _ = l.call1(&JsValue::NULL, &js);
        }
    }
    fn error(&self, error: CrmError) {
        self.notify_error(error);
    }
}

impl Outputs {
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
                if let Err(e) = pipeline.borrow_mut().apply_live_event(&event) {
                    self.notify_error(e);
                }
                let listeners: Vec<js_sys::Function> = notify.borrow().clone();
                for l in listeners {
                    let _ = l.call0(&JsValue::NULL);
                }
            }
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
    driver: Rc<LiveDriver>,
    shared: SharedRef,
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
        let id = self
            .driver
            .subscribe(class.schema(), query.query().clone(), seeded)
            .map_err(to_js_error)?;
        self.outputs().sinks.borrow_mut().insert(id, (class, sink));
        self.driver.kick();
        Ok(id)
    }

    fn outputs(&self) -> &Outputs {
        self.driver.sink()
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
        let driver = Driver::new(
            Browser,
            shared.core.clone(),
            Outputs::default(),
            url,
            machine,
            heartbeat,
        );
        Ok(LiveQueryClient { driver, shared })
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
            self.shared.core.find_all(query.query()).await;
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
        self.driver.seed_known(id, versions);
        let held = buffer.borrow_mut().take().unwrap_or_default();
        {
            let mut p = inner_pipeline.borrow_mut();
            p.load(deals).map_err(to_js_error)?;
            for event in &held {
                let _ = p.apply_live_event(event);
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
            .refresh_pin(&self.shared.core, &class, &pin, query.query())
            .await;
        if let Err(e) = refreshed {
            self.unsubscribe(id);
            return Err(to_js_error(e));
        }
        Ok(id)
    }

    pub fn unsubscribe(&self, subscription: u32) -> bool {
        self.outputs().sinks.borrow_mut().remove(&subscription);
        self.driver.unsubscribe(subscription)
    }

    /// Whether the server has confirmed the subscription on the current connection (events
    /// flow from then on).
    #[wasm_bindgen(js_name = isSubscribed)]
    pub fn is_subscribed(&self, subscription: u32) -> bool {
        self.driver.is_subscribed(subscription)
    }

    /// "connecting" | "connected" | "disconnected" | "closed".
    #[wasm_bindgen(getter, unchecked_return_type = "LiveStatus")]
    pub fn status(&self) -> JsValue {
        super::to_js(&self.driver.status()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Calls `listener(status)` on every change of status; returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onStatus, unchecked_return_type = "() => void")]
    pub fn on_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(status: LiveStatus) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        add_listener(&self.driver, listener, |o| &o.status_listeners)
    }

    /// Calls `listener(error)` for failures that have no caller to throw to (a catch-up that
    /// failed, a refused session); returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onError, unchecked_return_type = "() => void")]
    pub fn on_error(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(error: CrmError) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        add_listener(&self.driver, listener, |o| &o.error_listeners)
    }

    /// Closes the connection for good.
    pub fn close(&self) {
        self.driver.close();
    }
}

fn add_listener(
    driver: &Rc<LiveDriver>,
    listener: js_sys::Function,
    list: fn(&Outputs) -> &RefCell<Vec<js_sys::Function>>,
) -> js_sys::Function {
    list(driver.sink()).borrow_mut().push(listener.clone());
    let weak = Rc::downgrade(driver);
    Closure::once_into_js(move || {
        if let Some(i) = weak.upgrade() {
            list(i.sink()).borrow_mut().retain(|f| f != &listener);
        }
    })
    .unchecked_into()
}
