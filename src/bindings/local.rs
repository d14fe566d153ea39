//! `LocalStore`: the offline datastore's handle. Pins, local queries, offline writes and sync,
//! over [`crate::local_store::LocalStore`]. Events (rejected writes, conflicts, progress,
//! status) are delivered after each call, with no Rust borrow held. Only one tab replays the
//! queue at a time (a Web Lock per database); the others see the result in the shared store.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::handles::Registry;
use super::{
    decode, from_js, input_error, opt_text_arg, text_arg, texts_arg, to_js, to_js_error, CrmClient,
    SharedRef,
};
use crate::class::CrmClass;
use crate::error::CrmError;
use crate::local_store::{self, LocalStore as Store, StoreEvent, SyncReport, DEFAULT_PIN};
use crate::offline::ConflictPolicy;
use crate::schema::Changes;

#[derive(Deserialize, Tsify, Default)]
#[serde(rename_all = "camelCase")]
pub struct LocalOptions {
    /// Who wins a field changed both offline here and on the server; default lastWriterWins.
    #[serde(default)]
    #[tsify(optional)]
    pub conflict_policy: Option<ConflictPolicy>,
    /// Replay the queue when the browser comes back online and after each offline write;
    /// default true.
    #[serde(default)]
    #[tsify(optional)]
    pub auto_sync: Option<bool>,
}

#[derive(Clone, Copy, serde::Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    Idle,
    Syncing,
    Offline,
    Error,
}

#[derive(Clone, serde::Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    /// Writes waiting for the server (rejected ones included).
    pub pending: u32,
}

pub(crate) struct Inner {
    pub store: Store,
    pub(super) shared: SharedRef,
    auto_sync: bool,
    state: Cell<SyncState>,
    pending: Cell<u32>,
    listeners: RefCell<Vec<(&'static str, js_sys::Function)>>,
    _online: RefCell<Option<Closure<dyn FnMut()>>>,
}

/// The local datastore of the signed-in user.
#[wasm_bindgen]
pub struct LocalStore {
    id: u32,
    pub(super) inner: Rc<Inner>,
}

thread_local! {
    static STORES: Registry<Inner> = Registry::new();
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        let _ = STORES.try_with(|r| r.forget(self.id));
    }
}

fn opt_name(name: Option<JsValue>) -> Result<Option<String>, JsValue> {
    match name {
        Some(v) => opt_text_arg(&v, "pin name"),
        None => Ok(None),
    }
}

/// An array argument (a real array: not a string or an array-like).
fn check_array(value: &JsValue, what: &str) -> Result<(), JsValue> {
    if js_sys::Array::is_array(value) {
        Ok(())
    } else {
        Err(to_js_error(CrmError::InvalidInput(format!(
            "{what} must be an array"
        ))))
    }
}

fn class_of(name: &str) -> Result<CrmClass, JsValue> {
    CrmClass::from_name(name).ok_or_else(|| {
        to_js_error(CrmError::InvalidInput(format!(
            "no local store for {name:?}"
        )))
    })
}

/// Decodes an array of objects from JS as the class's model (so bad input is refused) into the
/// JS shape. The array crosses as one JSON text, however many objects it holds.
fn objects_from(class: CrmClass, objects: &JsValue) -> Result<Vec<Value>, JsValue> {
    fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
        v: Value,
        what: &str,
    ) -> Result<Value, JsValue> {
        let object: T = serde_json::from_value(v).map_err(|e| input_error(what, e))?;
        serde_json::to_value(object).map_err(|e| input_error(what, e))
    }
    let what = class.name();
    let items: Vec<Value> = from_js(objects, what)?;
    items
        .into_iter()
        .map(|o| crm_core::with_model!(class, T => typed::<T>(o, what)))
        .collect()
}

fn online() -> bool {
    js_sys::global()
        .dyn_ref::<web_sys::Window>()
        .is_none_or(|w| w.navigator().on_line())
}

impl Inner {
    fn flush(&self) {
        for event in self.store.take_events() {
            let (kind, payload) = match event {
                StoreEvent::Rejected(op, err) => {
                    let js = serde_json::json!({ "op": op, "error": { "code": err.code(), "message": err.to_string() } });
                    ("rejected", to_js(&js).unwrap_or(JsValue::NULL))
                }
                StoreEvent::Conflict(c) => ("conflict", to_js(&c).unwrap_or(JsValue::NULL)),
                StoreEvent::Progress { done, total } => (
                    "progress",
                    to_js(&serde_json::json!({ "done": done, "total": total }))
                        .unwrap_or(JsValue::NULL),
                ),
            };
            self.emit(kind, &payload);
        }
    }

