//! The account view's state: credits purchased and used (`/credits`) and the key's limit and
//! usage (`/key`), fetched in the background; each may fail on its own (`/credits` wants a
//! management key on OpenRouter), and the view says which.

use super::{App, Balance};
use crate::api::{ApiError, Credits, KeyInfo};
use crate::sanitize::Clean;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub credits: Option<Result<Credits, Clean>>,
    pub key: Option<Result<KeyInfo, Clean>>,
    /// The key's label as the server named it, made safe to show.
    pub key_label: Option<Clean>,
    /// A refresh is under way.
    pub loading: bool,
    /// Unix seconds of the last answer.
    pub fetched_at: Option<u64>,
    /// What the status bar shows: the last refresh that told anything (a refresh that fails
    /// whole leaves it as it was).
    pub balance: Option<Balance>,
}

/// Both answers of one refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountInfo {
    pub credits: Result<Credits, ApiError>,
    pub key: Result<KeyInfo, ApiError>,
}

impl AccountInfo {
    /// What the status bar shows; `Err` when neither call worked.
    pub fn balance(&self) -> Result<Balance, ApiError> {
        match (&self.credits, &self.key) {
            (Err(e), Err(_)) => Err(e.clone()),
            (credits, key) => Ok(Balance {
                credits_left: credits.as_ref().ok().map(Credits::remaining),
                key_left: key.as_ref().ok().and_then(|k| k.limit_remaining),
            }),
        }
    }
}

pub(super) fn on_account(app: &mut App, info: AccountInfo) {
    let balance = info.balance();
    let key_label = info
        .key
        .as_ref()
        .ok()
        .and_then(|k| k.label.as_deref())
        .map(Clean::line);
    let balance = match balance {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::debug!("account refresh failed: {e}");
            app.account.balance
        }
    };
    app.account = Account {
        credits: Some(info.credits.map_err(|e| Clean::line(&e.to_string()))),
        key: Some(info.key.map_err(|e| Clean::line(&e.to_string()))),
        key_label,
        loading: false,
        fetched_at: Some(crate::clock::unix_now()),
        balance,
    };
    app.mark_dirty();
}
