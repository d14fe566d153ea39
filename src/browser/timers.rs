//! The Live Query driver's environment in the browser: WebSocket, `setTimeout`, the clock,
//! `Math.random` and local tasks.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::socket::Socket;
use crate::live::{LiveEnv, LiveSocket, SocketEvent};

/// The browser as the driver's environment.
pub(crate) struct Browser;

impl LiveSocket for Socket {
    fn send(&self, frame: &str) {
        // A frame that cannot leave is like one lost in transit: the heartbeat notices.
        let _ = Socket::send(self, frame);
    }
    fn close(self) {
        Socket::close(self);
    }
}

impl LiveEnv for Browser {
    type Socket = Socket;
    fn open(&self, url: &str, on_event: Box<dyn Fn(SocketEvent)>) -> Result<Socket, String> {
        let on_event = Rc::new(on_event);
        Socket::open(url, move |e| on_event(e))
    }
    fn now_ms(&self) -> i64 {
        now_ms()
    }
    fn random(&self) -> f64 {
        js_sys::Math::random()
    }
    fn set_timeout(&self, ms: u32, f: Box<dyn FnOnce()>) {
        let f = Closure::once_into_js(f);
        if let Some(window) = js_sys::global().dyn_ref::<web_sys::Window>() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                f.unchecked_ref(),
                ms.min(i32::MAX as u32) as i32,
            );
        }
    }
    fn spawn(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}

/// The clock, in milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
