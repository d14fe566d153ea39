//! `LocalStore`: the offline datastore's handle. Pins, local queries, offline writes and sync,
//! over [`crate::browser::local_store::LocalStore`]; the sync state's rules are the core's
//! [`SyncStatus`], the Web Lock and the online state the browser adapters'. Events (rejected
//! writes, conflicts, progress, status) are delivered after each call, with no Rust borrow held.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::handles::handle;
use super::{
    from_js, opt_from_js, opt_text_arg, text_arg, texts_arg, to_js, to_js_error, CrmClient,
    Listeners, SharedRef,
};
use crate::browser::local_store::{LocalStore as Store, StoreEvent, DEFAULT_PIN};
use crate::browser::locks::{self, OnlineListener};
use crate::error::CrmError;
use crate::offline::{self, LocalOptions, SyncReport, SyncStatus};
use crate::schema::Changes;

/// The events a store reports, in the order of `Inner::listeners`.
const EVENTS: [&str; 4] = ["status", "progress", "rejected", "conflict"];

pub(crate) struct Inner {
    pub store: Store,
    pub(super) shared: SharedRef,
    auto_sync: bool,
    status: Cell<SyncStatus>,
    /// Listeners of "status", "progress", "rejected" and "conflict", in that order.
    listeners: [Rc<Listeners>; 4],
    online: RefCell<Option<OnlineListener>>,
}

/// The local datastore of the signed-in user.
#[wasm_bindgen]
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

/// Objects of `class_name` from a JS array, checked as the class's model.
fn objects_arg(class_name: &str, objects: &JsValue) -> Result<Vec<Value>, JsValue> {
    if !js_sys::Array::is_array(objects) {
        return Err(to_js_error(CrmError::InvalidInput(
            "objects must be an array".into(),
        )));
    }
    let class = offline::local_class(class_name).map_err(to_js_error)?;
    offline::typed_objects(class, from_js(objects, class.name())?).map_err(to_js_error)
}

impl Inner {
    fn flush(&self) {
        for event in self.store.take_events() {
            let (kind, payload) = match event {
                StoreEvent::Rejected(op, err) => (
                    "rejected",
                    serde_json::json!({ "op": op, "error": { "code": err.code(), "message": err.to_string() } }),
                ),
                StoreEvent::Conflict(c) => {
                    ("conflict", serde_json::to_value(c).unwrap_or_default())
                }
                StoreEvent::Progress { done, total } => (
                    "progress",
                    serde_json::json!({ "done": done, "total": total }),
                ),
            };
            self.emit(kind, &to_js(&payload).unwrap_or(JsValue::NULL));
        }
    }

    fn emit(&self, kind: &str, payload: &JsValue) {
        if let Some(i) = EVENTS.iter().position(|k| *k == kind) {
            self.listeners[i].call(payload);
        }
    }

    /// Queued writes, for the status (a read failure shows as none rather than failing the call).
    async fn pending_count(&self) -> u32 {
        self.store.pending().await.map_or(0, |p| p.len() as u32)
    }

    fn set_status(&self, status: SyncStatus) {
        self.status.set(status);
        self.emit("status", &to_js(&status).unwrap_or(JsValue::NULL));
    }

    async fn sync_here(self: Rc<Self>) -> Result<JsValue, JsValue> {
        let pending = self.pending_count().await;
        self.set_status(self.status.get().syncing(pending));
        let result = self.store.sync(&self.shared.core).await;
        self.flush();
        self.set_status(self.status.get().synced(&result));
        to_js(&result.map_err(to_js_error)?)
    }

    /// Replays the queue holding this database's Web Lock, so one tab at a time does it.
    async fn sync_locked(self: &Rc<Self>) -> Result<SyncReport, JsValue> {
        let lock = format!("crm-wasm-sync/{}", self.store.name);
        let answer = locks::with_lock(&lock, self.clone().sync_here()).await?;
        from_js(&answer, "sync report")
    }

    fn sync_soon(self: &Rc<Self>) {
        if self.auto_sync && locks::online() {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = me.sync_locked().await;
            });
        }
    }

    /// After a write was queued (or dropped): the new count, and a replay if it is on.
    async fn queued(self: &Rc<Self>, replay: bool) {
        let pending = self.pending_count().await;
        self.set_status(self.status.get().queued(locks::online(), pending));
        if replay {
            self.sync_soon();
        }
    }
}

