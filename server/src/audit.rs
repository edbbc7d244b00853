//! The audit log (the `audit_log` table): who did what to which account, when, from where and with what
//! browser. Events are typed (`Event`); their names are stable text for filters and exports. Never a
//! secret in `detail`.
use serde_json::Value;
use sqlx::Row;
use std::net::IpAddr;

use crate::db::Conn;

macro_rules! events {
    ($( $(#[$meta:meta])* $variant:ident = $name:literal, )*) => {
        /// Every kind of audited event.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Event { $( $(#[$meta])* $variant, )* }

        impl Event {
            pub const ALL: &'static [Event] = &[$(Event::$variant),*];

            /// The stable name stored in the log.
            pub fn name(self) -> &'static str {
                match self { $(Event::$variant => $name,)* }
            }

            pub fn from_name(name: &str) -> Option<Event> {
                match name { $($name => Some(Event::$variant),)* _ => None }
            }
        }
    };
}

events! {
    /// A password was right (the session may still owe a step).
    PasswordAccepted = "sign_in.password_ok",
    /// A password was judged and wrong.
    WrongPassword = "sign_in.wrong_password",
    /// An attempt for an unknown account.
    UnknownAccount = "sign_in.unknown_account",
    /// An attempt for a locked account, or one whose attempts were all being judged: not judged.
    AttemptRefused = "sign_in.refused",
    DisabledAccount = "sign_in.disabled_account",
    TemporaryPasswordExpired = "sign_in.temporary_password_expired",
    ResetRequired = "sign_in.reset_required",
    AddressThrottled = "sign_in.throttled_address",
    /// The second step was passed (with the method).
    SecondFactorPassed = "sign_in.second_factor",
    SecondFactorFailed = "second_factor.failed",
    SecondStepSuspended = "second_factor.suspended",
    /// Too many failed second steps in a day: partial sessions ended, a password reset required.
    SecondStepEscalated = "second_factor.escalated",
    SignInCompleted = "sign_in.completed",
    /// Signed in with a passkey alone (it verified its user: both factors).
    PasskeySignIn = "sign_in.passkey",
    /// A passkey answer refused (no ceremony, unknown credential, bad signature, no user verification).
    PasskeyRefused = "sign_in.passkey_refused",
    /// The password was right but the second step was never completed (the owner was emailed).
    SignInNotCompleted = "sign_in.not_completed",
    /// A completed sign-in from a device the account had not used (the owner was emailed).
    NewDevice = "device.new",
    /// "This wasn't me" from a new-device email: every session ended, a password reset required.
    NotMe = "device.not_me",
    SignedOut = "session.signed_out",
    SessionRevoked = "session.revoked",
    OtherSessionsRevoked = "session.revoked_others",
    AccountLocked = "account.locked",
    AccountUnlocked = "account.unlocked",
    PasswordChanged = "password.changed",
    PasswordChangeWrongCurrent = "password.change_wrong_current",
    PasswordResetRequested = "password.reset_requested",
    PasswordResetUnmatched = "password.reset_unmatched",
    PasswordResetThrottled = "password.reset_throttled",
    PasswordReset = "password.reset",
    TemporaryPasswordIssued = "password.temporary_issued",
    InvitationAccepted = "invitation.accepted",
    IdentityConfirmed = "identity.confirmed",
    IdentityConfirmationFailed = "password.confirmation_failed",
    FactorAdded = "factor.added",
    FactorRemoved = "factor.removed",
    FactorRenamed = "factor.renamed",
    BackupCodeUsed = "backup_code.used",
    BackupCodesRegenerated = "backup_codes.regenerated",
    TrustedBrowserAdded = "trusted_browser.added",
    TrustedBrowserRevoked = "trusted_browser.revoked",
    /// An emailed or texted code was sent (channel and purpose in the detail; never the code).
    CodeSent = "code.sent",
    /// A send refused by a cap (account, client address or number).
    CodeCapReached = "code.cap_reached",
    /// The text-message provider failed.
    CodeDeliveryFailed = "code.delivery_failed",
    /// The "credentials changed" routine ran (what it ended is in the detail).
    CredentialsChanged = "credentials.changed",
    UserCreated = "user.created",
    TwoFactorRequirementChanged = "user.mfa_requirement",
    RoleChanged = "user.role_changed",
    AccountDisabled = "user.disabled",
    AccountEnabled = "user.enabled",
    /// An administrator ended every session of an account.
    SessionsEndedByAdmin = "user.sessions_ended",
    /// An administrator exported the audit log (the filters are in the detail).
    AuditExported = "audit_log.exported",
    /// The owner, past the password step, asked for help: every sign-in method lost.
    RecoveryRequested = "two_step_recovery.requested",
    /// An administrator recorded how they verified the owner's identity.
    RecoveryVerified = "two_step_recovery.verified",
    RecoveryApproved = "two_step_recovery.approved",
    RecoveryRejected = "two_step_recovery.rejected",
    /// The owner cancelled an approved recovery from its email.
    RecoveryCancelled = "two_step_recovery.cancelled",
    /// The waiting period passed: every factor, backup code and trusted browser removed.
    RecoveryCompleted = "two_step_recovery.completed",
    LocaleChanged = "preferences.locale",
    /// Payout details were viewed or changed (never their values).
    PayoutViewed = "account.payout_viewed",
    PayoutChanged = "account.payout_changed",
    DisplayNameChanged = "account.display_name_changed",
    /// The owner asked to change the email address (the new one in the detail; whether another account
    /// uses it is not recorded where the owner can read it).
    EmailChangeRequested = "email_change.requested",
    /// More change requests than the account's limit: refused.
    EmailChangeThrottled = "email_change.throttled",
    /// The link sent to the new address was used: the address changed.
    EmailChangeConfirmed = "email_change.confirmed",
    /// The link was used but another account had taken the address meanwhile: nothing changed.
    EmailChangeRefused = "email_change.refused",
}

/// One event to record.
pub struct Entry<'a> {
    pub event: Event,
    /// Who did it (None: the system, an operator at the command line, or an anonymous visitor).
    pub actor: Option<i64>,
    /// Whose account it concerns.
    pub subject: Option<i64>,
    pub ip: Option<IpAddr>,
    pub user_agent: &'a str,
    pub detail: Value,
}

