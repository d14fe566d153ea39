//! `Pipeline`: the pipeline engine held in wasm memory. JavaScript holds a handle and asks for
//! small views (column summaries, one page of cards), never the whole set per render; every
//! change bumps `version` and notifies subscribers, which is what `useSyncExternalStore` needs.
//! Declared in `types.d.ts`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::handles::handle;
use super::query::{CrmClass, CrmQuery};
use super::{
    count_value, from_js, promise, text_arg, to_js, to_js_error, CrmClient, Listeners, OrJs,
};
use crate::error::CrmError;
use crate::models::{Deal, Stage};
use crate::pipeline::{move_and_save, Filter, Pipeline, Probabilities, Sort};

#[wasm_bindgen(js_name = Pipeline, skip_typescript)]
pub struct PipelineHandle {
    id: u32,
    parts: Rc<PipelineParts>,
}

/// A pipeline's engine and its subscribers, for a live query that feeds them.
pub struct PipelineParts {
    pub(crate) pipeline: Rc<RefCell<Pipeline>>,
    pub(crate) listeners: Rc<Listeners>,
}

handle!(PipelineHandle, Pipeline, PipelineParts);

impl std::ops::Deref for PipelineHandle {
    type Target = PipelineParts;
    fn deref(&self) -> &PipelineParts {
        &self.parts
    }
}

impl PipelineParts {
    /// Runs a change with the pipeline borrowed, then (borrow released) tells subscribers.
    fn change<T>(
        &self,
        f: impl FnOnce(&mut Pipeline) -> crate::error::Result<T>,
    ) -> Result<T, JsValue> {
        let result = f(&mut self.pipeline.borrow_mut());
        if result.is_ok() {
            self.notify();
        }
        result.js()
    }

    fn notify(&self) {
        self.listeners.call(&JsValue::UNDEFINED);
    }
}

/// Changes that read one value as its type and hand it to the pipeline (subscribers told).
macro_rules! changes {
    ($($name:ident = $js:ident($arg:ident: $ty:ty, $what:literal) |$p:ident| $change:expr;)*) => {
        #[wasm_bindgen(js_class = Pipeline)]
        impl PipelineHandle {$(
            #[wasm_bindgen(js_name = $js, skip_typescript)]
            pub fn $name(&self, $arg: JsValue) -> Result<(), JsValue> {
                let $arg: $ty = from_js(&$arg, $what)?;
                self.change(|$p| $change)
            }
        )*}
    };
}

changes! {
    upsert = upsert(deal: Deal, "Deal") |p| p.upsert(deal);
    set_filter = setFilter(filter: Filter, "filter") |p| p.set_filter(filter, crate::browser::timers::now_ms());
    set_sort = setSort(sort: Sort, "sort") |p| { p.set_sort(sort); Ok(()) };
    set_probabilities = setProbabilities(probabilities: Probabilities, "probabilities") |p| p.set_probabilities(probabilities);
}

#[wasm_bindgen(js_class = Pipeline)]
impl PipelineHandle {
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new() -> PipelineHandle {
        let parts = Rc::new(PipelineParts {
            pipeline: Rc::new(RefCell::new(Pipeline::new())),
            listeners: Listeners::new(),
        });
        PipelineHandle {
            id: Self::register(&parts),
            parts,
        }
    }

