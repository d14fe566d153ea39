//! The `#[wasm_bindgen]` surface: a thin, typed layer over [`crate::client::Client`]. Values
//! are typed by name in the generated `.d.ts` (`unchecked_param_type`, declared in the core's
//! `ts/crm-core.d.ts` and in `types.d.ts`) and cross as JSON text, read inside the
//! function so a bad value becomes an error, never a leak or a panic; plain arguments (ids,
//! names, counts) are checked the same way. Errors reach JS as `Error` objects with a stable
//! `code` (and `parseCode` when the server sent one).
//!
//! - `client`: `CrmClient`, auth and per-class CRUD and batches;
//! - `query`: `CrmQuery<T>`, the fluent query builder;
//! - `pipeline`: `Pipeline`, the pipeline engine's handle;
//! - `live`: `LiveQueryClient`, Live Queries over a WebSocket;
//! - `local`: `LocalStore`, the offline datastore (pins, local queries, offline writes, sync).
//! - `search`: `SearchIndex`, global search over the deals, contacts and companies held.
//! - `handles`: handles passed as arguments, looked up by id so a wrong or freed one is a
//!   typed error.
//!
//! The core types' declarations are the core's `ts/crm-core.d.ts` (checked against the Rust
//! types by a crm-core test); generics, open string unions and handle overloads are in
//! `types.d.ts`.

mod client;
mod handles;
mod live;
mod local;
mod pipeline;
mod query;
mod search;

pub use client::CrmClient;
pub use live::LiveQueryClient;
pub use local::LocalStore;
pub use pipeline::PipelineHandle;
pub use query::CrmQuery;
pub use search::SearchIndexHandle;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::fetch::BrowserPlatform;
use crate::client::{Client, ClientEvent};
use crate::error::{CrmError, Result as CrmResult};

#[wasm_bindgen(typescript_custom_section)]
const TS_CORE_TYPES: &'static str = include_str!("../../crates/crm-core/ts/crm-core.d.ts");

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = include_str!("types.d.ts");

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

// The closed vocabularies, for the app to list columns and options without a copy of its own.
// Their one source is backend/crm-vocabulary.json (Cloud Code reads it; a crm-core test ties
// `Stage` and `ActivityType` to it).

/// The pipeline's stages, in order.
#[wasm_bindgen(unchecked_return_type = "Stage[]")]
pub fn stages() -> Vec<String> {
    crate::Stage::NAMES
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The stages where a deal is closed (won, lost).
#[wasm_bindgen(js_name = closedStages, unchecked_return_type = "Stage[]")]
pub fn closed_stages() -> Vec<String> {
    crate::Stage::CLOSED
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// The kinds of activity, in order.
#[wasm_bindgen(js_name = activityTypes, unchecked_return_type = "ActivityType[]")]
pub fn activity_types() -> Vec<String> {
    crate::ActivityType::NAMES
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
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

/// `.js()`: a core result with its error as a JS `Error` (see [`to_js_error`]).
pub(crate) trait OrJs<T> {
    fn js(self) -> Result<T, JsValue>;
}

impl<T> OrJs<T> for CrmResult<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(to_js_error)
    }
}

pub(crate) fn input_error(what: &str, err: impl std::fmt::Display) -> JsValue {
    to_js_error(CrmError::from_input(what, &err.to_string()))
}

/// A string argument from JS. Arguments cross as `JsValue` and are checked here because
/// wasm-bindgen's own string conversion trusts the caller: a number where a string belongs would
/// corrupt memory rather than fail.
pub(crate) fn text_arg(value: &JsValue, what: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| to_js_error(CrmError::InvalidInput(format!("{what} must be a string"))))
}

/// An optional string argument: `undefined` or `null` is absent.
pub(crate) fn opt_text_arg(value: &JsValue, what: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    text_arg(value, what).map(Some)
}

/// An array of strings (a real array: a string is not taken for its characters).
pub(crate) fn texts_arg(value: &JsValue, what: &str) -> Result<Vec<String>, JsValue> {
    if !js_sys::Array::is_array(value) {
        return Err(to_js_error(CrmError::InvalidInput(format!(
            "{what} must be an array of strings"
        ))));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| text_arg(&v, what))
        .collect()
}

/// Variadic string arguments (`include("a", "b")`).
pub(crate) fn rest_texts(values: &[JsValue], what: &str) -> Result<Vec<String>, JsValue> {
    values.iter().map(|v| text_arg(v, what)).collect()
}

/// A count given as a JS value: it must be a number (wasm-bindgen would coerce `'10'` to 10
/// for an `f64` parameter, hiding the caller's mistake), then as [`count_arg`].
pub(crate) fn count_value(value: &JsValue, what: &str) -> Result<u32, JsValue> {
    match value.as_f64() {
        Some(n) => count_arg(n, what),
        None => Err(to_js_error(CrmError::InvalidInput(format!(
            "{what} must be a number, got {}",
            value.js_typeof().as_string().unwrap_or_default()
        )))),
    }
}

