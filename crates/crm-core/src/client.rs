//! The Parse client's logic, independent of the browser: session lifecycle, client-chosen
//! objectIds, validation before sending, encoding, decoding, retries, batches and paging. The
//! platform (fetch, timers, storage, randomness) comes in through [`Platform`];
//! `web::BrowserPlatform` is the browser's.
//!
//! State lives in `RefCell`s / `Cell`s that are never borrowed across an `.await`, so calls may
//! overlap. Events for JavaScript are queued ([`Client::take_events`]) and announced through
//! [`Platform::events_queued`], whichever call raised them; the bindings deliver them when no
//! Rust borrow is held.
//!
//! Exactly-once writes: every create carries a client-chosen objectId and every write an
//! `X-Parse-Request-Id` that is reused when the request is retried. Parse answers a repeated id
//! with 159 whether or not the first attempt succeeded, so a 159 (or, for a retried create,
//! 137 "duplicate value") is confirmed by reading the object back before it counts as applied.

use std::cell::{Cell, RefCell};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{parse_code, CrmError, Result};
use crate::models::{User, Validate};
use crate::query::{Constraint, Query, MAX_LIMIT};
use crate::rest::{self, Method, Request, Session, WriteResult};
use crate::schema::{self, Changes, HasSchema};

/// What the client needs from its environment.
#[allow(async_fn_in_trait)] // single-threaded (wasm): no Send bound wanted
pub trait Platform {
    /// Sends one request; `session_token` is added as `X-Parse-Session-Token` when present.
    async fn send(&self, request: &Request, session_token: Option<&str>) -> Result<Value>;
    /// Resolves after `ms` milliseconds.
    async fn sleep(&self, ms: u32);
    /// The path Parse is mounted at (`/parse`), which `/batch` sub-requests must carry.
    fn mount_path(&self) -> String;
    /// Fills `buf` with cryptographically random bytes.
    fn random_bytes(&self, buf: &mut [u8]);
    fn load_session(&self) -> Option<Session>;
    fn store_session(&self, session: Option<&Session>);
    /// The client queued an event ([`Client::take_events`]). Whatever call it came from (a
    /// single write, a batch, a catch-up, a sync), this is the one place every event passes:
    /// the platform arranges delivery once the call has let go of its borrows.
    fn events_queued(&self) {}
}

/// When and how often a failed request is sent again. Only transport failures and transient
/// server faults are retried, and only for reads and for writes that carry a request id: a
/// request the server definitely rejected is never sent again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay_ms: u32,
    pub max_delay_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay_ms: 250,
            max_delay_ms: 5_000,
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with "equal jitter": half the capped delay, plus a random share of
    /// the other half (`random` in [0, 1)), so clients that failed together do not retry together.
    pub fn delay_ms(&self, attempt: u32, random: f64) -> u32 {
        let exp = u64::from(self.base_delay_ms).saturating_mul(1u64 << attempt.min(20));
        let capped = exp.min(u64::from(self.max_delay_ms)) as f64;
        (capped / 2.0 + capped / 2.0 * random.clamp(0.0, 1.0)) as u32
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The server refused the session (expired, revoked): the client signed out.
    SessionExpired,
}

/// The outcome of a write: the id, and what the server assigned or changed (timestamps,
/// fields set by Cloud Code, the new value after an increment).
pub type Saved = WriteResult;

pub struct Client<P: Platform> {
    platform: P,
    retry: RetryPolicy,
    session: RefCell<Option<Session>>,
    events: RefCell<Vec<ClientEvent>>,
    requests_sent: Cell<u64>,
}

impl<P: Platform> Client<P> {
    /// A client whose session is restored from the platform's storage (page reload).
    pub fn new(platform: P, retry: RetryPolicy) -> Self {
        let session = platform.load_session();
        Self {
            platform,
            retry,
            session: RefCell::new(session),
            events: RefCell::new(Vec::new()),
            requests_sent: Cell::new(0),
        }
    }

