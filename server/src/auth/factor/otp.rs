//! Emailed and texted codes (the `one_time_codes` table): six digits from the operating system's CSPRNG,
//! stored only as a keyed hash bound to the session, purpose and channel they were sent for, single use,
//! with an expiry. One live code per (session, purpose, channel): a new one replaces the previous one in
//! the same statement, and only when the resend interval has passed, so a burst of resends yields one
//! code. Sends are capped per account, per client address and (texts) per number in the shared
//! `rate_limits` table, counted before anything is sent.
//!
//! The factor rows themselves: an email-code factor has no secret (the code goes to the account's
//! verified address); a text-message factor keeps its number (E.164) in `second_factors.phone`.
//!
//! The send caps are in `caps`, a phone being added in `phone`.
use sqlx::Row;

use super::{Ctx, Verdict};
use crate::auth::rate_limit::Limit;
use crate::crypto::{constant_time_eq, fill_random};
use crate::db::Conn;
use crate::keyring::Keyring;
use app::error::AppError;

mod caps;
mod phone;
#[cfg(test)]
mod tests;
pub use caps::{claim_send, refund, Caps, SendRefusal};
pub use phone::{finish_phone_enrolment, pending_phone, PHONE_PENDING_SECS, PHONE_SETUP_ATTEMPTS};

/// The way a code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_db(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// What a code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The second step of a sign-in (or a confirmation of identity) in this session.
    SignIn,
    /// That the person holds the phone being added.
    Enrol,
}

impl Purpose {
    pub fn as_db(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign_in",
            Purpose::Enrol => "enrol",
        }
    }
}

/// How codes are sent and for how long they work.
#[derive(Debug, Clone)]
pub struct Policy {
    pub email_lifetime_secs: i64,
    pub sms_lifetime_secs: i64,
    /// The wait before another code may be sent for the same session and channel.
    pub resend_after_secs: i64,
    /// Sends per hour per account, per client address, and per phone number.
    pub sends_per_hour: i64,
    /// Calling codes (digits, no `+`) text messages may go to; empty: everywhere.
    pub allowed_countries: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            email_lifetime_secs: 15 * 60,
            sms_lifetime_secs: 10 * 60,
            resend_after_secs: 60,
            sends_per_hour: 5,
            allowed_countries: Vec::new(),
        }
    }
}

impl Policy {
    pub fn lifetime_secs(&self, channel: Channel) -> i64 {
        match channel {
            Channel::Email => self.email_lifetime_secs,
            Channel::Sms => self.sms_lifetime_secs,
        }
    }

    fn limit(&self) -> Limit {
        Limit {
            max: self.sends_per_hour,
            window_secs: 3600,
        }
    }

    /// Whether a number (E.164) is in a country texts may go to.
    pub fn allows_number(&self, e164: &str) -> bool {
        let digits = e164.trim_start_matches('+');
        self.allowed_countries.is_empty()
            || self
                .allowed_countries
                .iter()
                .any(|c| !c.is_empty() && digits.starts_with(c.as_str()))
    }
}