    fn emit(&self, kind: &str, payload: &JsValue) {
        let listeners: Vec<js_sys::Function> = self
            .listeners
            .borrow()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| f.clone())
            .collect();
        for f in listeners {
            let _ = f.call1(&JsValue::NULL, payload);
        }
    }

    /// Queued writes, for the status (a read failure shows as none rather than failing the call).
    async fn pending_count(&self) -> u32 {
        self.store
            .pending()
            .await
            .map(|p| p.len() as u32)
            .unwrap_or(0)
    }

    fn status(&self) -> SyncStatus {
        SyncStatus {
            state: self.state.get(),
            pending: self.pending.get(),
        }
    }

    fn set_state(&self, state: SyncState, pending: u32) {
        self.state.set(state);
        self.pending.set(pending);
        let js = to_js(&self.status()).unwrap_or(JsValue::NULL);
        self.emit("status", &js);
    }

    async fn sync_here(self: &Rc<Self>) -> Result<SyncReport, CrmError> {
        let pending = self.pending_count().await;
        self.set_state(SyncState::Syncing, pending);
        let result = self.store.sync(&self.shared.core).await;
        self.flush();
        match &result {
            Ok(r) => {
                let state = if r.offline {
                    SyncState::Offline
                } else if r.rejected > 0 {
                    SyncState::Error
                } else {
                    SyncState::Idle
                };
                self.set_state(state, r.pending);
            }
            Err(_) => self.set_state(SyncState::Error, self.pending.get()),
        }
        result
    }

    /// Replays the queue holding this database's Web Lock, so one tab at a time does it.
    async fn sync_locked(self: &Rc<Self>) -> Result<SyncReport, JsValue> {
        let locks = js_sys::global()
            .dyn_ref::<web_sys::Window>()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
            .filter(|l| !l.is_undefined());
        let Some(locks) = locks else {
            return self.sync_here().await.map_err(to_js_error);
        };
        let request: js_sys::Function =
            js_sys::Reflect::get(&locks, &"request".into())?.dyn_into()?;
        let me = self.clone();
        let callback = Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise {
            future_to_promise(async move {
                let report = me.sync_here().await.map_err(to_js_error)?;
                to_js(&report)
            })
        });
        let name = JsValue::from_str(&format!("crm-wasm-sync/{}", self.store.name));
        let answer = JsFuture::from(
            request
                .call2(&locks, &name, &callback)?
                .dyn_into::<js_sys::Promise>()?,
        )
        .await?;
        from_js(&answer, "sync report")
    }

    fn sync_soon(self: &Rc<Self>) {
        if self.auto_sync && online() {
            let me = self.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = me.sync_locked().await;
            });
        }
    }
}

#[wasm_bindgen]
impl LocalStore {
    /// Opens the local database of `client`'s signed-in user.
    pub async fn open(
        client: &CrmClient,
        options: Option<Ts<LocalOptions>>,
    ) -> Result<LocalStore, JsValue> {
        let options = match options {
            Some(o) => decode(&o, "options")?,
            None => LocalOptions::default(),
        };
        let shared = client.shared().clone();
        let user = shared
            .core
            .current_user()
            .ok_or_else(|| to_js_error(CrmError::NotSignedIn))?;
        let app = shared.core.platform().endpoint().app_id.clone();
        let name = local_store::database_name(&app, user.object_id.as_deref().unwrap_or_default());
        let store = Store::open(&name).await.map_err(to_js_error)?;
        store.set_policy(options.conflict_policy.unwrap_or_default());
        let pending = store.pending().await.map_err(to_js_error)?.len() as u32;
        let inner = Rc::new(Inner {
            store,
            shared,
            auto_sync: options.auto_sync.unwrap_or(true),
            state: Cell::new(if online() {
                SyncState::Idle
            } else {
                SyncState::Offline
            }),
            pending: Cell::new(pending),
            listeners: RefCell::new(Vec::new()),
            _online: RefCell::new(None),
        });
        if inner.auto_sync {
            let weak = Rc::downgrade(&inner);
            let on_online = Closure::<dyn FnMut()>::new(move || {
                if let Some(i) = weak.upgrade() {
                    i.sync_soon();
                }
            });
            if let Some(w) = js_sys::global().dyn_ref::<web_sys::Window>() {
                let _ = w
                    .add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
            }
            *inner._online.borrow_mut() = Some(on_online);
        }
        Ok(LocalStore {
            id: STORES.with(|r| r.register(&inner)),
            inner,
        })
    }

    /// The id this store is found by when passed as an argument (see `handles`).
    #[wasm_bindgen(getter, js_name = __crmHandle, skip_typescript)]
    pub fn handle_id(&self) -> u32 {
        self.id
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
        check_array(&objects, "objects")?;
        self.pin_objects(class_name, &objects, name).await
    }

    async fn pin_objects(
        &self,
        class_name: String,
        objects: &JsValue,
        name: Option<String>,
    ) -> Result<u32, JsValue> {
        let objects = objects_from(class_of(&class_name)?, objects)?;
        let n = self
            .inner
            .store
            .pin(
                &class_name,
                &objects,
                name.as_deref().unwrap_or(DEFAULT_PIN),
            )
            .await
            .map_err(to_js_error)?;
        Ok(n as u32)
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
        self.pin_objects(class_name, &js_sys::Array::of1(&object), None)
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
        check_array(&objects, "objects")?;
        self.pin_objects(class_name, &objects, Some(name)).await
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
        self.inner
            .store
            .unpin(&class_name, Some(&object_ids), name.as_deref())
            .await
            .map_err(to_js_error)
    }

