//! The one "credentials changed" routine. Every path that changes how an account signs in runs it, in
//! the same transaction as the change: a new password (self-service, reset link, administrator's
//! temporary password), a factor added or removed, new backup codes, a two-step reset, "this wasn't
//! me". It forgets the trusted browsers, voids outstanding email links, ends the user's other sessions,
//! emails the owner (unless the change sends its own email) and records what it did.
use app::error::AppError;
use app::routes;
use app::service::RequestInfo;
use app::types::FactorKind;
use serde_json::json;

use super::{Core, OrInternal};
use crate::audit::Event;
use crate::auth::{email_links, session, trusted_browser};
use crate::db::Tx;
use crate::notify::{Message, Recipient};
use crate::users::User;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The owner set a new password (signed in, or at the forced change).
    PasswordChanged,
    /// A new password through an emailed reset link.
    PasswordReset,
    /// An administrator issued a temporary password (its own email carries it).
    TemporaryPassword,
    FactorAdded(FactorKind),
    FactorRemoved(FactorKind),
    BackupCodesRegenerated,
    /// Every factor removed after an identity verification (its own email says so).
    TwoStepReset,
    /// "This wasn't me" from a new-device email (the owner is on the page; a reset follows).
    NotMe,
}

impl Change {
    fn name(self) -> &'static str {
        match self {
            Change::PasswordChanged => "password_changed",
            Change::PasswordReset => "password_reset",
            Change::TemporaryPassword => "temporary_password",
            Change::FactorAdded(_) => "factor_added",
            Change::FactorRemoved(_) => "factor_removed",
            Change::BackupCodesRegenerated => "backup_codes_regenerated",
            Change::TwoStepReset => "two_step_reset",
            Change::NotMe => "not_me",
        }
    }
}

/// What the routine ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    pub sessions: u64,
    pub trusted_browsers: u64,
    pub links: u64,
}

impl Core {
    /// Runs the routine for `user` after `change`, keeping the session `keep` (the one that made the
    /// change, if it stays signed in). `req` is the request behind the change (None: the command line).
    pub async fn credentials_changed(
        &self,
        tx: &mut Tx,
        req: Option<&RequestInfo>,
        user: &User,
        change: Change,
        keep: Option<i64>,
    ) -> Result<Ended, AppError> {
        let now = self.now();
        let ended = Ended {
            trusted_browsers: trusted_browser::revoke_all(tx, user.id)
                .await
                .or_internal("forgetting trusted browsers")?,
            links: email_links::revoke_credential_links(tx, user.id, now)
                .await
                .or_internal("voiding links")?,
            sessions: session::delete_all_for_user(tx, user.id, keep)
                .await
                .or_internal("ending sessions")?,
        };
        let origin = req
            .map(|r| self.origin(r))
            .unwrap_or_else(|| crate::notify::Origin {
                at: now,
                ..Default::default()
            });
        let settings = self.link(routes::SECURITY);
        let message = match change {
            Change::PasswordChanged | Change::PasswordReset => Some(Message::PasswordChanged {
                reset_link: self.link(routes::FORGOT_PASSWORD),
                origin,
            }),
            Change::FactorAdded(kind) => Some(Message::FactorAdded {
                method_key: kind.name_key(),
                settings_link: settings,
                origin,
            }),
            Change::FactorRemoved(kind) => Some(Message::FactorRemoved {
                method_key: kind.name_key(),
                settings_link: settings,
                origin,
            }),
            Change::BackupCodesRegenerated => Some(Message::BackupCodesRegenerated {
                settings_link: settings,
                origin,
            }),
            Change::TemporaryPassword | Change::TwoStepReset | Change::NotMe => None,
        };
        if let Some(message) = message {
            self.notifier
                .email(tx, &Recipient::of(user), &message, now)
                .await
                .or_internal("queueing an email")?;
        }
        let detail = json!({
            "change": change.name(),
            "sessions_ended": ended.sessions,
            "trusted_browsers_forgotten": ended.trusted_browsers,
            "links_voided": ended.links,
        });
        let entry = crate::audit::Entry {
            event: Event::CredentialsChanged,
            // The action that caused it records its actor; this entry is the routine's own.
            actor: None,
            subject: Some(user.id),
            ip: req.and_then(|r| r.ip),
            user_agent: req.map(|r| r.user_agent.as_str()).unwrap_or(""),
            detail,
        };
        crate::audit::record(tx, now, entry)
            .await
            .or_internal("writing the audit log")?;
        Ok(ended)
    }
}