/// Writes an entry (in the caller's transaction, when it has one: the event and what it records commit
/// together).
pub async fn record(conn: &mut Conn, now: i64, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let ip = entry.ip.map(|ip| ip.to_string()).unwrap_or_default();
    let ua: String = entry.user_agent.chars().take(512).collect();
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, subject_id, event, ip, user_agent, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(now)
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(entry.event.name())
    .bind(ip)
    .bind(ua)
    .bind(entry.detail.to_string())
    .execute(&mut *conn)
    .await?;
    tracing::info!(event = entry.event.name(), subject = ?entry.subject, actor = ?entry.actor, "audit");
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub at: i64,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub event: String,
    pub ip: String,
    pub user_agent: String,
    pub detail: String,
}

fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
    Ok(Stored {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor_id")?,
        subject: r.try_get("subject_id")?,
        event: r.try_get("event")?,
        ip: r.try_get("ip")?,
        user_agent: r.try_get("user_agent")?,
        detail: r.try_get("detail")?,
    })
}

/// Everything recorded about one account, oldest first.
pub async fn for_subject(conn: &mut Conn, subject: i64) -> Result<Vec<Stored>, sqlx::Error> {
    sqlx::query(
        "SELECT id, at, actor_id, subject_id, event, ip, user_agent, detail FROM audit_log \
         WHERE subject_id = $1 ORDER BY id",
    )
    .bind(subject)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(stored)
    .collect()
}

/// What to find in the log. Empty `event`: every event; `user` 0: every account.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub event: String,
    pub user: i64,
    /// Only events about `user`'s account (their own activity), not what they did to others.
    pub about_only: bool,
}

/// An entry with the names of its actor and subject (when they still exist).
#[derive(Debug, Clone)]
pub struct Listed {
    pub entry: Stored,
    pub actor_name: Option<String>,
    pub subject_name: Option<String>,
}

/// The entries matching `filter`, newest first, one page; and how many match in all.
pub async fn search(
    conn: &mut Conn,
    filter: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Listed>, i64), sqlx::Error> {
    const WHERE: &str = "WHERE ($1 = '' OR a.event = $1) \
         AND ($2 = 0 OR a.subject_id = $2 OR ($3 = 0 AND a.actor_id = $2))";
    let about_only = i64::from(filter.about_only);
    let total: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM audit_log a {WHERE}"))
        .bind(&filter.event)
        .bind(filter.user)
        .bind(about_only)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.at, a.actor_id, a.subject_id, a.event, a.ip, a.user_agent, a.detail, \
         ua.username AS actor_name, us.username AS subject_name FROM audit_log a \
         LEFT JOIN users ua ON ua.id = a.actor_id LEFT JOIN users us ON us.id = a.subject_id \
         {WHERE} ORDER BY a.id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&filter.event)
    .bind(filter.user)
    .bind(about_only)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let listed = rows
        .iter()
        .map(|r| {
            Ok(Listed {
                entry: stored(r)?,
                actor_name: r.try_get("actor_name")?,
                subject_name: r.try_get("subject_name")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((listed, total))
}

/// Removes entries older than the retention period (run periodically).
pub async fn purge(conn: &mut Conn, now: i64, retention_secs: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(now - retention_secs)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Event::ALL.iter().map(|e| e.name()).collect();
        for e in Event::ALL {
            assert_eq!(Event::from_name(e.name()), Some(*e));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Event::ALL.len());
    }
}
