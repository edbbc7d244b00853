//! Passkeys, fingerprint and face unlock, and hardware security keys (WebAuthn), through webauthn-rs's
//! core (RustCrypto underneath, no OpenSSL).
//!
//! Why the core and not the `webauthn-rs` front: its passkey ceremonies insist on user verification at
//! registration (a security key without a PIN could not be added at all) and never ask for a resident
//! key. Here registration asks for both as *preferred*, and what the authenticator actually proved
//! decides, per credential, what it may do: a credential registered with user verification is a
//! passkey that can sign in on its own (both factors); one without is a security key, offered only as
//! the second step after a password. Everything else is what `webauthn-rs` does: challenge and origin
//! checks, signature counters (a counter that does not move forward is refused as a possible clone),
//! backup flags updated from each assertion.
//!
//! The relying party is the host of `PUBLIC_URL` (WebAuthn needs a host name: `localhost`, not
//! `127.0.0.1`), and the only origin accepted is `PUBLIC_URL`'s.
//!
//! Adding a credential is in `registration`.
pub mod ceremony;
mod registration;

use app::error::AppError;
use app::types::{FactorKind, PasskeyKind};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use webauthn_rs_core::proto::{
    AuthenticationResult, AuthenticationState, Credential, Mediation, PublicKeyCredential,
    UserVerificationPolicy,
};
use webauthn_rs_core::WebauthnCore;

use super::Factor;
use crate::db::Conn;
use crate::services::OrInternal;
pub use registration::{begin_registration, finish_registration};

/// The relying party: this server, as browsers and authenticators know it.
pub struct RelyingParty {
    core: WebauthnCore,
}

/// Why passkeys cannot be offered.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("PUBLIC_URL has no host name (WebAuthn does not work on an IP address): {0}")]
    NoHostName(String),
}

impl RelyingParty {
    pub fn for_public_url(public_url: &url::Url) -> Result<RelyingParty, Unavailable> {
        let Some(url::Host::Domain(host)) = public_url.host() else {
            return Err(Unavailable::NoHostName(public_url.to_string()));
        };
        let origin = url::Url::parse(&public_url.origin().ascii_serialization())
            .map_err(|_| Unavailable::NoHostName(public_url.to_string()))?;
        Ok(RelyingParty {
            core: WebauthnCore::new_unsafe_experts_only(
                "Portcullis",
                host,
                vec![origin],
                Duration::from_secs(ceremony::LIFETIME_SECS as u64),
                Some(false),
                Some(false),
            ),
        })
    }
}

/// What the `credential` column holds for a passkey.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPasskey {
    pub credential: Credential,
    /// The WebAuthn user handle the credential was made for (base64url): one per account, random.
    pub user_handle: String,
    pub kind: PasskeyKind,
    /// Registered with user verification: may sign in without a password.
    pub passwordless: bool,
}

impl StoredPasskey {
    pub fn of(factor: &Factor) -> Option<StoredPasskey> {
        factor
            .credential
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }
}

/// What the browser gets: the options for `navigator.credentials.create/get`, as JSON, with binary
/// values in base64url (the page turns them into buffers).
pub fn options_json(options: &impl Serialize) -> Result<String, AppError> {
    let mut value = serde_json::to_value(options).or_internal("serialising passkey options")?;
    strip_nulls(&mut value);
    serde_json::to_string(&value).or_internal("serialising passkey options")
}

// Browsers reject `null` where the WebAuthn dictionaries expect a value or nothing.
fn strip_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

pub fn encode_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The user's passkeys, with what is stored about each.
pub async fn of_user(
    conn: &mut Conn,
    user_id: i64,
) -> Result<Vec<(Factor, StoredPasskey)>, sqlx::Error> {
    Ok(super::confirmed_of(conn, user_id, FactorKind::Passkey)
        .await?
        .into_iter()
        .filter_map(|f| StoredPasskey::of(&f).map(|s| (f, s)))
        .collect())
}

/// The confirmed passkey with this credential id, whoever it belongs to.
pub async fn by_credential_id(
    conn: &mut Conn,
    credential_id: &str,
) -> Result<Option<(Factor, StoredPasskey)>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM second_factors WHERE credential_id = $1 AND kind = 'passkey' AND confirmed_at IS NOT NULL",
        super::COLUMNS
    );
    let row = sqlx::query(&sql)
        .bind(credential_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .as_ref()
        .map(super::from_row)
        .transpose()?
        .and_then(|f| StoredPasskey::of(&f).map(|s| (f, s))))
}

/// An assertion by one of these credentials (the second step, confirming identity). User
/// verification preferred: a security key without one is still a second factor.
pub fn begin_assertion(
    rp: &RelyingParty,
    credentials: Vec<Credential>,
) -> Result<(String, String), AppError> {
    let builder = rp
        .core
        .new_challenge_authenticate_builder(credentials, Some(UserVerificationPolicy::Preferred))
        .or_internal("passkey options")?
        .allow_backup_eligible_upgrade(true);
    let (options, state) = rp
        .core
        .generate_challenge_authenticate(builder)
        .or_internal("passkey options")?;
    let state = serde_json::to_string(&state).or_internal("keeping a ceremony")?;
    Ok((options_json(&options)?, state))
}