    pub fn platform(&self) -> &P {
        &self.platform
    }

    pub fn current_user(&self) -> Option<User> {
        self.session.borrow().as_ref().map(|s| s.user.clone())
    }

    pub fn session_token(&self) -> Option<String> {
        self.session
            .borrow()
            .as_ref()
            .map(|s| s.session_token.clone())
    }

    /// HTTP requests sent so far (each retry counts), for tests and diagnostics.
    pub fn requests_sent(&self) -> u64 {
        self.requests_sent.get()
    }

    pub fn take_events(&self) -> Vec<ClientEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    /// A fresh id: 10 characters of Parse's alphabet (62^10 ≈ 8·10^17 values).
    pub fn new_id(&self) -> String {
        let mut id = String::new();
        while id.len() < 10 {
            let mut buf = [0u8; 16];
            self.platform.random_bytes(&mut buf);
            id.push_str(&rest::id_from_bytes(&buf));
        }
        id.truncate(10);
        id
    }

    fn random_unit(&self) -> f64 {
        let mut buf = [0u8; 4];
        self.platform.random_bytes(&mut buf);
        f64::from(u32::from_le_bytes(buf)) / (f64::from(u32::MAX) + 1.0)
    }

    fn set_session(&self, session: Option<Session>) {
        self.platform.store_session(session.as_ref());
        *self.session.borrow_mut() = session;
    }

    async fn send_once(&self, request: &Request, token: Option<&str>) -> Result<Value> {
        self.requests_sent.set(self.requests_sent.get() + 1);
        self.platform.send(request, token).await
    }

    /// Sends with retries (see [`RetryPolicy`]), confirms replayed writes, and signs out on an
    /// invalid session.
    async fn send(&self, request: &Request) -> Result<Value> {
        let token = if request.authenticated {
            self.session_token()
        } else {
            None
        };
        let retriable = !request.is_write() || request.request_id.is_some();
        let mut attempt = 0;
        // A copy under a new request id, once the first id proved burned (see below).
        let mut renewed: Option<Request> = None;
        let result = loop {
            let request = renewed.as_ref().unwrap_or(request);
            match self.send_once(request, token.as_deref()).await {
                Err(e) if retriable && e.is_transient() && attempt < self.retry.max_retries => {
                    self.platform
                        .sleep(self.retry.delay_ms(attempt, self.random_unit()))
                        .await;
                    attempt += 1;
                }
                Err(
                    e @ CrmError::Server {
                        parse_code: parse_code::DUPLICATE_REQUEST,
                        ..
                    },
                ) => match self.check_replayed_write(request, token.as_deref()).await {
                    Replayed::Applied(answer) => break Ok(answer),
                    // The server took the request id but never finished the write (it died in
                    // between): the id is burned, the write is not there. Sending it again under
                    // a new id is safe for a create (its objectId is ours: a late original would
                    // make the copy fail as a duplicate) and for plain values (setting them twice
                    // is setting them once).
                    Replayed::Absent if renewed.is_none() && resendable(request) => {
                        renewed = Some(Request {
                            request_id: Some(self.new_id()),
                            ..request.clone()
                        });
                    }
                    _ => break Err(e),
                },
                // A retried write whose first attempt went through: the create now finds its
                // own id taken, the delete finds nothing to delete.
                Err(
                    e @ CrmError::Server {
                        parse_code: code, ..
                    },
                ) if attempt > 0
                    && matches!(
                        (code, request.method),
                        (parse_code::DUPLICATE_VALUE, Method::Post)
                            | (parse_code::OBJECT_NOT_FOUND, Method::Delete)
                    ) =>
                {
                    break self
                        .confirm_replayed_write(request, token.as_deref(), e)
                        .await;
                }
                other => break other,
            }
        };
        if let Err(CrmError::Server {
            parse_code: parse_code::INVALID_SESSION_TOKEN,
            ..
        }) = &result
        {
            if token.is_some() {
                self.set_session(None);
                self.events.borrow_mut().push(ClientEvent::SessionExpired);
                self.platform.events_queued();
            }
        }
        result
    }

