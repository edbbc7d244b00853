//! A Twilio-compatible API: `POST {base}/2010-04-01/Accounts/{account}/Messages.json`, a form with
//! `To`, `From` and `Body`, HTTP basic authentication with the account id and token. The base URL is
//! configurable (other providers speak the same API; tests point it at a listener of their own).
use async_trait::async_trait;

use super::{http_client, transport, SmsError, SmsProvider};

pub struct Twilio {
    client: reqwest::Client,
    base_url: String,
    account: String,
    token: String,
    from: String,
}

impl Twilio {
    pub fn new(base_url: &str, account: &str, token: &str, from: &str) -> Result<Twilio, SmsError> {
        Ok(Twilio {
            client: http_client()?,
            base_url: base_url.trim_end_matches('/').to_string(),
            account: account.to_string(),
            token: token.to_string(),
            from: from.to_string(),
        })
    }

    pub fn endpoint(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url, self.account
        )
    }
}

#[async_trait]
impl SmsProvider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, to: &str, body: &str, _now: i64) -> Result<(), SmsError> {
        let answer = self
            .client
            .post(self.endpoint())
            .basic_auth(&self.account, Some(&self.token))
            .form(&[("To", to), ("From", self.from.as_str()), ("Body", body)])
            .send()
            .await
            .map_err(transport)?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SmsError::Status(status.as_u16()))
        }
    }
}
