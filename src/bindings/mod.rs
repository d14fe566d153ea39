//! The `#[wasm_bindgen]` surface: a thin layer over the core. Each export converts its
//! arguments (with `crate::browser::js`: checked, values as JSON text, so a bad one becomes a
//! typed error, never a leak or a panic), calls the core, and converts back; errors reach JS as
//! `Error` objects with a stable `code` (and `parseCode` when the server sent one). Async
//! exports return their promise through `js::promise`, one non-generic path for all.
//!
//! - `client`: `CrmClient`, auth and per-class CRUD and batches;
//! - `query`: `CrmQuery<T>`, the fluent query builder, and the client's query entry points;
//! - `pipeline`: `Pipeline`, the pipeline engine's handle;
//! - `live`: `LiveQueryClient`, Live Queries over a WebSocket;
//! - `local`: `LocalStore`, the offline datastore (pins, local queries, offline writes, sync).
//! - `search`: `SearchIndex`, global search over the deals, contacts and companies held.
//! - `handles`: the `handle!` declaration of the classes passed as arguments (looked up by id,
//!   so a wrong or freed one is a typed error).
//!
//! The exported classes are declared in `types.d.ts` (the Rust items are `skip_typescript`),
//! next to the generics, open string unions and overloads; the core types' declarations are
//! the core's `ts/crm-core.d.ts` (checked against the Rust types by a crm-core test).

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

use wasm_bindgen::prelude::*;

pub(crate) use crate::browser::js::*;
pub(crate) use crate::browser::shared::{Shared, SharedRef};

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
