//! The client's options as JavaScript gives them, and what they become: the endpoint the
//! platform talks to and the retry policy. Defaults and bounds live here.

use serde::Deserialize;

use super::RetryPolicy;
use crate::error::{CrmError, Result};

/// Options of a client. There is no master key: the client is for browsers. An unknown option
/// is refused, not ignored: `serverURL` (the Parse SDK's spelling) or `timeout` did nothing.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// e.g. "http://127.0.0.1:1337/parse"
    pub server_url: String,
    pub app_id: String,
    pub javascript_key: String,
    /// Per-request timeout; default 15000.
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// How often a request that failed in transport is retried; default 3 (0 turns retries off).
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// Keep the session in localStorage so a reload stays signed in; default true.
    #[serde(default)]
    pub persist_session: Option<bool>,
}

/// Where and how the platform reaches the server.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub server_url: String,
    pub app_id: String,
    pub javascript_key: String,
    pub timeout_ms: u32,
    pub persist_session: bool,
}

impl ClientOptions {
    /// Checks the options and applies the defaults (retries at most 10: more is refused, as a
    /// quiet cap left a caller believing in retries that never came).
    pub fn resolve(self) -> Result<(Endpoint, RetryPolicy)> {
        if self.server_url.is_empty() || self.app_id.is_empty() {
            return Err(CrmError::InvalidInput(
                "serverUrl and appId are required".into(),
            ));
        }
        crate::rest::check_server_url(&self.server_url)?;
        // 0 is "off" for maxRetries and heartbeatMs; a request with no time limit is not
        // offered, and 0 read as 1 ms failed every request with TIMEOUT.
        if self.timeout_ms == Some(0) {
            return Err(CrmError::InvalidInput(
                "timeoutMs must be at least 1 (milliseconds a request may take; default 15000)"
                    .into(),
            ));
        }
        if self.max_retries.is_some_and(|n| n > 10) {
            return Err(CrmError::InvalidInput(
                "maxRetries must be at most 10 (default 3)".into(),
            ));
        }
        let retry = RetryPolicy {
            max_retries: self.max_retries.unwrap_or(3),
            ..RetryPolicy::default()
        };
        let endpoint = Endpoint {
            server_url: self.server_url,
            app_id: self.app_id,
            javascript_key: self.javascript_key,
            timeout_ms: self.timeout_ms.unwrap_or(15_000),
            persist_session: self.persist_session.unwrap_or(true),
        };
        Ok((endpoint, retry))
    }
}

impl Endpoint {
    /// The Live Query URL: the server URL with ws(s)://.
    pub fn websocket_url(&self) -> String {
        let url = &self.server_url;
        if let Some(rest) = url.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = url.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            url.clone()
        }
    }

    /// The name of the local database of a user of this app.
    pub fn database_name(&self, user_id: &str) -> String {
        format!("crm-wasm/{}/{user_id}", self.app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> ClientOptions {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_unknown_option_is_refused_with_the_known_ones_named() {
        let e = serde_json::from_str::<ClientOptions>(
            r#"{"serverUrl":"http://127.0.0.1:1/parse","appId":"a","javascriptKey":"k","timeout":5000}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `timeout`"), "{e}");
        assert!(e.contains("timeoutMs"), "{e}");
        // The local store's options and the pipeline's filter, the same way.
        let e = serde_json::from_str::<crate::offline::LocalOptions>(r#"{"autosync":false}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `autosync`") && e.contains("autoSync"),
            "{e}"
        );
        let e = serde_json::from_str::<crate::pipeline::Filter>(r#"{"assignee":["u1"]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `assignee`") && e.contains("assignees"),
            "{e}"
        );
    }

    #[test]
    fn defaults_and_bounds() {
        let (e, r) =
            options(r#"{"serverUrl":"http://127.0.0.1:1/parse","appId":"a","javascriptKey":"k"}"#)
                .resolve()
                .unwrap();
        assert_eq!(
            (e.timeout_ms, e.persist_session, r.max_retries),
            (15_000, true, 3)
        );
        let (e, r) = options(
            r#"{"serverUrl":"https://x.test/parse","appId":"a","javascriptKey":"k","timeoutMs":1,"maxRetries":10,"persistSession":false}"#,
        )
        .resolve()
        .unwrap();
        assert_eq!(
            (e.timeout_ms, e.persist_session, r.max_retries),
            (1, false, 10)
        );
        for (extra, refusal) in [
            (r#""timeoutMs":0"#, "timeoutMs must be at least 1"),
            (r#""maxRetries":11"#, "maxRetries must be at most 10"),
        ] {
            let json = format!(
                r#"{{"serverUrl":"https://x.test/parse","appId":"a","javascriptKey":"k",{extra}}}"#
            );
            let e = options(&json).resolve().unwrap_err();
            assert_eq!(e.code(), "INVALID_INPUT");
            assert!(e.to_string().contains(refusal), "{e}");
        }
        assert_eq!(e.websocket_url(), "wss://x.test/parse");
        assert_eq!(e.database_name("u1"), "crm-wasm/a/u1");
    }

    #[test]
    fn missing_or_bad_urls_are_refused() {
        for bad in [
            r#"{"serverUrl":"","appId":"a","javascriptKey":"k"}"#,
            r#"{"serverUrl":"http://127.0.0.1:1/parse","appId":"","javascriptKey":"k"}"#,
            r#"{"serverUrl":"ftp://x/parse","appId":"a","javascriptKey":"k"}"#,
        ] {
            assert_eq!(
                options(bad).resolve().unwrap_err().code(),
                "INVALID_INPUT",
                "{bad}"
            );
        }
    }
}
