//! `LocalStore`: the offline datastore's handle. Pins, local queries and offline writes over
//! [`crate::browser::local_store::LocalStore`]; the sync state and the replay are the core's
//! [`OfflineSync`], the Web Lock and the online state the browser adapters'. Its events
//! (status, progress, rejected writes, conflicts) are delivered with no Rust borrow held.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::handles::handle;
use super::{
    from_js, opt_from_js, opt_text_arg, promise, text_arg, texts_arg, to_js, to_js_error,
    CrmClient, Listeners, OrJs, SharedRef,
};
use crate::browser::local_store::{LocalStore as Store, DEFAULT_PIN};
use crate::browser::locks::{self, OnlineListener};
use crate::error::CrmError;
use crate::offline::{self, LocalOptions, OfflineSync, SyncEvent, SyncReport};
use crate::schema::Changes;

pub(crate) struct Inner {
    pub store: Store,
    pub(super) shared: SharedRef,
    sync: OfflineSync,
    /// Listeners of each of [`SyncEvent::KINDS`], in that order.
    listeners: [Rc<Listeners>; 4],
    online: RefCell<Option<OnlineListener>>,
}

/// The local datastore of the signed-in user (declared in `types.d.ts`).
#[wasm_bindgen(skip_typescript)]
pub struct LocalStore {
    id: u32,
    pub(super) inner: Rc<Inner>,
}

handle!(LocalStore, LocalStore, Inner);

fn opt_name(name: Option<JsValue>) -> Result<Option<String>, JsValue> {
    name.map(|v| opt_text_arg(&v, "pin name"))
        .transpose()
        .map(Option::flatten)
}

/// The `className` argument: a class the local store keeps.
fn class_arg(class: &JsValue) -> Result<crate::class::CrmClass, JsValue> {
    offline::local_class(&text_arg(class, "className")?).js()
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

    /// Replays the queue holding this database's Web Lock, so one tab at a time does it.
    async fn sync_locked(self: &Rc<Self>) -> Result<SyncReport, JsValue> {
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
    async fn queued(self: &Rc<Self>) {
        let pending = self.pending_count().await;
        if self.sync.queued(locks::online(), pending) {
            self.sync_soon();
        }
        self.flush();
    }
}

#[wasm_bindgen]
impl LocalStore {
    #[wasm_bindgen(skip_typescript)]
    pub fn open(client: &CrmClient, options: Option<JsValue>) -> Promise {
        let shared = client.shared().clone();
        promise(async move { Ok(Self::open_with(shared, options).await?.into()) })
    }
}

impl LocalStore {
    async fn open_with(shared: SharedRef, options: Option<JsValue>) -> Result<LocalStore, JsValue> {
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
        if inner.sync.auto_sync() {
            let weak = Rc::downgrade(&inner);
            *inner.online.borrow_mut() = locks::on_online(move || {
                if let Some(i) = weak.upgrade() {
                    i.sync_soon();
                }
            });
        }
        Ok(LocalStore {
            id: Self::register(&inner),
            inner,
        })
    }
}

#[wasm_bindgen]
impl LocalStore {
    #[wasm_bindgen(js_name = pinAll, skip_typescript)]
    pub fn pin_all(&self, class: JsValue, objects: JsValue, name: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let name = opt_name(name)?;
            Ok(inner.pin_objects(&class, &objects, name).await?.into())
        })
    }
}

impl Inner {
    async fn pin_objects(
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
        let n = self
            .store
            .pin_chunked(class_name, pin, len.div_ceil(chunk), |i| {
                let part = objects.slice((i * chunk) as u32, ((i + 1) * chunk).min(len) as u32);
                objects_arg(class_name, &part).map_err(|e| {
                    refused = Some(e);
                    CrmError::InvalidInput("refused".into())
                })
            });
        let n = n.await;
        if let Some(e) = refused {
            return Err(e);
        }
        Ok(n.map_err(to_js_error)? as u32)
    }
}

#[wasm_bindgen]
impl LocalStore {
    #[wasm_bindgen(skip_typescript)]
    pub fn pin(&self, class: JsValue, object: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let objects = js_sys::Array::of1(&object);
            Ok(inner.pin_objects(&class, &objects, None).await?.into())
        })
    }

    #[wasm_bindgen(js_name = pinWithName, skip_typescript)]
    pub fn pin_with_name(&self, name: JsValue, class: JsValue, objects: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let name = text_arg(&name, "pin name")?;
            Ok(inner
                .pin_objects(&class, &objects, Some(name))
                .await?
                .into())
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn unpin(&self, class: JsValue, ids: JsValue, name: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let (class, ids) = (
                text_arg(&class, "className")?,
                texts_arg(&ids, "objectIds")?,
            );
            let name = opt_name(name)?;
            let unpinned = inner.store.unpin(&class, Some(&ids), name.as_deref());
            unpinned.await.js()?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = unpinAll, skip_typescript)]
    pub fn unpin_all(&self, what: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let what = text_arg(&what, "classNameOrPin")?;
            inner.store.unpin_all(&what).await.js()?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn create(&self, class: JsValue, object: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let class = class_arg(&class)?;
            let object = from_js(&object, class.name())?;
            let (js, body, rid) =
                offline::prepare_create(&inner.shared.core, class, object).js()?;
            let store = &inner.store;
            store
                .queue_create(class.name(), js.clone(), body, rid)
                .await
                .js()?;
            inner.queued().await;
            to_js(&js)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn update(&self, class: JsValue, id: JsValue, changes: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let (class, id) = (class_arg(&class)?, text_arg(&id, "objectId")?);
            let changes: Changes = from_js(&changes, class.name())?;
            let rid = inner.shared.core.new_id();
            let store = &inner.store;
            store
                .queue_update(class.name(), &id, &changes, rid)
                .await
                .js()?;
            inner.queued().await;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn destroy(&self, class: JsValue, id: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let (class, id) = (class_arg(&class)?, text_arg(&id, "objectId")?);
            let rid = inner.shared.core.new_id();
            inner
                .store
                .queue_delete(class.name(), &id, rid)
                .await
                .js()?;
            inner.queued().await;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn sync(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move { to_js(&inner.sync_locked().await?) })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn pending(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move { to_js(&inner.store.pending().await.js()?) })
    }

    #[wasm_bindgen(js_name = dropOp, skip_typescript)]
    pub fn drop_op(&self, seq: f64) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            if !(seq.is_finite() && seq.fract() == 0.0 && seq >= 1.0 && seq <= 2f64.powi(53)) {
                return Err(to_js_error(CrmError::InvalidInput(format!(
                    "seq must be the seq of a queued op (a whole number from 1), got {seq}"
                ))));
            }
            let dropped = inner.store.drop_op(seq as u64).await.js()?;
            inner.sync.dropped(inner.pending_count().await);
            inner.flush();
            Ok(dropped.into())
        })
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn status(&self) -> JsValue {
        to_js(&self.inner.sync.status()).unwrap_or(JsValue::NULL)
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn on(
        &self,
        event: JsValue,
        listener: js_sys::Function,
    ) -> Result<js_sys::Function, JsValue> {
        let event = text_arg(&event, "event")?;
        let i = SyncEvent::KINDS.iter().position(|k| *k == event);
        let i =
            i.ok_or_else(|| to_js_error(CrmError::InvalidInput(format!("no event {event:?}"))))?;
        Ok(self.inner.listeners[i].add(listener))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn close(&self) {
        self.inner.online.borrow_mut().take();
        self.inner.store.close();
    }
}
