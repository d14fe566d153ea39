//! Parse Server's REST API as plain data: [`Request`] says what to send, the `decode_*`
//! functions turn a status and body into typed values or a [`CrmError`]. No I/O happens here;
//! the browser adapter (`web::fetch`) carries requests, which keeps all of this testable natively.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{CrmError, Result};
use crate::models::User;
use crate::query::Query;
use crate::schema::{ClassSchema, HasSchema};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One REST call, relative to the server URL (`/classes/Deal`).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub params: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Writes carry an `X-Parse-Request-Id` so that a retry is recognised by the server.
    pub request_id: Option<String>,
    /// Whether the session token (if any) goes with the request.
    pub authenticated: bool,
    /// A write replayed from the offline queue: its first attempt may have gone through in an
    /// earlier session, so "already exists" / "not found" answers are checked, not believed.
    pub replay: bool,
    /// Parse's request context for Cloud Code (the `X-Parse-Cloud-Context` header), as JSON text.
    pub context: Option<String>,
}

impl Request {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            params: Vec::new(),
            body: None,
            request_id: None,
            authenticated: true,
            replay: false,
            context: None,
        }
    }

    fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn is_write(&self) -> bool {
        self.method != Method::Get
    }

    /// What goes on the wire. A read whose URL would be longer than [`LONG_URL`] travels as
    /// Parse's long-query form, the one the Parse JS SDK sends every query in: a POST whose JSON
    /// body holds the parameters and `"_method": "GET"`. Long URLs are refused before Parse sees
    /// them (Node's parser, proxies), with no CORS headers, so the browser reports only a failed
    /// fetch: a 20,000-character search failed as a network error.
    pub fn wire(&self) -> Wire {
        let path_and_query = self.path_and_query();
        if self.method == Method::Get && path_and_query.len() > LONG_URL {
            let mut body: Map<String, Value> = self
                .params
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            body.insert("_method".into(), Value::String("GET".into()));
            return Wire {
                method: Method::Post,
                path_and_query: self.path.clone(),
                body: Some(Value::Object(body).to_string()),
            };
        }
        Wire {
            method: self.method,
            path_and_query,
            body: self.body.as_ref().map(Value::to_string),
        }
    }

    /// The path with its query string, percent-encoded.
    pub fn path_and_query(&self) -> String {
        if self.params.is_empty() {
            return self.path.clone();
        }
        let query: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        format!("{}?{}", self.path, query.join("&"))
    }
}

/// The longest URL path and query a read is sent with; longer ones go as a POST (see
/// [`Request::wire`]). 2,000 is what every browser, proxy and server takes.
pub const LONG_URL: usize = 2000;

/// A [`Request`] as sent: method, path with query string, JSON body text.
#[derive(Clone, Debug, PartialEq)]
pub struct Wire {
    pub method: Method,
    pub path_and_query: String,
    pub body: Option<String>,
}

/// RFC 3986 unreserved characters stay, everything else is %XX (UTF-8).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn schema_path(schema: &ClassSchema) -> String {
    match schema.class_name {
        "_User" => "/users".to_owned(),
        name => format!("/classes/{name}"),
    }
}

fn schema_object_path(schema: &ClassSchema, object_id: &str) -> Result<String> {
    if object_id.is_empty() || !object_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CrmError::InvalidInput(format!(
            "invalid objectId {object_id:?}"
        )));
    }
    Ok(format!("{}/{object_id}", schema_path(schema)))
}

/// A create for a class known by its schema (the typed [`create`] calls this).
pub fn create_in(schema: &ClassSchema, body: Map<String, Value>, request_id: String) -> Request {
    let mut r = Request::new(Method::Post, schema_path(schema)).with_body(Value::Object(body));
    r.request_id = Some(request_id);
    r
}

