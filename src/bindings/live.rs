//! `LiveQueryClient`: Parse Live Queries, run by the core's [`crate::live::Driver`] (machine,
//! reconnection, heartbeat, exact catch-up). This layer gives the driver the browser
//! (WebSocket, `setTimeout`, tasks, clock) and routes what comes out: events to JavaScript
//! callbacks, to a `Pipeline` or to a pin of the local store; status and errors to listeners.
//! The driver hands over with no borrow held, so a callback may call back in.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::query::{CrmClass, CrmQuery, QueryData};
use super::{opt_from_js, promise, to_js, to_js_error, CrmClient, Listeners, SharedRef};
use crate::browser::fetch::BrowserPlatform;
use crate::browser::timers::Browser;
use crate::error::CrmError;
use crate::live::{
    check_live, event_json, pin_change, Driver, LiveEvent, LiveOptions, LiveSink, LiveStatus,
    PinChange, PipelineFeed,
};
use crate::pipeline::Pipeline;

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
        notify: Rc<Listeners>,
        feed: Rc<RefCell<PipelineFeed>>,
    },
}

/// Where the driver's output goes: each subscription's sink, and the listeners.
#[derive(Default)]
struct Outputs {
    sinks: RefCell<BTreeMap<u32, (CrmClass, Sink)>>,
    status_listeners: Rc<Listeners>,
    error_listeners: Rc<Listeners>,
}

type LiveDriver = Driver<Browser, BrowserPlatform, Outputs>;

impl LiveSink for Outputs {
    fn event(&self, event: LiveEvent) {
        self.deliver(event);
    }
    fn status(&self, status: LiveStatus) {
        let js = to_js(&status).unwrap_or(JsValue::UNDEFINED);
        self.status_listeners.call(&js);
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
            Sink::Callback(f) => match event_json(class, &event) {
                Ok(js) => {
                    let _ = f.call1(&JsValue::NULL, &to_js(&js).unwrap_or(JsValue::NULL));
                }
                Err(e) => self.notify_error(e),
            },
            Sink::Store { store, pin } => {
                let change = match pin_change(class, &event) {
                    Ok(Some(change)) => change,
                    Ok(None) => return,
                    Err(e) => return self.notify_error(e),
                };
                let errors = self.error_listeners.clone();
                // IndexedDB runs transactions in the order they start: in event order.
                wasm_bindgen_futures::spawn_local(async move {
                    let (class, store) = (class.name(), &store.store);
                    let result = match change {
                        PinChange::Remove(id) => store.unpin(class, Some(&[id]), Some(&pin)).await,
                        PinChange::Put(object) => {
                            store.pin(class, &[object], &pin).await.map(|_| ())
                        }
                    };
                    if let Err(e) = result {
                        errors.call(&to_js_error(e));
                    }
                });
            }
            Sink::Pipeline {
                pipeline,
                notify,
                feed,
            } => {
                let changed = feed.borrow_mut().event(&mut pipeline.borrow_mut(), event);
                match changed {
                    Ok(false) => {}
                    Ok(true) => _ = notify.call(&JsValue::UNDEFINED),
                    Err(e) => {
                        self.notify_error(e);
                        notify.call(&JsValue::UNDEFINED);
                    }
                }
            }
        }
    }

    fn notify_error(&self, err: CrmError) {
        let message = err.to_string();
        if !self.error_listeners.call(&to_js_error(err)) {
            web_sys::console::warn_1(&format!("crm-wasm live query: {message}").into());
        }
    }
}

/// Live Queries for one client's session: typed events for Deal and Activity queries, with
/// reconnection, resubscription and catch-up.
#[wasm_bindgen]
#[derive(Clone)]
pub struct LiveQueryClient {
    driver: Rc<LiveDriver>,
    shared: SharedRef,
}

