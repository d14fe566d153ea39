//! Browser adapters behind [`crate::client::Platform`]: fetch with a timeout, `localStorage`
//! for the session, `crypto.getRandomValues` for ids. Each is small; no CRM logic lives here.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::js::js_text;
use crate::client::Platform;
use crate::error::{CrmError, Result};
use crate::models::User;
use crate::rest::{self, Request, Session};

pub use crate::client::Endpoint;

pub struct BrowserPlatform {
    endpoint: Endpoint,
    /// Counts requests in flight, for tests and the app's busy indicator.
    in_flight: Cell<u32>,
    /// Schedules the delivery of the client's queued events (set by the bindings, which own
    /// the listeners).
    on_events: RefCell<Option<Rc<dyn Fn()>>>,
}

impl BrowserPlatform {
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            in_flight: Cell::new(0),
            on_events: RefCell::new(None),
        }
    }

    /// What to call when the client queues events ([`Platform::events_queued`]).
    pub fn set_event_sink(&self, sink: Rc<dyn Fn()>) {
        *self.on_events.borrow_mut() = Some(sink);
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn storage_key(&self) -> String {
        format!("crm-wasm/{}/session", self.endpoint.app_id)
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// `fetch` from the global scope: works in a window and in a worker.
fn fetch_with_request(request: &web_sys::Request) -> Result<js_sys::Promise> {
    let global = js_sys::global();
    if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        return Ok(window.fetch_with_request(request));
    }
    if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        return Ok(worker.fetch_with_request(request));
    }
    Err(CrmError::Network(
        "no fetch in this JavaScript environment".into(),
    ))
}

fn set_timeout(callback: &js_sys::Function, ms: u32) -> Option<i32> {
    let global = js_sys::global();
    if let Some(w) = global.dyn_ref::<web_sys::Window>() {
        return w
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms as i32)
            .ok();
    }
    global
        .dyn_ref::<web_sys::WorkerGlobalScope>()
        .and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(callback, ms as i32)
                .ok()
        })
}

fn clear_timeout(handle: i32) {
    let global = js_sys::global();
    if let Some(w) = global.dyn_ref::<web_sys::Window>() {
        w.clear_timeout_with_handle(handle);
    } else if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        w.clear_timeout_with_handle(handle);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    js_sys::global()
        .dyn_ref::<web_sys::Window>()
        .and_then(|w| w.local_storage().ok().flatten())
}

impl BrowserPlatform {
    async fn fetch(&self, request: &Request, session_token: Option<&str>) -> Result<(u16, String)> {
        let ep = &self.endpoint;
        let wire = request.wire();
        let url = format!(
            "{}{}",
            ep.server_url.trim_end_matches('/'),
            wire.path_and_query
        );
        let init = web_sys::RequestInit::new();
        init.set_method(wire.method.as_str());
        let headers = web_sys::Headers::new().map_err(|e| CrmError::Network(js_message(&e)))?;
        let set = |k: &str, v: &str| {
            headers
                .set(k, v)
                .map_err(|e| CrmError::InvalidInput(js_message(&e)))
        };
        set("X-Parse-Application-Id", &ep.app_id)?;
        set("X-Parse-JavaScript-Key", &ep.javascript_key)?;
        if let Some(token) = session_token {
            set("X-Parse-Session-Token", token)?;
        }
        if let Some(id) = &request.request_id {
            set("X-Parse-Request-Id", id)?;
        }
        if let Some(context) = &request.context {
            set("X-Parse-Cloud-Context", context)?;
        }
        if let Some(body) = &wire.body {
            set("Content-Type", "application/json")?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let controller =
            web_sys::AbortController::new().map_err(|e| CrmError::Network(js_message(&e)))?;
        init.set_signal(Some(&controller.signal()));
        let req = web_sys::Request::new_with_str_and_init(&url, &init).map_err(|e| {
            CrmError::InvalidInput(format!("bad request for {url}: {}", js_message(&e)))
        })?;

        let abort = wasm_bindgen::closure::Closure::once_into_js({
            let controller = controller.clone();
            move || controller.abort()
        });
        let timer = set_timeout(abort.unchecked_ref(), ep.timeout_ms.min(i32::MAX as u32));
        self.in_flight.set(self.in_flight.get() + 1);
        let outcome = async {
            let response = JsFuture::from(fetch_with_request(&req)?)
                .await
                .map_err(|e| {
                    if controller.signal().aborted() {
                        CrmError::Timeout(ep.timeout_ms)
                    } else {
                        CrmError::Network(js_message(&e))
                    }
                })?;
            let response: web_sys::Response = response.dyn_into().map_err(|_| {
                CrmError::MalformedResponse("fetch did not return a Response".into())
            })?;
            let text_promise = response
                .text()
                .map_err(|e| CrmError::MalformedResponse(js_message(&e)))?;
            let text = JsFuture::from(text_promise).await.map_err(|e| {
                if controller.signal().aborted() {
                    CrmError::Timeout(ep.timeout_ms)
                } else {
                    CrmError::Network(format!("response cut off: {}", js_message(&e)))
                }
            })?;
            Ok((response.status(), js_text(&text).unwrap_or_default()))
        }
        .await;
        self.in_flight.set(self.in_flight.get().saturating_sub(1));
        if let Some(t) = timer {
            clear_timeout(t);
        }
        outcome
    }
}

impl Platform for BrowserPlatform {
    async fn send(&self, request: &Request, session_token: Option<&str>) -> Result<Value> {
        let (status, body) = self.fetch(request, session_token).await?;
        rest::decode_response(status, &body)
    }

    async fn sleep(&self, ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            if set_timeout(&resolve, ms.min(i32::MAX as u32)).is_none() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ = JsFuture::from(promise).await;
    }

    fn mount_path(&self) -> String {
        rest::mount_path(&self.endpoint.server_url)
    }

    fn events_queued(&self) {
        let sink = self.on_events.borrow().clone();
        if let Some(sink) = sink {
            sink();
        }
    }

    fn random_bytes(&self, buf: &mut [u8]) {
        // getrandom's js backend uses crypto.getRandomValues; Math.random is the last resort
        // should a sandbox lack Web Crypto.
        if getrandom::getrandom(buf).is_err() {
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }

    fn load_session(&self) -> Option<Session> {
        if !self.endpoint.persist_session {
            return None;
        }
        let text = local_storage()?
            .get_item(&self.storage_key())
            .ok()
            .flatten()?;
        // A damaged entry is ignored (signed out), never a crash.
        let value: Value = serde_json::from_str(&text).ok()?;
        let token = value.get("sessionToken")?.as_str()?.to_owned();
        let user: User = serde_json::from_value(value.get("user")?.clone()).ok()?;
        Some(Session {
            user,
            session_token: token,
        })
    }

    fn store_session(&self, session: Option<&Session>) {
        if !self.endpoint.persist_session {
            return;
        }
        let Some(storage) = local_storage() else {
            return;
        };
        match session {
            Some(s) => {
                let value = serde_json::json!({ "user": s.user, "sessionToken": s.session_token });
                let _ = storage.set_item(&self.storage_key(), &value.to_string());
            }
            None => {
                let _ = storage.remove_item(&self.storage_key());
            }
        }
    }
}
