//! The services behind the server functions and the command line: one file per area, each implementing
//! its `app::service` trait directly over the capabilities in `auth`, `users`, `notify` and `audit`.
//! `Core` holds what they share; `credentials` is the one routine every change of credentials runs.
pub mod account;
pub mod activity;
pub mod admin;
pub mod codes;
pub mod credentials;
pub mod developer;
pub mod devices;
mod email_change;
pub mod lockout;
pub mod passkeys;
pub mod preferences;
pub mod profile;
pub mod recovery;
pub mod second_step;
pub mod security;
pub mod sessions;
pub mod sign_in;

use app::error::AppError;
use app::service::{CookieChange, IssuedToken, RequestInfo, Services};
use app::types::Stage;
use std::sync::Arc;

use crate::audit::{self, Entry, Event};
use crate::auth::flow::{self, Capability, Facts, Lifecycle, MfaPolicy};
use crate::auth::password::{HashError, PasswordHasher, Ticket};
use crate::auth::session::{self, Resolved, SessionPolicy, SessionRow};
use crate::clock::SharedClock;
use crate::db::{Conn, Db};
use crate::keyring::Keyring;
use crate::notify::{Notifier, Origin};
use crate::users::User;

/// Account-protection settings.
#[derive(Debug, Clone, Copy)]
pub struct Protection {
    /// Consecutive wrong passwords that lock an account.
    pub lockout_threshold: i64,
    /// Failed sign-ins from one address per window before it must wait.
    pub failures_per_address: i64,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            lockout_threshold: 5,
            failures_per_address: 50,
        }
    }
}

/// Everything the services are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: url::Url,
    pub sessions: SessionPolicy,
    pub lifecycle: Lifecycle,
    pub mfa: MfaPolicy,
    pub protection: Protection,
    /// How long "don't ask again on this browser" lasts.
    pub trust_lifetime_secs: i64,
    /// Whether /dev/mailbox may show the outbox.
    pub dev_mailbox: bool,
    /// Emailed and texted codes.
    pub codes: crate::auth::factor::otp::Policy,
    /// How long an approved recovery waits before it takes effect (the owner may cancel meanwhile).
    pub recovery_wait_secs: i64,
}

/// A full authentication opens sensitive changes for this long.
pub const REAUTH_WINDOW_SECS: i64 = 5 * 60;

/// What every service area shares.
pub struct Core {
    pub db: Db,
    pub keys: Keyring,
    pub clock: SharedClock,
    pub hasher: Arc<PasswordHasher>,
    pub notifier: Notifier,
    pub settings: Settings,
    /// The text-message provider (None: text-message codes are off).
    pub sms: Option<Arc<dyn crate::notify::sms::SmsProvider>>,
    /// Approximate locations of addresses (none without a database).
    pub geo: Arc<crate::geo::Locator>,
}

/// The session and user behind a request.
pub struct Current {
    pub session: SessionRow,
    pub user: User,
}

/// Turns an unexpected failure into the generic error, logging what happened (never a secret).
pub trait OrInternal<T> {
    fn or_internal(self, what: &'static str) -> Result<T, AppError>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, what: &'static str) -> Result<T, AppError> {
        self.map_err(|e| {
            tracing::error!(error = %e, "{what}");
            AppError::Internal
        })
    }
}

impl Core {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, AppError> {
        self.db
            .conn()
            .await
            .or_internal("opening a database connection")
    }

    pub async fn begin(&self) -> Result<crate::db::Tx, AppError> {
        self.db.begin().await.or_internal("starting a transaction")
    }

    /// Where attempt claims and counters are written (see `Db::begin_counters`).
    pub async fn begin_counters(&self) -> Result<crate::db::Counters, AppError> {
        self.db
            .begin_counters()
            .await
            .or_internal("starting a transaction")
    }

    /// A place in the password-hashing queue, or "busy" at once.
    pub fn ticket(&self) -> Result<Ticket, AppError> {
        self.hasher.ticket().map_err(|e| match e {
            HashError::Busy => AppError::Busy,
            other => {
                tracing::error!(error = %other, "password hashing");
                AppError::Internal
            }
        })
    }

    /// Records an audit entry about the request.
    pub async fn audit(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        event: Event,
        actor: Option<i64>,
        subject: Option<i64>,
        detail: serde_json::Value,
    ) -> Result<(), AppError> {
        let entry = Entry {
            event,
            actor,
            subject,
            ip: req.ip,
            user_agent: &req.user_agent,
            detail,
        };
        audit::record(conn, self.now(), entry)
            .await
            .or_internal("writing the audit log")
    }

    /// When, from where and with what browser the request came (for emails).
    /// When, from where (with the approximate location) and with what browser a request came.
    pub fn origin(&self, req: &RequestInfo) -> Origin {
        let mut origin = Origin::of(req, self.now());
        origin.location = self.geo.locate(req.ip);
        origin
    }

    /// A full URL for a path (links in emails).
    pub fn link(&self, path: &str) -> String {
        app::routes::absolute(self.settings.public_url.as_str(), path)
    }

