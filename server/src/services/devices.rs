//! Devices and sign-in alerts: the device cookie, the new-device email with its "This wasn't me"
//! link, and the alert for a password that was right when the second step was never completed.
use app::error::AppError;
use app::routes;
use app::service::{CookieChange, IssuedToken, RequestInfo};
use serde_json::json;

use super::credentials::Change;
use super::{Core, OrInternal};
use crate::audit::{self, Event};
use crate::auth::devices::{self, Device, Unfinished, DEVICE_LIFETIME_SECS};
use crate::auth::email_links::{self, Purpose};
use crate::db::Tx;
use crate::notify::{Message, Origin, Recipient};
use crate::users::{self, User};

/// How many due alerts one run of the job sends (the rest wait for the next minute).
const ALERTS_PER_RUN: i64 = 200;

impl Core {
    /// The device behind a request. A browser without a (valid) device cookie is given a new one with
    /// the response.
    pub(super) fn device(&self, req: &RequestInfo) -> Device {
        let device = Device::of(req.device.as_deref());
        if device.fresh {
            req.effects.push(CookieChange::Device(IssuedToken {
                token: device.id.clone(),
                max_age_secs: DEVICE_LIFETIME_SECS as u64,
            }));
        }
        device
    }

    /// The password was right and the second step is owed by `session_id`: unless a sign-in from this
    /// device completes before the partial session's time is up, the owner is told.
    pub(super) async fn expect_second_step(
        &self,
        tx: &mut Tx,
        req: &RequestInfo,
        user: &User,
        session_id: i64,
        device_hash: &str,
    ) -> Result<(), AppError> {
        let now = self.now();
        devices::expect_second_step(
            tx,
            Unfinished {
                user_id: user.id,
                session_id,
                device_hash,
                ip: req.ip.map(|ip| ip.to_string()).unwrap_or_default(),
                user_agent: &req.user_agent,
                at: now,
                due_at: now + self.settings.sessions.partial.as_secs() as i64,
            },
        )
        .await
        .or_internal("recording an unfinished sign-in")
    }

    /// A sign-in completed (the session became full): recorded; from a device the account never used,
    /// the owner is emailed with a single-use "This wasn't me" link. The very first sign-in of an
    /// account (an invitation, an administrator's temporary password) is not announced: there is no
    /// earlier device to compare with. In the caller's transaction. `last_sign_in_recorded`: the
    /// statement that settled the password already recorded the time (`users::settle_right_sign_in`).
    pub(super) async fn sign_in_completed(
        &self,
        tx: &mut Tx,
        req: &RequestInfo,
        user: &User,
        session_id: i64,
        device_hash: &str,
        last_sign_in_recorded: bool,
    ) -> Result<(), AppError> {
        let now = self.now();
        if !last_sign_in_recorded {
            users::record_completed_sign_in(tx, user.id, now)
                .await
                .or_internal("recording a sign-in")?;
        }
        devices::settle(tx, user.id, session_id, device_hash)
            .await
            .or_internal("settling unfinished sign-ins")?;
        if device_hash.is_empty() {
            // A session opened before devices were recorded.
            return Ok(());
        }
        let new = devices::remember(tx, user.id, device_hash, now)
            .await
            .or_internal("remembering a device")?;
        if !new || user.last_sign_in_at.is_none() {
            return Ok(());
        }
        let token = email_links::issue_with(tx, user.id, Purpose::NotMe, now, Some(device_hash))
            .await
            .or_internal("issuing a link")?;
        let origin = self.origin(req);
        let detail = json!({
            "browser": origin.browser,
            "location": origin.location.as_ref().map(|p| p.label(app::types::Locale::En).to_string()),
        });
        let message = Message::NewDevice {
            not_me_link: email_links::link(&self.settings.public_url, Purpose::NotMe, &token),
            sessions_link: self.link(routes::SESSIONS),
            origin,
        };
        self.notifier
            .email(tx, &Recipient::of(user), &message, now)
            .await
            .or_internal("queueing an email")?;
        self.audit(
            tx,
            req,
            Event::NewDevice,
            Some(user.id),
            Some(user.id),
            detail,
        )
        .await
    }

    /// "This wasn't me": spends the link; every session and trusted browser ends, the alerted device is
    /// forgotten, the password stops signing in, and a reset link is issued (its token is answered for
    /// the page to open). All in one transaction: of two simultaneous uses exactly one goes on.
    pub(super) async fn not_me(&self, req: &RequestInfo, token: &str) -> Result<String, AppError> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let live = email_links::consume(&mut tx, token, Purpose::NotMe, now)
            .await
            .or_internal("spending a link")?
            .ok_or(AppError::LinkInvalid)?;
        let user = users::find_by_id(&mut tx, live.user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled)
            .ok_or(AppError::LinkInvalid)?;
        let ended = self
            .credentials_changed(&mut tx, Some(req), &user, Change::NotMe, None)
            .await?;
        if let Some(device_hash) = live.payload.as_deref() {
            devices::forget(&mut tx, user.id, device_hash)
                .await
                .or_internal("forgetting a device")?;
        }
        users::require_password_reset(&mut tx, user.id)
            .await
            .or_internal("requiring a reset")?;
        let reset = email_links::issue(&mut tx, user.id, Purpose::Reset, now)
            .await
            .or_internal("issuing a link")?;
        self.audit(
            &mut tx,
            req,
            Event::NotMe,
            Some(user.id),
            Some(user.id),
            json!({ "sessions_ended": ended.sessions, "trusted_browsers_forgotten": ended.trusted_browsers }),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        Ok(reset)
    }
}

/// Emails the owners of sign-ins whose password was right and whose second step was never completed
/// in time. Each is claimed and told in one transaction, so of several instances exactly one sends it.
pub async fn send_unfinished_alerts(core: &Core) -> Result<usize, AppError> {
    let now = core.now();
    let mut tx = core.begin().await?;
    let due = devices::claim_due(&mut tx, now, ALERTS_PER_RUN)
        .await
        .or_internal("claiming unfinished sign-ins")?;
    let mut sent = 0;
    for d in &due {
        let Some(user) = users::find_by_id(&mut tx, d.user_id)
            .await
            .or_internal("loading a user")?
            .filter(|u| !u.disabled)
        else {
            continue;
        };
        let ip = d.ip.parse().ok();
        let origin = Origin {
            at: d.at,
            ip: d.ip.clone(),
            browser: crate::user_agent::summary(&d.user_agent),
            location: core.geo.locate(ip),
        };
        let message = Message::SignInNotCompleted {
            reset_link: core.link(routes::FORGOT_PASSWORD),
            sessions_link: core.link(routes::SESSIONS),
            origin,
        };
        core.notifier
            .email(&mut tx, &Recipient::of(&user), &message, now)
            .await
            .or_internal("queueing an email")?;
        let entry = audit::Entry {
            event: Event::SignInNotCompleted,
            actor: None,
            subject: Some(user.id),
            ip,
            user_agent: &d.user_agent,
            detail: json!({ "password_step_at": d.at }),
        };
        audit::record(&mut tx, now, entry)
            .await
            .or_internal("writing the audit log")?;
        sent += 1;
    }
    tx.commit().await.or_internal("committing")?;
    Ok(sent)
}