    /// Unpins everything of a class ("Deal") or every object of a named pin.
    #[wasm_bindgen(js_name = unpinAll)]
    pub async fn unpin_all(
        &self,
        #[wasm_bindgen(js_name = "classNameOrPin", unchecked_param_type = "string")]
        class_or_name: JsValue,
    ) -> Result<(), JsValue> {
        let class_or_name = text_arg(&class_or_name, "classNameOrPin")?;
        self.inner
            .store
            .unpin_all(&class_or_name)
            .await
            .map_err(to_js_error)
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
        let class_name = text_arg(&class_name, "className")?;
        let class = class_of(&class_name)?;
        let core = &self.inner.shared.core;
        let (js, body, request_id) = crm_core::with_model!(class, T => {
            let mut typed: T = from_js(&object, class.name())?;
            let (body, request_id) = core.prepare_new(&mut typed).map_err(to_js_error)?;
            let js = serde_json::to_value(&typed).map_err(|e| input_error(class.name(), e))?;
            (js, body, request_id)
        });
        self.inner
            .store
            .queue_create(&class_name, js.clone(), body, request_id)
            .await
            .map_err(to_js_error)?;
        self.after_write().await;
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
        let class_name = text_arg(&class_name, "className")?;
        let object_id = text_arg(&object_id, "objectId")?;
        class_of(&class_name)?;
        let changes: Changes = from_js(&changes, &class_name)?;
        let rid = self.inner.shared.core.new_id();
        self.inner
            .store
            .queue_update(&class_name, &object_id, &changes, rid)
            .await
            .map_err(to_js_error)?;
        self.after_write().await;
        Ok(())
    }

    /// Deletes offline-first.
    pub async fn destroy(
        &self,
        #[wasm_bindgen(js_name = "className", unchecked_param_type = "CrmClassName")]
        class_name: JsValue,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
    ) -> Result<(), JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        let object_id = text_arg(&object_id, "objectId")?;
        class_of(&class_name)?;
        let rid = self.inner.shared.core.new_id();
        self.inner
            .store
            .queue_delete(&class_name, &object_id, rid)
            .await
            .map_err(to_js_error)?;
        self.after_write().await;
        Ok(())
    }

    async fn after_write(&self) {
        let pending = self.inner.pending_count().await;
        let state = if online() {
            self.inner.state.get()
        } else {
            SyncState::Offline
        };
        self.inner.set_state(state, pending);
        self.inner.sync_soon();
    }

    /// Replays queued writes now (one tab at a time) and answers what happened.
    #[wasm_bindgen(unchecked_return_type = "SyncReport")]
    pub async fn sync(&self) -> Result<JsValue, JsValue> {
        let report = self.inner.sync_locked().await?;
        to_js(&report)
    }

    /// Writes still queued, oldest first (with `rejected` set on those the server refused).
    #[wasm_bindgen(unchecked_return_type = "PendingOp[]")]
    pub async fn pending(&self) -> Result<JsValue, JsValue> {
        let ops = self.inner.store.pending().await.map_err(to_js_error)?;
        to_js(&ops)
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
        let dropped = self
            .inner
            .store
            .drop_op(seq as u64)
            .await
            .map_err(to_js_error)?;
        let pending = self.inner.pending_count().await;
        self.inner.set_state(self.inner.state.get(), pending);
        Ok(dropped)
    }

    #[wasm_bindgen(getter, unchecked_return_type = "SyncStatus")]
    pub fn status(&self) -> JsValue {
        to_js(&self.inner.status()).unwrap_or(JsValue::NULL)
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
        let kind: &'static str = match event.as_str() {
            "status" => "status",
            "progress" => "progress",
            "rejected" => "rejected",
            "conflict" => "conflict",
            other => {
                return Err(to_js_error(CrmError::InvalidInput(format!(
                    "no event {other:?}"
                ))))
            }
        };
        self.inner
            .listeners
            .borrow_mut()
            .push((kind, listener.clone()));
        let weak = Rc::downgrade(&self.inner);
        Ok(Closure::once_into_js(move || {
            if let Some(i) = weak.upgrade() {
                i.listeners.borrow_mut().retain(|(_, f)| f != &listener);
            }
        })
        .unchecked_into())
    }

    pub fn close(&self) {
        if let (Some(cb), Some(w)) = (
            self.inner._online.borrow_mut().take(),
            js_sys::global().dyn_ref::<web_sys::Window>(),
        ) {
            let _ = w.remove_event_listener_with_callback("online", cb.as_ref().unchecked_ref());
        }
        self.inner.store.close();
    }
}

impl LocalStore {
    /// A stand-in for this handle as an argument, for Rust callers (tests): an object with the
    /// handle's id, which is all an argument lookup reads.
    #[doc(hidden)]
    pub fn handle_ref(&self) -> JsValue {
        super::handles::stand_in(self.id)
    }

    /// A `LocalStore` argument (`what` names it in the error).
    pub(crate) fn arg(value: &JsValue, what: &str) -> Result<Rc<Inner>, JsValue> {
        STORES.with(|r| r.arg(value, what, "LocalStore"))
    }
}
