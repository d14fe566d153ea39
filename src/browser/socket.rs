//! A WebSocket for the browser: opens, sends text, reports open / message / close through Rust
//! callbacks, and keeps its JS closures alive exactly as long as the socket. Closing it detaches
//! the callbacks first, so a late event from a socket that was given up on never arrives.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::live::SocketEvent;

pub struct Socket {
    ws: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut(JsValue)>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut(JsValue)>,
}

impl Socket {
    /// Opens `url`; `on_event` is called for every event of this socket only.
    pub fn open(
        url: &str,
        on_event: impl Fn(SocketEvent) + Clone + 'static,
    ) -> Result<Socket, String> {
        let ws = web_sys::WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
        let f = on_event.clone();
        let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| f(SocketEvent::Open));
        let f = on_event.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if let Some(text) = e.data().as_string() {
                    f(SocketEvent::Message(text));
                }
            });
        // An error is always followed by a close; the close is what counts.
        let f = on_event;
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |_| f(SocketEvent::Closed));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    pub fn send(&self, text: &str) -> bool {
        self.ws.send_with_str(text).is_ok()
    }

    /// Detaches the callbacks and closes.
    pub fn close(self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}
