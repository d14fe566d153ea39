//! Reading everything that matches: page after page of up to 1000, by objectId (stable while
//! objects are added) or with skip when the query has an order; and the light walks that fetch
//! only ids, or ids with `updatedAt` (what a Live Query catch-up and a pin refresh compare).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::{Client, Platform};
use crate::error::parse_code::OBJECT_TOO_LARGE;
use crate::error::{CrmError, Result};
use crate::query::{page_limit, Constraint, Query, MAX_LIMIT};
use crate::rest;
use crate::schema::HasSchema;

impl<P: Platform> Client<P> {
    /// Every object matching `query`, in the JS shape, for a class known at run time.
    pub async fn find_all_values(
        &self,
        schema: &crate::schema::ClassSchema,
        query: &Query,
    ) -> Result<Vec<Value>> {
        fn values<T: Serialize>(v: Vec<T>) -> Vec<Value> {
            v.iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .collect()
        }
        let class = crate::class::CrmClass::from_name(schema.class_name)
            .ok_or_else(|| CrmError::InvalidInput(format!("no model for {}", schema.class_name)))?;
        Ok(crate::with_model!(class, T => values(self.find_all::<T>(query).await?)))
    }

    /// Every objectId matching `query` (only ids are fetched), paging by objectId.
    pub async fn find_all_ids(
        &self,
        schema: &crate::schema::ClassSchema,
        query: &Query,
    ) -> Result<Vec<String>> {
        let rows = self.walk_ids(schema, query, &["objectId"]).await?;
        Ok(rows.into_iter().map(|(id, _)| id).collect())
    }

    /// Every objectId matching `query` with its `updatedAt` in epoch milliseconds (only those
    /// two are fetched), paging by objectId: what a Live Query catch-up compares.
    pub async fn find_all_versions(
        &self,
        schema: &crate::schema::ClassSchema,
        query: &Query,
    ) -> Result<Vec<crate::live::Version>> {
        let rows = self
            .walk_ids(schema, query, &["objectId", "updatedAt"])
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, row)| (id, crate::live::machine::updated_at(&row)))
            .collect())
    }

    /// Pages through every match by objectId, fetching only `keys`; answers each row with its
    /// objectId (rows without one are skipped: they cannot be paged past).
    async fn walk_ids(
        &self,
        schema: &crate::schema::ClassSchema,
        query: &Query,
        keys: &[&str],
    ) -> Result<Vec<(String, Value)>> {
        let mut rows: Vec<(String, Value)> = Vec::new();
        loop {
            let mut q = Query {
                keys: keys.iter().map(|k| (*k).to_owned()).collect(),
                order: vec!["objectId".into()],
                limit: Some(MAX_LIMIT),
                skip: None,
                ..query.clone()
            };
            if let Some((last, _)) = rows.last() {
                q.constraints.push(Constraint::GreaterThan {
                    field: "objectId".into(),
                    value: Value::String(last.clone()),
                });
            }
            let value = self.send_authenticated(&rest::find_in(schema, &q)?).await?;
            let page = value
                .get("results")
                .and_then(Value::as_array)
                .ok_or_else(|| CrmError::MalformedResponse("missing results array".into()))?;
            let done = page.len() < MAX_LIMIT as usize;
            rows.extend(page.iter().filter_map(|o| {
                let id = o.get("objectId").and_then(Value::as_str)?;
                Some((id.to_owned(), o.clone()))
            }));
            if done {
                return Ok(rows);
            }
        }
    }

    /// Every matching object, page by page (`limit` and `skip` of the query are ignored).
    /// Without an order it walks by objectId (stable even while objects are added); with one it
    /// pages with skip, objectId breaking ties. Pages are as large as the backend answers
    /// ([`page_limit`]: fewer objects when each carries included ones); a page the backend
    /// finds too long to answer (116: long texts) is asked again in halves.
    pub async fn find_all<T: HasSchema + DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>> {
        let mut all: Vec<T> = Vec::new();
        let by_cursor = query.order.is_empty();
        let mut limit = page_limit(query);
        let mut page_query = Query {
            limit: Some(limit),
            skip: None,
            ..query.clone()
        };
        if by_cursor {
            page_query.order = vec!["objectId".into()];
        } else if !page_query
            .order
            .iter()
            .any(|k| k.trim_start_matches('-') == "objectId")
        {
            page_query.order.push("objectId".into());
        }
        loop {
            let mut q = page_query.clone();
            if by_cursor {
                if let Some(last) = all.last().and_then(|o| o.object_id()) {
                    q.constraints.push(Constraint::GreaterThan {
                        field: "objectId".into(),
                        value: Value::String(last.to_owned()),
                    });
                }
            } else {
                q.skip = Some(all.len() as u32);
            }
            q.limit = Some(limit);
            let page: Vec<T> = match self.find(&q).await {
                Err(e) if e.parse_code() == Some(OBJECT_TOO_LARGE) && limit > 1 => {
                    limit /= 2;
                    continue;
                }
                answer => answer?,
            };
            let done = page.len() < limit as usize;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }
}
