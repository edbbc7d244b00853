//! Opening the session of an account just proven (a right password, a passkey): where the proof leads
//! in the flow, the browser's previous session out, the new one in, and a completed sign-in recorded.
use app::error::AppError;
use app::service::RequestInfo;

use crate::auth::flow;
use crate::auth::{session, trusted_browser};
use crate::services::{Core, OrInternal};
use crate::users::User;

impl Core {
    /// A new session for an account just proven, in the stage the flow decides after `proof.event`; it
    /// replaces the browser's previous session. In the caller's transaction; the token is for the
    /// cookie once committed.
    pub(in crate::services) async fn open_session(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        user: &User,
        facts: &flow::Facts,
        proof: Proof,
    ) -> Result<(app::types::Stage, String), AppError> {
        let now = self.now();
        let stage = flow::start(facts, proof.event).map_err(|_| AppError::Internal)?;
        if let Some(old) = &req.session_token {
            session::delete_by_token(tx, old)
                .await
                .or_internal("ending the previous session")?;
        }
        let device_hash = self.device(req).hash();
        let opening = session::Opening {
            ip: req.ip,
            user_agent: &req.user_agent,
            device_hash: &device_hash,
        };
        let (session_id, token) = session::create(
            tx,
            &self.settings.sessions,
            user.id,
            stage,
            stage.is_full() && proof.fully,
            opening,
            now,
        )
        .await
        .or_internal("creating a session")?;
        if stage.is_full() {
            self.sign_in_completed(
                tx,
                req,
                user,
                session_id,
                &device_hash,
                proof.last_sign_in_recorded,
            )
            .await?;
        } else if stage == app::types::Stage::SecondFactor {
            self.expect_second_step(tx, req, user, session_id, &device_hash)
                .await?;
        }
        self.remember_locale(tx, req, user).await?;
        Ok((stage, token))
    }

    /// Where a right password leads, decided from the facts (with whether the account has a confirmed
    /// second factor as read) and whether this browser is trusted to skip the second step.
    pub(super) async fn password_step(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        user: &User,
        has_second_factor: bool,
    ) -> Result<PasswordStep, AppError> {
        let facts = self.facts_given(tx, user, has_second_factor).await?;
        // A browser the user trusted skips the second step (while there is a factor to skip).
        let trusted = match (&req.trusted_browser, facts.has_second_factor) {
            (Some(token), true) => trusted_browser::recognises(tx, token, user.id, self.now())
                .await
                .or_internal("checking a browser")?,
            _ => false,
        };
        let event = flow::Event::PasswordVerified {
            trusted_browser: trusted,
        };
        let stage = flow::start(&facts, event).map_err(|_| AppError::Internal)?;
        Ok(PasswordStep {
            facts,
            trusted,
            event,
            stage,
        })
    }
}

/// How an account was just proven, for `open_session`.
pub(in crate::services) struct Proof {
    pub event: flow::Event,
    /// This proof is a full authentication (both factors, or the only one the account has) when the
    /// session it opens is full.
    pub fully: bool,
    /// The statement that settled the proof already recorded the time of the sign-in.
    pub last_sign_in_recorded: bool,
}

/// Where a right password leads (`Core::password_step`).
pub(super) struct PasswordStep {
    pub facts: flow::Facts,
    pub trusted: bool,
    pub event: flow::Event,
    pub stage: app::types::Stage,
}
