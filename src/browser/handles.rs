//! Handles passed as arguments (a `CrmQuery` to `or`, a `LocalStore` to `fromLocalDatastore`,
//! a `Pipeline` to `livePipeline`, ...). wasm-bindgen's own glue for a `&Handle` parameter
//! throws an `Error` without a `code` when given some other object or one already freed. So
//! each handle is registered under an id (unique across all handle kinds), readable from JS as
//! the hidden `__crmHandle` property, and arguments are looked up by it: a wrong, foreign or
//! freed object is `INVALID_INPUT`, and a lookup never trusts a pointer from JS. The handle
//! classes declare themselves with `bindings::handles::handle!`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::js::to_js_error;
use crate::error::CrmError;

/// The JS property each handle class exposes its id under.
const ID_PROPERTY: &str = "__crmHandle";

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// An object standing in for the handle `id` as an argument: all a lookup reads is the id.
pub(crate) fn stand_in(id: u32) -> JsValue {
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &JsValue::from_str(ID_PROPERTY), &id.into());
    object.into()
}

/// Live handles of one kind, by id. Holds `Weak`s: the handle object owns its state.
pub(crate) struct Registry<T> {
    live: RefCell<HashMap<u32, Weak<T>>>,
}

impl<T> Registry<T> {
    pub(crate) fn new() -> Self {
        Registry {
            live: RefCell::new(HashMap::new()),
        }
    }

    /// Registers `state` under a fresh id; call [`Registry::forget`] with it on drop.
    pub(crate) fn register(&self, state: &Rc<T>) -> u32 {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1).max(1));
            id
        });
        self.live.borrow_mut().insert(id, Rc::downgrade(state));
        id
    }

    pub(crate) fn forget(&self, id: u32) {
        self.live.borrow_mut().remove(&id);
    }

    /// The state of the handle `value`, which must be a live handle of this kind (`kind` and
    /// `what` name it in the error).
    pub(crate) fn arg(&self, value: &JsValue, what: &str, kind: &str) -> Result<Rc<T>, JsValue> {
        let wrong = || {
            to_js_error(CrmError::InvalidInput(format!(
                "{what} must be a {kind} that has not been freed"
            )))
        };
        if !value.is_object() {
            return Err(wrong());
        }
        // A freed handle's getter throws (wasm-bindgen's null pointer check): that is "wrong" too.
        let id = js_sys::Reflect::get(value, &JsValue::from_str(ID_PROPERTY))
            .ok()
            .and_then(|v| v.as_f64())
            .filter(|n| n.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(n))
            .ok_or_else(wrong)? as u32;
        let found = self.live.borrow().get(&id).and_then(Weak::upgrade);
        found.ok_or_else(wrong)
    }
}
