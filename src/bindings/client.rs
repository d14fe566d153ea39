//! `CrmClient`: auth, per-class CRUD, partial updates, batches, and the query entry points.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;

use super::query::{CrmClass, CrmQuery};
use super::{
    count_arg, decode, from_js, opt_text_arg, output, text_arg, texts_arg, to_js, to_js_error,
    Shared, SharedRef,
};
use crate::client::{Client, RetryPolicy};
use crate::error::CrmError;
use crate::models::{Activity, Company, Contact, Deal, Stage, User};
use crate::query::Query;
use crate::schema::Changes;
use crate::web::{BrowserPlatform, Endpoint};

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
    /// How often a request that failed in transport is retried; default 3 (0 turns retries off).
    #[serde(default)]
    #[tsify(optional)]
    pub max_retries: Option<u32>,
    /// Keep the session in localStorage so a reload stays signed in; default true.
    #[serde(default)]
    #[tsify(optional)]
    pub persist_session: Option<bool>,
}

/// The client for one Parse Server app.
#[wasm_bindgen]
pub struct CrmClient {
    shared: SharedRef,
}

fn changes_from(value: JsValue, class: &str) -> Result<Changes, JsValue> {
    from_js(&value, class)
}

/// `[{ok: true, object} | {ok: false, error}]` for saveAll / destroyAll.
fn batch_results<T>(
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

macro_rules! crud {
    ($ty:ident, $changes_ts:literal, $saved_ts:literal, $batch_ts:literal, $query_ts:literal,
     $create:ident = $create_js:ident, $get:ident = $get_js:ident, $update:ident = $update_js:ident,
     $delete:ident = $delete_js:ident, $find:ident = $find_js:ident, $save_all:ident = $save_all_js:ident,
     $destroy_all:ident = $destroy_all_js:ident, $query:ident) => {
        #[wasm_bindgen]
        impl CrmClient {
            #[doc = concat!("Creates a ", stringify!($ty), " (objectId chosen by the client if absent).")]
            #[wasm_bindgen(js_name = $create_js)]
            pub async fn $create(&self, object: Ts<$ty>) -> Result<Ts<$ty>, JsValue> {
                let object = decode(&object, stringify!($ty))?;
                let saved = self.shared.run(self.shared.core.create(object)).await?;
                output(&saved)
            }

            #[doc = concat!("Fetches one ", stringify!($ty), "; `include` names pointer fields to fetch whole.")]
            #[wasm_bindgen(js_name = $get_js)]
            pub async fn $get(
                &self,
                #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
                #[wasm_bindgen(unchecked_optional_param_type = "string[]")] include: Option<JsValue>,
            ) -> Result<Ts<$ty>, JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                let include = match include {
                    Some(v) if !v.is_null() => texts_arg(&v, "include")?,
                    _ => Vec::new(),
                };
                let found: $ty = self.shared.run(self.shared.core.get(&object_id, &include)).await?;
                output(&found)
            }

            #[doc = concat!("Saves only the given fields of a ", stringify!($ty), "; `null` unsets a field.")]
            #[wasm_bindgen(js_name = $update_js, unchecked_return_type = $saved_ts)]
            pub async fn $update(
                &self,
                #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
                #[wasm_bindgen(unchecked_param_type = $changes_ts)] changes: JsValue,
            ) -> Result<JsValue, JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                let changes = changes_from(changes, stringify!($ty))?;
                let saved = self.shared.run(self.shared.core.update::<$ty>(&object_id, &changes)).await?;
                to_js(&saved)
            }

            #[doc = concat!("Deletes a ", stringify!($ty), " by objectId.")]
            #[wasm_bindgen(js_name = $delete_js)]
            pub async fn $delete(&self, #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue) -> Result<(), JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                self.shared.run(self.shared.core.delete::<$ty>(&object_id)).await
            }

            #[doc = concat!("Runs a query, given as plain data, over ", stringify!($ty), " objects.")]
            #[wasm_bindgen(js_name = $find_js)]
            pub async fn $find(&self, query: Option<Ts<Query>>) -> Result<Vec<Ts<$ty>>, JsValue> {
                let query = match query {
                    Some(q) => decode(&q, "query")?,
                    None => Query::default(),
                };
                let found: Vec<$ty> = self.shared.run(self.shared.core.find(&query)).await?;
                found.iter().map(output).collect()
            }

            #[doc = concat!("Creates or updates many ", stringify!($ty), " objects, 50 per request; one result each.")]
            #[wasm_bindgen(js_name = $save_all_js, unchecked_return_type = $batch_ts)]
            pub async fn $save_all(&self, objects: Vec<Ts<$ty>>) -> Result<JsValue, JsValue> {
                let objects = objects
                    .iter()
                    .map(|o| decode(&o, stringify!($ty)))
                    .collect::<Result<Vec<$ty>, JsValue>>()?;
                let results = self.shared.core.save_all(objects).await;
                Ok(batch_results(results, |o| output(o).map(JsValue::from))?.into())
            }

            #[doc = concat!("Deletes many ", stringify!($ty), " objects, 50 per request; one result each.")]
            #[wasm_bindgen(js_name = $destroy_all_js, unchecked_return_type = "BatchResult<null>[]")]
            pub async fn $destroy_all(&self, #[wasm_bindgen(js_name = "objectIds", unchecked_param_type = "string[]")] object_ids: JsValue) -> Result<JsValue, JsValue> {
                let object_ids = texts_arg(&object_ids, "objectIds")?;
                let results = self.shared.core.destroy_all::<$ty>(&object_ids).await;
                Ok(batch_results(results, |_| Ok(JsValue::NULL))?.into())
            }

            #[doc = concat!("A query over ", stringify!($ty), " objects.")]
            #[wasm_bindgen(unchecked_return_type = $query_ts)]
            pub fn $query(&self) -> CrmQuery {
                CrmQuery::new(self.shared.clone(), CrmClass::$ty)
            }
        }
    };
}

