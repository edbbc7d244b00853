//! Signing in with a passkey alone (a discoverable credential): the options, then the answer judged
//! under the same address limit, attempt limit and account rules as a password.
use app::error::AppError;
use app::service::{CookieChange, IssuedToken, RequestInfo};
use app::types::SignInStep;
use serde_json::json;

use crate::audit::Event;
use crate::auth::attempts::{self, Refusal};
use crate::auth::factor::passkey;
use crate::auth::factor::passkey::ceremony::{self, Binding, Purpose};
use crate::auth::flow;
use crate::auth::rate_limit;
use crate::services::sign_in::{refused_after_proof, Proof};
use crate::services::{Core, OrInternal};
use crate::users;

pub(super) async fn begin_passkey_sign_in(
    core: &Core,
    req: &RequestInfo,
    conditional: bool,
) -> Result<String, AppError> {
    let rp = core.relying_party()?;
    let (options, state) = passkey::begin_discoverable(&rp, conditional)?;
    let token = crate::crypto::random_token(32);
    let mut conn = core.conn().await?;
    ceremony::start(
        &mut conn,
        Purpose::SignIn,
        Binding::Cookie(&crate::crypto::token_hash(&token)),
        &state,
        core.now(),
    )
    .await
    .or_internal("starting a ceremony")?;
    req.effects.push(CookieChange::PasskeyCeremony(IssuedToken {
        token,
        max_age_secs: ceremony::LIFETIME_SECS as u64,
    }));
    Ok(options)
}

pub(super) async fn finish_passkey_sign_in(
    core: &Core,
    req: &RequestInfo,
    credential: &str,
) -> Result<SignInStep, AppError> {
    let rp = core.relying_party()?;
    let now = core.now();
    // The ceremony is spent whatever follows; so is the cookie.
    req.effects.push(CookieChange::ClearPasskeyCeremony);
    let mut conn = core.conn().await?;
    if let Some(ip) = req.ip {
        let bucket = rate_limit::address_bucket("signin-failures", ip);
        if !rate_limit::has_room(&mut conn, &bucket, core.address_limit(), now)
            .await
            .or_internal("rate limit")?
        {
            core.audit(
                &mut conn,
                req,
                Event::AddressThrottled,
                None,
                None,
                json!({}),
            )
            .await?;
            return Err(AppError::RateLimited);
        }
    }
    let state = match req.passkey_ceremony.as_deref() {
        Some(cookie) => ceremony::take(
            &mut conn,
            Purpose::SignIn,
            Binding::Cookie(&crate::crypto::token_hash(cookie)),
            now,
        )
        .await
        .or_internal("taking a ceremony")?,
        None => None,
    };
    drop(conn);
    let Some(state) = state else {
        return Err(core
            .refuse_passkey(req, None, "no_ceremony", AppError::PasskeyRefused)
            .await?);
    };
    let answer = match passkey::parse_assertion(credential) {
        Ok(a) => a,
        Err(e) => return Err(core.refuse_passkey(req, None, "malformed", e).await?),
    };
    let mut conn = core.conn().await?;
    let id = passkey::encode_id(answer.get_credential_id());
    let found = passkey::by_credential_id(&mut conn, &id)
        .await
        .or_internal("reading a passkey")?;
    let Some((factor, stored)) = found else {
        drop(conn);
        return Err(core
            .refuse_passkey(req, None, "unknown_credential", AppError::PasskeyRefused)
            .await?);
    };
    // The authenticator names the account it made the credential for: it must be this one.
    let handle_matches = answer.get_user_unique_id().is_some_and(|h| {
        crate::crypto::constant_time_eq(
            passkey::encode_id(h).as_bytes(),
            stored.user_handle.as_bytes(),
        )
    });
    if !handle_matches {
        drop(conn);
        return Err(core
            .refuse_passkey(
                req,
                Some(factor.user_id),
                "user_handle",
                AppError::PasskeyRefused,
            )
            .await?);
    }
    // A passkey is a second factor: its answers share the second step's attempt limit.
    match attempts::claim(&mut conn, factor.user_id, now)
        .await
        .or_internal("claiming an attempt")?
    {
        Ok(()) => {}
        Err(Refusal::Suspended { secs }) => {
            return Err(AppError::ChallengeSuspended {
                minutes: (secs + 59) / 60,
            })
        }
        Err(Refusal::Busy) => return Err(AppError::RateLimited),
    }
    let result = match passkey::verify(&rp, &state, &answer, &stored) {
        Ok(result) => result,
        Err(e) => {
            let _ = attempts::release(&mut conn, factor.user_id).await;
            drop(conn);
            if e != AppError::PasskeyRefused {
                return Err(e);
            }
            let mut tx = core.begin().await?;
            attempts::record_wrong(&mut tx, factor.user_id, now)
                .await
                .or_internal("counting a failure")?;
            tx.commit().await.or_internal("committing")?;
            return Err(core
                .refuse_passkey(req, Some(factor.user_id), "signature", e)
                .await?);
        }
    };
    attempts::record_right(&mut conn, factor.user_id)
        .await
        .or_internal("recording")?;
    // Signed, but without user verification (a security key with no PIN): after the password only.
    if !(stored.passwordless && result.user_verified()) {
        passkey::record_use(&mut conn, &factor, stored, &result, now).await?;
        core.audit(
            &mut conn,
            req,
            Event::PasskeyRefused,
            None,
            Some(factor.user_id),
            json!({ "reason": "no_user_verification" }),
        )
        .await?;
        return Err(AppError::PasskeyNeedsPassword);
    }
    drop(conn);
    let mut tx = core.begin().await?;
    let user = users::find_by_id(&mut tx, factor.user_id)
        .await
        .or_internal("reading an account")?
        .ok_or(AppError::SignInFailed)?;
    // The account's rules apply as after a password: locked, disabled, expired, reset required.
    if user.locked_at.is_some() {
        core.audit(
            &mut tx,
            req,
            Event::AttemptRefused,
            None,
            Some(user.id),
            json!({ "locked": true, "method": "passkey" }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        return Err(AppError::SignInFailed);
    }
    if let Some((event, error)) = refused_after_proof(&user, now) {
        core.audit(
            &mut tx,
            req,
            event,
            None,
            Some(user.id),
            json!({ "method": "passkey" }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        return Err(error);
    }
    passkey::record_use(&mut tx, &factor, stored, &result, now).await?;
    let facts = core.facts(&mut tx, &user).await?;
    let (stage, token) = core
        .open_session(
            &mut tx,
            req,
            &user,
            &facts,
            Proof {
                event: flow::Event::PasskeyVerified,
                fully: true,
                last_sign_in_recorded: false,
            },
        )
        .await?;
    core.audit(
        &mut tx,
        req,
        Event::PasskeySignIn,
        Some(user.id),
        Some(user.id),
        json!({ "stage": stage.as_db(), "factor": factor.id }),
    )
    .await?;
    if stage.is_full() {
        core.audit(
            &mut tx,
            req,
            Event::SignInCompleted,
            Some(user.id),
            Some(user.id),
            json!({ "method": "passkey" }),
        )
        .await?;
    }
    tx.commit().await.or_internal("committing a sign-in")?;
    core.session_cookie(req, token);
    Ok(SignInStep::to(stage))
}