pub fn update_in(
    schema: &ClassSchema,
    object_id: &str,
    body: Map<String, Value>,
    request_id: String,
) -> Result<Request> {
    let mut r = Request::new(Method::Put, schema_object_path(schema, object_id)?)
        .with_body(Value::Object(body));
    r.request_id = Some(request_id);
    Ok(r)
}

pub fn delete_in(schema: &ClassSchema, object_id: &str, request_id: String) -> Result<Request> {
    let mut r = Request::new(Method::Delete, schema_object_path(schema, object_id)?);
    r.request_id = Some(request_id);
    Ok(r)
}

pub fn get_in(schema: &ClassSchema, object_id: &str) -> Result<Request> {
    Ok(Request::new(
        Method::Get,
        schema_object_path(schema, object_id)?,
    ))
}

pub fn find_in(schema: &ClassSchema, query: &Query) -> Result<Request> {
    let mut r = Request::new(Method::Get, schema_path(schema));
    r.params = query.to_params(schema)?;
    Ok(r)
}

pub fn sign_up(username: &str, email: &str, password: &str) -> Request {
    let mut r = Request::new(Method::Post, "/users").with_body(
        serde_json::json!({ "username": username, "email": email, "password": password }),
    );
    r.authenticated = false;
    r
}

pub fn log_in(username: &str, password: &str) -> Request {
    let mut r = Request::new(Method::Post, "/login")
        .with_body(serde_json::json!({ "username": username, "password": password }));
    r.authenticated = false;
    r
}

pub fn log_out() -> Request {
    Request::new(Method::Post, "/logout").with_body(Value::Object(Map::new()))
}

pub fn current_user() -> Request {
    Request::new(Method::Get, "/users/me")
}

/// A user's new password, with the current one in the request's context (the backend refuses a
/// change without it).
pub fn change_password(user_id: &str, current: &str, new: &str) -> Request {
    let mut r = Request::new(Method::Put, format!("/users/{user_id}"))
        .with_body(serde_json::json!({ "password": new }));
    r.context = Some(serde_json::json!({ "currentPassword": current }).to_string());
    r
}

pub fn request_password_reset(email: &str) -> Request {
    let mut r = Request::new(Method::Post, "/requestPasswordReset")
        .with_body(serde_json::json!({ "email": email }));
    r.authenticated = false;
    r
}

// The typed forms below are the schema-based ones with the schema taken from the model.

/// Creates `body` (already in wire shape, with its client-chosen objectId).
pub fn create<T: HasSchema>(body: Map<String, Value>, request_id: String) -> Request {
    create_in(T::SCHEMA, body, request_id)
}

pub fn update<T: HasSchema>(
    object_id: &str,
    body: Map<String, Value>,
    request_id: String,
) -> Result<Request> {
    update_in(T::SCHEMA, object_id, body, request_id)
}

pub fn delete<T: HasSchema>(object_id: &str, request_id: String) -> Result<Request> {
    delete_in(T::SCHEMA, object_id, request_id)
}

pub fn get<T: HasSchema>(object_id: &str, include: &[String]) -> Result<Request> {
    let mut r = get_in(T::SCHEMA, object_id)?;
    if !include.is_empty() {
        crate::query::check_include(T::SCHEMA, include)?;
        r.params.push(("include".into(), include.join(",")));
    }
    Ok(r)
}

pub fn find<T: HasSchema>(query: &Query) -> Result<Request> {
    find_in(T::SCHEMA, query)
}

pub fn count<T: HasSchema>(query: &Query) -> Result<Request> {
    let mut r = Request::new(Method::Get, schema_path(T::SCHEMA));
    r.params = query.count_params(T::SCHEMA)?;
    Ok(r)
}

/// Parse answers at most this many sub-requests per `/batch` by default.
pub const BATCH_SIZE: usize = 50;