    /// A write the server says it has seen: read the object back and decide whether the write
    /// is there. If it is, answer as the write would have; if not, the original error stands.
    async fn confirm_replayed_write(
        &self,
        request: &Request,
        token: Option<&str>,
        err: CrmError,
    ) -> Result<Value> {
        match self.check_replayed_write(request, token).await {
            Replayed::Applied(answer) => Ok(answer),
            Replayed::Absent | Replayed::Unknown => Err(err),
        }
    }

    /// Reads the object a write was about and says whether the write is there.
    async fn check_replayed_write(&self, request: &Request, token: Option<&str>) -> Replayed {
        let Some((class, id)) = class_and_id(request) else {
            return Replayed::Unknown;
        };
        let read = Request {
            method: Method::Get,
            path: format!("/classes/{class}/{id}"),
            params: Vec::new(),
            body: None,
            request_id: None,
            authenticated: true,
            replay: false,
        };
        let current = self.send_once(&read, token).await;
        let not_found = |r: &Result<Value>| {
            matches!(
                r,
                Err(CrmError::Server {
                    parse_code: parse_code::OBJECT_NOT_FOUND,
                    ..
                })
            )
        };
        match (request.method, current) {
            // Same id and the values this create sent: it is this write, not another object.
            (Method::Post, Ok(object)) if body_applied(request.body.as_ref(), &object) => {
                Replayed::Applied(pick(&object, &["objectId", "createdAt", "updatedAt"]))
            }
            (Method::Put, Ok(object)) if body_applied(request.body.as_ref(), &object) => {
                Replayed::Applied(pick(&object, &["updatedAt"]))
            }
            (Method::Delete, r) if not_found(&r) => Replayed::Applied(Value::Object(Map::new())),
            (Method::Post, r) if not_found(&r) => Replayed::Absent,
            (Method::Put, Ok(_)) => Replayed::Absent,
            _ => Replayed::Unknown,
        }
    }

    async fn send_authenticated(&self, request: &Request) -> Result<Value> {
        if self.session.borrow().is_none() {
            return Err(CrmError::NotSignedIn);
        }
        self.send(request).await
    }

    /// Sends a request (signed in), with retries and confirmation of repeats.
    pub async fn send_request(&self, request: &Request) -> Result<Value> {
        self.send_authenticated(request).await
    }

    /// Replays a write from the offline queue (see [`Request::replay`]).
    pub async fn replay(&self, request: &Request) -> Result<Value> {
        let replay = Request {
            replay: true,
            ..request.clone()
        };
        self.send_authenticated(&replay).await
    }

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

    pub async fn sign_up(&self, username: &str, email: &str, password: &str) -> Result<User> {
        let user = User {
            username: username.to_owned(),
            email: Some(email.to_owned()),
            ..Default::default()
        };
        user.validate()?;
        if password.is_empty() {
            return Err(CrmError::missing("_User", "password"));
        }
        let value = self.send(&rest::sign_up(username, email, password)).await?;
        let session = rest::decode_session(value, Some(user))?;
        let user = session.user.clone();
        self.set_session(Some(session));
        Ok(user)
    }

    pub async fn log_in(&self, username: &str, password: &str) -> Result<User> {
        if username.is_empty() {
            return Err(CrmError::missing("_User", "username"));
        }
        if password.is_empty() {
            return Err(CrmError::missing("_User", "password"));
        }
        let value = self.send(&rest::log_in(username, password)).await?;
        let session = rest::decode_session(value, None)?;
        let user = session.user.clone();
        self.set_session(Some(session));
        Ok(user)
    }

