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
//! By concept: [`platform`] (the environment), [`retry`] (sending, backoff, refused sessions),
//! [`exactly_once`] (confirming replayed writes), [`paging`] (reading everything),
//! [`batch`] (`/batch`), [`session`] (sign-up, log-in, log-out); the CRUD calls are here.

mod batch;
mod exactly_once;
mod options;
mod paging;
mod platform;
mod retry;
mod session;

pub(crate) use exactly_once::same_json;
pub use options::{ClientOptions, Endpoint};
pub use platform::Platform;
pub use retry::RetryPolicy;

use std::cell::{Cell, RefCell};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::{CrmError, Result};
use crate::models::{User, Validate};
use crate::query::{Query, MAX_LIMIT};
use crate::rest::{self, Request, Session, WriteResult};
use crate::schema::{self, Changes, HasSchema};

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

    /// The server refused `token` (209), over REST or from the Live Query server: signed out
    /// and [`ClientEvent::SessionExpired`] queued, if it is still this client's session (one
    /// made since, by a log-in or a password change here, stays).
    pub fn session_refused(&self, token: &str) {
        if self.session_token().as_deref() == Some(token) {
            self.set_session(None);
            self.events.borrow_mut().push(ClientEvent::SessionExpired);
            self.platform.events_queued();
        }
    }

    fn set_session(&self, session: Option<Session>) {
        self.platform.store_session(session.as_ref());
        *self.session.borrow_mut() = session;
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

    /// What creating `object` sends: a client-chosen objectId unless one is set, validation,
    /// the wire body and a fresh request id. Shared by [`Client::create`] and the offline
    /// queue, so a new object is checked and encoded alike whether it goes now or later.
    pub fn prepare_new<T: HasSchema + Validate + SetObjectId>(
        &self,
        object: &mut T,
    ) -> Result<(serde_json::Map<String, Value>, String)> {
        if object.object_id().is_none() {
            object.set_object_id(self.new_id());
        }
        object.validate()?;
        Ok((schema::to_wire(object, true)?, self.new_id()))
    }

    fn prepare_create<T: HasSchema + Validate + SetObjectId>(
        &self,
        object: &mut T,
    ) -> Result<Request> {
        let (body, request_id) = self.prepare_new(object)?;
        Ok(rest::create::<T>(body, request_id))
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
    use super::exactly_once::{body_applied, class_and_id, resendable};
    use super::*;
    use crate::error::parse_code;
    use crate::models::{Deal, Stage};
    use crate::rest::Method;
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
    fn a_session_ended_elsewhere_is_forgotten_without_a_request() {
        let c = client(vec![]);
        c.set_session(Some(Session {
            user: Default::default(),
            session_token: "r:gone".into(),
        }));
        c.forget_session();
        assert_eq!(c.session_token(), None);
        assert!(c.current_user().is_none());
        assert!(c.platform.sent.borrow().is_empty(), "nothing was sent");
        // Signed out: a log-out now has nothing to revoke, and sends nothing either.
        run(c.log_out()).unwrap();
        assert!(c.platform.sent.borrow().is_empty());
    }

    #[test]
    fn find_all_pages_fit_the_backends_answer_and_halve_when_it_is_too_long() {
        let deals = |n: usize| {
            let results: Vec<Value> = (0..n)
                .map(|i| json!({"objectId": format!("d{i:05}"), "title": "t"}))
                .collect();
            Ok(json!({ "results": results }))
        };
        let c = client(vec![
            server(parse_code::OBJECT_TOO_LARGE), // 750 deals of long notes: too long
            deals(375),
            deals(100), // fewer than a page: the last
        ]);
        c.set_session(Some(Session {
            user: Default::default(),
            session_token: "r:t".into(),
        }));
        let query = Query {
            include: vec!["company".into(), "contact.company".into()],
            ..Query::new()
        };
        let all: Vec<Deal> = run(c.find_all(&query)).unwrap();
        assert_eq!(all.len(), 475);
        let limits: Vec<String> = c
            .platform
            .sent
            .borrow()
            .iter()
            .map(|r| {
                r.params
                    .iter()
                    .find(|(k, _)| k == "limit")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        // Three included paths: 3,000 / 4 = 750 a page; then halves, kept.
        assert_eq!(limits, ["750", "375", "375"]);
        assert_eq!(crate::query::page_limit(&Query::new()), MAX_LIMIT);
        // Past the halving, the refusal is the caller's.
        let c = client(vec![server(parse_code::OBJECT_TOO_LARGE); 10]);
        c.set_session(Some(Session {
            user: Default::default(),
            session_token: "r:t".into(),
        }));
        let err = run(c.find_all::<Deal>(&Query::new())).unwrap_err();
        assert_eq!(err.parse_code(), Some(parse_code::OBJECT_TOO_LARGE));
        assert_eq!(
            c.platform.sent.borrow().len(),
            10,
            "1000, 500, 250, 125, 62, 31, 15, 7, 3, 1"
        );
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
        // The renewed id is burned too: it is looked at again while retries remain (3), and
        // never renewed a second time.
        let c = client(
            [
                server(parse_code::DUPLICATE_REQUEST),
                server(parse_code::OBJECT_NOT_FOUND),
            ]
            .into_iter()
            .cycle()
            .take(10)
            .collect(),
        );
        let err = run(c.send(&create)).unwrap_err();
        assert_eq!(err.code(), "DUPLICATE_REQUEST");
        let sent = c.platform.sent.borrow();
        assert_eq!(sent.len(), 10);
        let ids: std::collections::BTreeSet<_> = sent
            .iter()
            .filter(|r| r.method == Method::Post)
            .map(|r| r.request_id.clone())
            .collect();
        assert_eq!(ids.len(), 2, "the first id and one renewal");
        drop(sent);

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
    fn a_duplicate_request_that_cannot_be_confirmed_yet_is_looked_at_again() {
        // A busy server: the first attempt times out, the retry is answered 159, and reading
        // the object back times out too. The write must not fail with 159 while retries remain.
        let object =
            json!({"objectId": "abc", "title": "t", "createdAt": "2026-01-01T00:00:00.000Z"});
        let c = client(vec![
            Err(CrmError::Timeout(15_000)),
            server(parse_code::DUPLICATE_REQUEST),
            Err(CrmError::Timeout(15_000)),
            server(parse_code::DUPLICATE_REQUEST),
            Ok(object.clone()),
        ]);
        let create = rest::create::<Deal>(
            json!({"objectId": "abc", "title": "t"})
                .as_object()
                .unwrap()
                .clone(),
            "r1".into(),
        );
        let answer = run(c.send(&create)).unwrap();
        assert_eq!(answer["createdAt"], object["createdAt"]);
        let sent = c.platform.sent.borrow();
        let posts: Vec<_> = sent.iter().filter(|r| r.method == Method::Post).collect();
        assert_eq!(posts.len(), 3);
        assert!(
            posts.iter().all(|r| r.request_id.as_deref() == Some("r1")),
            "looked at again under the same id, never sent as a new write"
        );
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