#[wasm_bindgen]
impl LocalStore {
    /// Opens the local database of `client`'s signed-in user.
    pub async fn open(
        client: &CrmClient,
        #[wasm_bindgen(unchecked_optional_param_type = "LocalOptions | null")] options: Option<
            JsValue,
        >,
    ) -> Result<LocalStore, JsValue> {
        let options: LocalOptions = opt_from_js(options, "options")?;
        let shared = client.shared().clone();
        let user = shared.core.current_user();
        let user = user.ok_or_else(|| to_js_error(CrmError::NotSignedIn))?;
        let endpoint = shared.core.platform().endpoint();
        let name = endpoint.database_name(user.object_id.as_deref().unwrap_or_default());
        let store = Store::open(&name).await.map_err(to_js_error)?;
        store.set_policy(options.conflict_policy.unwrap_or_default());
        let pending = store.pending().await.map_err(to_js_error)?.len() as u32;
        let inner = Rc::new(Inner {
            store,
            shared,
            auto_sync: options.auto_sync.unwrap_or(true),
            status: Cell::new(SyncStatus::opened(locks::online(), pending)),
            listeners: Default::default(),
            online: RefCell::new(None),
        });
        if inner.auto_sync {
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

    /// Stores objects of a class and adds them to the default pin (or the pin `name`).
    #[wasm_bindgen(js_name = pinAll)]
    pub async fn pin_all(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Array<Company | Contact | Deal | Activity>")]
        objects: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] name: Option<JsValue>,
    ) -> Result<u32, JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        let name = opt_name(name)?;
        self.pin_objects(&class_name, &objects, name).await
    }

    async fn pin_objects(
        &self,
        class_name: &str,
        objects: &JsValue,
        name: Option<String>,
    ) -> Result<u32, JsValue> {
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
            .inner
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

    /// Pins one object (the seed's `pin`).
    pub async fn pin(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Company | Contact | Deal | Activity")]
        object: JsValue,
    ) -> Result<u32, JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        self.pin_objects(&class_name, &js_sys::Array::of1(&object), None)
            .await
    }

    /// `pinAll` under a name, as the Parse SDK's `pinAllWithName`.
    #[wasm_bindgen(js_name = pinWithName)]
    pub async fn pin_with_name(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Array<Company | Contact | Deal | Activity>")]
        objects: JsValue,
    ) -> Result<u32, JsValue> {
        let name = text_arg(&name, "pin name")?;
        let class_name = text_arg(&class_name, "className")?;
        self.pin_objects(&class_name, &objects, Some(name)).await
    }