    /// Adopts an existing session token (e.g. handed over by a server-rendered page).
    pub async fn become_user(&self, session_token: &str) -> Result<User> {
        if session_token.is_empty() {
            return Err(CrmError::missing("_User", "sessionToken"));
        }
        let mut value = self
            .send_once(&rest::current_user(), Some(session_token))
            .await?;
        if let Value::Object(map) = &mut value {
            map.insert(
                "sessionToken".into(),
                Value::String(session_token.to_owned()),
            );
        }
        let session = rest::decode_session(value, None)?;
        let user = session.user.clone();
        self.set_session(Some(session));
        Ok(user)
    }

    /// Revokes the session on the server and forgets it locally. The local session is cleared
    /// even if the server cannot be reached; the error is still reported.
    pub async fn log_out(&self) -> Result<()> {
        let Some(token) = self.session_token() else {
            return Ok(());
        };
        let result = self.send_once(&rest::log_out(), Some(&token)).await;
        self.set_session(None);
        match result {
            // Already invalid on the server: the goal is reached.
            Ok(_)
            | Err(CrmError::Server {
                parse_code: parse_code::INVALID_SESSION_TOKEN,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        if !crate::models::is_plausible_email(email) {
            return Err(CrmError::invalid(
                "_User",
                "email",
                "is not a valid e-mail address",
            ));
        }
        self.send(&rest::request_password_reset(email))
            .await
            .map(|_| ())
    }

    /// Prepares a create: a client-chosen objectId unless one is set, then validation.
    fn prepare_create<T: HasSchema + Validate + SetObjectId>(
        &self,
        object: &mut T,
    ) -> Result<Request> {
        if object.object_id().is_none() {
            object.set_object_id(self.new_id());
        }
        object.validate()?;
        Ok(rest::create::<T>(
            schema::to_wire(object, true)?,
            self.new_id(),
        ))
    }

    /// Creates `object` with a client-chosen objectId (unless it already has one), so a retried
    /// create can not duplicate and the id is known before the server answers.
    pub async fn create<T>(&self, mut object: T) -> Result<T>
    where
        T: HasSchema + Validate + DeserializeOwned + SetObjectId,
    {
        let request = self.prepare_create(&mut object)?;
        let answer = self.send_authenticated(&request).await?;
        merge_write(&object, answer)
    }

    /// Saves only `changes` (Parse operations for unset and increment).
    pub async fn update<T: HasSchema>(&self, object_id: &str, changes: &Changes) -> Result<Saved> {
        let body = T::SCHEMA.encode_changes(changes)?;
        let answer = self
            .send_authenticated(&rest::update::<T>(object_id, body, self.new_id())?)
            .await?;
        let mut saved = rest::decode_write(answer)?;
        saved.object_id = Some(object_id.to_owned());
        Ok(saved)
    }

    pub async fn delete<T: HasSchema>(&self, object_id: &str) -> Result<()> {
        self.send_authenticated(&rest::delete::<T>(object_id, self.new_id())?)
            .await
            .map(|_| ())
    }

    pub async fn get<T: HasSchema + DeserializeOwned>(
        &self,
        object_id: &str,
        include: &[String],
    ) -> Result<T> {
        let value = self
            .send_authenticated(&rest::get::<T>(object_id, include)?)
            .await?;
        rest::decode_object(value)
    }

    pub async fn find<T: HasSchema + DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>> {
        let value = self.send_authenticated(&rest::find::<T>(query)?).await?;
        rest::decode_results(value)
    }

    /// The objectIds matching `query` (one page of up to 1000; only the ids are fetched).
    pub async fn find_ids<T: HasSchema>(&self, query: &Query) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct IdOnly {
            object_id: String,
        }
        let q = Query {
            keys: vec!["objectId".into()],
            limit: Some(MAX_LIMIT),
            ..query.clone()
        };
        let value = self.send_authenticated(&rest::find::<T>(&q)?).await?;
        let results = value
            .get("results")
            .cloned()
            .ok_or_else(|| CrmError::MalformedResponse("missing results array".into()))?;
        let ids: Vec<IdOnly> = serde_json::from_value(results)
            .map_err(|e| CrmError::MalformedResponse(e.to_string()))?;
        Ok(ids.into_iter().map(|o| o.object_id).collect())
    }

    pub async fn first<T: HasSchema + DeserializeOwned>(&self, query: &Query) -> Result<Option<T>> {
        let one = Query {
            limit: Some(1),
            ..query.clone()
        };
        Ok(self.find(&one).await?.into_iter().next())
    }

    pub async fn count<T: HasSchema>(&self, query: &Query) -> Result<u64> {
        let value = self.send_authenticated(&rest::count::<T>(query)?).await?;
        value
            .get("count")
            .and_then(Value::as_u64)
            .ok_or_else(|| CrmError::MalformedResponse("count missing from the answer".into()))
    }

    /// Every matching object, page by page (`limit` and `skip` of the query are ignored).
    /// Without an order it walks by objectId (stable even while objects are added); with one it
    /// pages with skip, objectId breaking ties.
    pub async fn find_all<T: HasSchema + DeserializeOwned>(&self, query: &Query) -> Result<Vec<T>> {
        let mut all: Vec<T> = Vec::new();
        let by_cursor = query.order.is_empty();
        let mut page_query = Query {
            limit: Some(MAX_LIMIT),
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
            let page: Vec<T> = self.find(&q).await?;
            let done = page.len() < MAX_LIMIT as usize;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }

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

/// What reading back the object of a replayed write showed.
enum Replayed {
    /// The write is there; the answer it would have had.
    Applied(Value),
    /// The write is not there (no such object, or not the values it set).
    Absent,
    /// Cannot tell (the read failed, or the request names no object).
    Unknown,
}

/// Whether a write that never happened may be sent again under a new request id without any
/// risk of applying twice: a create (its client-chosen objectId is unique) or an update of
/// plain values (not Increment and the like).
fn resendable(request: &Request) -> bool {
    match request.method {
        Method::Post => class_and_id(request).is_some(),
        Method::Put => matches!(&request.body, Some(Value::Object(fields))
            if fields.values().all(|v| v.get("__op").is_none())),
        _ => false,
    }
}

/// `(class, objectId)` of a `/classes/Class[/id]` request (the id of a create is in its body).
fn class_and_id(request: &Request) -> Option<(String, String)> {
    let rest = request.path.strip_prefix("/classes/")?;
    match rest.split_once('/') {
        Some((class, id)) => Some((class.to_owned(), id.to_owned())),
        None => {
            let id = request.body.as_ref()?.get("objectId")?.as_str()?;
            Some((rest.to_owned(), id.to_owned()))
        }
    }
}

fn pick(object: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .filter_map(|k| Some(((*k).to_owned(), object.get(*k)?.clone())))
            .collect(),
    )
}

/// Whether every plain value the write set is what the server now holds (operations such as
/// Increment cannot be checked this way and are taken as applied).
fn body_applied(body: Option<&Value>, object: &Value) -> bool {
    let Some(Value::Object(fields)) = body else {
        return false;
    };
    fields.iter().all(|(k, v)| match v {
        Value::Object(op) if op.contains_key("__op") => {
            op.get("__op").and_then(Value::as_str) != Some("Delete") || object.get(k).is_none()
        }
        _ => object.get(k).is_some_and(|held| same_json(held, v)),
    })
}

/// JSON equality where numbers compare by value (the server answers `5` for a sent `5.0`).
pub(crate) fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Models whose objectId the client may choose.
pub trait SetObjectId {
    fn set_object_id(&mut self, id: String);
}

/// Models that know whether the server has stored them.
pub trait HasCreatedAt {
    fn created_at_is_set(&self) -> bool;
}

macro_rules! client_model {
    ($($t:ty),*) => {$(
        impl SetObjectId for $t {
            fn set_object_id(&mut self, id: String) {
                self.object_id = Some(id);
            }
        }
        impl HasCreatedAt for $t {
            fn created_at_is_set(&self) -> bool {
                self.created_at.is_some()
            }
        }
    )*};
}
client_model!(
    crate::models::Company,
    crate::models::Contact,
    crate::models::Deal,
    crate::models::Activity
);

/// The saved object: what was sent, overlaid with what the server assigned or changed
/// (timestamps, createdBy, ACL, defaults from Cloud Code).
pub fn merge_write<T: HasSchema + DeserializeOwned + Serialize>(
    sent: &T,
    answer: Value,
) -> Result<T> {
    let mut merged =
        serde_json::to_value(sent).map_err(|e| CrmError::InvalidInput(e.to_string()))?;
    let (Value::Object(target), Value::Object(changes)) = (&mut merged, answer) else {
        return Err(CrmError::MalformedResponse(
            "a write answered with something other than an object".into(),
        ));
    };
    for (key, value) in changes {
        target.insert(key, value);
    }
    rest::decode_object(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Deal, Stage};
    use serde_json::json;

    #[test]
    fn a_write_answer_overlays_the_sent_object() {
        let sent = Deal {
            object_id: Some("d1".into()),
            title: "T".into(),
            ..Default::default()
        };
        let saved = merge_write(
            &sent,
            json!({"objectId": "d1", "createdAt": "2026-01-01T00:00:00.000Z", "stage": "lead",
                   "createdBy": {"__type": "Pointer", "className": "_User", "objectId": "u1"},
                   "ACL": {"u1": {"read": true, "write": true}}}),
        )
        .unwrap();
        assert_eq!(saved.stage, Some(Stage::Lead));
        assert_eq!(saved.title, "T");
        assert!(saved.created_at.is_some());
        assert!(saved.acl.is_some_and(|a| a.can_write("u1")));
        assert!(merge_write(&sent, json!([1])).is_err());
        assert!(merge_write(&sent, json!({"amount": "NaN"})).is_err());
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_retries: 5,
            base_delay_ms: 100,
            max_delay_ms: 1000,
        };
        assert_eq!(p.delay_ms(0, 0.0), 50);
        assert_eq!(p.delay_ms(0, 0.999_999), 99);
        assert_eq!(p.delay_ms(2, 0.0), 200);
        assert_eq!(p.delay_ms(10, 0.0), 500, "capped at max_delay_ms");
        assert_eq!(p.delay_ms(10, 1.0), 1000);
        assert_eq!(p.delay_ms(63, 0.5), 750, "no overflow on large attempts");
    }

    /// A platform answering from a script, recording what was sent.
    struct Scripted {
        answers: RefCell<Vec<Result<Value>>>,
        sent: RefCell<Vec<Request>>,
    }

    impl Platform for Scripted {
        async fn send(&self, request: &Request, _: Option<&str>) -> Result<Value> {
            self.sent.borrow_mut().push(request.clone());
            self.answers.borrow_mut().remove(0)
        }
        async fn sleep(&self, _: u32) {}
        fn mount_path(&self) -> String {
            "/parse".into()
        }
        fn random_bytes(&self, buf: &mut [u8]) {
            for (i, b) in buf.iter_mut().enumerate() {
                *b = (i * 7 + self.sent.borrow().len()) as u8;
            }
        }
        fn load_session(&self) -> Option<Session> {
            None
        }
        fn store_session(&self, _: Option<&Session>) {}
    }

    /// Runs a future that never waits (the scripted platform answers at once).
    fn run<F: std::future::Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the scripted platform never waits"),
        }
    }