/// Six digits, uniformly distributed (rejection sampling, no modulo bias).
pub fn generate() -> String {
    loop {
        let mut bytes = [0u8; 4];
        fill_random(&mut bytes);
        let n = u32::from_be_bytes(bytes);
        // The largest multiple of 1 000 000 that fits in a u32.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// The digits of a typed or pasted code (`123 456`, `123-456`), or None if it cannot be one.
pub fn normalize(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

fn hash(keys: &Keyring, session_id: i64, purpose: Purpose, channel: Channel, code: &str) -> String {
    keys.code_hash(&format!(
        "otp:{}:{}:{session_id}:{code}",
        purpose.as_db(),
        channel.as_db()
    ))
}

/// What a new code is for.
pub struct NewCode {
    pub user_id: i64,
    pub session_id: i64,
    pub purpose: Purpose,
    pub channel: Channel,
    pub factor_id: Option<i64>,
}

/// Stores a new code, voiding the previous one of the same session, purpose and channel — unless that
/// one was issued less than `resend_after_secs` ago. Atomic: of simultaneous requests, those inside
/// the interval are refused. Answers the code (to send; never stored or logged in clear).
pub async fn issue(
    conn: &mut Conn,
    keys: &Keyring,
    policy: &Policy,
    new: &NewCode,
    now: i64,
) -> Result<Result<String, SendRefusal>, sqlx::Error> {
    let code = generate();
    let row = sqlx::query(
        "INSERT INTO one_time_codes (user_id, session_id, purpose, channel, factor_id, code_hash, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (session_id, purpose, channel) DO UPDATE SET \
           user_id = excluded.user_id, factor_id = excluded.factor_id, code_hash = excluded.code_hash, \
           created_at = excluded.created_at, expires_at = excluded.expires_at, used_at = NULL \
         WHERE one_time_codes.created_at <= $9 \
         RETURNING id",
    )
    .bind(new.user_id)
    .bind(new.session_id)
    .bind(new.purpose.as_db())
    .bind(new.channel.as_db())
    .bind(new.factor_id)
    .bind(hash(keys, new.session_id, new.purpose, new.channel, &code))
    .bind(now)
    .bind(now + policy.lifetime_secs(new.channel))
    .bind(now - policy.resend_after_secs)
    .fetch_optional(&mut *conn)
    .await?;
    if row.is_some() {
        return Ok(Ok(code));
    }
    let created: i64 = sqlx::query(
        "SELECT created_at FROM one_time_codes WHERE session_id = $1 AND purpose = $2 AND channel = $3",
    )
    .bind(new.session_id)
    .bind(new.purpose.as_db())
    .bind(new.channel.as_db())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get("created_at"))
    .transpose()?
    .unwrap_or(now);
    Ok(Err(SendRefusal::TooSoon {
        secs: created + policy.resend_after_secs - now,
    }))
}

/// Forgets the live code of a session, purpose and channel (its message could not be sent: the person
/// may ask again at once).
pub async fn void(
    conn: &mut Conn,
    session_id: i64,
    purpose: Purpose,
    channel: Channel,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM one_time_codes WHERE session_id = $1 AND purpose = $2 AND channel = $3",
    )
    .bind(session_id)
    .bind(purpose.as_db())
    .bind(channel.as_db())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What an answer turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Right, and now spent. Carries the factor the code was sent for.
    Accepted {
        factor_id: Option<i64>,
    },
    Wrong,
    /// The live code has expired (whatever was typed): ask for a new one.
    Expired,
}

/// Whose code, for which attempt, purpose and channel.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub user_id: i64,
    pub session_id: i64,
    pub purpose: Purpose,
    pub channel: Channel,
}

/// Judges `input` against the live code of the session, purpose and channel, and spends it when it
/// matches: exactly once, even for simultaneous answers.
pub async fn check(
    conn: &mut Conn,
    keys: &Keyring,
    slot: &Slot,
    input: &str,
    now: i64,
) -> Result<Check, sqlx::Error> {
    let Slot {
        user_id,
        session_id,
        purpose,
        channel,
    } = *slot;
    let row = sqlx::query(
        "SELECT id, code_hash, expires_at, factor_id FROM one_time_codes \
         WHERE user_id = $1 AND session_id = $2 AND purpose = $3 AND channel = $4 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(session_id)
    .bind(purpose.as_db())
    .bind(channel.as_db())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Check::Wrong);
    };
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= now {
        return Ok(Check::Expired);
    }
    let Some(code) = normalize(input) else {
        return Ok(Check::Wrong);
    };
    let stored: String = row.try_get("code_hash")?;
    let given = hash(keys, session_id, purpose, channel, &code);
    if !constant_time_eq(stored.as_bytes(), given.as_bytes()) {
        return Ok(Check::Wrong);
    }
    let id: i64 = row.try_get("id")?;
    let spent = sqlx::query(
        "UPDATE one_time_codes SET used_at = $1 WHERE id = $2 AND code_hash = $3 AND used_at IS NULL \
         AND expires_at > $1",
    )
    .bind(now)
    .bind(id)
    .bind(&stored)
    .execute(&mut *conn)
    .await?;
    if spent.rows_affected() != 1 {
        return Ok(Check::Wrong);
    }
    Ok(Check::Accepted {
        factor_id: row.try_get("factor_id")?,
    })
}

/// Removes codes that expired more than a day ago (run periodically).
pub async fn purge(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM one_time_codes WHERE expires_at < $1")
        .bind(now - 86_400)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// The second step with an emailed or texted code sent for this session.
pub async fn verify_answer(
    ctx: &Ctx<'_>,
    conn: &mut Conn,
    channel: Channel,
    code: &str,
) -> Result<Verdict, sqlx::Error> {
    let slot = Slot {
        user_id: ctx.user.id,
        session_id: ctx.session_id,
        purpose: Purpose::SignIn,
        channel,
    };
    let checked = check(conn, ctx.keys, &slot, code, ctx.now).await?;
    Ok(match checked {
        Check::Accepted { factor_id } => {
            if let Some(id) = factor_id {
                super::touch(conn, id, ctx.now).await?;
            }
            Verdict::Accepted {
                clock_drift_steps: None,
            }
        }
        Check::Wrong => Verdict::Refused(AppError::WrongCode),
        Check::Expired => Verdict::Refused(AppError::CodeExpired),
    })
}
