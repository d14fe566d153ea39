//! The Parse client's logic, independent of the browser: session lifecycle, client-chosen
//! objectIds, validation before sending, encoding, decoding. The platform (fetch, storage,
//! randomness) comes in through [`Platform`]; `web::BrowserPlatform` is the browser's.
//!
//! State lives in `RefCell`s that are never borrowed across an `.await`, so calls may overlap.
//! Events for JavaScript are queued ([`Client::take_events`]) and delivered by the bindings
//! after the call returns, never while Rust holds a borrow.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{parse_code, CrmError, Result};
use crate::models::{User, Validate};
use crate::query::Query;
use crate::rest::{self, Request, Session};
use crate::schema::{self, HasSchema};

/// What the client needs from its environment.
#[allow(async_fn_in_trait)] // single-threaded (wasm): no Send bound wanted
pub trait Platform {
    /// Sends one request; `session_token` is added as `X-Parse-Session-Token` when present.
    async fn send(&self, request: &Request, session_token: Option<&str>) -> Result<Value>;
    /// Fills `buf` with cryptographically random bytes.
    fn random_bytes(&self, buf: &mut [u8]);
    fn load_session(&self) -> Option<Session>;
    fn store_session(&self, session: Option<&Session>);
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// The server refused the session (expired, revoked): the client signed out.
    SessionExpired,
}

pub struct Client<P: Platform> {
    platform: P,
    session: RefCell<Option<Session>>,
    events: RefCell<Vec<ClientEvent>>,
}

impl<P: Platform> Client<P> {
    /// A client whose session is restored from the platform's storage (page reload).
    pub fn new(platform: P) -> Self {
        let session = platform.load_session();
        Self {
            platform,
            session: RefCell::new(session),
            events: RefCell::new(Vec::new()),
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

    pub fn take_events(&self) -> Vec<ClientEvent> {
        std::mem::take(&mut *self.events.borrow_mut())
    }

    /// A fresh id: 10 characters of Parse's alphabet, from 16 random bytes (enough survive the
    /// unbiased filter with overwhelming probability; more are drawn if not).
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

    fn set_session(&self, session: Option<Session>) {
        self.platform.store_session(session.as_ref());
        *self.session.borrow_mut() = session;
    }

    async fn send(&self, request: &Request) -> Result<Value> {
        let token = if request.authenticated {
            self.session_token()
        } else {
            None
        };
        let result = self.platform.send(request, token.as_deref()).await;
        if let Err(CrmError::Server {
            parse_code: parse_code::INVALID_SESSION_TOKEN,
            ..
        }) = &result
        {
            if token.is_some() {
                self.set_session(None);
                self.events.borrow_mut().push(ClientEvent::SessionExpired);
            }
        }
        result
    }

    async fn send_authenticated(&self, request: &Request) -> Result<Value> {
        if self.session.borrow().is_none() {
            return Err(CrmError::NotSignedIn);
        }
        self.send(request).await
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
        let value = self
            .platform
            .send(&rest::current_user(), Some(session_token))
            .await?;
        let mut value = value;
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
        if self.session.borrow().is_none() {
            return Ok(());
        }
        let result = self
            .platform
            .send(&rest::log_out(), self.session_token().as_deref())
            .await;
        self.set_session(None);
        match result {
            Ok(_) => Ok(()),
            // Already invalid on the server: the goal is reached.
            Err(CrmError::Server {
                parse_code: parse_code::INVALID_SESSION_TOKEN,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        if !crate::models::is_plausible_email(email) {
            return Err(CrmError::InvalidField {
                class: "_User",
                field: "email",
                reason: "is not a valid e-mail address".into(),
            });
        }
        self.send(&rest::request_password_reset(email))
            .await
            .map(|_| ())
    }

    /// Creates `object` with a client-chosen objectId (unless it already has one), so a retried
    /// create can not duplicate and the id is known before the server answers.
    pub async fn create<T>(&self, mut object: T) -> Result<T>
    where
        T: HasSchema + Validate + DeserializeOwned + Clone,
        T: SetObjectId,
    {
        if object.object_id().is_none() {
            object.set_object_id(self.new_id());
        }
        object.validate()?;
        let body = schema::to_wire(&object, true)?;
        let answer = self
            .send_authenticated(&rest::create::<T>(body, self.new_id()))
            .await?;
        merge_write(&object, answer)
    }

    /// Saves every writable field of `object` (which must have an objectId).
    pub async fn update<T>(&self, object: T) -> Result<T>
    where
        T: HasSchema + Validate + DeserializeOwned + Clone,
    {
        object.validate()?;
        let id = object
            .object_id()
            .ok_or_else(|| CrmError::missing(T::CLASS_NAME, "objectId"))?;
        let body = schema::to_wire(&object, false)?;
        let answer = self
            .send_authenticated(&rest::update::<T>(id, body, self.new_id())?)
            .await?;
        merge_write(&object, answer)
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
}

/// Models whose objectId the client may choose.
pub trait SetObjectId {
    fn set_object_id(&mut self, id: String);
}

macro_rules! set_object_id {
    ($($t:ty),*) => {$(
        impl SetObjectId for $t {
            fn set_object_id(&mut self, id: String) {
                self.object_id = Some(id);
            }
        }
    )*};
}
set_object_id!(
    crate::models::Company,
    crate::models::Contact,
    crate::models::Deal,
    crate::models::Activity
);

/// The saved object: what was sent, overlaid with what the server assigned or changed
/// (timestamps, createdBy, ACL, defaults from Cloud Code).
pub fn merge_write<T: HasSchema + DeserializeOwned>(sent: &T, answer: Value) -> Result<T> {
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
}