    #[wasm_bindgen(js_name = loadJson, skip_typescript)]
    pub fn load_json(&self, text: JsValue) -> Result<(), JsValue> {
        let text = text_arg(&text, "the JSON text")?;
        self.change(|p| p.load_json(&text))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn load(&self, deals: JsValue) -> Result<(), JsValue> {
        if !js_sys::Array::is_array(&deals) {
            let error = CrmError::InvalidInput("deals must be an array".into());
            return Err(to_js_error(error));
        }
        let deals = js_sys::Array::from(&deals);
        let deals = deals.iter().map(|d| from_js(&d, "Deal"));
        let deals = deals.collect::<Result<Vec<Deal>, _>>()?;
        self.change(|p| p.load(deals))
    }

    #[wasm_bindgen(js_name = loadQuery, skip_typescript)]
    pub fn load_query(&self, query: JsValue) -> Promise {
        let parts = self.parts.clone();
        promise(async move {
            let query = CrmQuery::arg(&query, "query")?;
            if query.class() != CrmClass::Deal {
                let error = CrmError::InvalidInput("a pipeline loads a query over Deal".into());
                return Err(to_js_error(error));
            }
            let shared = query.shared();
            let deals: Vec<Deal> = shared.run(shared.core.find_all(query.query())).await?;
            parts.change(|p| p.load(deals))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn remove(&self, object_id: JsValue) -> Result<bool, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let removed = self.pipeline.borrow_mut().remove(&object_id);
        if removed {
            self.notify();
        }
        Ok(removed)
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn filter(&self) -> Result<JsValue, JsValue> {
        to_js(self.pipeline.borrow().filter())
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn regroup(&self) {
        self.pipeline.borrow_mut().regroup();
        self.notify();
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn version(&self) -> f64 {
        self.pipeline.borrow().version() as f64
    }

    #[wasm_bindgen(getter, skip_typescript)]
    pub fn size(&self) -> u32 {
        self.pipeline.borrow().len() as u32
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn columns(&self) -> Result<JsValue, JsValue> {
        to_js(&self.pipeline.borrow().columns())
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn page(
        &self,
        stage: JsValue,
        offset: JsValue,
        limit: JsValue,
    ) -> Result<JsValue, JsValue> {
        let stage = text_arg(&stage, "stage")?;
        let offset = count_value(&offset, "offset")?;
        let limit = count_value(&limit, "limit")?;
        let mut p = self.pipeline.borrow_mut();
        p.check_column(&stage).map_err(to_js_error)?;
        to_js(&p.page(&stage, offset as usize, limit as usize))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn get(&self, object_id: JsValue) -> Result<JsValue, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let pipeline = self.pipeline.borrow();
        pipeline
            .deal(&object_id)
            .map_or(Ok(JsValue::UNDEFINED), to_js)
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        let now = crate::browser::timers::now_ms();
        to_js(&self.pipeline.borrow().stats(now))
    }

    #[wasm_bindgen(js_name = moveDeal, skip_typescript)]
    pub fn move_deal(&self, object_id: JsValue, stage: JsValue) -> Result<u32, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let stage = text_arg(&stage, "stage")?;
        self.change(|p| p.move_deal(&object_id, &Stage::from(stage.as_str())))
    }

    #[wasm_bindgen(js_name = confirmMove, skip_typescript)]
    pub fn confirm_move(&self, move_id: u32) -> bool {
        self.pipeline.borrow_mut().confirm_move(move_id)
    }

    #[wasm_bindgen(js_name = revertMove, skip_typescript)]
    pub fn revert_move(&self, move_id: u32) -> bool {
        let reverted = self.pipeline.borrow_mut().revert_move(move_id);
        if reverted {
            self.notify();
        }
        reverted
    }

    #[wasm_bindgen(js_name = moveAndSave, skip_typescript)]
    pub fn move_and_save(&self, client: JsValue, object_id: JsValue, stage: JsValue) -> Promise {
        let parts = self.parts.clone();
        promise(async move {
            let shared = CrmClient::arg(&client, "client")?;
            let object_id = text_arg(&object_id, "objectId")?;
            let stage = text_arg(&stage, "stage")?;
            let (pipeline, changed) = (&parts.pipeline, || parts.notify());
            let saved = move_and_save(pipeline, &shared.core, &object_id, &stage, &changed);
            shared.run(saved).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn subscribe(&self, listener: js_sys::Function) -> js_sys::Function {
        self.listeners.add(listener)
    }
}

impl Default for PipelineHandle {
    fn default() -> Self {
        Self::new()
    }
}
