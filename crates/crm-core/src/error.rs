//! The one error type of the crate. Every failure, whether from bad input, the network or the
//! server, is a [`CrmError`] with a stable [`CrmError::code`] string that JavaScript can match
//! on (`err.code === "VALIDATION_FAILED"`); Parse's numeric code is kept when the server sent one.

use thiserror::Error;

/// Parse Server error codes this crate distinguishes (see Parse's `ParseError`).
pub mod parse_code {
    pub const OTHER_CAUSE: i64 = -1;
    pub const INTERNAL_SERVER_ERROR: i64 = 1;
    pub const CONNECTION_FAILED: i64 = 100;
    pub const OBJECT_NOT_FOUND: i64 = 101;
    pub const INVALID_QUERY: i64 = 102;
    pub const INVALID_JSON: i64 = 107;
    pub const INCORRECT_TYPE: i64 = 111;
    pub const OBJECT_TOO_LARGE: i64 = 116;
    pub const OPERATION_FORBIDDEN: i64 = 119;
    pub const SCRIPT_FAILED: i64 = 141;
    pub const VALIDATION_ERROR: i64 = 142;
    pub const DUPLICATE_VALUE: i64 = 137;
    pub const EXCEEDED_QUOTA: i64 = 140;
    pub const REQUEST_LIMIT_EXCEEDED: i64 = 155;
    pub const DUPLICATE_REQUEST: i64 = 159;
    pub const USERNAME_MISSING: i64 = 200;
    pub const PASSWORD_MISSING: i64 = 201;
    pub const USERNAME_TAKEN: i64 = 202;
    pub const EMAIL_TAKEN: i64 = 203;
    pub const EMAIL_MISSING: i64 = 204;
    pub const EMAIL_NOT_FOUND: i64 = 205;
    pub const SESSION_MISSING: i64 = 206;
    pub const INVALID_SESSION_TOKEN: i64 = 209;
    pub const INVALID_EMAIL_ADDRESS: i64 = 125;
}

#[derive(Clone, Debug, PartialEq, Error)]
pub enum CrmError {
    /// A required field is missing or empty; nothing was sent.
    #[error("{class}.{field} is required")]
    MissingField { class: String, field: String },
    /// A field holds a value the schema does not allow; nothing was sent.
    #[error("{class}.{field}: {reason}")]
    InvalidField {
        class: String,
        field: String,
        reason: String,
    },
    /// A value from JavaScript could not be read as the expected type.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The operation needs a signed-in user and there is none.
    #[error("not signed in")]
    NotSignedIn,
    /// The request never got an answer (offline, refused, DNS, CORS).
    #[error("network error: {0}")]
    Network(String),
    /// The request got no answer in time.
    #[error("request timed out after {0} ms")]
    Timeout(u32),
    /// The server answered with something that is not what Parse sends.
    #[error("malformed response: {0}")]
    MalformedResponse(String),
    /// Parse Server refused the request.
    #[error("{message} (Parse error {parse_code})")]
    Server { parse_code: i64, message: String },
    /// The local database (IndexedDB) failed: quota, blocked, unavailable.
    #[error("local storage: {0}")]
    Storage(String),
    /// The server answered with an HTTP error and no Parse error body.
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// The object was closed (a `LiveQueryClient` after `close()`): nothing more can be done
    /// with it, and saying so beats answering as if it worked.
    #[error("{0} is closed")]
    Closed(String),
    /// A method was called on an object already `free()`d. Thrown by the package's JS glue
    /// (the Rust side never sees the call); declared here so the code list has one source.
    #[error("{0} has been freed")]
    Freed(String),
    /// A call before the package's `init()` finished. Thrown by the package's JS glue too;
    /// declared here so the code list has one source.
    #[error("crm-wasm is not initialised: call `await init()` once, before any other call")]
    NotInitialised,
}

