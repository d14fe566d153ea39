//! The offline datastore's live state in the browser, behind the `LocalStore` handle: the
//! IndexedDB store, the core's sync state and replay ([`OfflineSync`]) run under a Web Lock (one
//! tab at a time), a replay when the browser comes back online, and the delivery of sync events
//! to JavaScript listeners in a task of their own (no Rust borrow held).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{from_js, opt_from_js, text_arg, to_js, to_js_error, Listeners, OrJs};
use super::local_store::{LocalStore as Store, DEFAULT_PIN};
use super::locks::{self, OnlineListener};
use super::shared::SharedRef;
use crate::error::CrmError;
use crate::offline::{self, LocalOptions, OfflineSync, SyncEvent, SyncReport};

/// The events a `LocalStore` tells: the sync's ([`SyncEvent::KINDS`], in that order), then
/// "change" (`{ className }`: a write to that class's local data committed here).
pub(crate) const LOCAL_EVENTS: [&str; 5] = {
    let [status, progress, rejected, conflict] = SyncEvent::KINDS;
    [status, progress, rejected, conflict, "change"]
};
const CHANGE: usize = 4;

pub(crate) struct Inner {
    pub store: Store,
    pub(crate) shared: SharedRef,
    pub(crate) sync: OfflineSync,
    /// Listeners of each of [`LOCAL_EVENTS`], in that order.
    pub(crate) listeners: [Rc<Listeners>; 5],
    online: RefCell<Option<OnlineListener>>,
}

/// Objects of `class_name` from a JS array, checked as the class's model.
fn objects_arg(class_name: &str, objects: &JsValue) -> Result<Vec<Value>, JsValue> {
    if !js_sys::Array::is_array(objects) {
        return Err(to_js_error(CrmError::InvalidInput(
            "objects must be an array".into(),
        )));
    }
    let class = offline::local_class(class_name).js()?;
    offline::typed_objects(class, from_js(objects, class.name())?).js()
}

impl Inner {
    /// Delivers the queued events (status, progress, rejected, conflict).
    fn flush(&self) {
        for event in self.sync.take_events() {
            let payload = to_js(&event.payload()).unwrap_or(JsValue::NULL);
            self.listeners[event.kind()].call(&payload);
        }
    }

    /// Queued writes, for the status (a read failure shows as none rather than failing the call).
    async fn pending_count(&self) -> u32 {
        self.store.pending().await.map_or(0, |p| p.len() as u32)
    }

    async fn sync_here(self: Rc<Self>) -> Result<JsValue, JsValue> {
        let result = self.sync.sync(&self.store, &self.shared.core).await;
        self.flush();
        to_js(&result.js()?)
    }

    /// Drops a queued op (answers whether it was there); the count and status follow.
    pub(crate) async fn drop_op(&self, seq: u64) -> Result<bool, JsValue> {
        let dropped = self.store.drop_op(seq).await.js()?;
        self.sync.dropped(self.pending_count().await);
        self.flush();
        Ok(dropped)
    }

    /// No more replays when the browser comes back online, the database closed, and the
    /// status says so (told to its listeners).
    pub(crate) fn close(&self) {
        self.online.borrow_mut().take();
        self.store.close();
        self.sync.close();
        self.flush();
    }

    /// Replays the queue holding this database's Web Lock, so one tab at a time does it.
    pub(crate) async fn sync_locked(self: &Rc<Self>) -> Result<SyncReport, JsValue> {
        let lock = format!("crm-wasm-sync/{}", self.store.name);
        let answer = locks::with_lock(&lock, self.clone().sync_here()).await?;
        from_js(&answer, "sync report")
    }

    fn sync_soon(self: &Rc<Self>) {
        if self.sync.auto_sync() && locks::online() {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = me.sync_locked().await;
            });
        }
    }

    /// After a write was queued: the new count, and a replay if it is on.
    pub(crate) async fn queued(self: &Rc<Self>) {
        let pending = self.pending_count().await;
        if self.sync.queued(locks::online(), pending) {
            self.sync_soon();
        }
        self.flush();
    }
}

impl Inner {
    /// Opens the signed-in user's database, with its sync state, event delivery and (if on) a
    /// replay whenever the browser comes back online.
    pub(crate) async fn open(
        shared: SharedRef,
        options: Option<JsValue>,
    ) -> Result<Rc<Inner>, JsValue> {
        let options: LocalOptions = opt_from_js(options, "options")?;
        let user = shared.core.current_user();
        let user = user.ok_or_else(|| to_js_error(CrmError::NotSignedIn))?;
        let endpoint = shared.core.platform().endpoint();
        let name = endpoint.database_name(user.object_id.as_deref().unwrap_or_default());
        let store = Store::open(&name).await.js()?;
        let pending = store.pending().await.js()?.len() as u32;
        let inner = Rc::new(Inner {
            store,
            shared,
            sync: OfflineSync::new(&options, locks::online(), pending),
            listeners: Default::default(),
            online: RefCell::new(None),
        });
        // Events raised during a replay are delivered as it goes, each in a task of its own.
        let weak: Weak<Inner> = Rc::downgrade(&inner);
        inner.sync.set_notify(Rc::new(move || {
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(inner) = weak.upgrade() {
                    inner.flush();
                }
            });
        }));
        // A committed write is told in a task of its own (a listener may call the store again).
        let weak: Weak<Inner> = Rc::downgrade(&inner);
        inner.store.on_commit(Rc::new(move |class: &str| {
            let (weak, class) = (weak.clone(), class.to_owned());
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(inner) = weak.upgrade() {
                    let payload = to_js(&serde_json::json!({ "className": class }));
                    inner.listeners[CHANGE].call(&payload.unwrap_or(JsValue::NULL));
                }
            });
        }));
        if inner.sync.auto_sync() {
            let weak = Rc::downgrade(&inner);
            *inner.online.borrow_mut() = locks::on_online(move || {
                if let Some(i) = weak.upgrade() {
                    i.sync_soon();
                }
            });
            // A queue left by an earlier visit (its tab closed while offline) goes out now: the
            // next `online` event may never come, and it waited there until the browser went
            // offline and back.
            if pending > 0 {
                inner.sync_soon();
            }
        }
        Ok(inner)
    }
}

impl Inner {
    pub(crate) async fn pin_objects(
        &self,
        class: &JsValue,
        objects: &JsValue,
        name: Option<String>,
    ) -> Result<u32, JsValue> {
        let class = text_arg(class, "className")?;
        let class_name = class.as_str();
        if !js_sys::Array::is_array(objects) {
            return objects_arg(class_name, objects).map(|_| 0); // its error
        }
        // Converted chunk by chunk as they are written: the wasm memory holds one chunk.
        let objects: &js_sys::Array = objects.unchecked_ref();
        let (len, chunk) = (
            objects.length() as usize,
            crate::browser::local_store::CHUNK,
        );
        let pin = name.as_deref().unwrap_or(DEFAULT_PIN);
        let mut refused = None;
        let mut next = |i: usize| {
            let part = objects.slice((i * chunk) as u32, ((i + 1) * chunk).min(len) as u32);
            objects_arg(class_name, &part).map_err(|e| {
                refused = Some(e);
                CrmError::InvalidInput("refused".into())
            })
        };
        let n = self
            .store
            .pin_chunked(class_name, pin, len.div_ceil(chunk), &mut next)
            .await;
        if let Some(e) = refused {
            return Err(e);
        }
        Ok(n.map_err(to_js_error)? as u32)
    }
}