crud!(
    Company,
    "Changes<Company>",
    "Saved<Company>",
    "BatchResult<Company>[]",
    "CrmQuery<Company>",
    create_company = createCompany,
    get_company = getCompany,
    update_company = updateCompany,
    delete_company = deleteCompany,
    find_companies = findCompanies,
    save_all_companies = saveAllCompanies,
    destroy_all_companies = destroyAllCompanies,
    companies
);
crud!(
    Contact,
    "Changes<Contact>",
    "Saved<Contact>",
    "BatchResult<Contact>[]",
    "CrmQuery<Contact>",
    create_contact = createContact,
    get_contact = getContact,
    update_contact = updateContact,
    delete_contact = deleteContact,
    find_contacts = findContacts,
    save_all_contacts = saveAllContacts,
    destroy_all_contacts = destroyAllContacts,
    contacts
);
crud!(
    Deal,
    "DealChanges",
    "Saved<Deal>",
    "BatchResult<Deal>[]",
    "CrmQuery<Deal>",
    create_deal = createDeal,
    get_deal = getDeal,
    update_deal = updateDeal,
    delete_deal = deleteDeal,
    find_deals = findDeals,
    save_all_deals = saveAllDeals,
    destroy_all_deals = destroyAllDeals,
    deals
);
crud!(
    Activity,
    "Changes<Activity>",
    "Saved<Activity>",
    "BatchResult<Activity>[]",
    "CrmQuery<Activity>",
    create_activity = createActivity,
    get_activity = getActivity,
    update_activity = updateActivity,
    delete_activity = deleteActivity,
    find_activities = findActivities,
    save_all_activities = saveAllActivities,
    destroy_all_activities = destroyAllActivities,
    activities
);

impl CrmClient {
    pub(crate) fn shared(&self) -> &SharedRef {
        &self.shared
    }
}

