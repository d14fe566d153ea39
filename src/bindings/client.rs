//! `CrmClient`: auth, per-class CRUD, partial updates, batches, and the query entry points.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::handles::handle;

use super::{
    batch_results, count_value, from_js, new_object_arg, objects_arg, opt_from_js, opt_text_arg,
    promise, text_arg, texts_arg, to_js, to_js_error, Shared, SharedRef,
};
use crate::client::ClientOptions;
use crate::models::{Activity, Company, Contact, Deal};
use crate::query::Query;
use crate::schema::Changes;

/// The client for one Parse Server app (declared in `types.d.ts`). A handle: `LocalStore.open`,
/// `new LiveQueryClient` and `moveAndSave` look their client argument up by its id.
#[wasm_bindgen(skip_typescript)]
pub struct CrmClient {
    id: u32,
    shared: SharedRef,
}

handle!(CrmClient, CrmClient, Shared);

macro_rules! crud {
    ($ty:ident, $create:ident = $create_js:ident, $get:ident = $get_js:ident, $update:ident = $update_js:ident,
     $delete:ident = $delete_js:ident, $find:ident = $find_js:ident, $save_all:ident = $save_all_js:ident,
     $destroy_all:ident = $destroy_all_js:ident) => {
        #[wasm_bindgen]
        impl CrmClient {
            #[wasm_bindgen(js_name = $create_js, skip_typescript)]
            pub fn $create(&self, object: JsValue) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let object: $ty = new_object_arg(&object, stringify!($ty))?;
                    to_js(&shared.run(shared.core.create(object)).await?)
                })
            }

            #[wasm_bindgen(js_name = $get_js, skip_typescript)]
            pub fn $get(&self, object_id: JsValue, include: Option<JsValue>) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let object_id = text_arg(&object_id, "objectId")?;
                    let include = match include {
                        Some(v) if !v.is_null() => texts_arg(&v, "include")?,
                        _ => Vec::new(),
                    };
                    to_js(
                        &shared
                            .run(shared.core.get::<$ty>(&object_id, &include))
                            .await?,
                    )
                })
            }

            #[wasm_bindgen(js_name = $update_js, skip_typescript)]
            pub fn $update(&self, object_id: JsValue, changes: JsValue) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let object_id = text_arg(&object_id, "objectId")?;
                    let changes: Changes = from_js(&changes, stringify!($ty))?;
                    to_js(
                        &shared
                            .run(shared.core.update::<$ty>(&object_id, &changes))
                            .await?,
                    )
                })
            }

            #[wasm_bindgen(js_name = $delete_js, skip_typescript)]
            pub fn $delete(&self, object_id: JsValue) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let object_id = text_arg(&object_id, "objectId")?;
                    shared.run(shared.core.delete::<$ty>(&object_id)).await?;
                    Ok(JsValue::UNDEFINED)
                })
            }

            #[wasm_bindgen(js_name = $find_js, skip_typescript)]
            pub fn $find(&self, query: Option<JsValue>) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let query: Query = opt_from_js(query, "query")?;
                    to_js(&shared.run(shared.core.find::<$ty>(&query)).await?)
                })
            }

            #[wasm_bindgen(js_name = $save_all_js, skip_typescript)]
            pub fn $save_all(&self, objects: JsValue) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let objects: Vec<$ty> = objects_arg(&objects, stringify!($ty))?;
                    let results = shared.core.save_all(objects).await;
                    Ok(batch_results(results, to_js)?.into())
                })
            }

            #[wasm_bindgen(js_name = $destroy_all_js, skip_typescript)]
            pub fn $destroy_all(&self, object_ids: JsValue) -> Promise {
                let shared = self.shared.clone();
                promise(async move {
                    let object_ids = texts_arg(&object_ids, "objectIds")?;
                    let results = shared.core.destroy_all::<$ty>(&object_ids).await;
                    Ok(batch_results(results, |_| Ok(JsValue::NULL))?.into())
                })
            }
        }
    };
}

// One line per class: each method's Rust and JS names (declared in `types.d.ts`).
crud! { Company, create_company = createCompany, get_company = getCompany, update_company = updateCompany,
delete_company = deleteCompany, find_companies = findCompanies, save_all_companies = saveAllCompanies,
destroy_all_companies = destroyAllCompanies }
crud! { Contact, create_contact = createContact, get_contact = getContact, update_contact = updateContact,
delete_contact = deleteContact, find_contacts = findContacts, save_all_contacts = saveAllContacts,
destroy_all_contacts = destroyAllContacts }
crud! { Deal, create_deal = createDeal, get_deal = getDeal, update_deal = updateDeal, delete_deal = deleteDeal,
find_deals = findDeals, save_all_deals = saveAllDeals, destroy_all_deals = destroyAllDeals }
crud! { Activity, create_activity = createActivity, get_activity = getActivity, update_activity = updateActivity,
delete_activity = deleteActivity, find_activities = findActivities, save_all_activities = saveAllActivities,
destroy_all_activities = destroyAllActivities }

