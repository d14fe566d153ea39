//! `SearchIndex`: global search over the deals, contacts and companies this device holds
//! (`crm_core::search`), in wasm memory. Deals come from a `Pipeline` (so they follow its live
//! updates and offline loads), contacts and companies from the local store or the server.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::pipeline::PipelineHandle;
use super::{count_arg, from_js, text_arg, to_js, to_js_error};
use crate::error::CrmError;
use crate::models::{Company, Contact, Deal};
use crm_core::search::{hits_for, SearchHit, SearchIndex, SearchKind};

/// Declared in `types.d.ts`.
#[wasm_bindgen(js_name = SearchIndex, skip_typescript)]
pub struct SearchIndexHandle {
    index: RefCell<SearchIndex>,
}

/// Setters that read one value (or a list) as a model and hand it to the index.
macro_rules! setters {
    ($($name:ident = $js:ident($arg:ident: $ty:ty, $what:literal) => $call:ident;)*) => {
        #[wasm_bindgen(js_class = SearchIndex)]
        impl SearchIndexHandle {$(
            #[wasm_bindgen(js_name = $js, skip_typescript)]
            pub fn $name(&self, $arg: JsValue) -> Result<(), JsValue> {
                let $arg: $ty = from_js(&$arg, $what)?;
                self.index.borrow_mut().$call(&$arg);
                Ok(())
            }
        )*}
    };
}

setters! {
    set_contacts = setContacts(contacts: Vec<Contact>, "contacts") => set_contacts;
    set_companies = setCompanies(companies: Vec<Company>, "companies") => set_companies;
    upsert_contact = upsertContact(contact: Contact, "Contact") => upsert_contact;
    upsert_company = upsertCompany(company: Company, "Company") => upsert_company;
    upsert_deal = upsertDeal(deal: Deal, "Deal") => upsert_deal;
}

#[wasm_bindgen(js_class = SearchIndex)]
impl SearchIndexHandle {
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new() -> SearchIndexHandle {
        SearchIndexHandle {
            index: RefCell::new(SearchIndex::new()),
        }
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn size(&self) -> u32 {
        self.index.borrow().len() as u32
    }

    #[wasm_bindgen(js_name = syncPipeline, skip_typescript)]
    pub fn sync_pipeline(&self, pipeline: JsValue) -> Result<bool, JsValue> {
        let parts = PipelineHandle::arg(&pipeline, "pipeline")?;
        let pipeline = parts.pipeline.borrow();
        let source = std::rc::Rc::as_ptr(&parts.pipeline) as usize;
        let mut index = self.index.borrow_mut();
        Ok(index.sync_deals_from(source, pipeline.version(), pipeline.deals()))
    }

    #[wasm_bindgen(js_name = setDeals, skip_typescript)]
    pub fn set_deals(&self, deals: JsValue) -> Result<(), JsValue> {
        let deals: Vec<Deal> = from_js(&deals, "deals")?;
        self.index.borrow_mut().sync_deals(&deals);
        Ok(())
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn remove(&self, class_name: JsValue, object_id: JsValue) -> Result<bool, JsValue> {
        let class_name = text_arg(&class_name, "className")?;
        let kind = SearchKind::from_class_name(&class_name).ok_or_else(|| {
            to_js_error(CrmError::InvalidInput(format!(
                "className must be Deal, Contact or Company, got {class_name:?}"
            )))
        })?;
        let object_id = text_arg(&object_id, "objectId")?;
        Ok(self.index.borrow_mut().remove(kind, &object_id))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn search(&self, query: JsValue, limit: Option<f64>) -> Result<JsValue, JsValue> {
        let query = text_arg(&query, "query")?;
        let limit = limit.map(|l| count_arg(l, "limit")).transpose()?;
        let hits: Vec<SearchHit> = self.index.borrow().search(&query, hits_for(limit));
        to_js(&hits)
    }
}

impl Default for SearchIndexHandle {
    fn default() -> Self {
        Self::new()
    }
}
