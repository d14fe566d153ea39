//! `LocalStore`: the offline datastore's handle. Pins, local queries and offline writes over
//! [`crate::browser::local_handle::Inner`] (the IndexedDB store, the core's sync state and
//! replay under a Web Lock, events delivered with no Rust borrow held).

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::handles::handle;
use super::{
    from_js, opt_text_arg, promise, text_arg, texts_arg, to_js, to_js_error, CrmClient, OrJs,
};
pub(crate) use crate::browser::local_handle::{Inner, LOCAL_EVENTS};
use crate::error::CrmError;
use crate::offline;
use crate::schema::Changes;

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

#[wasm_bindgen]
impl LocalStore {
    #[wasm_bindgen(skip_typescript)]
    pub fn open(client: JsValue, options: Option<JsValue>) -> Promise {
        promise(async move {
            let shared = CrmClient::arg(&client, "client")?;
            let inner = Inner::open(shared, options).await?;
            let store = LocalStore {
                id: Self::register(&inner),
                inner,
            };
            Ok(store.into())
        })
    }

    #[wasm_bindgen(js_name = pinAll, skip_typescript)]
    pub fn pin_all(&self, class: JsValue, objects: JsValue, name: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let name = opt_name(name)?;
            Ok(inner.pin_objects(&class, &objects, name).await?.into())
        })
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
            let seq = offline::op_seq(seq).js()?;
            Ok(inner.drop_op(seq).await?.into())
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
        let i = LOCAL_EVENTS.iter().position(|k| *k == event);
        let i =
            i.ok_or_else(|| to_js_error(CrmError::InvalidInput(format!("no event {event:?}"))))?;
        Ok(self.inner.listeners[i].add(listener))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn close(&self) {
        self.inner.close();
    }
}
