//! The caps on sending codes, per account, per client address and (texts) per number, counted in the
//! shared `rate_limits` table before anything is sent.
use super::Policy;
use crate::auth::rate_limit;
use crate::db::Conn;
use app::error::AppError;

/// Why no code may be sent now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefusal {
    /// The previous code was sent less than the resend interval ago.
    TooSoon { secs: i64 },
    /// A cap (account, address or number) is reached.
    CapReached,
}

impl From<SendRefusal> for AppError {
    fn from(r: SendRefusal) -> AppError {
        match r {
            SendRefusal::TooSoon { secs } => AppError::ResendTooSoon {
                seconds: secs.max(1),
            },
            SendRefusal::CapReached => AppError::CodeLimitReached,
        }
    }
}

/// The caps a send counts against.
pub struct Caps<'a> {
    pub user_id: i64,
    pub ip: Option<std::net::IpAddr>,
    /// Texts: the number.
    pub number: Option<&'a str>,
}

/// Counts one send against every cap, before anything is sent. A cap that refuses gives back the
/// hits already counted for this send (so a refused request costs the other buckets nothing).
pub async fn claim_send(
    conn: &mut Conn,
    policy: &Policy,
    caps: &Caps<'_>,
    now: i64,
) -> Result<Result<Vec<String>, SendRefusal>, sqlx::Error> {
    let mut buckets = vec![format!("otp_send:user:{}", caps.user_id)];
    if let Some(ip) = caps.ip {
        buckets.push(rate_limit::address_bucket("otp_send", ip));
    }
    if let Some(number) = caps.number {
        buckets.push(format!("otp_send:number:{number}"));
    }
    let mut counted = Vec::new();
    for bucket in buckets {
        let within = rate_limit::hit(conn, &bucket, policy.limit(), now).await?;
        counted.push(bucket);
        if !within {
            refund(conn, &counted).await?;
            return Ok(Err(SendRefusal::CapReached));
        }
    }
    Ok(Ok(counted))
}

/// Gives back the hits of a send that did not happen.
pub async fn refund(conn: &mut Conn, buckets: &[String]) -> Result<(), sqlx::Error> {
    for bucket in buckets {
        rate_limit::refund(conn, bucket).await?;
    }
    Ok(())
}
