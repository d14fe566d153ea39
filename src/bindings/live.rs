//! `LiveQueryClient`: Parse Live Queries, run by the core's [`crate::live::Driver`] (machine,
//! reconnection, heartbeat, exact catch-up) over the browser (WebSocket, `setTimeout`, tasks,
//! clock); what comes out is routed by [`crate::browser::live_sink`].

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::query::{CrmClass, CrmQuery, QueryData};
use super::{
    function_arg, opt_from_js, opt_text_arg, promise, to_js, to_js_error, CrmClient, SharedRef,
};
use crate::browser::live_sink::{LiveDriver, Outputs, Sink};
use crate::browser::local_store::{LocalStore as Store, DEFAULT_PIN};
use crate::browser::timers::Browser;
use crate::error::CrmError;
use crate::live::{Driver, LiveOptions, PipelineFeed};

impl AsRef<Store> for super::local::Inner {
    fn as_ref(&self) -> &Store {
        &self.store
    }
}

/// Live Queries for one client's session (declared in `types.d.ts`).
#[wasm_bindgen(skip_typescript)]
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
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new(client: JsValue, options: Option<JsValue>) -> Result<LiveQueryClient, JsValue> {
        let shared = CrmClient::arg(&client, "client")?;
        let options: LiveOptions = opt_from_js(options, "options")?;
        let (endpoint, token) = (
            shared.core.platform().endpoint(),
            shared.core.session_token(),
        );
        let (url, machine, heartbeat) = options.configure(endpoint, token).map_err(to_js_error)?;
        let (core, outputs) = (shared.core.clone(), Outputs::default());
        let driver = Driver::new(Browser, core, outputs, url, machine, heartbeat);
        Ok(LiveQueryClient { driver, shared })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn subscribe(&self, query: JsValue, handler: JsValue) -> Result<u32, JsValue> {
        let query = CrmQuery::arg(&query, "query")?;
        let handler = function_arg(handler, "handler")?;
        self.subscribe_sink(&query, Sink::Callback(handler), false)
    }

    #[wasm_bindgen(js_name = livePipeline, skip_typescript)]
    pub fn live_pipeline(&self, pipeline: JsValue, query: JsValue) -> Promise {
        let me = self.clone();
        promise(async move {
            let pipeline = super::PipelineHandle::arg(&pipeline, "pipeline")?;
            let query = CrmQuery::arg(&query, "query")?;
            if query.class() != CrmClass::Deal {
                let error = CrmError::InvalidInput("a pipeline follows a query over Deal".into());
                return Err(to_js_error(error));
            }
            // Subscribe first and hold events while loading, so nothing falls between the two.
            let feed = Rc::new(RefCell::new(PipelineFeed::loading()));
            let (deals, notify) = (pipeline.pipeline.clone(), pipeline.listeners.clone());
            let sink = Sink::Pipeline {
                pipeline: deals,
                notify,
                feed: feed.clone(),
            };
            let id = me.subscribe_sink(&query, sink, true)?;
            let loaded = me.driver.load_seeded(id, query.query()).await;
            let loaded = feed.borrow_mut().loaded(
                &mut pipeline.pipeline.borrow_mut(),
                loaded.map_err(to_js_error)?,
            );
            loaded.map_err(to_js_error)?;
            pipeline.listeners.call(&JsValue::UNDEFINED);
            Ok(id.into())
        })
    }

    #[wasm_bindgen(js_name = livePin, skip_typescript)]
    pub fn live_pin(&self, store: JsValue, query: JsValue, name: Option<JsValue>) -> Promise {
        let me = self.clone();
        promise(async move {
            let name = name
                .map(|v| opt_text_arg(&v, "pin name"))
                .transpose()?
                .flatten();
            let pin = name.unwrap_or_else(|| DEFAULT_PIN.into());
            let inner = super::LocalStore::arg(&store, "store")?;
            let query = CrmQuery::arg(&query, "query")?;
            let sink = Sink::Store {
                store: inner.clone(),
                pin: pin.clone(),
            };
            let id = me.subscribe_sink(&query, sink, false)?;
            let (core, class) = (&me.shared.core, query.class_name());
            let refreshed = inner
                .store
                .refresh_pin(core, &class, &pin, query.query())
                .await;
            if let Err(e) = refreshed {
                me.unsubscribe(id);
                return Err(to_js_error(e));
            }
            Ok(id.into())
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn unsubscribe(&self, subscription: u32) -> bool {
        self.outputs().sinks.borrow_mut().remove(&subscription);
        self.driver.unsubscribe(subscription)
    }

    #[wasm_bindgen(js_name = isSubscribed, skip_typescript)]
    pub fn is_subscribed(&self, subscription: u32) -> bool {
        self.driver.is_subscribed(subscription)
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn status(&self) -> JsValue {
        to_js(&self.driver.status()).unwrap_or(JsValue::UNDEFINED)
    }

    #[wasm_bindgen(js_name = onStatus, skip_typescript)]
    pub fn on_status(&self, listener: js_sys::Function) -> js_sys::Function {
        self.outputs().status_listeners.add(listener)
    }

    #[wasm_bindgen(js_name = onError, skip_typescript)]
    pub fn on_error(&self, listener: js_sys::Function) -> js_sys::Function {
        self.outputs().error_listeners.add(listener)
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn close(&self) {
        self.driver.close();
    }
}
