//! `CrmClient`: auth, per-class CRUD, partial updates, batches, and the query entry points.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use super::query::{CrmClass, CrmQuery};
use super::{
    count_value, from_js, opt_from_js, opt_text_arg, text_arg, texts_arg, to_js, to_js_error,
    Listeners, Shared, SharedRef,
};
use crate::browser::fetch::BrowserPlatform;
use crate::client::{Client, ClientOptions};
use crate::models::{Activity, Company, Contact, Deal};
use crate::query::Query;
use crate::schema::Changes;

/// The client for one Parse Server app.
#[wasm_bindgen]
pub struct CrmClient {
    shared: SharedRef,
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

/// Objects of one class from a JS array, each read as the model.
fn objects_arg<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    what: &str,
) -> Result<Vec<T>, JsValue> {
    if !js_sys::Array::is_array(value) {
        return Err(to_js_error(crate::error::CrmError::InvalidInput(format!(
            "the {what} objects must be an array"
        ))));
    }
    js_sys::Array::from(value)
        .iter()
        .map(|o| from_js(&o, what))
        .collect()
}

macro_rules! crud {
    ($ty:ident, $ty_ts:literal, $list_ts:literal, $changes_ts:literal, $saved_ts:literal, $batch_ts:literal, $query_ts:literal, $include_ts:literal,
     $create:ident = $create_js:ident, $get:ident = $get_js:ident, $update:ident = $update_js:ident,
     $delete:ident = $delete_js:ident, $find:ident = $find_js:ident, $save_all:ident = $save_all_js:ident,
     $destroy_all:ident = $destroy_all_js:ident, $query:ident) => {
        #[wasm_bindgen]
        impl CrmClient {
            #[doc = concat!("Creates a ", stringify!($ty), " (objectId chosen by the client if absent).")]
            #[wasm_bindgen(js_name = $create_js, unchecked_return_type = $ty_ts)]
            pub async fn $create(&self, #[wasm_bindgen(unchecked_param_type = $ty_ts)] object: JsValue) -> Result<JsValue, JsValue> {
                let object: $ty = from_js(&object, stringify!($ty))?;
                to_js(&self.shared.run(self.shared.core.create(object)).await?)
            }

            #[doc = concat!("Fetches one ", stringify!($ty), "; `include` names pointer fields to fetch whole.")]
            #[wasm_bindgen(js_name = $get_js, unchecked_return_type = $ty_ts)]
            pub async fn $get(
                &self,
                #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
                #[wasm_bindgen(unchecked_optional_param_type = $include_ts)] include: Option<JsValue>,
            ) -> Result<JsValue, JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                let include = match include {
                    Some(v) if !v.is_null() => texts_arg(&v, "include")?,
                    _ => Vec::new(),
                };
                to_js(&self.shared.run(self.shared.core.get::<$ty>(&object_id, &include)).await?)
            }

            #[doc = concat!("Saves only the given fields of a ", stringify!($ty), "; `null` unsets a field.")]
            #[wasm_bindgen(js_name = $update_js, unchecked_return_type = $saved_ts)]
            pub async fn $update(
                &self,
                #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
                #[wasm_bindgen(unchecked_param_type = $changes_ts)] changes: JsValue,
            ) -> Result<JsValue, JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                let changes: Changes = from_js(&changes, stringify!($ty))?;
                to_js(&self.shared.run(self.shared.core.update::<$ty>(&object_id, &changes)).await?)
            }

            #[doc = concat!("Deletes a ", stringify!($ty), " by objectId.")]
            #[wasm_bindgen(js_name = $delete_js)]
            pub async fn $delete(&self, #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue) -> Result<(), JsValue> {
                let object_id = text_arg(&object_id, "objectId")?;
                self.shared.run(self.shared.core.delete::<$ty>(&object_id)).await
            }

            #[doc = concat!("Runs a query, given as plain data, over ", stringify!($ty), " objects.")]
            #[wasm_bindgen(js_name = $find_js, unchecked_return_type = $list_ts)]
            pub async fn $find(&self, #[wasm_bindgen(unchecked_optional_param_type = "Query | null")] query: Option<JsValue>) -> Result<JsValue, JsValue> {
                let query: Query = opt_from_js(query, "query")?;
                to_js(&self.shared.run(self.shared.core.find::<$ty>(&query)).await?)
            }

            #[doc = concat!("Creates or updates many ", stringify!($ty), " objects, 50 per request; one result each.")]
            #[wasm_bindgen(js_name = $save_all_js, unchecked_return_type = $batch_ts)]
            pub async fn $save_all(&self, #[wasm_bindgen(unchecked_param_type = $list_ts)] objects: JsValue) -> Result<JsValue, JsValue> {
                let objects: Vec<$ty> = objects_arg(&objects, stringify!($ty))?;
                let results = self.shared.core.save_all(objects).await;
                Ok(batch_results(results, to_js)?.into())
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

// One line per class: its TypeScript names, then each method's Rust and JS names.
crud! { Company, "Company", "Company[]", "Changes<Company>", "Saved<Company>", "BatchResult<Company>[]", "CrmQuery<Company>", "PointerFieldOf<Company>[]",
create_company = createCompany, get_company = getCompany, update_company = updateCompany, delete_company = deleteCompany,
find_companies = findCompanies, save_all_companies = saveAllCompanies, destroy_all_companies = destroyAllCompanies, companies }
crud! { Contact, "Contact", "Contact[]", "Changes<Contact>", "Saved<Contact>", "BatchResult<Contact>[]", "CrmQuery<Contact>", "PointerFieldOf<Contact>[]",
create_contact = createContact, get_contact = getContact, update_contact = updateContact, delete_contact = deleteContact,
find_contacts = findContacts, save_all_contacts = saveAllContacts, destroy_all_contacts = destroyAllContacts, contacts }
crud! { Deal, "Deal", "Deal[]", "DealChanges", "Saved<Deal>", "BatchResult<Deal>[]", "CrmQuery<Deal>", "PointerFieldOf<Deal>[]",
create_deal = createDeal, get_deal = getDeal, update_deal = updateDeal, delete_deal = deleteDeal,
find_deals = findDeals, save_all_deals = saveAllDeals, destroy_all_deals = destroyAllDeals, deals }
crud! { Activity, "Activity", "Activity[]", "Changes<Activity>", "Saved<Activity>", "BatchResult<Activity>[]", "CrmQuery<Activity>", "PointerFieldOf<Activity>[]",
create_activity = createActivity, get_activity = getActivity, update_activity = updateActivity, delete_activity = deleteActivity,
find_activities = findActivities, save_all_activities = saveAllActivities, destroy_all_activities = destroyAllActivities, activities }

impl CrmClient {
    pub(crate) fn shared(&self) -> &SharedRef {
        &self.shared
    }
}

#[wasm_bindgen]
impl CrmClient {
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue,
    ) -> Result<CrmClient, JsValue> {
        let options: ClientOptions = from_js(&options, "options")?;
        let (endpoint, retry) = options.resolve().map_err(to_js_error)?;
        let shared = Rc::new(Shared {
            core: Rc::new(Client::new(BrowserPlatform::new(endpoint), retry)),
            session_expired: Listeners::new(),
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
        self.shared.session_expired.add(listener)
    }

    #[wasm_bindgen(js_name = signUp, unchecked_return_type = "User")]
    pub async fn sign_up(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] email: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] password: JsValue,
    ) -> Result<JsValue, JsValue> {
        let username = text_arg(&username, "username")?;
        let email = text_arg(&email, "email")?;
        let password = text_arg(&password, "password")?;
        let core = &self.shared.core;
        to_js(
            &self
                .shared
                .run(core.sign_up(&username, &email, &password))
                .await?,
        )
    }

    #[wasm_bindgen(js_name = logIn, unchecked_return_type = "User")]
    pub async fn log_in(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] username: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] password: JsValue,
    ) -> Result<JsValue, JsValue> {
        let username = text_arg(&username, "username")?;
        let password = text_arg(&password, "password")?;
        let core = &self.shared.core;
        to_js(&self.shared.run(core.log_in(&username, &password)).await?)
    }

    /// Revokes the session on the server, signs out locally, and deletes the user's local
    /// datastore (pins and queued writes), so the next user of this browser sees nothing of it.
    #[wasm_bindgen(js_name = logOut)]
    pub async fn log_out(&self) -> Result<(), JsValue> {
        let core = &self.shared.core;
        self.shared
            .run(crate::browser::local_store::log_out_and_wipe(core))
            .await
    }

    /// Signs in with an existing session token.
    #[wasm_bindgen(js_name = become, unchecked_return_type = "User")]
    pub async fn become_user(
        &self,
        #[wasm_bindgen(js_name = "sessionToken", unchecked_param_type = "string")]
        session_token: JsValue,
    ) -> Result<JsValue, JsValue> {
        let session_token = text_arg(&session_token, "sessionToken")?;
        let core = &self.shared.core;
        to_js(&self.shared.run(core.become_user(&session_token)).await?)
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
    #[wasm_bindgen(js_name = currentUser, unchecked_return_type = "User | undefined")]
    pub fn current_user(&self) -> Result<JsValue, JsValue> {
        match self.shared.core.current_user() {
            Some(user) => to_js(&user),
            None => Ok(JsValue::UNDEFINED),
        }
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
    #[wasm_bindgen(js_name = dealsByStage, unchecked_return_type = "Deal[]")]
    pub async fn deals_by_stage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Stage")] stage: JsValue,
        #[wasm_bindgen(js_name = "orderBy", unchecked_optional_param_type = "string")]
        order_by: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] limit: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let stage = text_arg(&stage, "stage")?;
        let order = match order_by {
            Some(v) => opt_text_arg(&v, "orderBy")?,
            None => None,
        };
        let limit = limit.filter(|n| !n.is_undefined() && !n.is_null());
        let limit = limit.map(|n| count_value(&n, "limit")).transpose()?;
        let query = Query::deals_by_stage(&stage, order, limit);
        to_js(
            &self
                .shared
                .run(self.shared.core.find::<Deal>(&query))
                .await?,
        )
    }
}
