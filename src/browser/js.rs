//! JavaScript values in and out of the `#[wasm_bindgen]` surface: checked arguments, values as
//! JSON text both ways, typed `Error`s, listener lists, and the one promise path of every async
//! export. No CRM logic: each function only converts.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{CrmError, Result as CrmResult};

/// A future answering a JS value: what every async export runs.
type JsFuture = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// The one path from an async export to its JS `Promise`. Not generic, so the module holds one
/// copy of the future-to-promise machinery however many exports are async (an `async fn`
/// export gets a copy of its own each).
#[inline(never)]
fn promise_of(future: JsFuture) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// An async export's promise: boxes `future` for [`promise_of`] (all the generic part does).
/// The export is typed `Promise<T>` by its `unchecked_return_type` or in `types.d.ts`.
pub(crate) fn promise(
    future: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> js_sys::Promise {
    promise_of(Box::pin(future))
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
    js_text(value)
        .ok_or_else(|| to_js_error(CrmError::InvalidInput(format!("{what} must be a string"))))
}

/// A callback argument: anything else (`subscribe(query, 5)`) was taken, and its events were
/// then dropped without a word.
pub(crate) fn function_arg(value: JsValue, what: &str) -> Result<js_sys::Function, JsValue> {
    value
        .dyn_into::<js_sys::Function>()
        .map_err(|_| to_js_error(CrmError::InvalidInput(format!("{what} must be a function"))))
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(
        this: &Utf8Encoder,
        source: &js_sys::JsString,
        destination: &js_sys::Uint8Array,
    ) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> f64;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> f64;
}

thread_local! {
    static ENCODER: Utf8Encoder = Utf8Encoder::new();
}

/// Below this many UTF-16 units, wasm-bindgen's own conversion is as quick as the calls below.
const SHORT_TEXT: u32 = 4096;

/// A JS string's text, or None if `value` is not a string. wasm-bindgen's own conversion
/// (`as_string`) copies the text into wasm memory one UTF-16 unit at a time in a JS loop, about
/// 4 ns a character: 20 ms of a 4.7 MB answer (10k deals), most of what loading them cost beyond
/// parsing. `TextEncoder.encodeInto` writes it straight into wasm memory at memcpy speed.
pub(crate) fn js_text(value: &JsValue) -> Option<String> {
    let text = value.dyn_ref::<js_sys::JsString>()?;
    let units = text.length();
    if units < SHORT_TEXT {
        return value.as_string();
    }
    // JSON is mostly ASCII: a byte a unit, then room for the rest at up to 3 bytes a unit.
    let mut bytes = Vec::<u8>::with_capacity(units as usize);
    let mut read = 0u32;
    ENCODER.with(|encoder| {
        while read < units {
            let rest = if read == 0 {
                text.clone()
            } else {
                text.slice(read, units)
            };
            let spare = bytes.spare_capacity_mut();
            let room = spare.len();
            // SAFETY: the view covers `bytes`' spare capacity and is used only by this call,
            // before anything else can allocate (and so move or grow wasm memory).
            let view = unsafe { js_sys::Uint8Array::view_mut_raw(spare.as_mut_ptr().cast(), room) };
            let done = encoder.encode_into(&rest, &view);
            let (units_read, written) = (done.read() as u32, done.written() as usize);
            // SAFETY: encodeInto wrote `written` bytes at the start of the spare capacity
            // (never more than the view holds).
            unsafe { bytes.set_len(bytes.len() + written.min(room)) };
            read += units_read;
            if units_read == 0 && room >= 4 {
                break; // no progress with room for any character: not expected of TextEncoder
            }
            if read < units {
                bytes.reserve((units - read) as usize * 3);
            }
        }
    });
    if read < units {
        return value.as_string();
    }
    // encodeInto writes UTF-8 only (a lone surrogate becomes U+FFFD); checked all the same.
    String::from_utf8(bytes).ok()
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
        Ok(text) => js_text(&text).unwrap_or_else(|| "null".into()),
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

/// `[{ok: true, object} | {ok: false, error}]` for saveAll / destroyAll.
pub(crate) fn batch_results<T>(
    results: Vec<crate::error::Result<T>>,
    to_value: impl Fn(&T) -> Result<JsValue, JsValue>,
) -> Result<js_sys::Array, JsValue> {
    let out = js_sys::Array::new();
    for result in results {
        let item = js_sys::Object::new();
        let (ok, key, value) = match result {
            Ok(v) => (true, "object", to_value(&v)?),
            Err(e) => (false, "error", to_js_error(e)),
        };
        js_sys::Reflect::set(&item, &"ok".into(), &JsValue::from_bool(ok))?;
        js_sys::Reflect::set(&item, &key.into(), &value)?;
        out.push(&item);
    }
    Ok(out)
}

/// Objects of one class from a JS array, each read as the model.
/// An object to store, as its class's model: typed, and with no field the class lacks (see
/// `ClassSchema::check_fields`).
pub(crate) fn new_object_arg<T: crate::schema::HasSchema + DeserializeOwned>(
    value: &JsValue,
    what: &str,
) -> Result<T, JsValue> {
    let object = new_object_value(value, what, T::SCHEMA)?;
    serde_json::from_value(object).map_err(|e| input_error(what, e))
}

// Apart from the generic part: one copy in the module, not one per class (#19).
fn new_object_value(
    value: &JsValue,
    what: &str,
    schema: &crate::schema::ClassSchema,
) -> Result<serde_json::Value, JsValue> {
    let object: serde_json::Value = from_js(value, what)?;
    schema.check_fields(&object).map_err(to_js_error)?;
    Ok(object)
}

pub(crate) fn objects_arg<T: crate::schema::HasSchema + DeserializeOwned>(
    value: &JsValue,
    what: &str,
) -> Result<Vec<T>, JsValue> {
    if !js_sys::Array::is_array(value) {
        return Err(to_js_error(CrmError::InvalidInput(format!(
            "the {what} objects must be an array"
        ))));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|o| new_object_arg(&o, what))
        .collect()
}

/// The values of a condition (`containedIn`), each read as JSON.
pub(crate) fn values_arg(value: &JsValue, what: &str) -> Result<Vec<serde_json::Value>, JsValue> {
    if !js_sys::Array::is_array(value) {
        return Err(to_js_error(CrmError::InvalidInput(format!(
            "the values for {what} must be an array"
        ))));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|v| from_js(&v, what))
        .collect()
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