/// One `/batch` call carrying `requests` (at most [`BATCH_SIZE`]). Sub-request paths carry the
/// server's mount path (`/parse/classes/Deal`), which Parse requires.
pub fn batch(mount_path: &str, requests: &[Request]) -> Request {
    let mount = mount_path.trim_end_matches('/');
    let subs: Vec<Value> = requests
        .iter()
        .map(|r| {
            let mut sub = Map::new();
            sub.insert("method".into(), Value::String(r.method.as_str().into()));
            sub.insert("path".into(), Value::String(format!("{mount}{}", r.path)));
            if let Some(body) = &r.body {
                sub.insert("body".into(), body.clone());
            }
            Value::Object(sub)
        })
        .collect();
    Request::new(Method::Post, "/batch").with_body(serde_json::json!({ "requests": subs }))
}

/// Checks a server URL as given in the client's options: `http(s)://host[:port][/path]`,
/// nothing else (no spaces, query or fragment), so requests can be built by appending paths.
pub fn check_server_url(url: &str) -> Result<()> {
    let bad = |why: &str| CrmError::InvalidInput(format!("serverUrl {url:?} {why}"));
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(bad("has no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains(['?', '#']) {
        return Err(bad("must not contain spaces, a query or a fragment"));
    }
    Ok(())
}

/// The path part of a server URL: `http://host:1337/parse` -> `/parse`.
pub fn mount_path(server_url: &str) -> String {
    let without_scheme = server_url
        .split_once("://")
        .map_or(server_url, |(_, rest)| rest);
    match without_scheme.find('/') {
        Some(i) => without_scheme[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// Splits a `/batch` answer into one result per sub-request, in order.
pub fn decode_batch(value: Value, expected: usize) -> Result<Vec<Result<Value>>> {
    let Value::Array(items) = value else {
        return Err(CrmError::MalformedResponse(
            "a batch answered with something other than an array".into(),
        ));
    };
    if items.len() != expected {
        return Err(CrmError::MalformedResponse(format!(
            "a batch of {expected} answered {} results",
            items.len()
        )));
    }
    Ok(items
        .into_iter()
        .map(|item| {
            if let Some(success) = item.get("success") {
                return Ok(success.clone());
            }
            match item
                .get("error")
                .cloned()
                .map(serde_json::from_value::<ParseErrorBody>)
            {
                Some(Ok(e)) => Err(CrmError::Server {
                    parse_code: e.code,
                    message: e.error,
                }),
                _ => Err(CrmError::MalformedResponse(format!(
                    "batch item without success or error: {item}"
                ))),
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct ParseErrorBody {
    code: i64,
    error: String,
}

/// Reads a response: a 2xx body must be JSON; an error body becomes the typed error Parse meant.
pub fn decode_response(status: u16, body: &str) -> Result<Value> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body)
            .map_err(|e| CrmError::MalformedResponse(format!("HTTP {status}: {e}")));
    }
    if let Ok(err) = serde_json::from_str::<ParseErrorBody>(body) {
        return Err(CrmError::Server {
            parse_code: err.code,
            message: err.error,
        });
    }
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    Err(CrmError::Http { status, message })
}

/// Decodes one object of type `T`, naming the class in the error.
pub fn decode_object<T: HasSchema + DeserializeOwned>(value: Value) -> Result<T> {
    serde_json::from_value(value)
        .map_err(|e| CrmError::MalformedResponse(format!("{}: {e}", T::CLASS_NAME)))
}

/// `{"results": [...]}` of a find. One undecodable object fails the whole page with its index,
/// rather than vanishing from the list.
pub fn decode_results<T: HasSchema + DeserializeOwned>(value: Value) -> Result<Vec<T>> {
    let Value::Object(mut map) = value else {
        return Err(CrmError::MalformedResponse(
            "expected an object with results".into(),
        ));
    };
    let Some(Value::Array(results)) = map.remove("results") else {
        return Err(CrmError::MalformedResponse("missing results array".into()));
    };
    results
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v)
                .map_err(|e| CrmError::MalformedResponse(format!("{} #{i}: {e}", T::CLASS_NAME)))
        })
        .collect()
}

/// What a create or update answers: the id and timestamps the server assigned.
/// Written by serde (`changed` flattened beside the known keys); read by hand in
/// [`decode_write`], since serde's derived reader for a flattened map buffers through a generic
/// `Content` tree.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<crate::wire::IsoDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<crate::wire::IsoDate>,
    /// Fields Cloud Code changed or set (`createdBy`, `ACL`, a default `stage`), as Parse
    /// returns them; merged into the saved object.
    #[serde(flatten)]
    pub changed: Map<String, Value>,
}

pub fn decode_write(value: Value) -> Result<WriteResult> {
    let fail = |e: serde_json::Error| CrmError::MalformedResponse(format!("write result: {e}"));
    let Value::Object(mut changed) = value else {
        return Err(fail(serde::de::Error::invalid_type(
            unexpected(&value),
            &"struct WriteResult",
        )));
    };
    fn known<T: DeserializeOwned>(
        map: &mut Map<String, Value>,
        key: &str,
    ) -> std::result::Result<Option<T>, serde_json::Error> {
        map.remove(key).map_or(Ok(None), serde_json::from_value)
    }
    Ok(WriteResult {
        object_id: known(&mut changed, "objectId").map_err(fail)?,
        created_at: known(&mut changed, "createdAt").map_err(fail)?,
        updated_at: known(&mut changed, "updatedAt").map_err(fail)?,
        changed,
    })
}

/// How serde names a JSON value's kind in an "invalid type" message.
fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// A signed-in user and their session token (sign-up, log-in and `/users/me` answer this).
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub user: User,
    pub session_token: String,
}

/// The session token an answer carries (sign-up, log-in, a password change).
pub fn session_token_in(value: &Value) -> Result<String> {
    value
        .get("sessionToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| CrmError::MalformedResponse("no sessionToken in the answer".into()))
}

pub fn decode_session(mut value: Value, sent: Option<User>) -> Result<Session> {
    let token = session_token_in(&value)?;
    // Sign-up answers only objectId, createdAt and the token: fill in what the client sent.
    if let (Some(sent), Value::Object(map)) = (sent, &mut value) {
        map.entry("username")
            .or_insert(Value::String(sent.username));
        if let Some(email) = sent.email {
            map.entry("email").or_insert(Value::String(email));
        }
    }
    let user: User = serde_json::from_value(value)
        .map_err(|e| CrmError::MalformedResponse(format!("user: {e}")))?;
    if user.object_id.is_none() {
        return Err(CrmError::MalformedResponse(
            "no objectId for the user".into(),
        ));
    }
    Ok(Session {
        user,
        session_token: token,
    })
}

/// A new objectId or request id from random bytes: 10 (or more) characters of [0-9A-Za-z],
/// Parse's own id alphabet and length.
pub fn id_from_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // 62 * 4 = 248 < 256: rejecting bytes >= 248 keeps every character equally likely.
    bytes
        .iter()
        .filter(|&&b| b < 248)
        .map(|&b| ALPHABET[(b % 62) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn write_results_keep_what_cloud_code_changed_beside_the_known_keys() {
        let w = super::decode_write(serde_json::json!({
            "objectId": "abc", "createdAt": "2024-01-02T03:04:05.000Z", "updatedAt": null,
            "stage": "lead", "ACL": {"*": {"read": true}}
        }))
        .unwrap();
        assert_eq!(w.object_id.as_deref(), Some("abc"));
        assert!(w.created_at.is_some() && w.updated_at.is_none());
        assert_eq!(w.changed.keys().collect::<Vec<_>>(), vec!["ACL", "stage"]);
        // It writes what it reads.
        let again = super::decode_write(serde_json::to_value(&w).unwrap()).unwrap();
        assert_eq!(again, w);
        for bad in [
            serde_json::json!([]),
            serde_json::json!({"objectId": 3}),
            serde_json::json!({"createdAt": "yesterday"}),
        ] {
            let e = super::decode_write(bad).unwrap_err();
            assert!(
                matches!(e, crate::error::CrmError::MalformedResponse(_)),
                "{e:?}"
            );
        }
    }

    #[test]
    fn server_urls_are_checked() {
        for good in [
            "http://127.0.0.1:1337/parse",
            "https://parseapi.back4app.com",
            "http://localhost/parse/",
        ] {
            assert!(super::check_server_url(good).is_ok(), "{good}");
        }
        for bad in [
            "not a url",
            "ftp://host/parse",
            "http://",
            "http:///parse",
            "http://host/parse?x=1",
            "http://host/pa rse",
            "",
        ] {
            let err = super::check_server_url(bad).unwrap_err();
            assert_eq!(err.code(), "INVALID_INPUT", "{bad}");
        }
    }

    use super::*;
    use crate::models::Deal;
    use serde_json::json;

    #[test]
    fn find_builds_an_encoded_url() {
        let q = Query::new()
            .equal_to("stage", "won")
            .ascending("expectedCloseDate");
        let r = find::<Deal>(&q).unwrap();
        assert_eq!(r.method, Method::Get);
        assert_eq!(
            r.path_and_query(),
            "/classes/Deal?where=%7B%22stage%22%3A%22won%22%7D&order=expectedCloseDate"
        );
        assert!(!r.is_write());
    }

    #[test]
    fn a_long_read_travels_as_a_post_that_says_get() {
        let short = find::<Deal>(&Query::new().equal_to("stage", "won")).unwrap();
        let wire = short.wire();
        assert_eq!((wire.method, wire.body), (Method::Get, None));
        assert_eq!(wire.path_and_query, short.path_and_query());

        let needle = "x".repeat(LONG_URL);
        let q = Query::new()
            .with(crate::query::Constraint::Contains {
                field: "title".into(),
                text: needle.clone(),
                case_insensitive: true,
            })
            .descending("amount")
            .limit(5);
        let long = find::<Deal>(&q).unwrap();
        let wire = long.wire();
        assert_eq!(wire.method, Method::Post);
        assert_eq!(wire.path_and_query, "/classes/Deal");
        let body: Value = serde_json::from_str(&wire.body.unwrap()).unwrap();
        let where_: Value = serde_json::from_str(body["where"].as_str().unwrap()).unwrap();
        assert_eq!(
            where_,
            Value::Object(q.compile_where(Deal::SCHEMA).unwrap())
        );
        assert_eq!(
            (&body["_method"], &body["order"], &body["limit"]),
            (&json!("GET"), &json!("-amount"), &json!("5"))
        );
        // Writes keep their method and body whatever their size.
        let mut fields = Map::new();
        fields.insert("title".into(), json!(needle));
        let write = update::<Deal>("abc", fields, "r".into()).unwrap().wire();
        assert_eq!(
            (write.method, write.path_and_query.as_str()),
            (Method::Put, "/classes/Deal/abc")
        );
    }

    #[test]
    fn writes_carry_request_ids_and_valid_paths() {
        let r = update::<Deal>("abc", Map::new(), "rid1".into()).unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.request_id.as_deref()),
            (Method::Put, "/classes/Deal/abc", Some("rid1"))
        );
        assert!(delete::<Deal>("../users", "r".into()).is_err());
        assert!(get::<Deal>("", &[]).is_err());
        // include names pointer fields only: refused before anything is sent.
        let title = get::<Deal>("d1", &["title".into()]).unwrap_err();
        assert_eq!(title.code(), "INVALID_INPUT");
        assert!(get::<Deal>("d1", &["company".into(), "contact".into()]).is_ok());
        assert!(!sign_up("a", "b", "c").authenticated);
    }

    #[test]
    fn error_bodies_become_typed_errors() {
        let e =
            decode_response(400, r#"{"code":209,"error":"Invalid session token"}"#).unwrap_err();
        assert_eq!((e.code(), e.parse_code()), ("INVALID_SESSION", Some(209)));
        let e = decode_response(403, r#"{"error":"unauthorized"}"#).unwrap_err();
        assert_eq!(
            e,
            CrmError::Http {
                status: 403,
                message: "unauthorized".into()
            }
        );
        let e = decode_response(502, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(e.code(), "SERVER_ERROR");
        assert_eq!(
            decode_response(200, "{\"results\":[").unwrap_err().code(),
            "MALFORMED_RESPONSE"
        );
        assert_eq!(
            decode_response(200, "").unwrap_err().code(),
            "MALFORMED_RESPONSE"
        );
    }

    #[test]
    fn results_decode_into_typed_objects_or_fail_loudly() {
        let ok = decode_results::<Deal>(
            json!({"results": [{"objectId": "a", "title": "T", "stage": "won"}]}),
        )
        .unwrap();
        assert_eq!(ok[0].title, "T");
        let bad = decode_results::<Deal>(
            json!({"results": [{"objectId": "a", "title": "A"}, {"objectId": "b", "title": "B", "amount": "lots"}]}),
        );
        let msg = bad.unwrap_err().to_string();
        assert!(msg.contains("#1"), "{msg}");
        assert!(decode_results::<Deal>(json!([])).is_err());
        assert!(decode_results::<Deal>(json!({"count": 1})).is_err());
    }

    #[test]
    fn session_decoding_keeps_sent_fields() {
        let sent = User {
            username: "ann".into(),
            email: Some("ann@x.io".into()),
            ..Default::default()
        };
        let s = decode_session(json!({"objectId": "u1", "createdAt": "2026-01-01T00:00:00.000Z", "sessionToken": "r:1"}), Some(sent)).unwrap();
        assert_eq!(
            (s.user.username.as_str(), s.session_token.as_str()),
            ("ann", "r:1")
        );
        assert!(decode_session(json!({"objectId": "u1"}), None).is_err());
        assert!(decode_session(json!({"sessionToken": "r:1"}), None).is_err());
    }

    #[test]
    fn batches_carry_the_mount_path_and_split_per_object() {
        let create = create::<Deal>(Map::new(), "r1".into());
        let del = delete::<Deal>("d1", "r2".into()).unwrap();
        let b = batch("/parse/", &[create, del]);
        assert_eq!(b.path, "/batch");
        assert_eq!(
            b.body.unwrap(),
            json!({"requests": [
                {"method": "POST", "path": "/parse/classes/Deal", "body": {}},
                {"method": "DELETE", "path": "/parse/classes/Deal/d1"}
            ]})
        );
        assert_eq!(mount_path("http://127.0.0.1:1337/parse"), "/parse");
        assert_eq!(mount_path("https://x.io/a/b/"), "/a/b");
        assert_eq!(mount_path("http://x.io"), "");
        let results = decode_batch(
            json!([{"success": {"objectId": "a"}}, {"error": {"code": 142, "error": "bad"}}]),
            2,
        )
        .unwrap();
        assert!(results[0].is_ok());
        assert_eq!(results[1].as_ref().unwrap_err().code(), "VALIDATION_FAILED");
        assert!(decode_batch(json!([{"success": {}}]), 2).is_err());
        assert!(decode_batch(json!({"results": []}), 0).is_err());
        assert!(decode_batch(json!([{"weird": 1}]), 1).unwrap()[0].is_err());
    }

    #[test]
    fn ids_use_parse_alphabet_without_bias() {
        let id = id_from_bytes(&[0, 61, 62, 247, 248, 255, 10]);
        assert_eq!(id, "0z0zA"); // 0, 61, 62%62, 247%62; 248 and 255 rejected
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(percent_encode("a b&é"), "a%20b%26%C3%A9");
    }
}