#[wasm_bindgen]
impl CrmClient {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Ts<ClientOptions>) -> Result<CrmClient, JsValue> {
        let o = decode(&options, "options")?;
        if o.server_url.is_empty() || o.app_id.is_empty() {
            return Err(to_js_error(CrmError::InvalidInput(
                "serverUrl and appId are required".into(),
            )));
        }
        crate::rest::check_server_url(&o.server_url).map_err(to_js_error)?;
        let endpoint = Endpoint {
            server_url: o.server_url,
            app_id: o.app_id,
            javascript_key: o.javascript_key,
            timeout_ms: o.timeout_ms.unwrap_or(15_000).max(1),
            persist_session: o.persist_session.unwrap_or(true),
        };
        let retry = RetryPolicy {
            max_retries: o.max_retries.unwrap_or(3).min(10),
            ..RetryPolicy::default()
        };
        let shared = Rc::new(Shared {
            core: Rc::new(Client::new(BrowserPlatform::new(endpoint), retry)),
            session_expired: RefCell::new(Vec::new()),
        });
        // Every call's events, whichever path raised them, are delivered from here: in a task
        // of their own, so no call's borrows are held while listeners run.
        let weak = Rc::downgrade(&shared);
        shared.core.platform().set_event_sink(Rc::new(move || {
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(shared) = weak.upgrade() {
                    shared.flush_events();
                }
            });
        }));
        Ok(CrmClient { shared })
    }

    /// Calls `listener` when the server refuses the session (expired or revoked); the client
    /// has then signed out. Returns a function that removes the listener.
    #[wasm_bindgen(js_name = onSessionExpired, unchecked_return_type = "() => void")]
    pub fn on_session_expired(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: js_sys::Function,
    ) -> js_sys::Function {
        self.shared
            .session_expired
            .borrow_mut()
            .push(listener.clone());
        let shared = Rc::downgrade(&self.shared);
        Closure::once_into_js(move || {
            if let Some(s) = shared.upgrade() {
                s.session_expired.borrow_mut().retain(|f| f != &listener);
            }
        })
        .unchecked_into()
    }

    #[wasm_bindgen(js_name = signUp)]
    pub async fn sign_up(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] email: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] password: JsValue,
    ) -> Result<Ts<User>, JsValue> {
        let username = text_arg(&username, "username")?;
        let email = text_arg(&email, "email")?;
        let password = text_arg(&password, "password")?;
        let user = self
            .shared
            .run(self.shared.core.sign_up(&username, &email, &password))
            .await?;
        output(&user)
    }

    #[wasm_bindgen(js_name = logIn)]
    pub async fn log_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] password: JsValue,
    ) -> Result<Ts<User>, JsValue> {
        let username = text_arg(&username, "username")?;
        let password = text_arg(&password, "password")?;
        let user = self
            .shared
            .run(self.shared.core.log_in(&username, &password))
            .await?;
        output(&user)
    }

    /// Revokes the session on the server, signs out locally, and deletes the user's local
    /// datastore (pins and queued writes), so the next user of this browser sees nothing of it.
    #[wasm_bindgen(js_name = logOut)]
    pub async fn log_out(&self) -> Result<(), JsValue> {
        let user = self.shared.core.current_user();
        let result = self.shared.run(self.shared.core.log_out()).await;
        if let Some(id) = user.and_then(|u| u.object_id) {
            let name = crate::local_store::database_name(
                &self.shared.core.platform().endpoint().app_id,
                &id,
            );
            crate::local_store::wipe(&name).await.map_err(to_js_error)?;
        }
        result
    }

    /// Signs in with an existing session token.
    #[wasm_bindgen(js_name = become)]
    pub async fn become_user(
        &self,
        #[wasm_bindgen(js_name = "sessionToken", unchecked_param_type = "string")]
        session_token: JsValue,
    ) -> Result<Ts<User>, JsValue> {
        let session_token = text_arg(&session_token, "sessionToken")?;
        let user = self
            .shared
            .run(self.shared.core.become_user(&session_token))
            .await?;
        output(&user)
    }

    /// Asks the server to e-mail a password-reset link.
    #[wasm_bindgen(js_name = requestPasswordReset)]
    pub async fn request_password_reset(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] email: JsValue,
    ) -> Result<(), JsValue> {
        let email = text_arg(&email, "email")?;
        self.shared
            .run(self.shared.core.request_password_reset(&email))
            .await
    }

    /// The signed-in user (restored from storage after a reload), or undefined.
    #[wasm_bindgen(js_name = currentUser)]
    pub fn current_user(&self) -> Result<Option<Ts<User>>, JsValue> {
        self.shared
            .core
            .current_user()
            .as_ref()
            .map(output)
            .transpose()
    }

    /// The session token, for handing to another client (`become`), or undefined.
    #[wasm_bindgen(js_name = sessionToken)]
    pub fn session_token(&self) -> Option<String> {
        self.shared.core.session_token()
    }

    /// HTTP requests sent so far, retries included.
    #[wasm_bindgen(js_name = requestsSent)]
    pub fn requests_sent(&self) -> f64 {
        self.shared.core.requests_sent() as f64
    }

    /// Deals in one stage, ordered by `orderBy` (default "expectedCloseDate"; prefix "-" for
    /// descending), up to `limit` (default 100).
    #[wasm_bindgen(js_name = dealsByStage)]
    pub async fn deals_by_stage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Stage")] stage: JsValue,
        #[wasm_bindgen(js_name = "orderBy", unchecked_optional_param_type = "string")]
        order_by: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] limit: Option<f64>,
    ) -> Result<Vec<Ts<Deal>>, JsValue> {
        let stage = Stage::from(text_arg(&stage, "stage")?.as_str());
        let order = match order_by {
            Some(v) => opt_text_arg(&v, "orderBy")?,
            None => None,
        }
        .unwrap_or_else(|| "expectedCloseDate".into());
        let limit = limit.map(|n| count_arg(n, "limit")).transpose()?;
        let query = Query {
            order: vec![order],
            limit: Some(limit.unwrap_or(100)),
            ..Query::new()
        }
        .equal_to("stage", stage.as_str());
        let found: Vec<Deal> = self.shared.run(self.shared.core.find(&query)).await?;
        found.iter().map(output).collect()
    }
}
