//! The `#[wasm_bindgen]` surface: a thin, typed layer over [`crate::client::Client`]. Values
//! cross as tsify `Ts<T>` (typed in the generated `.d.ts`, converted inside the function so a
//! bad value becomes an error, never a leak or a panic). Errors reach JS as `Error` objects
//! with a stable `code` (and `parseCode` when the server sent one).

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use crate::client::{Client, ClientEvent};
use crate::error::CrmError;
use crate::models::{Activity, Company, Contact, Deal, Stage, User};
use crate::query::Query;
use crate::web::{BrowserPlatform, Endpoint};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** An instant as ISO-8601 text in UTC with milliseconds: "2026-12-01T00:00:00.000Z". */
export type IsoDate = string;
/** Pipeline stages, in order. Values written by other clients outside this set are kept as-is. */
export type Stage = "lead" | "qualified" | "proposal" | "negotiation" | "won" | "lost" | (string & {});
/** Activity kinds. Values outside this set are kept as-is. */
export type ActivityType = "call" | "email" | "meeting" | "note" | (string & {});
/** A pointer field's value: a bare pointer, or the whole object when the query included it. */
export type Ref<T> = Pointer | (T & { className: string; objectId: string });
/** What an activity is about: a Contact or a Deal. */
export type RelatedTo =
  | { className: "Contact"; objectId: string }
  | { className: "Deal"; objectId: string }
  | (Contact & { className: "Contact"; objectId: string })
  | (Deal & { className: "Deal"; objectId: string });
/** A value in a query condition: dates as IsoDate strings, pointers as {className, objectId}. */
export type QueryValue = string | number | boolean | null | Pointer;
/** Read/write permissions by user id, "role:NAME" or "*". */
export type Acl = Record<string, { read?: boolean; write?: boolean }>;
/** Every error thrown by crm-wasm. */
export interface CrmError extends Error {
  name: "CrmError";
  /** Stable: MISSING_FIELD, INVALID_FIELD, INVALID_INPUT, NOT_SIGNED_IN, NETWORK_ERROR, TIMEOUT,
   * MALFORMED_RESPONSE, OBJECT_NOT_FOUND, PERMISSION_DENIED, INVALID_SESSION, USERNAME_TAKEN,
   * EMAIL_TAKEN, VALIDATION_FAILED, DUPLICATE_VALUE, DUPLICATE_REQUEST, INVALID_QUERY,
   * UNAUTHORIZED, SERVER_ERROR, HTTP_ERROR, ... */
  code: string;
  /** Parse Server's numeric error code, when the server sent one. */
  parseCode?: number;
}
"#;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
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

fn input_error(what: &str, err: impl std::fmt::Display) -> JsValue {
    to_js_error(CrmError::from_input(what, &err.to_string()))
}

fn output<T: Tsify + serde::Serialize>(value: &T) -> Result<Ts<T>, JsValue> {
    Ts::from_rust(value).map_err(|e| to_js_error(CrmError::InvalidInput(e.to_string())))
}

/// Options for [`CrmClient`]. There is no master key: the client is for browsers.
#[derive(Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    /// e.g. "http://127.0.0.1:1337/parse"
    pub server_url: String,
    pub app_id: String,
    pub javascript_key: String,
    /// Per-request timeout; default 15000.
    #[serde(default)]
    #[tsify(optional)]
    pub timeout_ms: Option<u32>,
    /// Keep the session in localStorage so a reload stays signed in; default true.
    #[serde(default)]
    #[tsify(optional)]
    pub persist_session: Option<bool>,
}

type Listener = RefCell<Vec<js_sys::Function>>;

/// The client for one Parse Server app.
#[wasm_bindgen]
pub struct CrmClient {
    core: Rc<Client<BrowserPlatform>>,
    session_expired: Rc<Listener>,
}

