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

use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::browser::fetch::BrowserPlatform;
pub(crate) use crate::browser::js::*;
use crate::client::{Client, ClientEvent};
use crate::error::Result as CrmResult;

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
