//! `CrmQuery<T>`: the fluent, immutable query builder. Each method returns a new query; the
//! conditions are checked against the class's schema when the query runs. Its TypeScript
//! declaration (generic over the model) is in `types.d.ts`.

use js_sys::Promise;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use std::rc::Rc;

use super::handles::handle;
use super::{
    count_value, from_js, opt_from_js, opt_text_arg, promise, rest_texts, text_arg, to_js,
    to_js_error, values_arg, SharedRef,
};
use super::{CrmClient, LocalStore};
use crate::browser::local_store::DEFAULT_PIN;
use crate::query::{Constraint, Query, TextOptions};
use crate::schema::HasSchema;

pub(crate) use crate::class::CrmClass;
use crm_core::with_model;

/// The builder methods: each reads its arguments (so a bad one is a typed error) and answers a
/// new query with one change. One line each; declared for TypeScript in `types.d.ts`.
macro_rules! builders {
    ($($name:ident = $js:ident $(+ $flag:ident)? ($($arg:ident: $ty:ty => $read:expr),*) |$q:ident| $change:expr;)*) => {
        #[wasm_bindgen]
        impl CrmQuery {$(
            #[wasm_bindgen(skip_typescript, js_name = $js $(, $flag)?)]
            pub fn $name(&self, $($arg: $ty),*) -> Result<CrmQuery, JsValue> {
                $(let $arg = $read?;)*
                Ok(self.with(|$q| $change))
            }
        )*}
    };
}

use Constraint as C;
builders! {
    equal_to = equalTo(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::EqualTo { field, value: v });
    not_equal_to = notEqualTo(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::NotEqualTo { field, value: v });
    less_than = lessThan(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::LessThan { field, value: v });
    less_than_or_equal_to = lessThanOrEqualTo(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::LessThanOrEqualTo { field, value: v });
    greater_than = greaterThan(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::GreaterThan { field, value: v });
    greater_than_or_equal_to = greaterThanOrEqualTo(field: JsValue => text_arg(&field, "field"), v: JsValue => from_js(&v, &field)) |q| q.constraints.push(C::GreaterThanOrEqualTo { field, value: v });
    contained_in = containedIn(field: JsValue => text_arg(&field, "field"), vs: JsValue => values_arg(&vs, &field)) |q| q.constraints.push(C::ContainedIn { field, values: vs });
    not_contained_in = notContainedIn(field: JsValue => text_arg(&field, "field"), vs: JsValue => values_arg(&vs, &field)) |q| q.constraints.push(C::NotContainedIn { field, values: vs });
    exists = exists(field: JsValue => text_arg(&field, "field")) |q| q.constraints.push(C::Exists { field });
    does_not_exist = doesNotExist(field: JsValue => text_arg(&field, "field")) |q| q.constraints.push(C::DoesNotExist { field });
    starts_with = startsWith(field: JsValue => text_arg(&field, "field"), text: JsValue => text_arg(&text, "the text to search for"), options: Option<JsValue> => case_insensitive(options)) |q| q.constraints.push(C::StartsWith { field, text, case_insensitive: options });
    contains = contains(field: JsValue => text_arg(&field, "field"), text: JsValue => text_arg(&text, "the text to search for"), options: Option<JsValue> => case_insensitive(options)) |q| q.constraints.push(C::Contains { field, text, case_insensitive: options });
    ends_with = endsWith(field: JsValue => text_arg(&field, "field"), text: JsValue => text_arg(&text, "the text to search for"), options: Option<JsValue> => case_insensitive(options)) |q| q.constraints.push(C::EndsWith { field, text, case_insensitive: options });
    or = or(other: JsValue => CrmQuery::arg(&other, "the other query")) |q| *q = q.or(&other.query);
    and = and(other: JsValue => CrmQuery::arg(&other, "the other query")) |q| *q = q.and(&other.query);
    ascending = ascending + variadic(fields: Vec<JsValue> => rest_texts(&fields, "an order field")) |q| q.order.extend(fields);
    descending = descending + variadic(fields: Vec<JsValue> => rest_texts(&fields, "an order field")) |q| q.order.extend(fields.into_iter().map(|f| format!("-{f}")));
    limit = limit(n: JsValue => count_value(&n, "limit")) |q| q.limit = Some(n);
    skip = skip(n: JsValue => count_value(&n, "skip")) |q| q.skip = Some(n);
    select = select + variadic(fields: Vec<JsValue> => rest_texts(&fields, "a selected field")) |q| q.keys.extend(fields);
    include = include + variadic(fields: Vec<JsValue> => rest_texts(&fields, "an included field")) |q| q.include.extend(fields);
}

