//! Helpers shared by the browser test files: clients pointed at the test backend (or at the
//! fault-injecting proxy in front of it), unique users, and reading CrmError codes.
#![allow(dead_code)] // each test file uses a different subset

use crm_wasm::bindings::{CrmClient, LiveQueryClient};
use crm_wasm::User;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub const SERVER_URL: &str = match option_env!("CRM_TEST_SERVER_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:1437/parse",
};

/// The fault proxy (tests/support/fault-proxy.mjs) in front of the same server.
pub const PROXY_URL: &str = match option_env!("CRM_TEST_PROXY_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:1438/parse",
};

pub const PASSWORD: &str = "pw-123456";

pub fn js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

/// A value for an argument typed by name in the `.d.ts` (a Deal, options, a filter...).
pub fn ts(value: serde_json::Value) -> JsValue {
    js(&value)
}

/// Reads what the bindings answered as `T` (`value.into_rust()`).
pub trait IntoRust {
    fn into_rust<T: DeserializeOwned>(self) -> T;
}

impl IntoRust for JsValue {
    fn into_rust<T: DeserializeOwned>(self) -> T {
        rust(self)
    }
}

/// A value the bindings answered, read as `T`.
pub fn rust<T: DeserializeOwned>(value: JsValue) -> T {
    serde_wasm_bindgen::from_value(value).unwrap()
}

pub fn client_with(options: serde_json::Value) -> CrmClient {
    let mut o = serde_json::json!({
        "serverUrl": SERVER_URL, "appId": "crm", "javascriptKey": "crm-js-key", "persistSession": false
    });
    if let (Some(base), Some(extra)) = (o.as_object_mut(), options.as_object()) {
        base.extend(extra.clone());
    }
    CrmClient::new(js(&o)).unwrap()
}

pub fn client() -> CrmClient {
    client_with(serde_json::json!({}))
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", (js_sys::Math::random() * 1e12) as u64)
}

pub async fn sign_up_on(c: &CrmClient, prefix: &str) -> User {
    let name = unique(prefix);
    rust(
        c.sign_up(
            name.clone().into(),
            format!("{name}@example.com").into(),
            PASSWORD.into(),
        )
        .await
        .unwrap(),
    )
}

pub async fn signed_up(prefix: &str) -> (CrmClient, User) {
    let c = client();
    let user = sign_up_on(&c, prefix).await;
    (c, user)
}

/// The `code` property of a thrown CrmError.
pub fn code_of(err: &JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "errors are Error objects: {err:?}"
    );
    js_sys::Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

pub fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap()
}

/// A plain `fetch` from the page, for what the client must not be able to do.
pub async fn raw_fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let h = web_sys::Headers::new().unwrap();
    for (k, v) in headers {
        h.set(k, v).unwrap();
    }
    init.set_headers(&h);
    if let Some(b) = body {
        init.set_body(&JsValue::from_str(b));
    }
    let window: web_sys::Window = js_sys::global().unchecked_into();
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .unwrap()
        .unchecked_into();
    let text = JsFuture::from(resp.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap_or_default();
    (
        resp.status(),
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// Tells the fault proxy what to do next (`drop-response`, `status?code=503`, `delay?ms=…`).
pub async fn fault(what: &str) {
    let base = PROXY_URL.trim_end_matches("/parse");
    let (status, _) = raw_fetch("POST", &format!("{base}/__fault/{what}"), &[], None).await;
    assert_eq!(status, 200, "fault proxy answered {status} to {what}");
}

pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let w: web_sys::Window = js_sys::global().unchecked_into();
        w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

// ---- Live Queries ----

pub const PROXY_WS: &str = match option_env!("CRM_TEST_PROXY_WS") {
    Some(url) => url,
    None => "ws://127.0.0.1:1438/parse",
};

/// Polls `done` every 20 ms until it holds or `ms` pass; answers the time it took.
pub async fn within(ms: f64, what: &str, mut done: impl FnMut() -> bool) -> f64 {
    let start = js_sys::Date::now();
    while !done() {
        assert!(
            js_sys::Date::now() - start < ms,
            "timed out after {ms} ms waiting for {what}"
        );
        sleep(20).await;
    }
    js_sys::Date::now() - start
}

pub type Events = Rc<RefCell<Vec<Value>>>;

pub fn recorder() -> (Events, js_sys::Function) {
    let events: Events = Rc::new(RefCell::new(Vec::new()));
    let sink = events.clone();
    let f = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        sink.borrow_mut()
            .push(serde_wasm_bindgen::from_value(e).unwrap());
    });
    (events, f.into_js_value().unchecked_into())
}

pub fn titles(events: &Events, kind: &str) -> Vec<String> {
    events
        .borrow()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["object"]["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

pub async fn second_client(a: &CrmClient) -> CrmClient {
    let b = client();
    b.become_user(a.session_token().unwrap().into())
        .await
        .unwrap();
    b
}

pub async fn live_on(c: &CrmClient, options: Value) -> (LiveQueryClient, u32, Events) {
    let live = LiveQueryClient::new(c.handle_ref(), Some(ts(options))).unwrap();
    let (events, handler) = recorder();
    let id = live
        .subscribe(c.deals().handle_ref(), handler.into())
        .unwrap();
    within(5000.0, "the subscription", || live.is_subscribed(id)).await;
    (live, id, events)
}