impl LiveQueryClient {
    /// `seeded`: the caller loads the current matches itself and hands their versions to
    /// `seed_known` (no baseline round).
    fn subscribe_sink(&self, query: &QueryData, sink: Sink, seeded: bool) -> Result<u32, JsValue> {
        let class = query.class();
        check_live(class).map_err(to_js_error)?;
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
        #[wasm_bindgen(unchecked_optional_param_type = "LiveOptions | null")] options: Option<
            JsValue,
        >,
    ) -> Result<LiveQueryClient, JsValue> {
        let options: LiveOptions = opt_from_js(options, "options")?;
        let shared = client.shared().clone();
        let (url, machine, heartbeat) = options
            .configure(
                shared.core.platform().endpoint(),
                shared.core.session_token(),
            )
            .map_err(to_js_error)?;
        let outputs = Outputs::default();
        let driver = Driver::new(
            Browser,
            shared.core.clone(),
            outputs,
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
    #[wasm_bindgen(js_name = livePipeline, unchecked_return_type = "Promise<number>")]
    pub fn live_pipeline(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Pipeline")] pipeline: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CrmQuery<Deal>")] query: JsValue,
    ) -> Promise {
        let me = self.clone();
        promise(async move {
            let pipeline = super::PipelineHandle::arg(&pipeline, "pipeline")?;
            let query = CrmQuery::arg(&query, "query")?;
            if query.class() != CrmClass::Deal {
                return Err(to_js_error(CrmError::InvalidInput(
                    "a pipeline follows a query over Deal".into(),
                )));
            }
            // Subscribe first and hold events while loading, so nothing falls between the two.
            let feed = Rc::new(RefCell::new(PipelineFeed::loading()));
            let sink = Sink::Pipeline {
                pipeline: pipeline.pipeline.clone(),
                notify: pipeline.listeners.clone(),
                feed: feed.clone(),
            };
            let id = me.subscribe_sink(&query, sink, true)?;
            let deals = me.driver.load_seeded(id, query.query()).await;
            let deals = deals.map_err(to_js_error)?;
            let loaded = feed
                .borrow_mut()
                .loaded(&mut pipeline.pipeline.borrow_mut(), deals);
            loaded.map_err(to_js_error)?;
            pipeline.listeners.call(&JsValue::UNDEFINED);
            Ok(id.into())
        })
    }

    /// Keeps a pin of the local datastore in step with `query`: refreshes it now, then applies
    /// every change (created and updated objects are stored, deleted ones unpinned). Answers
    /// the subscription's id.
    #[wasm_bindgen(js_name = livePin, unchecked_return_type = "Promise<number>")]
    pub fn live_pin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LocalStore")] store: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CrmQuery<Deal> | CrmQuery<Activity>")]
        query: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] name: Option<JsValue>,
    ) -> Promise {
        let me = self.clone();
        promise(async move {
            let name = match name {
                Some(v) => super::opt_text_arg(&v, "pin name")?,
                None => None,
            };
            let pin = name.unwrap_or_else(|| crate::browser::local_store::DEFAULT_PIN.into());
            let inner = super::LocalStore::arg(&store, "store")?;
            let query = CrmQuery::arg(&query, "query")?;
            let sink = Sink::Store {
                store: inner.clone(),
                pin: pin.clone(),
            };
            let id = me.subscribe_sink(&query, sink, false)?;
            let class = query.class_name();
            let refreshed = inner
                .store
                .refresh_pin(&me.shared.core, &class, &pin, query.query())
                .await;
            if let Err(e) = refreshed {
                me.unsubscribe(id);
                return Err(to_js_error(e));
            }
            Ok(id.into())
        })
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
        to_js(&self.driver.status()).unwrap_or(JsValue::UNDEFINED)
    }

    /// Calls `listener(status)` on every change of status; returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onStatus, unchecked_return_type = "() => void")]
    pub fn on_status(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(status: LiveStatus) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        self.outputs().status_listeners.add(listener)
    }

    /// Calls `listener(error)` for failures that have no caller to throw to (a catch-up that
    /// failed, a refused session); returns a function that unsubscribes.
    #[wasm_bindgen(js_name = onError, unchecked_return_type = "() => void")]
    pub fn on_error(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(error: CrmError) => void")]
        listener: js_sys::Function,
    ) -> js_sys::Function {
        self.outputs().error_listeners.add(listener)
    }

    /// Closes the connection for good.
    pub fn close(&self) {
        self.driver.close();
    }
}