impl CrmClient {
    pub(crate) fn shared(&self) -> &SharedRef {
        &self.shared
    }
}

#[wasm_bindgen]
impl CrmClient {
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new(options: JsValue) -> Result<CrmClient, JsValue> {
        let options: ClientOptions = from_js(&options, "options")?;
        let (endpoint, retry) = options.resolve().map_err(to_js_error)?;
        let shared = Shared::new(endpoint, retry);
        Ok(CrmClient {
            id: Self::register(&shared),
            shared,
        })
    }

    #[wasm_bindgen(js_name = onSessionExpired, skip_typescript)]
    pub fn on_session_expired(&self, listener: js_sys::Function) -> js_sys::Function {
        self.shared.session_expired.add(listener)
    }

    #[wasm_bindgen(js_name = signUp, skip_typescript)]
    pub fn sign_up(&self, username: JsValue, email: JsValue, password: JsValue) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let username = text_arg(&username, "username")?;
            let email = text_arg(&email, "email")?;
            let password = text_arg(&password, "password")?;
            let signed_up = shared.core.sign_up(&username, &email, &password);
            to_js(&shared.run(signed_up).await?)
        })
    }

    #[wasm_bindgen(js_name = logIn, skip_typescript)]
    pub fn log_in(&self, username: JsValue, password: JsValue) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let username = text_arg(&username, "username")?;
            let password = text_arg(&password, "password")?;
            to_js(&shared.run(shared.core.log_in(&username, &password)).await?)
        })
    }

    #[wasm_bindgen(js_name = logOut, skip_typescript)]
    pub fn log_out(&self) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let core = &shared.core;
            shared
                .run(crate::browser::local_store::log_out_and_wipe(core))
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = forgetSession, skip_typescript)]
    pub fn forget_session(&self) {
        self.shared.core.forget_session();
    }

    #[wasm_bindgen(js_name = become, skip_typescript)]
    pub fn become_user(&self, session_token: JsValue) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let session_token = text_arg(&session_token, "sessionToken")?;
            to_js(&shared.run(shared.core.become_user(&session_token)).await?)
        })
    }

    #[wasm_bindgen(js_name = requestPasswordReset, skip_typescript)]
    pub fn request_password_reset(&self, email: JsValue) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let email = text_arg(&email, "email")?;
            shared
                .run(shared.core.request_password_reset(&email))
                .await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = changePassword, skip_typescript)]
    pub fn change_password(&self, current: JsValue, new: JsValue) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let (current, new) = (
                text_arg(&current, "currentPassword")?,
                text_arg(&new, "newPassword")?,
            );
            let changed = shared.core.change_password(&current, &new);
            shared.run(changed).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = currentUser, skip_typescript)]
    pub fn current_user(&self) -> Result<JsValue, JsValue> {
        match self.shared.core.current_user() {
            Some(user) => to_js(&user),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    #[wasm_bindgen(js_name = sessionToken, skip_typescript)]
    pub fn session_token(&self) -> Option<String> {
        self.shared.core.session_token()
    }

    #[wasm_bindgen(js_name = requestsSent, skip_typescript)]
    pub fn requests_sent(&self) -> f64 {
        self.shared.core.requests_sent() as f64
    }

    #[wasm_bindgen(js_name = dealsByStage, skip_typescript)]
    pub fn deals_by_stage(
        &self,
        stage: JsValue,
        order_by: Option<JsValue>,
        limit: Option<JsValue>,
    ) -> Promise {
        let shared = self.shared.clone();
        promise(async move {
            let stage = text_arg(&stage, "stage")?;
            let order = match order_by {
                Some(v) => opt_text_arg(&v, "orderBy")?,
                None => None,
            };
            let limit = limit.filter(|n| !n.is_undefined() && !n.is_null());
            let limit = limit.map(|n| count_value(&n, "limit")).transpose()?;
            let query = Query::deals_by_stage(&stage, order, limit);
            to_js(&shared.run(shared.core.find::<Deal>(&query)).await?)
        })
    }
}