/// The query entry points, `crm.deals()` etc. (here, so the client module does not depend on
/// the query module).
macro_rules! entry_points {
    ($($name:ident = $class:ident),*) => {
        #[wasm_bindgen]
        impl CrmClient {$(
            #[wasm_bindgen(skip_typescript)]
            pub fn $name(&self) -> CrmQuery {
                CrmQuery::new(self.shared().clone(), CrmClass::$class)
            }
        )*}
    };
}

entry_points!(
    companies = Company,
    contacts = Contact,
    deals = Deal,
    activities = Activity
);

// Sub-queries outside the table: they check the sub-query's class against this query's.
#[wasm_bindgen]
impl CrmQuery {
    #[wasm_bindgen(skip_typescript, js_name = matchesQuery)]
    pub fn matches_query(&self, field: JsValue, other: JsValue) -> Result<CrmQuery, JsValue> {
        let (field, query) = self.sub_query(field, &other)?;
        Ok(self.with(|q| q.constraints.push(C::MatchesQuery { field, query })))
    }

    #[wasm_bindgen(skip_typescript, js_name = doesNotMatchQuery)]
    pub fn does_not_match_query(
        &self,
        field: JsValue,
        other: JsValue,
    ) -> Result<CrmQuery, JsValue> {
        let (field, query) = self.sub_query(field, &other)?;
        Ok(self.with(|q| q.constraints.push(C::DoesNotMatchQuery { field, query })))
    }
}

impl CrmQuery {
    /// `field` and its sub-query, which must be over the class the pointer points to, or an
    /// `INVALID_INPUT` (a Company query for `contact` would silently match nothing).
    fn sub_query(&self, field: JsValue, other: &JsValue) -> Result<(String, Box<Query>), JsValue> {
        let field = text_arg(&field, "field")?;
        let other = CrmQuery::arg(other, "the sub-query")?;
        crate::query::check_sub_query_class(self.class.name(), &field, other.class.name())
            .map_err(to_js_error)?;
        Ok((field, Box::new(other.query.clone())))
    }
}

#[wasm_bindgen(skip_typescript)]
pub struct CrmQuery {
    id: u32,
    data: Rc<QueryData>,
}

/// What a query is. Shared between its handle and any lookup of it as an argument.
pub struct QueryData {
    shared: SharedRef,
    class: CrmClass,
    query: Query,
    /// Set by `fromLocalDatastore` / `fromPin`: run against the local store (and that pin).
    local: Option<(Rc<super::local::Inner>, Option<String>)>,
}

handle!(CrmQuery, CrmQuery, QueryData);

impl std::ops::Deref for CrmQuery {
    type Target = QueryData;
    fn deref(&self) -> &QueryData {
        &self.data
    }
}

impl Clone for CrmQuery {
    fn clone(&self) -> Self {
        CrmQuery {
            id: Self::register(&self.data),
            data: self.data.clone(),
        }
    }
}

/// The options of startsWith / contains / endsWith: whether the match ignores case.
fn case_insensitive(options: Option<JsValue>) -> Result<bool, JsValue> {
    let options: TextOptions = opt_from_js(options, "text options")?;
    Ok(options.case_insensitive)
}

async fn first_as<T: HasSchema + DeserializeOwned + Serialize>(
    q: &QueryData,
) -> Result<JsValue, JsValue> {
    let found: Option<T> = q.shared.run(q.shared.core.first(&q.query)).await?;
    found.map_or(Ok(JsValue::UNDEFINED), |o| to_js(&o))
}

impl QueryData {
    pub(crate) fn class_name(&self) -> String {
        self.class.name().to_owned()
    }
    pub(crate) fn class(&self) -> CrmClass {
        self.class
    }
    pub(crate) fn shared(&self) -> &SharedRef {
        &self.shared
    }
    pub(crate) fn query(&self) -> &Query {
        &self.query
    }

    /// `query` run against the local store, if this query reads from it.
    async fn local_find(&self, query: &Query) -> Option<Result<Vec<serde_json::Value>, JsValue>> {
        let (store, pin) = self.local.as_ref()?;
        let found = store
            .store
            .find(self.class.name(), query, pin.as_deref())
            .await;
        Some(found.map_err(to_js_error))
    }
}

impl CrmQuery {
    fn from_data(data: QueryData) -> CrmQuery {
        let data = Rc::new(data);
        CrmQuery {
            id: Self::register(&data),
            data,
        }
    }
}

#[wasm_bindgen]
impl CrmQuery {
    pub(crate) fn new(shared: SharedRef, class: CrmClass) -> Self {
        Self::from_data(QueryData {
            shared,
            class,
            query: Query::default(),
            local: None,
        })
    }