    fn server(code: i64) -> Result<Value> {
        Err(CrmError::Server {
            parse_code: code,
            message: "scripted".into(),
        })
    }

    fn client(answers: Vec<Result<Value>>) -> Client<Scripted> {
        Client::new(
            Scripted {
                answers: RefCell::new(answers),
                sent: RefCell::new(Vec::new()),
            },
            RetryPolicy::default(),
        )
    }

    #[test]
    fn a_burned_request_id_is_renewed_once_for_a_create_that_never_landed() {
        let c = client(vec![
            server(parse_code::DUPLICATE_REQUEST), // the id was taken by a request that died
            server(parse_code::OBJECT_NOT_FOUND),  // and the object is not there
            Ok(json!({"objectId": "abc", "createdAt": "2026-01-01T00:00:00.000Z"})),
        ]);
        let create = rest::create::<Deal>(
            json!({"objectId": "abc", "title": "t"})
                .as_object()
                .unwrap()
                .clone(),
            "r1".into(),
        );
        let answer = run(c.send(&create)).unwrap();
        assert_eq!(answer["objectId"], "abc");
        let sent = c.platform.sent.borrow();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[1].method, Method::Get);
        assert_eq!(sent[2].body, create.body, "the same create");
        assert_ne!(
            sent[2].request_id, create.request_id,
            "under a new request id"
        );
    }

    #[test]
    fn a_burned_id_is_renewed_at_most_once_and_never_for_an_increment() {
        let create = rest::create::<Deal>(
            json!({"objectId": "abc", "title": "t"})
                .as_object()
                .unwrap()
                .clone(),
            "r1".into(),
        );
        let c = client(vec![
            server(parse_code::DUPLICATE_REQUEST),
            server(parse_code::OBJECT_NOT_FOUND),
            server(parse_code::DUPLICATE_REQUEST),
            server(parse_code::OBJECT_NOT_FOUND),
        ]);
        let err = run(c.send(&create)).unwrap_err();
        assert_eq!(err.code(), "DUPLICATE_REQUEST");
        assert_eq!(c.platform.sent.borrow().len(), 4);

        let increment = rest::update::<Deal>(
            "abc",
            json!({"amount": {"__op": "Increment", "amount": 1}})
                .as_object()
                .unwrap()
                .clone(),
            "r2".into(),
        )
        .unwrap();
        assert!(!resendable(&increment));
        let plain = rest::update::<Deal>(
            "abc",
            json!({"stage": "won"}).as_object().unwrap().clone(),
            "r3".into(),
        )
        .unwrap();
        assert!(resendable(&plain));
        assert!(!resendable(
            &rest::delete::<Deal>("abc", "r4".into()).unwrap()
        ));
    }

    #[test]
    fn replayed_writes_are_recognised_by_class_and_id() {
        let create = rest::create::<Deal>(
            json!({"objectId": "abc", "title": "t"})
                .as_object()
                .unwrap()
                .clone(),
            "r".into(),
        );
        assert_eq!(class_and_id(&create), Some(("Deal".into(), "abc".into())));
        let del = rest::delete::<Deal>("xyz", "r".into()).unwrap();
        assert_eq!(class_and_id(&del), Some(("Deal".into(), "xyz".into())));
        assert_eq!(class_and_id(&rest::log_out()), None);
    }

    #[test]
    fn an_update_counts_as_applied_only_if_the_server_holds_its_values() {
        let body = json!({"stage": "won", "notes": {"__op": "Delete"}, "amount": {"__op": "Increment", "amount": 5}});
        assert!(body_applied(
            Some(&body),
            &json!({"stage": "won", "amount": 10})
        ));
        assert!(!body_applied(
            Some(&body),
            &json!({"stage": "lead", "amount": 10})
        ));
        assert!(!body_applied(
            Some(&body),
            &json!({"stage": "won", "notes": "still here"})
        ));
        assert!(!body_applied(None, &json!({})));
        assert!(
            body_applied(Some(&json!({"amount": 5.0})), &json!({"amount": 5})),
            "5.0 == 5"
        );
        assert!(!body_applied(
            Some(&json!({"amount": 5.0})),
            &json!({"amount": 5.5})
        ));
    }
}
