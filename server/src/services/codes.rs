//! Sending an emailed or texted code, for the second step and for adding a phone. The order is the
//! claim-before-work pattern: the caps are counted first (account, client address, number), then the
//! code is issued (replacing the previous one, unless the resend interval has not passed), then it is
//! sent. Emails go into the outbox in the same transaction; texts go to the provider after the commit,
//! and a provider failure voids the code (so the person may retry at once) and answers
//! `DeliveryFailed`. The code is never logged.
use app::error::AppError;
use app::routes;
use app::service::RequestInfo;
use app::types::{CodeSent, Method};
use serde_json::json;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::factor::otp::{self, Caps, Channel, NewCode, Purpose};
use crate::notify::{Message, Recipient};
use crate::users::User;

/// Where one code goes, and what it is for.
pub struct Target<'a> {
    pub channel: Channel,
    pub purpose: Purpose,
    pub session_id: i64,
    /// The factor the code proves (a phone being added, or the factor used at sign-in).
    pub factor_id: Option<i64>,
    /// Texts: the number (E.164).
    pub number: Option<&'a str>,
}

impl Channel {
    pub fn method(self) -> Method {
        match self {
            Channel::Email => Method::Email,
            Channel::Sms => Method::Sms,
        }
    }
}

impl Core {
    /// Sends a new code to `target`; answers where it went (masked) and for how long it works.
    pub async fn send_one_time_code(
        &self,
        req: &RequestInfo,
        user: &User,
        target: &Target<'_>,
    ) -> Result<CodeSent, AppError> {
        let now = self.now();
        let policy = &self.settings.codes;
        let destination = match (target.channel, target.number) {
            (Channel::Email, _) => app::format::mask_email(&user.email),
            (Channel::Sms, Some(number)) => app::format::mask_phone(number),
            (Channel::Sms, None) => return Err(AppError::Internal),
        };
        let provider = match target.channel {
            Channel::Sms => Some(self.sms.clone().ok_or(AppError::Invalid(
                app::error::Invalid::MethodUnavailable(app::types::FactorKind::Sms),
            ))?),
            Channel::Email => None,
        };
        if let Some(number) = target.number {
            if !policy.allows_number(number) {
                return Err(AppError::Invalid(
                    app::error::Invalid::PhoneCountryNotAllowed,
                ));
            }
        }
        let audit_detail = json!({
            "channel": target.channel.as_db(),
            "purpose": target.purpose.as_db(),
        });
        let mut tx = self.begin().await?;
        let caps = Caps {
            user_id: user.id,
            ip: req.ip,
            number: target.number,
        };
        let buckets = match otp::claim_send(&mut tx, policy, &caps, now)
            .await
            .or_internal("counting a send")?
        {
            Ok(buckets) => buckets,
            Err(refusal) => {
                drop(tx);
                let mut conn = self.conn().await?;
                self.audit(
                    &mut conn,
                    req,
                    Event::CodeCapReached,
                    Some(user.id),
                    Some(user.id),
                    audit_detail,
                )
                .await?;
                return Err(refusal.into());
            }
        };
        let new = NewCode {
            user_id: user.id,
            session_id: target.session_id,
            purpose: target.purpose,
            channel: target.channel,
            factor_id: target.factor_id,
        };
        let code = match otp::issue(&mut tx, &self.keys, policy, &new, now)
            .await
            .or_internal("issuing a code")?
        {
            Ok(code) => code,
            Err(refusal) => {
                // Nothing is sent: the caps are not spent.
                otp::refund(&mut tx, &buckets)
                    .await
                    .or_internal("refunding a send")?;
                tx.commit().await.or_internal("committing")?;
                return Err(refusal.into());
            }
        };
        let lifetime = policy.lifetime_secs(target.channel);
        let valid_minutes = (lifetime + 59) / 60;
        if target.channel == Channel::Email {
            let message = Message::SignInCode {
                code: code.clone(),
                valid_minutes,
                reset_link: self.link(routes::FORGOT_PASSWORD),
                origin: self.origin(req),
            };
            self.notifier
                .email(&mut tx, &Recipient::of(user), &message, now)
                .await
                .or_internal("queueing an email")?;
        }
        self.audit(
            &mut tx,
            req,
            Event::CodeSent,
            Some(user.id),
            Some(user.id),
            audit_detail.clone(),
        )
        .await?;
        tx.commit().await.or_internal("committing")?;
        if let (Some(provider), Some(number)) = (provider, target.number) {
            let body = crate::notify::sms::text(
                user.locale,
                target.purpose == Purpose::Enrol,
                &code,
                valid_minutes,
            );
            if let Err(e) = provider.send(number, &body, now).await {
                tracing::warn!(provider = provider.name(), error = %e, "a text message was not sent");
                let mut conn = self.conn().await?;
                otp::void(&mut conn, target.session_id, target.purpose, target.channel)
                    .await
                    .or_internal("voiding a code")?;
                self.audit(
                    &mut conn,
                    req,
                    Event::CodeDeliveryFailed,
                    Some(user.id),
                    Some(user.id),
                    json!({ "provider": provider.name() }),
                )
                .await?;
                return Err(AppError::DeliveryFailed);
            }
        }
        Ok(CodeSent {
            method: target.channel.method(),
            destination,
            valid_minutes,
            resend_after_secs: policy.resend_after_secs,
        })
    }
}