/// A count (limit, skip, offset) from a JS number: finite, whole, 0 to 2^32 - 1.
pub(crate) fn count_arg(value: f64, what: &str) -> Result<u32, JsValue> {
    if value.is_finite() && value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
        Ok(value as u32)
    } else {
        Err(to_js_error(CrmError::InvalidInput(format!(
            "{what} must be a whole number from 0, got {value}"
        ))))
    }
}

// Values cross the boundary as JSON text both ways: the engine's native JSON.stringify and
// JSON.parse on the JS side, serde_json on ours. One serialization format keeps one copy of
// each type's (de)serializer in the module instead of one per format, and moving text is
// cheaper than building values field by field across the boundary.
#[wasm_bindgen(inline_js = r#"
export function crm_wasm_to_json(value) {
  // JSON.stringify turns NaN and Infinity into null, and a typo into "no amount": text without
  // any null had none (the common case, and the engine's fast path: a replacer is called for
  // every value). Otherwise the replacer finds them.
  const text = JSON.stringify(value);
  if (text === undefined || !text.includes('null')) {
    return text;
  }
  return JSON.stringify(value, function (key, v) {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new RangeError('crm-wasm:non-finite:' + key);
    }
    return v;
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn crm_wasm_to_json(value: &JsValue) -> Result<JsValue, JsValue>;
}

/// Reads a value from JS as `T` (`what` names it in errors). Non-finite numbers are refused
/// (INVALID_FIELD), `undefined` fields are absent, Dates become ISO text.
pub(crate) fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, JsValue> {
    let text = match crm_wasm_to_json(value) {
        Ok(text) => text.as_string().unwrap_or_else(|| "null".into()),
        Err(e) => {
            let message = e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "cannot be read".into());
            return Err(to_js_error(
                match message.strip_prefix("crm-wasm:non-finite:") {
                    Some("") => CrmError::InvalidInput(format!("{what} must be a finite number")),
                    Some(field) => CrmError::invalid(what, field, "must be a finite number"),
                    None => CrmError::InvalidInput(format!("{what}: {message}")),
                },
            ));
        }
    };
    // Through a Value: every type then has one deserializer in the module, the one the wire
    // decoding uses too.
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| input_error(what, e))?;
    serde_json::from_value(value).map_err(|e| input_error(what, e))
}

/// [`from_js`] for an optional argument: `undefined` or `null` is the default.
pub(crate) fn opt_from_js<T: DeserializeOwned + Default>(
    value: Option<JsValue>,
    what: &str,
) -> Result<T, JsValue> {
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => from_js(&v, what),
        _ => Ok(T::default()),
    }
}

/// JSON-shaped output (maps as objects, `None` as null unless the type skips it).
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| to_js_error(CrmError::InvalidInput(e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// JavaScript listeners of one kind.
#[derive(Default)]
pub(crate) struct Listeners(RefCell<Vec<js_sys::Function>>);

impl Listeners {
    pub fn new() -> Rc<Self> {
        Rc::default()
    }

    /// Adds `f`; answers the function that removes it again.
    pub fn add(self: &Rc<Self>, f: js_sys::Function) -> js_sys::Function {
        self.0.borrow_mut().push(f.clone());
        let weak = Rc::downgrade(self);
        Closure::once_into_js(move || {
            if let Some(l) = weak.upgrade() {
                l.0.borrow_mut().retain(|g| g != &f);
            }
        })
        .unchecked_into()
    }

    /// Calls each with `arg` (with no borrow held: a listener may add or remove listeners).
    /// Answers whether there was anyone to call.
    pub fn call(&self, arg: &JsValue) -> bool {
        let listeners = self.0.borrow().clone();
        for f in &listeners {
            let _ = f.call1(&JsValue::NULL, arg);
        }
        !listeners.is_empty()
    }
}

/// What `CrmClient` and every `CrmQuery` made from it share.
pub(crate) struct Shared {
    /// Shared with the Live Query drivers made from this client.
    pub core: Rc<Client<BrowserPlatform>>,
    pub session_expired: Rc<Listeners>,
}

impl Shared {
    /// Awaits a core call, delivers its events before the caller resumes, and converts the
    /// error. (Calls that do not come through here get their events delivered all the same:
    /// see the event sink set in `CrmClient::new`.)
    pub async fn run<T>(&self, call: impl Future<Output = CrmResult<T>>) -> Result<T, JsValue> {
        let result = call.await;
        self.flush_events();
        result.map_err(to_js_error)
    }

    /// Delivers the client's queued events: the one path they all take. Called with no Rust
    /// borrow held: listeners may call back into the client.
    pub(crate) fn flush_events(&self) {
        for event in self.core.take_events() {
            match event {
                ClientEvent::SessionExpired => {
                    self.session_expired.call(&JsValue::UNDEFINED);
                }
            }
        }
    }
}

pub(crate) type SharedRef = Rc<Shared>;
