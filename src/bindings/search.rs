//! `SearchIndex`: global search over the deals, contacts and companies this device holds
//! (`crm_core::search`), in wasm memory. Deals come from a `Pipeline` (so they follow its live
//! updates and offline loads), contacts and companies from the local store or the server.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;

use super::pipeline::PipelineHandle;
use super::{count_arg, from_js, text_arg, to_js, to_js_error};
use crate::error::CrmError;
use crate::models::{Company, Contact, Deal};
use crm_core::search::{SearchHit, SearchIndex, SearchKind};

/// At most this many hits per search.
const MAX_LIMIT: u32 = 200;

#[wasm_bindgen(js_name = SearchIndex)]
pub struct SearchIndexHandle {
    index: RefCell<SearchIndex>,
    /// The pipeline (its `Rc`'s address) and version last synced, to skip unchanged ones.
    synced: Cell<Option<(usize, u64)>>,
}

/// Setters that read one value (or a list) as a model and hand it to the index.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident = $js:ident($arg:ident: $ty:ty = $ts:literal, $what:literal) => $call:ident;)*) => {
        #[wasm_bindgen(js_class = SearchIndex)]
        impl SearchIndexHandle {$(
            $(#[$doc])*
            #[wasm_bindgen(js_name = $js)]
            pub fn $name(&self, #[wasm_bindgen(unchecked_param_type = $ts)] $arg: JsValue) -> Result<(), JsValue> {
                let $arg: $ty = from_js(&$arg, $what)?;
                self.index.borrow_mut().$call(&$arg);
                Ok(())
            }
        )*}
    };
}

setters! {
    /// Makes the indexed contacts exactly these.
    set_contacts = setContacts(contacts: Vec<Contact> = "Contact[]", "contacts") => set_contacts;
    /// Makes the indexed companies exactly these.
    set_companies = setCompanies(companies: Vec<Company> = "Company[]", "companies") => set_companies;
    upsert_contact = upsertContact(contact: Contact = "Contact", "Contact") => upsert_contact;
    upsert_company = upsertCompany(company: Company = "Company", "Company") => upsert_company;
    upsert_deal = upsertDeal(deal: Deal = "Deal", "Deal") => upsert_deal;
}

#[wasm_bindgen(js_class = SearchIndex)]
impl SearchIndexHandle {
    #[wasm_bindgen(constructor)]
    pub fn new() -> SearchIndexHandle {
        SearchIndexHandle {
            index: RefCell::new(SearchIndex::new()),
            synced: Cell::new(None),
        }
    }

    /// Records held (deals, contacts and companies).
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.index.borrow().len() as u32
    }

    /// Makes the indexed deals exactly the pipeline's (cheap when it has not changed since the
    /// last call: its version is compared). True if anything was re-read.
    #[wasm_bindgen(js_name = syncPipeline)]
    pub fn sync_pipeline(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Pipeline")] pipeline: JsValue,
    ) -> Result<bool, JsValue> {
        let parts = PipelineHandle::arg(&pipeline, "pipeline")?;
        let pipeline = parts.pipeline.borrow();
        let key = (
            std::rc::Rc::as_ptr(&parts.pipeline) as usize,
            pipeline.version(),
        );
        if self.synced.get() == Some(key) {
            return Ok(false);
        }
        self.index.borrow_mut().sync_deals(pipeline.deals());
        self.synced.set(Some(key));
        Ok(true)
    }

    /// Makes the indexed deals exactly these (when no pipeline holds them).
    #[wasm_bindgen(js_name = setDeals)]
    pub fn set_deals(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Deal[]")] deals: JsValue,
    ) -> Result<(), JsValue> {
        let deals: Vec<Deal> = from_js(&deals, "deals")?;
        self.index.borrow_mut().sync_deals(&deals);
        self.synced.set(None);
        Ok(())
    }

    /// Removes one record; true if it was there.
    pub fn remove(
        &self,
        #[wasm_bindgen(
            js_name = "className",
            unchecked_param_type = "'Deal' | 'Contact' | 'Company'"
        )]
        class_name: JsValue,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
    ) -> Result<bool, JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        let kind = SearchKind::from_class_name(&class_name).ok_or_else(|| {
            to_js_error(CrmError::InvalidInput(format!(
                "className must be Deal, Contact or Company, got {class_name:?}"
            )))
        })?;
        let object_id = text_arg(&object_id, "objectId")?;
        Ok(self.index.borrow_mut().remove(kind, &object_id))
    }

    /// The best `limit` (default 20, at most 200) records for `query`, best first: every word
    /// of it must be in the record's name, title, e-mail, phone, website or industry, or in its
    /// company's name; any case, accents or not.
    #[wasm_bindgen(unchecked_return_type = "SearchHit[]")]
    pub fn search(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] query: JsValue,
        limit: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let query = text_arg(&query, "query")?;
        let limit = match limit {
            Some(l) => count_arg(l, "limit")?.min(MAX_LIMIT),
            None => 20,
        };
        let hits: Vec<SearchHit> = self.index.borrow().search(&query, limit as usize);
        to_js(&hits)
    }
}

impl Default for SearchIndexHandle {
    fn default() -> Self {
        Self::new()
    }
}
