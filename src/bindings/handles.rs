//! Handles passed as arguments (a `CrmQuery` to `or`, a `LocalStore` to `fromLocalDatastore`,
//! a `Pipeline` to `livePipeline`, ...): each handle class is registered under an id in a
//! [`crate::browser::handles::Registry`] and exposes it as the hidden `__crmHandle` property,
//! so a wrong, foreign or freed argument is `INVALID_INPUT` rather than wasm-bindgen's
//! uncoded `Error`.

/// Makes `$handle` (a struct with `id: u32`) a handle of `$state`, known to JS as `$js`: its
/// registry, the `__crmHandle` getter, `Drop` (forgets the id), `register`, `arg` (look up an
/// argument) and `handle_ref` (a stand-in argument for Rust callers, i.e. tests).
macro_rules! handle {
    ($handle:ident, $js:ident, $state:ty) => {
        thread_local! {
            static REGISTRY: $crate::browser::handles::Registry<$state> =
                $crate::browser::handles::Registry::new();
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
                $crate::browser::handles::stand_in(self.id)
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
