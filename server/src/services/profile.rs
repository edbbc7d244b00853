//! Account and payout details, for authorized users and administrators only. Payout details need a
//! full authentication (password and second factor) within the last five minutes, for viewing them
//! as for changing them; they are sealed at rest, shown masked, and every change is emailed and
//! audited (without the values).
use app::banking::{mask_holder, Bic, Iban};
use app::error::{AppError, Invalid};
use app::routes;
use app::service::{ProfileService, RequestInfo};
use app::types::{AccountDetails, EmailChangeLink, FactorKind, MaskedPayout, PayoutView};
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, Current, OrInternal};
use crate::audit::Event;
use crate::auth::factor;
use crate::auth::flow::Capability;
use crate::db::Conn;
use crate::notify::{Message, Recipient};
use crate::payout::{self, Payout};
use crate::users;

pub struct Profile(pub Arc<Core>);

const HOLDER_MAX: usize = 70;

impl Core {
    /// A full session of a user whose role sees account details (others: refused, whatever they ask).
    async fn authorized(&self, conn: &mut Conn, req: &RequestInfo) -> Result<Current, AppError> {
        let current = self.at(conn, req, Capability::UseAccount).await?;
        if !current.user.role.sees_account_details() {
            return Err(AppError::Forbidden);
        }
        Ok(current)
    }

    async fn payout_view(
        &self,
        conn: &mut Conn,
        current: &Current,
    ) -> Result<PayoutView, AppError> {
        let details = payout::read(conn, &self.keys, current.user.id)
            .await
            .or_internal("reading payout details")?
            .map(|(p, updated_at)| MaskedPayout {
                holder: mask_holder(&p.holder),
                iban: Iban::parse(&p.iban).map(|i| i.masked()).unwrap_or_default(),
                bic: Bic::parse(&p.bic).map(|b| b.masked()).unwrap_or_default(),
                updated_at,
            });
        Ok(PayoutView {
            details,
            reauthenticated_secs_left: self.reauth_secs_left(&current.session),
        })
    }
}

#[async_trait]
impl ProfileService for Profile {
    #[tracing::instrument(name = "profile.account_details", skip_all)]
    async fn account_details(&self, req: &RequestInfo) -> Result<AccountDetails, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.authorized(&mut conn, req).await?;
        let phone = factor::confirmed_of(&mut conn, current.user.id, FactorKind::Sms)
            .await
            .or_internal("reading factors")?
            .into_iter()
            .find_map(|f| f.phone)
            .map(|p| app::format::mask_phone(&p));
        let user = current.user;
        Ok(AccountDetails {
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            email_verified: user.email_verified,
            phone,
        })
    }

    #[tracing::instrument(name = "profile.set_display_name", skip_all)]
    async fn set_display_name(&self, req: &RequestInfo, name: &str) -> Result<(), AppError> {
        let core = &self.0;
        let name: String = name.trim().chars().filter(|c| !c.is_control()).collect();
        if name.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("name".into())));
        }
        if name.chars().count() > HOLDER_MAX {
            return Err(AppError::Invalid(Invalid::TooLong("name".into())));
        }
        let mut conn = core.conn().await?;
        let current = core.authorized(&mut conn, req).await?;
        users::set_display_name(&mut conn, current.user.id, &name)
            .await
            .or_internal("renaming")?;
        core.audit(
            &mut conn,
            req,
            Event::DisplayNameChanged,
            Some(current.user.id),
            Some(current.user.id),
            json!({}),
        )
        .await
    }

    #[tracing::instrument(name = "profile.payout_details", skip_all)]
    async fn payout_details(&self, req: &RequestInfo) -> Result<PayoutView, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.authorized(&mut conn, req).await?;
        core.require_recent_authentication(&current.session)?;
        let view = core.payout_view(&mut conn, &current).await?;
        core.audit(
            &mut conn,
            req,
            Event::PayoutViewed,
            Some(current.user.id),
            Some(current.user.id),
            json!({}),
        )
        .await?;
        Ok(view)
    }

    #[tracing::instrument(name = "profile.set_payout_details", skip_all)]
    async fn set_payout_details(
        &self,
        req: &RequestInfo,
        holder: &str,
        iban: &str,
        bic: &str,
    ) -> Result<PayoutView, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.authorized(&mut conn, req).await?;
        core.require_recent_authentication(&current.session)?;
        drop(conn);
        let holder: String = holder.trim().chars().filter(|c| !c.is_control()).collect();
        if holder.is_empty() {
            return Err(AppError::Invalid(Invalid::Required("holder".into())));
        }
        if holder.chars().count() > HOLDER_MAX {
            return Err(AppError::Invalid(Invalid::TooLong("holder".into())));
        }
        let iban = Iban::parse(iban).ok_or(AppError::Invalid(Invalid::Iban))?;
        let bic = Bic::parse(bic).ok_or(AppError::Invalid(Invalid::Bic))?;
        let now = core.now();
        let user = &current.user;
        let mut tx = core.begin().await?;
        let record = Payout {
            holder,
            iban: iban.as_str().to_string(),
            bic: bic.as_str().to_string(),
        };
        payout::write(&mut tx, &core.keys, user.id, &record, now)
            .await
            .or_internal("storing payout details")?;
        let message = Message::PayoutChanged {
            iban_masked: iban.masked(),
            payout_link: core.link(routes::PAYOUT_DETAILS),
            origin: core.origin(req),
        };
        core.notifier
            .email(&mut tx, &Recipient::of(user), &message, now)
            .await
            .or_internal("queueing an email")?;
        core.audit(
            &mut tx,
            req,
            Event::PayoutChanged,
            Some(user.id),
            Some(user.id),
            json!({}),
        )
        .await?;
        let view = core.payout_view(&mut tx, &current).await?;
        tx.commit().await.or_internal("committing")?;
        Ok(view)
    }
    #[tracing::instrument(name = "profile.request_email_change", skip_all)]
    async fn request_email_change(
        &self,
        req: &RequestInfo,
        new_email: &str,
    ) -> Result<(), AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = core.authorized(&mut conn, req).await?;
        core.require_recent_authentication(&current.session)?;
        drop(conn);
        core.request_email_change_for(req, current, new_email).await
    }

    #[tracing::instrument(name = "profile.inspect_email_change", skip_all)]
    async fn inspect_email_change(
        &self,
        _req: &RequestInfo,
        token: &str,
    ) -> Result<EmailChangeLink, AppError> {
        self.0.inspect_email_change_now(token).await
    }

    #[tracing::instrument(name = "profile.confirm_email_change", skip_all)]
    async fn confirm_email_change(&self, req: &RequestInfo, token: &str) -> Result<(), AppError> {
        self.0.confirm_email_change_now(req, token).await
    }
}
