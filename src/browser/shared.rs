//! What a `CrmClient` and everything made from it (queries, Live Query clients, local stores)
//! share: the core client over the browser platform, and the one path its events take to
//! JavaScript listeners.

use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::fetch::BrowserPlatform;
use super::js::{to_js_error, Listeners};
use crate::client::{Client, ClientEvent, Endpoint, RetryPolicy};
use crate::error::Result as CrmResult;

/// What `CrmClient` and every `CrmQuery` made from it share.
pub(crate) struct Shared {
    /// Shared with the Live Query drivers made from this client.
    pub core: Rc<Client<BrowserPlatform>>,
    pub session_expired: Rc<Listeners>,
}

impl Shared {
    /// The client for `endpoint`. Every call's events, whichever path raised them, are
    /// delivered from the platform's event sink: in a task of their own, so no call's borrows
    /// are held while listeners run.
    pub fn new(endpoint: Endpoint, retry: RetryPolicy) -> SharedRef {
        let shared = Rc::new(Shared {
            core: Rc::new(Client::new(BrowserPlatform::new(endpoint), retry)),
            session_expired: Listeners::new(),
        });
        let weak = Rc::downgrade(&shared);
        shared.core.platform().set_event_sink(Rc::new(move || {
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = weak.upgrade() {
                    shared.flush_events();
                }
            });
        }));
        shared
    }

    /// Awaits a core call, delivers its events before the caller resumes, and converts the
    /// error. (Calls that do not come through here get their events delivered all the same:
    /// see [`Shared::new`].)
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