macro_rules! crud {
    ($ty:ident, $create:ident = $create_js:ident, $get:ident = $get_js:ident, $update:ident = $update_js:ident, $delete:ident = $delete_js:ident, $find:ident = $find_js:ident) => {
        #[wasm_bindgen]
        impl CrmClient {
            #[doc = concat!("Creates a ", stringify!($ty), " (objectId chosen by the client if absent).")]
            #[wasm_bindgen(js_name = $create_js)]
            pub async fn $create(&self, object: Ts<$ty>) -> Result<Ts<$ty>, JsValue> {
                let object = object.to_rust().map_err(|e| input_error(stringify!($ty), e))?;
                let saved = self.run(self.core.create(object)).await?;
                output(&saved)
            }

            #[doc = concat!("Fetches one ", stringify!($ty), "; `include` names pointer fields to fetch whole.")]
            #[wasm_bindgen(js_name = $get_js)]
            pub async fn $get(&self, #[wasm_bindgen(js_name = "objectId")] object_id: String, include: Option<Vec<String>>) -> Result<Ts<$ty>, JsValue> {
                let found: $ty = self.run(self.core.get(&object_id, &include.unwrap_or_default())).await?;
                output(&found)
            }

            #[doc = concat!("Saves a ", stringify!($ty), " that has an objectId.")]
            #[wasm_bindgen(js_name = $update_js)]
            pub async fn $update(&self, object: Ts<$ty>) -> Result<Ts<$ty>, JsValue> {
                let object = object.to_rust().map_err(|e| input_error(stringify!($ty), e))?;
                let saved = self.run(self.core.update(object)).await?;
                output(&saved)
            }

            #[doc = concat!("Deletes a ", stringify!($ty), " by objectId.")]
            #[wasm_bindgen(js_name = $delete_js)]
            pub async fn $delete(&self, #[wasm_bindgen(js_name = "objectId")] object_id: String) -> Result<(), JsValue> {
                self.run(self.core.delete::<$ty>(&object_id)).await
            }

            #[doc = concat!("Runs a query over ", stringify!($ty), " objects.")]
            #[wasm_bindgen(js_name = $find_js)]
            pub async fn $find(&self, query: Option<Ts<Query>>) -> Result<Vec<Ts<$ty>>, JsValue> {
                let query = match query {
                    Some(q) => q.to_rust().map_err(|e| input_error("query", e))?,
                    None => Query::default(),
                };
                let found: Vec<$ty> = self.run(self.core.find(&query)).await?;
                found.iter().map(output).collect()
            }
        }
    };
}

crud!(
    Company,
    create_company = createCompany,
    get_company = getCompany,
    update_company = updateCompany,
    delete_company = deleteCompany,
    find_companies = findCompanies
);
crud!(
    Contact,
    create_contact = createContact,
    get_contact = getContact,
    update_contact = updateContact,
    delete_contact = deleteContact,
    find_contacts = findContacts
);
crud!(
    Deal,
    create_deal = createDeal,
    get_deal = getDeal,
    update_deal = updateDeal,
    delete_deal = deleteDeal,
    find_deals = findDeals
);
crud!(
    Activity,
    create_activity = createActivity,
    get_activity = getActivity,
    update_activity = updateActivity,
    delete_activity = deleteActivity,
    find_activities = findActivities
);

