//! Many objects at once through `/batch`, 50 per request, one result per object. Parse does not
//! apply request ids inside a batch, so a batch lost in transport is retried whole and each
//! item that then reports "already exists" / "not found" is confirmed by reading it back.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{merge_write, Client, HasCreatedAt, Platform, SetObjectId};
use crate::error::{parse_code, CrmError, Result};
use crate::models::Validate;
use crate::rest::{self, Request};
use crate::schema::{self, HasSchema};

impl<P: Platform> Client<P> {
    /// Creates or updates every object through `/batch`, 50 per request, and answers one
    /// result per object, in order. An object without `createdAt` is new (created with a
    /// client-chosen id); one with it is updated with all its writable fields. Invalid objects
    /// fail alone without being sent.
    pub async fn save_all<T>(&self, objects: Vec<T>) -> Vec<Result<T>>
    where
        T: HasSchema + Validate + DeserializeOwned + SetObjectId + HasCreatedAt,
    {
        if self.session.borrow().is_none() {
            return objects.iter().map(|_| Err(CrmError::NotSignedIn)).collect();
        }
        let mut prepared: Vec<(T, Result<Request>)> = Vec::with_capacity(objects.len());
        for mut object in objects {
            let request = if object.created_at_is_set() {
                object.validate().and_then(|()| {
                    let id = object
                        .object_id()
                        .ok_or_else(|| CrmError::missing(T::CLASS_NAME, "objectId"))?;
                    rest::update::<T>(id, schema::to_wire(&object, false)?, self.new_id())
                })
            } else {
                self.prepare_create(&mut object)
            };
            prepared.push((object, request));
        }
        let requests: Vec<Option<Request>> = prepared
            .iter()
            .map(|(_, r)| r.as_ref().ok().cloned())
            .collect();
        let answers = self.run_batches(&requests).await;
        prepared
            .into_iter()
            .zip(answers)
            .map(|((object, request), answer)| {
                request?;
                merge_write(&object, answer?)
            })
            .collect()
    }

    /// Deletes every object through `/batch`; one result per id, in order.
    pub async fn destroy_all<T: HasSchema>(&self, object_ids: &[String]) -> Vec<Result<()>> {
        if self.session.borrow().is_none() {
            return object_ids
                .iter()
                .map(|_| Err(CrmError::NotSignedIn))
                .collect();
        }
        let requests: Vec<Result<Request>> = object_ids
            .iter()
            .map(|id| rest::delete::<T>(id, self.new_id()))
            .collect();
        let to_send: Vec<Option<Request>> =
            requests.iter().map(|r| r.as_ref().ok().cloned()).collect();
        let answers = self.run_batches(&to_send).await;
        requests
            .into_iter()
            .zip(answers)
            .map(|(r, a)| r.and(a).map(|_| ()))
            .collect()
    }

    /// Sends the requests (None = not sent, already failed) in batches of 50. A batch that
    /// fails in transport is retried whole; an item that then reports "already exists" (a
    /// create) or "not found" (a delete) is confirmed by reading it back.
    async fn run_batches(&self, requests: &[Option<Request>]) -> Vec<Result<Value>> {
        let mut results: Vec<Result<Value>> = Vec::with_capacity(requests.len());
        let mut pending: Vec<(usize, &Request)> = Vec::new();
        for (i, r) in requests.iter().enumerate() {
            results.push(Err(CrmError::InvalidInput("not sent".into())));
            if let Some(r) = r {
                pending.push((i, r));
            }
        }
        let mount = self.platform.mount_path();
        for chunk in pending.chunks(rest::BATCH_SIZE) {
            let subs: Vec<Request> = chunk.iter().map(|(_, r)| (*r).clone()).collect();
            let batch = rest::batch(&mount, &subs);
            let mut attempt = 0;
            let answer = loop {
                match self
                    .send(&batch)
                    .await
                    .and_then(|v| rest::decode_batch(v, subs.len()))
                {
                    Err(e) if e.is_transient() && attempt < self.retry.max_retries => {
                        self.platform
                            .sleep(self.retry.delay_ms(attempt, self.random_unit()))
                            .await;
                        attempt += 1;
                    }
                    other => break other,
                }
            };
            match answer {
                Ok(items) => {
                    for ((index, request), item) in chunk.iter().zip(items) {
                        results[*index] = match item {
                            Err(
                                e @ CrmError::Server {
                                    parse_code: parse_code::DUPLICATE_VALUE,
                                    ..
                                },
                            )
                            | Err(
                                e @ CrmError::Server {
                                    parse_code: parse_code::OBJECT_NOT_FOUND,
                                    ..
                                },
                            ) if attempt > 0 => {
                                let token = self.session_token();
                                self.confirm_replayed_write(request, token.as_deref(), e)
                                    .await
                            }
                            other => other,
                        };
                    }
                }
                Err(e) => {
                    for (index, _) in chunk {
                        results[*index] = Err(e.clone());
                    }
                }
            }
        }
        results
    }
}
