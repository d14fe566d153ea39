//! The session lifecycle: sign up, log in, adopt a token, log out (revoked on the server,
//! forgotten locally even when the server cannot be reached), password reset.

use serde_json::Value;

use super::{Client, Platform};
use crate::error::{parse_code, CrmError, Result};
use crate::models::{User, Validate};
use crate::rest;

impl<P: Platform> Client<P> {
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

    /// Forgets the session here without asking the server: for one already ended elsewhere
    /// (another tab of this browser logged out and revoked it), where a log-out would send a
    /// request bound to fail.
    pub fn forget_session(&self) {
        self.set_session(None);
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

    /// Changes the signed-in user's password; the backend checks `current` (sent in the
    /// request's context) like a log-in. Parse then ends every session of the user and answers
    /// a new one, which this client keeps: every other device is signed out.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        let user = self.current_user().ok_or(CrmError::NotSignedIn)?;
        let id = user.object_id.clone().ok_or(CrmError::NotSignedIn)?;
        if current.is_empty() {
            return Err(CrmError::missing("_User", "password"));
        }
        if new.is_empty() {
            return Err(CrmError::missing("_User", "newPassword"));
        }
        let value = self
            .send_authenticated(&rest::change_password(&id, current, new))
            .await?;
        self.set_session(Some(rest::Session {
            user,
            session_token: rest::session_token_in(&value)?,
        }));
        Ok(())
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
}
