//! `Pipeline`: the pipeline engine held in wasm memory. JavaScript holds a handle and asks for
//! small views (column summaries, one page of cards), never the whole set per render; every
//! change bumps `version` and notifies subscribers, which is what `useSyncExternalStore` needs.

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

#[wasm_bindgen(js_name = Pipeline)]
pub struct PipelineHandle {
    id: u32,
    parts: Rc<PipelineParts>,
}

/// A pipeline's engine and its subscribers, for a live query that feeds them.
pub struct PipelineParts {
    pub pipeline: Rc<RefCell<Pipeline>>,
    pub listeners: Rc<Listeners>,
}

handle!(PipelineHandle, Pipeline, PipelineParts);

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

impl PipelineHandle {
    fn change<T>(
        &self,
        f: impl FnOnce(&mut Pipeline) -> crate::error::Result<T>,
    ) -> Result<T, JsValue> {
        self.parts.change(f)
    }

    fn notify(&self) {
        self.parts.notify();
    }
}

/// Changes that read one value as its type and hand it to the pipeline (subscribers told).
macro_rules! changes {
    ($($(#[$doc:meta])* $name:ident = $js:ident($arg:ident: $ty:ty = $ts:literal, $what:literal) |$p:ident| $change:expr;)*) => {
        #[wasm_bindgen(js_class = Pipeline)]
        impl PipelineHandle {$(
            $(#[$doc])*
            #[wasm_bindgen(js_name = $js)]
            pub fn $name(&self, #[wasm_bindgen(unchecked_param_type = $ts)] $arg: JsValue) -> Result<(), JsValue> {
                let $arg: $ty = from_js(&$arg, $what)?;
                self.change(|$p| $change)
            }
        )*}
    };
}

changes! {
    /// Adds or replaces one deal (a Live Query event, a sync).
    upsert = upsert(deal: Deal = "Deal", "Deal") |p| p.upsert(deal);
    /// Sets the filter (`overdue` and `staleDays` are judged against the clock now).
    set_filter = setFilter(filter: Filter = "Filter", "filter") |p| p.set_filter(filter, crate::browser::timers::now_ms());
    set_sort = setSort(sort: Sort = "Sort", "sort") |p| { p.set_sort(sort); Ok(()) };
    set_probabilities = setProbabilities(probabilities: Probabilities = "Probabilities", "probabilities") |p| p.set_probabilities(probabilities);
}

#[wasm_bindgen(js_class = Pipeline)]
impl PipelineHandle {
    #[wasm_bindgen(constructor)]
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

    /// Replaces the deals with a JSON array (or a Parse answer `{results: [...]}`), wire or JS
    /// shape. On error nothing changes.
    #[wasm_bindgen(js_name = loadJson)]
    pub fn load_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    ) -> Result<(), JsValue> {
        let text = text_arg(&text, "the JSON text")?;
        self.change(|p| p.load_json(&text))
    }

    /// Replaces the deals with these objects.
    pub fn load(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Deal[]")] deals: JsValue,
    ) -> Result<(), JsValue> {
        if !js_sys::Array::is_array(&deals) {
            return Err(to_js_error(CrmError::InvalidInput(
                "deals must be an array".into(),
            )));
        }
        let deals = js_sys::Array::from(&deals);
        let deals = deals.iter().map(|d| from_js(&d, "Deal"));
        let deals = deals.collect::<Result<Vec<Deal>, _>>()?;
        self.change(|p| p.load(deals))
    }

    /// Replaces the deals with every result of a query (paged through with findAll).
    #[wasm_bindgen(js_name = loadQuery, unchecked_return_type = "Promise<void>")]
    pub fn load_query(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CrmQuery<Deal>")] query: JsValue,
    ) -> Promise {
        let parts = self.parts.clone();
        promise(async move {
            let query = CrmQuery::arg(&query, "query")?;
            if query.class() != CrmClass::Deal {
                return Err(to_js_error(CrmError::InvalidInput(
                    "a pipeline loads a query over Deal".into(),
                )));
            }
            let deals: Vec<Deal> = query
                .shared()
                .run(query.shared().core.find_all(query.query()))
                .await?;
            parts.change(|p| p.load(deals))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Removes one deal; true if it was there.
    pub fn remove(
        &self,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
    ) -> Result<bool, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let removed = self.parts.pipeline.borrow_mut().remove(&object_id);
        if removed {
            self.notify();
        }
        Ok(removed)
    }

    #[wasm_bindgen(getter, unchecked_return_type = "Filter")]
    pub fn filter(&self) -> Result<JsValue, JsValue> {
        to_js(self.parts.pipeline.borrow().filter())
    }

    /// Recomputes every column from scratch (changes do this incrementally by themselves).
    pub fn regroup(&self) {
        self.parts.pipeline.borrow_mut().regroup();
        self.notify();
    }

    /// Changes whenever anything shown changes.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> f64 {
        self.parts.pipeline.borrow().version() as f64
    }

    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        self.parts.pipeline.borrow().len() as u32
    }

    /// The columns in stage order with count, total and weighted total.
    #[wasm_bindgen(unchecked_return_type = "ColumnSummary[]")]
    pub fn columns(&self) -> Result<JsValue, JsValue> {
        to_js(&self.parts.pipeline.borrow().columns())
    }

    /// Cards `offset .. offset + limit` of one column, in the current sort.
    #[wasm_bindgen(unchecked_return_type = "Deal[]")]
    pub fn page(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Stage | UnknownStage")] stage: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] offset: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] limit: JsValue,
    ) -> Result<JsValue, JsValue> {
        let stage = text_arg(&stage, "stage")?;
        let offset = count_value(&offset, "offset")?;
        let limit = count_value(&limit, "limit")?;
        let mut p = self.parts.pipeline.borrow_mut();
        p.check_column(&stage).map_err(to_js_error)?;
        let page = p.page(&stage, offset as usize, limit as usize);
        to_js(&page)
    }

    /// One deal held by the pipeline, or undefined.
    #[wasm_bindgen(unchecked_return_type = "Deal | undefined")]
    pub fn get(
        &self,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
    ) -> Result<JsValue, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let pipeline = self.parts.pipeline.borrow();
        pipeline
            .deal(&object_id)
            .map_or(Ok(JsValue::UNDEFINED), to_js)
    }

    /// Win rate, average deal size, average age per stage, expected revenue by month.
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        let now = crate::browser::timers::now_ms();
        to_js(&self.parts.pipeline.borrow().stats(now))
    }

    /// Moves a deal at once and answers the move's id; save the new stage, then
    /// `confirmMove(id)` or `revertMove(id)`.
    #[wasm_bindgen(js_name = moveDeal)]
    pub fn move_deal(
        &self,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Stage")] stage: JsValue,
    ) -> Result<u32, JsValue> {
        let object_id = text_arg(&object_id, "objectId")?;
        let stage = text_arg(&stage, "stage")?;
        self.change(|p| p.move_deal(&object_id, &Stage::from(stage.as_str())))
    }

    #[wasm_bindgen(js_name = confirmMove)]
    pub fn confirm_move(&self, #[wasm_bindgen(js_name = "moveId")] move_id: u32) -> bool {
        self.parts.pipeline.borrow_mut().confirm_move(move_id)
    }

    #[wasm_bindgen(js_name = revertMove)]
    pub fn revert_move(&self, #[wasm_bindgen(js_name = "moveId")] move_id: u32) -> bool {
        let reverted = self.parts.pipeline.borrow_mut().revert_move(move_id);
        if reverted {
            self.notify();
        }
        reverted
    }

    /// Moves a deal at once and saves the new stage; if the save fails the move is undone and
    /// the error thrown.
    #[wasm_bindgen(js_name = moveAndSave, unchecked_return_type = "Promise<void>")]
    pub fn move_and_save(
        &self,
        client: &CrmClient,
        #[wasm_bindgen(js_name = "objectId", unchecked_param_type = "string")] object_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Stage")] stage: JsValue,
    ) -> Promise {
        let (parts, shared) = (self.parts.clone(), client.shared().clone());
        promise(async move {
            let object_id = text_arg(&object_id, "objectId")?;
            let stage = text_arg(&stage, "stage")?;
            let changed = || parts.notify();
            let pipeline = &parts.pipeline;
            let saved = move_and_save(pipeline, &shared.core, &object_id, &stage, &changed);
            shared.run(saved).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Calls `listener` after every change; returns a function that unsubscribes. Shaped for
    /// React's `useSyncExternalStore(subscribe, () => pipeline.version)`.
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "() => void")] listener: js_sys::Function,
    ) -> js_sys::Function {
        self.parts.listeners.add(listener)
    }
}

impl Default for PipelineHandle {
    fn default() -> Self {
        Self::new()
    }
}