/// Every code [`CrmError::code`] can answer, in documentation order. The TypeScript union
/// `CrmErrorCode` (`ts/crm-core.d.ts`) and the README's table are checked against it by tests.
pub const CODES: &[&str] = &[
    "MISSING_FIELD",
    "INVALID_FIELD",
    "INVALID_INPUT",
    "NOT_SIGNED_IN",
    "NETWORK_ERROR",
    "TIMEOUT",
    "MALFORMED_RESPONSE",
    "OBJECT_NOT_FOUND",
    "PERMISSION_DENIED",
    "INVALID_SESSION",
    "INVALID_CREDENTIALS",
    "ACCOUNT_LOCKED",
    "RATE_LIMITED",
    "QUOTA_EXCEEDED",
    "USERNAME_TAKEN",
    "EMAIL_TAKEN",
    "EMAIL_NOT_FOUND",
    "VALIDATION_FAILED",
    "DUPLICATE_VALUE",
    "DUPLICATE_REQUEST",
    "INVALID_QUERY",
    "UNAUTHORIZED",
    "SERVER_ERROR",
    "HTTP_ERROR",
    "STORAGE_ERROR",
    "CLOSED",
    "FREED",
    "NOT_INITIALISED",
];

impl CrmError {
    /// A stable, documented string for each kind of failure.
    pub fn code(&self) -> &'static str {
        use parse_code as p;
        match self {
            CrmError::MissingField { .. } => "MISSING_FIELD",
            CrmError::InvalidField { .. } => "INVALID_FIELD",
            CrmError::InvalidInput(_) => "INVALID_INPUT",
            CrmError::NotSignedIn => "NOT_SIGNED_IN",
            CrmError::Network(_) => "NETWORK_ERROR",
            CrmError::Timeout(_) => "TIMEOUT",
            CrmError::MalformedResponse(_) => "MALFORMED_RESPONSE",
            CrmError::Storage(_) => "STORAGE_ERROR",
            CrmError::Closed(_) => "CLOSED",
            CrmError::Freed(_) => "FREED",
            CrmError::NotInitialised => "NOT_INITIALISED",
            CrmError::Http {
                status: 401 | 403, ..
            } => "UNAUTHORIZED",
            CrmError::Http { status: 429, .. } => "RATE_LIMITED",
            CrmError::Http { status, .. } if *status >= 500 => "SERVER_ERROR",
            CrmError::Http { .. } => "HTTP_ERROR",
            CrmError::Server {
                parse_code,
                message,
            } => match *parse_code {
                // Parse answers 101 both for a missing object and for a class-level
                // permission refusal; only the message tells them apart.
                p::OBJECT_NOT_FOUND if message.starts_with("Permission denied") => {
                    "PERMISSION_DENIED"
                }
                // ... and for a failed log-in.
                p::OBJECT_NOT_FOUND if message.starts_with("Invalid username/password") => {
                    "INVALID_CREDENTIALS"
                }
                // ... and for an account locked after repeated failed log-ins.
                p::OBJECT_NOT_FOUND if message.starts_with("Your account is locked") => {
                    "ACCOUNT_LOCKED"
                }
                p::OBJECT_NOT_FOUND => "OBJECT_NOT_FOUND",
                p::OPERATION_FORBIDDEN => "PERMISSION_DENIED",
                p::INVALID_SESSION_TOKEN | p::SESSION_MISSING => "INVALID_SESSION",
                p::USERNAME_TAKEN => "USERNAME_TAKEN",
                p::EMAIL_TAKEN => "EMAIL_TAKEN",
                p::VALIDATION_ERROR
                | p::SCRIPT_FAILED
                | p::INCORRECT_TYPE
                | p::INVALID_EMAIL_ADDRESS
                | p::USERNAME_MISSING
                | p::PASSWORD_MISSING
                | p::EMAIL_MISSING
                | p::OBJECT_TOO_LARGE => "VALIDATION_FAILED",
                p::REQUEST_LIMIT_EXCEEDED => "RATE_LIMITED",
                p::EXCEEDED_QUOTA => "QUOTA_EXCEEDED",
                p::DUPLICATE_VALUE => "DUPLICATE_VALUE",
                p::DUPLICATE_REQUEST => "DUPLICATE_REQUEST",
                p::INVALID_QUERY | p::INVALID_JSON => "INVALID_QUERY",
                p::EMAIL_NOT_FOUND => "EMAIL_NOT_FOUND",
                p::CONNECTION_FAILED => "NETWORK_ERROR",
                _ => "SERVER_ERROR",
            },
        }
    }

    pub fn missing(class: impl Into<String>, field: impl Into<String>) -> Self {
        CrmError::MissingField {
            class: class.into(),
            field: field.into(),
        }
    }

    pub fn invalid(
        class: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        CrmError::InvalidField {
            class: class.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An object from JavaScript that serde could not read: a missing required field keeps its
    /// own code (as if validation had caught it), anything else is `INVALID_INPUT`.
    pub fn from_input(class: &str, message: &str) -> Self {
        if let Some(rest) = message.split("missing field `").nth(1) {
            if let Some(field) = rest.split('`').next() {
                return CrmError::missing(class, field);
            }
        }
        CrmError::InvalidInput(format!("{class}: {message}"))
    }

    /// Parse's numeric code, when the server sent one.
    pub fn parse_code(&self) -> Option<i64> {
        match self {
            CrmError::Server { parse_code, .. } => Some(*parse_code),
            _ => None,
        }
    }

    /// Whether the session is over (revoked, expired, logged out): nothing sent with it can
    /// succeed until the user signs in again.
    pub fn ends_session(&self) -> bool {
        // The variants `code()` names INVALID_SESSION or NOT_SIGNED_IN, matched directly: this
        // runs on every failed round, and comparing the code strings cost shipped bytes.
        matches!(
            self,
            CrmError::NotSignedIn
                | CrmError::Server {
                    parse_code: parse_code::INVALID_SESSION_TOKEN | parse_code::SESSION_MISSING,
                    ..
                }
        )
    }

    /// Whether sending the same request again may succeed (the failure was in transport or a
    /// transient server fault, not a verdict on the request).
    pub fn is_transient(&self) -> bool {
        match self {
            CrmError::Network(_) | CrmError::Timeout(_) => true,
            CrmError::Http { status, .. } => *status >= 500 || *status == 429,
            CrmError::Server { parse_code, .. } => {
                matches!(
                    *parse_code,
                    parse_code::INTERNAL_SERVER_ERROR | parse_code::CONNECTION_FAILED
                )
            }
            _ => false,
        }
    }
}

pub type Result<T, E = CrmError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant, and a server error for every Parse code the match names
    /// (plus the messages that split 101): together they reach every arm of `code()`.
    fn every_kind() -> Vec<CrmError> {
        use parse_code as p;
        let mut all = vec![
            CrmError::missing("C", "f"),
            CrmError::invalid("C", "f", "r"),
            CrmError::InvalidInput(String::new()),
            CrmError::NotSignedIn,
            CrmError::Network(String::new()),
            CrmError::Timeout(1),
            CrmError::MalformedResponse(String::new()),
            CrmError::Storage(String::new()),
            CrmError::Closed(String::new()),
            CrmError::Freed(String::new()),
            CrmError::NotInitialised,
        ];
        // A new variant fails to compile here until it is listed above.
        for e in &all {
            match e {
                CrmError::MissingField { .. }
                | CrmError::InvalidField { .. }
                | CrmError::InvalidInput(_)
                | CrmError::NotSignedIn
                | CrmError::Network(_)
                | CrmError::Timeout(_)
                | CrmError::MalformedResponse(_)
                | CrmError::Server { .. }
                | CrmError::Storage(_)
                | CrmError::Http { .. }
                | CrmError::Closed(_)
                | CrmError::Freed(_)
                | CrmError::NotInitialised => {}
            }
        }
        for status in [400, 401, 403, 404, 429, 500, 503] {
            all.push(CrmError::Http {
                status,
                message: String::new(),
            });
        }
        let codes = [
            p::OTHER_CAUSE,
            p::INTERNAL_SERVER_ERROR,
            p::CONNECTION_FAILED,
            p::OBJECT_NOT_FOUND,
            p::INVALID_QUERY,
            p::INVALID_JSON,
            p::INCORRECT_TYPE,
            p::OBJECT_TOO_LARGE,
            p::OPERATION_FORBIDDEN,
            p::SCRIPT_FAILED,
            p::VALIDATION_ERROR,
            p::DUPLICATE_VALUE,
            p::EXCEEDED_QUOTA,
            p::REQUEST_LIMIT_EXCEEDED,
            p::DUPLICATE_REQUEST,
            p::USERNAME_MISSING,
            p::PASSWORD_MISSING,
            p::USERNAME_TAKEN,
            p::EMAIL_TAKEN,
            p::EMAIL_MISSING,
            p::EMAIL_NOT_FOUND,
            p::SESSION_MISSING,
            p::INVALID_SESSION_TOKEN,
            p::INVALID_EMAIL_ADDRESS,
        ];
        for code in codes {
            all.push(server(code, ""));
        }
        for message in [
            "Permission denied",
            "Invalid username/password.",
            "Your account is locked",
        ] {
            all.push(server(p::OBJECT_NOT_FOUND, message));
        }
        all
    }

    #[test]
    fn codes_lists_exactly_the_codes_errors_carry() {
        let produced: std::collections::BTreeSet<&str> =
            every_kind().iter().map(CrmError::code).collect();
        let listed: std::collections::BTreeSet<&str> = CODES.iter().copied().collect();
        assert_eq!(listed.len(), CODES.len(), "a code is listed twice");
        assert_eq!(produced, listed);
    }

    #[test]
    fn ends_session_is_exactly_the_session_codes() {
        for e in every_kind() {
            let by_code = matches!(e.code(), "INVALID_SESSION" | "NOT_SIGNED_IN");
            assert_eq!(e.ends_session(), by_code, "{e:?}");
        }
    }

    fn server(code: i64, message: &str) -> CrmError {
        CrmError::Server {
            parse_code: code,
            message: message.into(),
        }
    }

    #[test]
    fn parse_codes_map_to_stable_codes() {
        assert_eq!(
            server(209, "Invalid session token").code(),
            "INVALID_SESSION"
        );
        assert_eq!(server(101, "Object not found.").code(), "OBJECT_NOT_FOUND");
        assert_eq!(
            server(101, "Permission denied, user needs to be authenticated.").code(),
            "PERMISSION_DENIED"
        );
        assert_eq!(
            server(202, "Account already exists for this username.").code(),
            "USERNAME_TAKEN"
        );
        assert_eq!(
            server(203, "Account already exists for this email address.").code(),
            "EMAIL_TAKEN"
        );
        assert_eq!(
            server(142, "Deal.title is required").code(),
            "VALIDATION_FAILED"
        );
        assert_eq!(server(159, "Duplicate request").code(), "DUPLICATE_REQUEST");
        assert_eq!(
            server(140, "you have 100,000 deals").code(),
            "QUOTA_EXCEEDED"
        );
        assert_eq!(
            server(155, "Too many sign-ups from this address").code(),
            "RATE_LIMITED"
        );
        assert_eq!(
            server(
                101,
                "Your account is locked due to multiple failed login attempts."
            )
            .code(),
            "ACCOUNT_LOCKED"
        );
        assert_eq!(
            server(116, "the request body is over 2097152 bytes").code(),
            "VALIDATION_FAILED"
        );
        assert!(!server(155, "Too many").is_transient());
        assert_eq!(server(999, "?").code(), "SERVER_ERROR");
        assert_eq!(server(142, "x").parse_code(), Some(142));
    }

    #[test]
    fn transport_failures_are_transient_verdicts_are_not() {
        assert!(CrmError::Network("down".into()).is_transient());
        assert!(CrmError::Timeout(100).is_transient());
        assert!(CrmError::Http {
            status: 503,
            message: String::new()
        }
        .is_transient());
        assert!(!CrmError::Http {
            status: 403,
            message: String::new()
        }
        .is_transient());
        assert!(!server(142, "bad").is_transient());
        assert_eq!(
            CrmError::Http {
                status: 403,
                message: "unauthorized".into()
            }
            .code(),
            "UNAUTHORIZED"
        );
        assert_eq!(CrmError::NotSignedIn.code(), "NOT_SIGNED_IN");
        assert_eq!(
            CrmError::from_input("Deal", "missing field `title`"),
            CrmError::missing("Deal", "title")
        );
        assert_eq!(
            CrmError::from_input("Deal", "invalid type: string").code(),
            "INVALID_INPUT"
        );
    }
}
