use crate::error::AppError;
use crate::types::Locale;
use leptos::prelude::*;

/// The language of the interface and of the emails.
#[server(prefix = "/api", endpoint = "set_locale")]
pub async fn set_locale(locale: Locale) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .preferences
        .set_locale(&call.req, locale)
        .await;
    call.finish(result)
}

/// The browser's time zone, so times are shown (and emailed) in it.
#[server(prefix = "/api", endpoint = "set_time_zone")]
pub async fn set_time_zone(time_zone: String) -> Result<(), AppError> {
    let call = super::ssr::Call::new()?;
    let result = call
        .services
        .preferences
        .set_time_zone(&call.req, &time_zone)
        .await;
    call.finish(result)
}
