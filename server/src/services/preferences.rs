//! Language and time zone: kept in cookies, and in the profile when signed in (emails use the profile).
use app::error::{AppError, Invalid};
use app::format::plausible_time_zone;
use app::service::{CookieChange, PreferencesService, RequestInfo};
use app::types::Locale;
use async_trait::async_trait;
use serde_json::json;
use std::sync::Arc;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::db::Conn;
use crate::users::{self, User};

pub struct Preferences(pub Arc<Core>);

impl Core {
    /// At sign-in: a language the browser chose goes into the profile; one chosen in the profile comes
    /// back to a browser that has none; otherwise the profile follows the browser (for emails).
    pub async fn remember_locale(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        user: &User,
    ) -> Result<(), AppError> {
        if req.locale_chosen {
            if user.locale != req.locale || !user.locale_chosen {
                users::set_locale(conn, user.id, req.locale, true)
                    .await
                    .or_internal("storing a language")?;
            }
        } else if user.locale_chosen {
            req.effects.push(CookieChange::Locale(user.locale));
        } else if user.locale != req.locale {
            users::set_locale(conn, user.id, req.locale, false)
                .await
                .or_internal("storing a language")?;
        }
        if let Some(tz) = &req.time_zone {
            if user.time_zone.as_deref() != Some(tz) {
                users::set_time_zone(conn, user.id, tz)
                    .await
                    .or_internal("storing a time zone")?;
            }
        }
        Ok(())
    }

    /// The full session behind the request, if any (preferences work signed out too).
    async fn signed_in(&self, conn: &mut Conn, req: &RequestInfo) -> Option<User> {
        match self.current(conn, req).await {
            Ok(c) if c.session.stage.is_full() => Some(c.user),
            _ => None,
        }
    }
}

#[async_trait]
impl PreferencesService for Preferences {
    #[tracing::instrument(name = "preferences.set_locale", skip_all)]
    async fn set_locale(&self, req: &RequestInfo, locale: Locale) -> Result<(), AppError> {
        let core = &self.0;
        req.effects.push(CookieChange::Locale(locale));
        let mut conn = core.conn().await?;
        if let Some(user) = core.signed_in(&mut conn, req).await {
            users::set_locale(&mut conn, user.id, locale, true)
                .await
                .or_internal("storing a language")?;
            core.audit(
                &mut conn,
                req,
                Event::LocaleChanged,
                Some(user.id),
                Some(user.id),
                json!({ "locale": locale.tag() }),
            )
            .await?;
        }
        Ok(())
    }

    #[tracing::instrument(name = "preferences.set_time_zone", skip_all)]
    async fn set_time_zone(&self, req: &RequestInfo, time_zone: &str) -> Result<(), AppError> {
        let core = &self.0;
        let tz = time_zone.trim();
        if !plausible_time_zone(tz) || jiff::tz::TimeZone::get(tz).is_err() {
            return Err(AppError::Invalid(Invalid::TimeZone));
        }
        req.effects.push(CookieChange::TimeZone(tz.to_string()));
        let mut conn = core.conn().await?;
        if let Some(user) = core.signed_in(&mut conn, req).await {
            users::set_time_zone(&mut conn, user.id, tz)
                .await
                .or_internal("storing a time zone")?;
        }
        Ok(())
    }
}