    /// The session and user behind the request, in whatever stage.
    pub async fn current(&self, conn: &mut Conn, req: &RequestInfo) -> Result<Current, AppError> {
        let token = req.session_token.as_deref().ok_or(AppError::NotSignedIn)?;
        let resolved = session::resolve(conn, &self.settings.sessions, token, self.now())
            .await
            .or_internal("resolving a session")?;
        match resolved {
            Resolved::Live(session, user) if !user.disabled => Ok(Current {
                session,
                user: *user,
            }),
            Resolved::Live(session, _) => {
                session::delete(conn, session.id)
                    .await
                    .or_internal("ending a session")?;
                Err(AppError::SessionExpired)
            }
            Resolved::Unknown | Resolved::Ended(_) => Err(AppError::SessionExpired),
        }
    }

    /// The session, if its stage may do `what`; a partial session can do nothing but its next step.
    pub async fn at(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
        what: Capability,
    ) -> Result<Current, AppError> {
        let current = self.current(conn, req).await?;
        if !flow::allows(current.session.stage, what) {
            return Err(AppError::SignInIncomplete);
        }
        Ok(current)
    }

    /// A full session whose last full authentication (password and second factor) is recent enough
    /// for a sensitive change.
    pub fn require_recent_authentication(&self, session: &SessionRow) -> Result<(), AppError> {
        if session.reauthenticated_at <= 0
            || self.now() - session.reauthenticated_at > REAUTH_WINDOW_SECS
        {
            return Err(AppError::ReauthenticationRequired);
        }
        Ok(())
    }

    /// Seconds left of the window for sensitive changes.
    pub fn reauth_secs_left(&self, session: &SessionRow) -> i64 {
        if session.reauthenticated_at <= 0 {
            return 0;
        }
        (REAUTH_WINDOW_SECS - (self.now() - session.reauthenticated_at)).max(0)
    }

    /// Enrolment is possible in a full session after a recent full authentication, and at the
    /// mandatory-enrolment stage (which the password step just opened).
    pub async fn enrolling(&self, conn: &mut Conn, req: &RequestInfo) -> Result<Current, AppError> {
        let current = self.at(conn, req, Capability::Enrol).await?;
        if current.session.stage.is_full() {
            self.require_recent_authentication(&current.session)?;
        }
        Ok(current)
    }

    pub async fn full_and_recent(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
    ) -> Result<Current, AppError> {
        let current = self.at(conn, req, Capability::UseAccount).await?;
        self.require_recent_authentication(&current.session)?;
        Ok(current)
    }

    pub async fn facts(&self, conn: &mut Conn, user: &User) -> Result<Facts, AppError> {
        Facts::gather(
            conn,
            user,
            &self.settings.lifecycle,
            &self.settings.mfa,
            self.now(),
        )
        .await
        .or_internal("reading the account's facts")
    }

    /// The same, with whether the account has a confirmed second factor already read.
    pub async fn facts_given(
        &self,
        conn: &mut Conn,
        user: &User,
        has_second_factor: bool,
    ) -> Result<Facts, AppError> {
        Facts::given(
            conn,
            user,
            has_second_factor,
            &self.settings.lifecycle,
            &self.settings.mfa,
            self.now(),
        )
        .await
        .or_internal("reading the account's facts")
    }

    /// The cookie for a session token.
    pub fn session_cookie(&self, req: &RequestInfo, token: String) {
        req.effects.push(CookieChange::Session(IssuedToken {
            token,
            max_age_secs: self.settings.sessions.absolute.as_secs(),
        }));
    }

    /// Moves the session from `stage` after `event`, with a new token; the sign-in completes when the
    /// session becomes full. Answers the new stage and token (for the cookie, once committed). In the
    /// caller's transaction.
    pub async fn advance(
        &self,
        tx: &mut crate::db::Tx,
        req: &RequestInfo,
        current: &Current,
        event: flow::Event,
        fully_authenticated: bool,
    ) -> Result<(Stage, String), AppError> {
        let facts = self.facts(tx, &current.user).await?;
        let from = current.session.stage;
        let next = flow::advance(from, &facts, event).map_err(|e| {
            tracing::warn!(error = %e, "a step out of turn");
            AppError::SignInIncomplete
        })?;
        let now = self.now();
        let token = session::advance(tx, current.session.id, from, next, fully_authenticated, now)
            .await
            .or_internal("advancing a session")?
            // Another request moved or ended this session first.
            .ok_or(AppError::SessionExpired)?;
        if next.is_full() {
            self.sign_in_completed(
                tx,
                req,
                &current.user,
                current.session.id,
                &current.session.device_hash,
                false,
            )
            .await?;
            self.audit(
                tx,
                req,
                Event::SignInCompleted,
                Some(current.user.id),
                Some(current.user.id),
                serde_json::json!({}),
            )
            .await?;
        }
        Ok((next, token))
    }
}

/// Every service area over one core.
pub fn all(core: Arc<Core>) -> Services {
    Services {
        sign_in: Arc::new(sign_in::SignIn(core.clone())),
        second_step: Arc::new(second_step::SecondStep(core.clone())),
        account: Arc::new(account::Account(core.clone())),
        security: Arc::new(security::Security(core.clone())),
        passkeys: Arc::new(passkeys::Passkeys(core.clone())),
        profile: Arc::new(profile::Profile(core.clone())),
        sessions: Arc::new(sessions::Sessions(core.clone())),
        admin: Arc::new(admin::Admin(core.clone())),
        activity: Arc::new(activity::Activity(core.clone())),
        recovery: Arc::new(recovery::Recovery(core.clone())),
        preferences: Arc::new(preferences::Preferences(core.clone())),
        developer: Arc::new(developer::Developer(core)),
    }
}
