//! The `#[wasm_bindgen]` surface: a thin, typed layer over [`crate::client::Client`]. Values
//! cross as tsify `Ts<T>` (typed in the generated `.d.ts`, converted inside the function so a
//! bad value becomes an error, never a leak or a panic). Errors reach JS as `Error` objects
//! with a stable `code` (and `parseCode` when the server sent one).
//!
//! - `client`: `CrmClient`, auth and per-class CRUD and batches;
//! - `query`: `CrmQuery<T>`, the fluent query builder;
//! - `pipeline`: `Pipeline`, the pipeline engine's handle;
//! - `live`: `LiveQueryClient`, Live Queries over a WebSocket;
//! - `local`: `LocalStore`, the offline datastore (pins, local queries, offline writes, sync).
//!
//! Declarations tsify cannot derive (generics, open string unions) are in `types.d.ts`.

mod client;
mod live;
mod local;
mod pipeline;
mod query;

pub use client::CrmClient;
pub use live::LiveQueryClient;
pub use local::LocalStore;
pub use pipeline::PipelineHandle;
pub use query::CrmQuery;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use serde::Serialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use crate::client::{Client, ClientEvent};
use crate::error::{CrmError, Result as CrmResult};
use crate::web::BrowserPlatform;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Turns a [`CrmError`] into a JS `Error` with `name`, `code` and `parseCode`.
pub(crate) fn to_js_error(err: CrmError) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    js.set_name("CrmError");
    let _ = js_sys::Reflect::set(&js, &"code".into(), &err.code().into());
    if let Some(code) = err.parse_code() {
        let _ = js_sys::Reflect::set(&js, &"parseCode".into(), &JsValue::from_f64(code as f64));
    }
    js.into()
}

pub(crate) fn input_error(what: &str, err: impl std::fmt::Display) -> JsValue {
    to_js_error(CrmError::from_input(what, &err.to_string()))
}

pub(crate) fn output<T: Tsify + Serialize>(value: &T) -> Result<Ts<T>, JsValue> {
    Ts::from_rust(value).map_err(|e| to_js_error(CrmError::InvalidInput(e.to_string())))
}

/// Plain JSON-shaped output (maps as objects) for values without a tsify type of their own.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| to_js_error(CrmError::InvalidInput(e.to_string())))
}

/// Many objects at once: one JSON text parsed by the engine's `JSON.parse`, much cheaper than
/// building each object field by field across the boundary. The shape is the same.
pub(crate) fn to_js_bulk<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| to_js_error(CrmError::InvalidInput(e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// What `CrmClient` and every `CrmQuery` made from it share.
pub(crate) struct Shared {
    pub core: Client<BrowserPlatform>,
    pub session_expired: RefCell<Vec<js_sys::Function>>,
}

impl Shared {
    /// Awaits a core call, delivers queued events, and converts the error.
    pub async fn run<T>(&self, call: impl Future<Output = CrmResult<T>>) -> Result<T, JsValue> {
        let result = call.await;
        self.flush_events();
        result.map_err(to_js_error)
    }

    // Called with no Rust borrow held: listeners may call back into the client.
    fn flush_events(&self) {
        for event in self.core.take_events() {
            match event {
                ClientEvent::SessionExpired => {
                    let listeners: Vec<js_sys::Function> = self.session_expired.borrow().clone();
                    for f in listeners {
                        let _ = f.call0(&JsValue::NULL);
                    }
                }
            }
        }
    }
}

pub(crate) type SharedRef = Rc<Shared>;