/// A sign-in without password: any discoverable credential of this site. With `conditional`, the
/// browser offers the passkeys in the username field's autofill instead of a dialog.
pub fn begin_discoverable(
    rp: &RelyingParty,
    conditional: bool,
) -> Result<(String, String), AppError> {
    let builder = rp
        .core
        .new_challenge_authenticate_builder(Vec::new(), Some(UserVerificationPolicy::Preferred))
        .or_internal("passkey options")?
        .allow_backup_eligible_upgrade(true);
    let (mut options, state) = rp
        .core
        .generate_challenge_authenticate(builder)
        .or_internal("passkey options")?;
    if conditional {
        options.mediation = Some(Mediation::Conditional);
    }
    let state = serde_json::to_string(&state).or_internal("keeping a ceremony")?;
    Ok((options_json(&options)?, state))
}

/// The browser's answer to an assertion, read (not yet checked).
pub fn parse_assertion(answer: &str) -> Result<PublicKeyCredential, AppError> {
    serde_json::from_str(answer).map_err(|_| AppError::PasskeyRefused)
}

/// Checks an assertion against the ceremony it answers and the credential it names: challenge, origin,
/// relying party, signature, counter.
pub fn verify(
    rp: &RelyingParty,
    state: &str,
    answer: &PublicKeyCredential,
    stored: &StoredPasskey,
) -> Result<AuthenticationResult, AppError> {
    let state: AuthenticationState =
        serde_json::from_str(state).or_internal("reading a ceremony")?;
    rp.core
        .authenticate_single_credential(answer, &state, &stored.credential)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey assertion refused");
            AppError::PasskeyRefused
        })
}

/// Records a use: the counter and backup flags as the authenticator reported them, and the time.
pub async fn record_use(
    conn: &mut Conn,
    factor: &Factor,
    mut stored: StoredPasskey,
    result: &AuthenticationResult,
    now: i64,
) -> Result<(), AppError> {
    let cred = &mut stored.credential;
    if result.counter() > cred.counter {
        cred.counter = result.counter();
    }
    cred.backup_state = result.backup_state();
    if result.backup_eligible() {
        cred.backup_eligible = true;
    }
    let json = serde_json::to_string(&stored).or_internal("storing a passkey")?;
    sqlx::query("UPDATE second_factors SET credential = $1, last_used_at = $2 WHERE id = $3")
        .bind(json)
        .bind(now)
        .bind(factor.id)
        .execute(&mut *conn)
        .await
        .or_internal("recording a passkey use")?;
    Ok(())
}

/// Stores a registered passkey as a confirmed factor. `None` when that credential id is already
/// registered (to this account or any other: one credential, one account).
pub async fn store(
    conn: &mut Conn,
    user_id: i64,
    label: &str,
    stored: &StoredPasskey,
    now: i64,
) -> Result<Option<i64>, AppError> {
    let credential_id = encode_id(&stored.credential.cred_id);
    let json = serde_json::to_string(stored).or_internal("storing a passkey")?;
    let taken = sqlx::query("SELECT id FROM second_factors WHERE credential_id = $1")
        .bind(&credential_id)
        .fetch_optional(&mut *conn)
        .await
        .or_internal("checking a credential id")?;
    if taken.is_some() {
        return Ok(None);
    }
    let inserted = sqlx::query(
        "INSERT INTO second_factors (user_id, kind, label, credential, credential_id, created_at, confirmed_at, last_used_at) \
         VALUES ($1, 'passkey', $2, $3, $4, $5, $5, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(label)
    .bind(json)
    .bind(credential_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    match inserted {
        Ok(row) => Ok(Some(
            sqlx::Row::try_get(&row, "id").or_internal("storing a passkey")?,
        )),
        // Two registrations of one credential racing: the unique index decides.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(None),
        Err(e) => Err(e).or_internal("storing a passkey"),
    }
}

/// The account's WebAuthn user handle: the one its passkeys were made for, or a new random one.
pub fn user_handle(existing: &[StoredPasskey]) -> Vec<u8> {
    existing
        .iter()
        .find_map(|s| URL_SAFE_NO_PAD.decode(&s.user_handle).ok())
        .unwrap_or_else(|| {
            let mut handle = vec![0u8; 16];
            crate::crypto::fill_random(&mut handle);
            handle
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_address_is_no_relying_party() {
        let ip = url::Url::parse("http://127.0.0.1:3000").unwrap();
        assert!(RelyingParty::for_public_url(&ip).is_err());
        let host = url::Url::parse("http://localhost:3000").unwrap();
        assert!(RelyingParty::for_public_url(&host).is_ok());
    }

    #[test]
    fn options_carry_no_nulls() {
        let mut v =
            serde_json::json!({ "a": null, "b": { "c": null, "d": [ { "e": null, "f": 1 } ] } });
        strip_nulls(&mut v);
        assert_eq!(v, serde_json::json!({ "b": { "d": [ { "f": 1 } ] } }));
    }
}
