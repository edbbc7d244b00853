//! Emailed and texted sign-in codes, and the text-message provider: their flags and what they build.
use clap::Args;
use std::time::Duration;

use super::parse_duration;

/// Emailed and texted sign-in codes, and the text-message provider.
#[derive(Debug, Clone, Args)]
pub struct CodeArgs {
    /// An emailed sign-in code works for this long.
    #[arg(long, env = "EMAIL_CODE_LIFETIME", default_value = "15m", value_parser = parse_duration)]
    pub email_code_lifetime: Duration,
    /// A texted code works for this long.
    #[arg(long, env = "SMS_CODE_LIFETIME", default_value = "10m", value_parser = parse_duration)]
    pub sms_code_lifetime: Duration,
    /// The wait before "Send a new code" (per sign-in attempt and channel).
    #[arg(long, env = "CODE_RESEND_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    pub code_resend_interval: Duration,
    /// Codes sent per hour, counted per account, per client address and per phone number.
    #[arg(long, env = "CODE_SENDS_PER_HOUR", default_value_t = 5)]
    pub code_sends_per_hour: u32,
    /// How texts are sent: none (no text-message codes), twilio, webhook, or dev (the developer
    /// mailbox shows them; needs PORTCULLIS_DEV_MAILBOX).
    #[arg(long, env = "SMS_PROVIDER", default_value = "none")]
    pub sms_provider: SmsProviderKind,
    /// Twilio-compatible API: its base URL (another provider's, or a test listener).
    #[arg(
        long,
        env = "TWILIO_BASE_URL",
        default_value = "https://api.twilio.com"
    )]
    pub twilio_base_url: String,
    #[arg(long, env = "TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The sender: a number (E.164) or a messaging service the account owns.
    #[arg(long, env = "TWILIO_FROM")]
    pub twilio_from: Option<String>,
    /// Webhook provider: where the signed JSON is posted.
    #[arg(long, env = "SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    /// Webhook provider: the HMAC-SHA256 key of the signature header.
    #[arg(long, env = "SMS_WEBHOOK_SECRET", hide_env_values = true)]
    pub sms_webhook_secret: Option<String>,
    /// Calling codes texts may go to, comma-separated (e.g. 33,44,1). Default: every country.
    #[arg(long, env = "SMS_ALLOWED_COUNTRIES", value_delimiter = ',')]
    pub sms_allowed_countries: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmsProviderKind {
    None,
    Twilio,
    Webhook,
    Dev,
}

impl Default for CodeArgs {
    fn default() -> Self {
        CodeArgs {
            email_code_lifetime: Duration::from_secs(15 * 60),
            sms_code_lifetime: Duration::from_secs(10 * 60),
            code_resend_interval: Duration::from_secs(60),
            code_sends_per_hour: 5,
            sms_provider: SmsProviderKind::None,
            twilio_base_url: "https://api.twilio.com".into(),
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            sms_webhook_url: None,
            sms_webhook_secret: None,
            sms_allowed_countries: Vec::new(),
        }
    }
}

impl CodeArgs {
    pub fn policy(&self) -> crate::auth::factor::otp::Policy {
        crate::auth::factor::otp::Policy {
            email_lifetime_secs: self.email_code_lifetime.as_secs() as i64,
            sms_lifetime_secs: self.sms_code_lifetime.as_secs() as i64,
            resend_after_secs: self.code_resend_interval.as_secs() as i64,
            sends_per_hour: i64::from(self.code_sends_per_hour.max(1)),
            allowed_countries: self
                .sms_allowed_countries
                .iter()
                .map(|c| c.trim().trim_start_matches('+').to_string())
                .filter(|c| !c.is_empty())
                .collect(),
        }
    }

    /// The configured text-message provider (None: texts are off), or what is missing.
    pub fn sms_provider(
        &self,
        db: &crate::db::Db,
        keys: &crate::keyring::Keyring,
        dev_mailbox: bool,
    ) -> Result<Option<std::sync::Arc<dyn crate::notify::sms::SmsProvider>>, String> {
        use crate::notify::sms;
        let need = |v: &Option<String>, name: &str| {
            v.clone()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| format!("SMS_PROVIDER needs {name}"))
        };
        Ok(match self.sms_provider {
            SmsProviderKind::None => None,
            SmsProviderKind::Twilio => Some(std::sync::Arc::new(
                sms::Twilio::new(
                    &self.twilio_base_url,
                    &need(&self.twilio_account_sid, "TWILIO_ACCOUNT_SID")?,
                    &need(&self.twilio_auth_token, "TWILIO_AUTH_TOKEN")?,
                    &need(&self.twilio_from, "TWILIO_FROM")?,
                )
                .map_err(|e| e.to_string())?,
            )),
            SmsProviderKind::Webhook => Some(std::sync::Arc::new(
                sms::Webhook::new(
                    &need(&self.sms_webhook_url, "SMS_WEBHOOK_URL")?,
                    &need(&self.sms_webhook_secret, "SMS_WEBHOOK_SECRET")?,
                )
                .map_err(|e| e.to_string())?,
            )),
            SmsProviderKind::Dev if dev_mailbox => Some(std::sync::Arc::new(sms::DevOutbox::new(
                db.clone(),
                keys.clone(),
            ))),
            SmsProviderKind::Dev => {
                return Err(
                    "SMS_PROVIDER=dev is for development only: it needs PORTCULLIS_DEV_MAILBOX"
                        .into(),
                )
            }
        })
    }
}
