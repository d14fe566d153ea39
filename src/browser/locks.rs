//! Web Locks (so one tab at a time replays a database's queue) and the browser's online state.

use std::future::Future;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Whether the browser believes it is online (true where it cannot tell).
pub(crate) fn online() -> bool {
    js_sys::global()
        .dyn_ref::<web_sys::Window>()
        .is_none_or(|w| w.navigator().on_line())
}

/// Runs `task` holding the Web Lock `name` (exclusive across this origin's tabs), or at once
/// where Web Locks are not available.
pub(crate) async fn with_lock<F>(name: &str, task: F) -> Result<JsValue, JsValue>
where
    F: Future<Output = Result<JsValue, JsValue>> + 'static,
{
    let locks = js_sys::global()
        .dyn_ref::<web_sys::Window>()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined());
    let Some(locks) = locks else {
        return task.await;
    };
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())?.dyn_into()?;
    let callback =
        Closure::once_into_js(move |_lock: JsValue| -> js_sys::Promise { future_to_promise(task) });
    let promise = request
        .call2(&locks, &JsValue::from_str(name), &callback)?
        .dyn_into::<js_sys::Promise>()?;
    JsFuture::from(promise).await
}

/// Calls `f` whenever the browser comes back online, until the answer is dropped.
pub(crate) fn on_online(f: impl FnMut() + 'static) -> Option<OnlineListener> {
    let window = js_sys::global().dyn_into::<web_sys::Window>().ok()?;
    let callback = Closure::<dyn FnMut()>::new(f);
    window
        .add_event_listener_with_callback("online", callback.as_ref().unchecked_ref())
        .ok()?;
    Some(OnlineListener { window, callback })
}

/// A listener for the browser's `online` event; dropping it removes it.
pub(crate) struct OnlineListener {
    window: web_sys::Window,
    callback: Closure<dyn FnMut()>,
}

impl Drop for OnlineListener {
    fn drop(&mut self) {
        let _ = self
            .window
            .remove_event_listener_with_callback("online", self.callback.as_ref().unchecked_ref());
    }
}
