//! Adding a passkey or security key: the options for the browser, then its answer checked.
use app::error::AppError;
use app::types::PasskeyKind;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticatorTransport, COSEAlgorithm, ExtnState,
    RegisterPublicKeyCredential, RegistrationState, RequestRegistrationExtensions,
    ResidentKeyRequirement, UserVerificationPolicy,
};

use super::{encode_id, options_json, RelyingParty, StoredPasskey};
use crate::services::OrInternal;
use crate::users::User;

/// Starts adding a passkey or security key: the options for the browser, and the state to keep.
/// Keys the user already has are excluded (the browser says "already registered").
pub fn begin_registration(
    rp: &RelyingParty,
    user: &User,
    user_handle: &[u8],
    existing: &[StoredPasskey],
) -> Result<(String, String), AppError> {
    let exclude = existing
        .iter()
        .map(|s| s.credential.cred_id.clone())
        .collect::<Vec<_>>();
    let display = if user.display_name.trim().is_empty() {
        user.username.clone()
    } else {
        user.display_name.clone()
    };
    let builder = rp
        .core
        .new_challenge_register_builder(user_handle, &user.username, &display)
        .or_internal("passkey registration options")?
        .attestation(AttestationConveyancePreference::None)
        .credential_algorithms(vec![
            COSEAlgorithm::ES256,
            COSEAlgorithm::EDDSA,
            COSEAlgorithm::RS256,
        ])
        .user_verification_policy(UserVerificationPolicy::Preferred)
        .require_resident_key(false)
        .authenticator_attachment(None)
        .reject_synchronised_authenticators(false)
        .exclude_credentials(Some(exclude))
        .extensions(Some(RequestRegistrationExtensions {
            cred_protect: None,
            uvm: None,
            cred_props: Some(true),
            min_pin_length: None,
            hmac_create_secret: None,
        }));
    let (mut options, state) = rp
        .core
        .generate_challenge_register(builder)
        .or_internal("passkey registration options")?;
    // A discoverable credential where the authenticator can hold one (sign-in without a username);
    // the server does not require it.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
        selection.require_resident_key = false;
    }
    let state = serde_json::to_string(&state).or_internal("keeping a ceremony")?;
    Ok((options_json(&options)?, state))
}

/// Checks the browser's answer to a registration: challenge, origin, relying party, signature. What
/// the authenticator proved decides the kind and whether it may sign in alone.
pub fn finish_registration(
    rp: &RelyingParty,
    state: &str,
    answer: &str,
    user_handle: &[u8],
) -> Result<StoredPasskey, AppError> {
    let state: RegistrationState = serde_json::from_str(state).or_internal("reading a ceremony")?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(answer).map_err(|_| AppError::PasskeyRefused)?;
    let transports = answer.response.transports.clone().unwrap_or_default();
    let credential = rp
        .core
        .register_credential(&answer, &state, None)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            AppError::PasskeyRefused
        })?;
    let kind = if credential.backup_eligible {
        PasskeyKind::Synced
    } else if transports.contains(&AuthenticatorTransport::Internal) {
        PasskeyKind::ThisDevice
    } else {
        PasskeyKind::SecurityKey
    };
    // The browser's word that no resident key was made means it cannot be found without a username.
    let discoverable = !matches!(
        credential.extensions.cred_props,
        ExtnState::Set(ref p) | ExtnState::Unsolicited(ref p) if p.rk == Some(false)
    );
    Ok(StoredPasskey {
        passwordless: credential.user_verified && discoverable,
        user_handle: encode_id(user_handle),
        kind,
        credential,
    })
}
