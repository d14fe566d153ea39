//! Where the Live Query driver's output goes in the browser ([`LiveSink`]): each subscription's
//! events to a JavaScript callback, a `Pipeline` or a pin of the local store; status and errors
//! to listeners. The driver hands over with no borrow held, so a callback may call back in.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::fetch::BrowserPlatform;
use super::js::{to_js, to_js_error, Listeners};
use super::local_store::LocalStore;
use super::timers::Browser;
use crate::class::CrmClass;
use crate::error::CrmError;
use crate::live::{
    event_json, pin_change, Driver, LiveEvent, LiveSink, LiveStatus, PinChange, PipelineFeed,
};
use crate::pipeline::Pipeline;

/// Where a subscription's events go.
#[derive(Clone)]
pub(crate) enum Sink {
    Callback(js_sys::Function),
    /// A pin of the local datastore, kept in step.
    Store {
        store: Rc<dyn AsRef<LocalStore>>,
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
pub(crate) struct Outputs {
    pub sinks: RefCell<BTreeMap<u32, (CrmClass, Sink)>>,
    pub status_listeners: Rc<Listeners>,
    pub error_listeners: Rc<Listeners>,
}

pub(crate) type LiveDriver = Driver<Browser, BrowserPlatform, Outputs>;

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
                    let (class, store) = (class.name(), (*store).as_ref());
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