#[wasm_bindgen]
impl CrmClient {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Ts<ClientOptions>) -> Result<CrmClient, JsValue> {
        let o = options.to_rust().map_err(|e| input_error("options", e))?;
        if o.server_url.is_empty() || o.app_id.is_empty() {
            return Err(to_js_error(CrmError::InvalidInput(
                "serverUrl and appId are required".into(),
            )));
        }
        let endpoint = Endpoint {
            server_url: o.server_url,
            app_id: o.app_id,
            javascript_key: o.javascript_key,
            timeout_ms: o.timeout_ms.unwrap_or(15_000).max(1),
            persist_session: o.persist_session.unwrap_or(true),
        };
        Ok(CrmClient {
            core: Rc::new(Client::new(BrowserPlatform::new(endpoint))),
            session_expired: Rc::new(RefCell::new(Vec::new())),
        })
    }

    /// Awaits a core call, delivers queued events, and converts the error.
    async fn run<T>(
        &self,
        call: impl std::future::Future<Output = crate::error::Result<T>>,
    ) -> Result<T, JsValue> {
        let result = call.await;
        self.flush_events();
        result.map_err(to_js_error)
    }

    // Called with no Rust borrow held: listeners may call back into the client.
    fn flush_events(&self) {
        for event in self.core.take_events() {
            match event {
                ClientEvent::SessionExpired => {
                    let listeners: Vec<js_sys::Function> = self.session_expired.borrow().clone();
                    for f in listeners {
                        let _ = f.call0(&JsValue::NULL);
                    }
                }
            }
        }
    }

    /// Calls `listener` when the server refuses the session (expired or revoked); the client
    /// has then signed out. Returns a function that removes the listener.
    #[wasm_bindgen(js_name = onSessionExpired, unchecked_return_type = "() => void")]
    pub fn on_session_expired(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: js_sys::Function,
    ) -> js_sys::Function {
        self.session_expired.borrow_mut().push(listener.clone());
        let listeners = Rc::downgrade(&self.session_expired);
        Closure::once_into_js(move || {
            if let Some(l) = listeners.upgrade() {
                l.borrow_mut().retain(|f| f != &listener);
            }
        })
        .unchecked_into()
    }

    #[wasm_bindgen(js_name = signUp)]
    pub async fn sign_up(
        &self,
        username: String,
        email: String,
        password: String,
    ) -> Result<Ts<User>, JsValue> {
        let user = self
            .run(self.core.sign_up(&username, &email, &password))
            .await?;
        output(&user)
    }

    #[wasm_bindgen(js_name = logIn)]
    pub async fn log_in(&self, username: String, password: String) -> Result<Ts<User>, JsValue> {
        let user = self.run(self.core.log_in(&username, &password)).await?;
        output(&user)
    }

    /// Revokes the session on the server and signs out locally.
    #[wasm_bindgen(js_name = logOut)]
    pub async fn log_out(&self) -> Result<(), JsValue> {
        self.run(self.core.log_out()).await
    }

    /// Signs in with an existing session token.
    #[wasm_bindgen(js_name = become)]
    pub async fn become_user(
        &self,
        #[wasm_bindgen(js_name = "sessionToken")] session_token: String,
    ) -> Result<Ts<User>, JsValue> {
        let user = self.run(self.core.become_user(&session_token)).await?;
        output(&user)
    }

    #[wasm_bindgen(js_name = requestPasswordReset)]
    pub async fn request_password_reset(&self, email: String) -> Result<(), JsValue> {
        self.run(self.core.request_password_reset(&email)).await
    }

    /// The signed-in user (restored from storage after a reload), or undefined.
    #[wasm_bindgen(js_name = currentUser)]
    pub fn current_user(&self) -> Result<Option<Ts<User>>, JsValue> {
        self.core.current_user().as_ref().map(output).transpose()
    }

    /// The session token, for handing to another client (`become`), or undefined.
    #[wasm_bindgen(js_name = sessionToken)]
    pub fn session_token(&self) -> Option<String> {
        self.core.session_token()
    }

    /// Deals in one stage, ordered by `orderBy` (default "expectedCloseDate"; prefix "-" for
    /// descending), up to `limit` (default 100).
    #[wasm_bindgen(js_name = dealsByStage)]
    pub async fn deals_by_stage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Stage")] stage: String,
        #[wasm_bindgen(js_name = "orderBy")] order_by: Option<String>,
        limit: Option<u32>,
    ) -> Result<Vec<Ts<Deal>>, JsValue> {
        let stage = Stage::from(stage.as_str());
        let order = order_by.unwrap_or_else(|| "expectedCloseDate".into());
        let query = Query {
            order: vec![order],
            limit: Some(limit.unwrap_or(100)),
            ..Query::new()
        }
        .equal_to("stage", stage.as_str());
        let found: Vec<Deal> = self.run(self.core.find(&query)).await?;
        found.iter().map(output).collect()
    }
}