    fn with(&self, change: impl FnOnce(&mut Query)) -> CrmQuery {
        self.with_local(self.local.clone(), change)
    }

    fn with_local(
        &self,
        local: Option<(Rc<super::local::Inner>, Option<String>)>,
        change: impl FnOnce(&mut Query),
    ) -> CrmQuery {
        let mut query = self.query.clone();
        change(&mut query);
        Self::from_data(QueryData {
            shared: self.shared.clone(),
            class: self.class,
            query,
            local,
        })
    }

    #[wasm_bindgen(skip_typescript, getter, js_name = className)]
    pub fn class_name(&self) -> String {
        self.data.class_name()
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn find(&self) -> Promise {
        let q = self.data.clone();
        promise(async move {
            if let Some(found) = q.local_find(&q.query).await {
                return to_js(&found?);
            }
            let core = &q.shared.core;
            with_model!(q.class, T => to_js(&q.shared.run(core.find::<T>(&q.query)).await?))
        })
    }

    /// The same query, run against the local datastore.
    #[wasm_bindgen(skip_typescript, js_name = fromLocalDatastore)]
    pub fn from_local_datastore(&self, store: JsValue) -> Result<CrmQuery, JsValue> {
        let store = super::LocalStore::arg(&store, "store")?;
        Ok(self.with_local(Some((store, None)), |_| {}))
    }

    /// The same query, run against the objects of one pin of the local datastore.
    #[wasm_bindgen(skip_typescript, js_name = fromPin)]
    pub fn from_pin(&self, store: JsValue, name: Option<JsValue>) -> Result<CrmQuery, JsValue> {
        let store = super::LocalStore::arg(&store, "store")?;
        let name = match name {
            Some(v) => opt_text_arg(&v, "pin name")?,
            None => None,
        };
        let pin = name.unwrap_or_else(|| DEFAULT_PIN.into());
        Ok(self.with_local(Some((store, Some(pin))), |_| {}))
    }

    #[wasm_bindgen(skip_typescript, js_name = findAll)]
    pub fn find_all(&self) -> Promise {
        let q = self.data.clone();
        promise(async move {
            if let Some(found) = q.local_find(&q.query.every_match()).await {
                return to_js(&found?);
            }
            let core = &q.shared.core;
            with_model!(q.class, T => to_js(&q.shared.run(core.find_all::<T>(&q.query)).await?))
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn first(&self) -> Promise {
        let q = self.data.clone();
        promise(async move {
            if let Some(found) = q.local_find(&q.query.first_match()).await {
                return found?.first().map_or(Ok(JsValue::UNDEFINED), to_js);
            }
            with_model!(q.class, T => first_as::<T>(&q).await)
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn get(&self, object_id: JsValue) -> Promise {
        let q = self.data.clone();
        promise(async move {
            let object_id = text_arg(&object_id, "objectId")?;
            if let Some((store, _)) = &q.local {
                let found = store.store.get_found(q.class.name(), &object_id).await;
                return to_js(&found.map_err(to_js_error)?);
            }
            let (core, include) = (&q.shared.core, &q.query.include);
            with_model!(q.class, T => to_js(&q.shared.run(core.get::<T>(&object_id, include)).await?))
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn count(&self) -> Promise {
        let q = self.data.clone();
        promise(async move {
            if let Some((store, pin)) = &q.local {
                let n = store.store.count(q.class.name(), &q.query, pin.as_deref());
                return Ok((n.await.map_err(to_js_error)? as f64).into());
            }
            let core = &q.shared.core;
            let n = with_model!(q.class, T => q.shared.run(core.count::<T>(&q.query)).await)?;
            Ok((n as f64).into())
        })
    }

    #[wasm_bindgen(skip_typescript, js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.query)
    }
}

/// Where a query meets the local store from the store's side. It is here, not in `local.rs`,
/// so that the query module depends on the store module and never the other way round.
#[wasm_bindgen]
impl LocalStore {
    #[wasm_bindgen(js_name = refreshPin, skip_typescript)]
    pub fn refresh_pin(&self, query: JsValue, name: Option<JsValue>) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let query = CrmQuery::arg(&query, "query")?;
            let name = name
                .map(|v| opt_text_arg(&v, "pin name"))
                .transpose()?
                .flatten();
            let pin = name.as_deref().unwrap_or(DEFAULT_PIN);
            let (core, class) = (&inner.shared.core, query.class_name());
            let refreshed = inner.store.refresh_pin(core, &class, pin, query.query());
            let (updated, removed) = refreshed.await.map_err(to_js_error)?;
            to_js(&serde_json::json!({ "updated": updated, "removed": removed }))
        })
    }
}