    /// Removes objects from a pin (every pin of the class if `name` is not given).
    pub async fn unpin(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(js_name = "objectIds", unchecked_param_type = "string[]")]
        object_ids: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] name: Option<JsValue>,
    ) -> Result<(), JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        let object_ids = texts_arg(&object_ids, "objectIds")?;
        let name = opt_name(name)?;
        let store = &self.inner.store;
        let done = store.unpin(&class_name, Some(&object_ids), name.as_deref());
        done.await.map_err(to_js_error)
    }

    /// Unpins everything of a class ("Deal") or every object of a named pin.
    #[wasm_bindgen(js_name = unpinAll)]
    pub async fn unpin_all(
        &self,
        #[wasm_bindgen(js_name = "classNameOrPin", unchecked_param_type = "string")]
        class_or_name: JsValue,
    ) -> Result<(), JsValue> {
        let class_or_name = text_arg(&class_or_name, "classNameOrPin")?;
        let done = self.inner.store.unpin_all(&class_or_name);
        done.await.map_err(to_js_error)
    }

    /// Creates an object offline-first: stored and queued at once, sent when possible.
    /// Answers the object with its client-chosen objectId.
    #[wasm_bindgen(unchecked_return_type = "Company | Contact | Deal | Activity")]
    pub async fn create(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Company | Contact | Deal | Activity")]
        object: JsValue,
    ) -> Result<JsValue, JsValue> {
        let class = offline::local_class(&text_arg(&class_name, "className")?);
        let class = class.map_err(to_js_error)?;
        let object = from_js(&object, class.name())?;
        let (js, body, request_id) =
            offline::prepare_create(&self.inner.shared.core, class, object).map_err(to_js_error)?;
        let queued = self
            .inner
            .store
            .queue_create(class.name(), js.clone(), body, request_id);
        queued.await.map_err(to_js_error)?;
        self.inner.queued(true).await;
        to_js(&js)
    }

    /// Updates fields offline-first (`null` unsets).
    pub async fn update(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
        #[wasm_bindgen(
            unchecked_param_type = "Changes<Company> | Changes<Contact> | DealChanges | Changes<Activity>"
        )]
        changes: JsValue,
    ) -> Result<(), JsValue> {
        let class = offline::local_class(&text_arg(&class_name, "className")?);
        let class = class.map_err(to_js_error)?;
        let object_id = text_arg(&object_id, "objectId")?;
        let changes: Changes = from_js(&changes, class.name())?;
        let rid = self.inner.shared.core.new_id();
        let queued = self
            .inner
            .store
            .queue_update(class.name(), &object_id, &changes, rid);
        queued.await.map_err(to_js_error)?;
        self.inner.queued(true).await;
        Ok(())
    }

    /// Deletes offline-first.
    pub async fn destroy(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
    ) -> Result<(), JsValue> {
        let class = offline::local_class(&text_arg(&class_name, "className")?);
        let class = class.map_err(to_js_error)?;
        let object_id = text_arg(&object_id, "objectId")?;
        let rid = self.inner.shared.core.new_id();
        let queued = self.inner.store.queue_delete(class.name(), &object_id, rid);
        queued.await.map_err(to_js_error)?;
        self.inner.queued(true).await;
        Ok(())
    }

    /// Replays queued writes now (one tab at a time) and answers what happened.
    #[wasm_bindgen(unchecked_return_type = "SyncReport")]
    pub async fn sync(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.sync_locked().await?)
    }

    /// Writes still queued, oldest first (with `rejected` set on those the server refused).
    #[wasm_bindgen(unchecked_return_type = "PendingOp[]")]
    pub async fn pending(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.store.pending().await.map_err(to_js_error)?)
    }

    /// Drops a queued write (e.g. one the server rejected), leaving the local copy as it is.
    /// Answers whether it was still queued (it may have been sent meanwhile).
    #[wasm_bindgen(js_name = dropOp)]
    pub async fn drop_op(&self, seq: f64) -> Result<bool, JsValue> {
        if !(seq.is_finite() && seq.fract() == 0.0 && seq >= 1.0 && seq <= 2f64.powi(53)) {
            return Err(to_js_error(CrmError::InvalidInput(format!(
                "seq must be the seq of a queued op (a whole number from 1), got {seq}"
            ))));
        }
        let dropped = self.inner.store.drop_op(seq as u64).await;
        let dropped = dropped.map_err(to_js_error)?;
        let pending = self.inner.pending_count().await;
        self.inner.set_status(SyncStatus {
            pending,
            ..self.inner.status.get()
        });
        Ok(dropped)
    }

    #[wasm_bindgen(getter, unchecked_return_type = "SyncStatus")]
    pub fn status(&self) -> JsValue {
        to_js(&self.inner.status.get()).unwrap_or(JsValue::NULL)
    }

    /// Listens to "status" (SyncStatus), "progress" ({done, total}), "rejected" ({op, error})
    /// or "conflict" (Conflict). Returns a function that removes the listener.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "'status' | 'progress' | 'rejected' | 'conflict'")]
        event: JsValue,
        listener: js_sys::Function,
    ) -> Result<js_sys::Function, JsValue> {
        let event = text_arg(&event, "event")?;
        let i = EVENTS.iter().position(|k| *k == event);
        let i =
            i.ok_or_else(|| to_js_error(CrmError::InvalidInput(format!("no event {event:?}"))))?;
        Ok(self.inner.listeners[i].add(listener))
    }

    pub fn close(&self) {
        self.inner.online.borrow_mut().take();
        self.inner.store.close();
    }
}
