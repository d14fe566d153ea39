//! Handles passed as arguments (a `CrmQuery` to `or`, a `LocalStore` to `fromLocalDatastore`,
//! a `Pipeline` to `livePipeline`, ...). wasm-bindgen's own glue for a `&Handle` parameter
//! throws an `Error` without a `code` when given some other object or one already freed. So
//! each handle is registered under an id (unique across all handle kinds), readable from JS as
//! the hidden `__crmHandle` property, and arguments are looked up by it: a wrong, foreign or
//! freed object is `INVALID_INPUT`, and a lookup never trusts a pointer from JS.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;

use super::to_js_error;
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

/// Makes `$handle` (a struct with `id: u32`) a handle of `$state`, known to JS as `$js`: its
/// registry, the `__crmHandle` getter, `Drop` (forgets the id), `register`, `arg` (look up an
/// argument) and `handle_ref` (a stand-in argument for Rust callers, i.e. tests).
macro_rules! handle {
    ($handle:ident, $js:ident, $state:ty) => {
        thread_local! {
            static REGISTRY: $crate::bindings::handles::Registry<$state> =
                $crate::bindings::handles::Registry::new();
        }

        impl Drop for $handle {
            fn drop(&mut self) {
                let _ = REGISTRY.try_with(|r| r.forget(self.id));
            }
        }

        impl $handle {
            fn register(state: &Rc<$state>) -> u32 {
                REGISTRY.with(|r| r.register(state))
            }

            #[doc(hidden)]
            pub fn handle_ref(&self) -> JsValue {
                $crate::bindings::handles::stand_in(self.id)
            }

            /// An argument that must be a live handle of this kind (`what` names it).
            pub(crate) fn arg(value: &JsValue, what: &str) -> Result<Rc<$state>, JsValue> {
                REGISTRY.with(|r| r.arg(value, what, stringify!($js)))
            }
        }

        #[wasm_bindgen(js_class = $js)]
        impl $handle {
            /// The id this handle is found by when passed as an argument.
            #[wasm_bindgen(getter, js_name = __crmHandle, skip_typescript)]
            pub fn handle_id(&self) -> u32 {
                self.id
            }
        }
    };
}
pub(crate) use handle;
