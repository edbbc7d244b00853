use crate::error::AppError;
use crate::service::RequestInfo;
use crate::types::Locale;
use async_trait::async_trait;

/// Language and time zone.
#[async_trait]
pub trait PreferencesService: Send + Sync + 'static {
    /// Keeps the language in a cookie, and in the profile when signed in.
    async fn set_locale(&self, req: &RequestInfo, locale: Locale) -> Result<(), AppError>;

    /// Keeps the browser's time zone (IANA name) in a cookie, and in the profile when signed in.
    async fn set_time_zone(&self, req: &RequestInfo, time_zone: &str) -> Result<(), AppError>;
}
