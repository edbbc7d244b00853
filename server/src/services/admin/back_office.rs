//! The back office (`/admin`): the administrative operations for a signed-in administrator. Every method
//! first checks the caller (`administrator`): an administrator, in a full session, whose last full
//! authentication is within `REAUTH_WINDOW_SECS`. Actions on an account that could lock the
//! administrator out of their own (role, disabling, temporary password, ending sessions) are refused on it.
use app::error::{AppError, Invalid};
use app::service::{AdminService, RequestInfo};
use app::types::{
    AdminUser, AdminUserDetail, AuditPage, CreatedUser, RecoveryView, Role, UserPage,
    USERS_PER_PAGE,
};
use async_trait::async_trait;
use serde_json::json;

use super::{Actor, Admin, AdminError, NewAccount};
use crate::audit::Event;
use crate::auth::flow::Capability;
use crate::auth::session;
use crate::db::Conn;
use crate::services::{Current, OrInternal};
use crate::users::{self, CreateUserError, User};

/// Longest search text the list accepts.
const SEARCH_MAX: usize = 100;

fn refusal(e: AdminError) -> AppError {
    match e {
        AdminError::NoSuchUser(_) => AppError::NotFound,
        AdminError::Create(CreateUserError::UsernameTaken(_)) => {
            AppError::Invalid(Invalid::UsernameTaken)
        }
        AdminError::Create(CreateUserError::EmailTaken(_)) => {
            AppError::Invalid(Invalid::EmailTaken)
        }
        AdminError::Service(e) => e,
        AdminError::Invalid(what) => {
            tracing::warn!(%what, "an administrative request refused");
            AppError::Invalid(Invalid::Malformed)
        }
        AdminError::Create(CreateUserError::Db(e)) | AdminError::Db(e) => {
            tracing::error!(error = %e, "an administrative action failed");
            AppError::Internal
        }
    }
}

fn view(user: &User) -> AdminUser {
    AdminUser {
        username: user.username.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        disabled: user.disabled,
        locked: user.locked_at.is_some(),
        mfa_required: user.mfa_required,
        temporary_password: user.password_temporary,
        created_at: user.created_at,
        last_sign_in_at: user.last_sign_in_at,
    }
}

impl Admin {
    /// The caller, if they may use the back office now. A partial session learns nothing more than that
    /// it must finish signing in; anyone but an administrator is refused before the recency is judged.
    pub(super) async fn administrator(
        &self,
        conn: &mut Conn,
        req: &RequestInfo,
    ) -> Result<Current, AppError> {
        let core = &self.0;
        let current = core.at(conn, req, Capability::UseAccount).await?;
        if !current.user.role.is_admin() {
            tracing::warn!(
                user = current.user.id,
                "a non-administrator tried the back office"
            );
            return Err(AppError::Forbidden);
        }
        core.full_and_recent(conn, req).await
    }

    /// The administrator and the account they act on.
    async fn acting_on(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<(Actor, Current, User), AppError> {
        let mut conn = self.0.conn().await?;
        let current = self.administrator(&mut conn, req).await?;
        let user = users::find_by_username(&mut conn, username)
            .await
            .or_internal("finding a user")?
            .ok_or(AppError::NotFound)?;
        Ok((Actor::Admin(current.user.id), current, user))
    }

    /// As `acting_on`, refusing the administrator's own account.
    async fn acting_on_other(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<(Actor, User), AppError> {
        let (actor, current, user) = self.acting_on(req, username).await?;
        if user.id == current.user.id {
            return Err(AppError::Invalid(Invalid::OwnAccount));
        }
        Ok((actor, user))
    }
}

#[async_trait]
impl AdminService for Admin {
    #[tracing::instrument(name = "admin.users", skip_all)]
    async fn admin_users(
        &self,
        req: &RequestInfo,
        search: &str,
        page: u32,
    ) -> Result<UserPage, AppError> {
        let mut conn = self.0.conn().await?;
        self.administrator(&mut conn, req).await?;
        if search.chars().count() > SEARCH_MAX {
            return Err(AppError::Invalid(Invalid::TooLong("search".into())));
        }
        let per_page = USERS_PER_PAGE;
        let (list, total) = users::search(
            &mut conn,
            search,
            i64::from(per_page),
            i64::from(page) * i64::from(per_page),
        )
        .await
        .or_internal("listing users")?;
        Ok(UserPage {
            users: list.iter().map(view).collect(),
            total,
            page,
            per_page,
        })
    }

    #[tracing::instrument(name = "admin.user", skip_all)]
    async fn admin_user(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<AdminUserDetail, AppError> {
        let core = &self.0;
        let (_, current, user) = self.acting_on(req, username).await?;
        let mut conn = core.conn().await?;
        let sessions =
            session::live_for_user(&mut conn, &core.settings.sessions, user.id, core.now())
                .await
                .or_internal("counting sessions")?
                .len();
        Ok(AdminUserDetail {
            own_account: user.id == current.user.id,
            user: view(&user),
            sessions: i64::try_from(sessions).unwrap_or(i64::MAX),
        })
    }

    #[tracing::instrument(name = "admin.create_user", skip_all)]
    async fn admin_create_user(
        &self,
        req: &RequestInfo,
        username: &str,
        email: &str,
        display_name: &str,
        role: Role,
        invite: bool,
        mfa_required: bool,
    ) -> Result<CreatedUser, AppError> {
        let current = {
            let mut conn = self.0.conn().await?;
            self.administrator(&mut conn, req).await?
        };
        let username = username.trim();
        app::policy::validate_username(username)
            .map_err(|_| AppError::Invalid(Invalid::Username))?;
        app::policy::validate_email(email.trim()).map_err(|_| AppError::Invalid(Invalid::Email))?;
        if display_name.chars().count() > 100 {
            return Err(AppError::Invalid(Invalid::TooLong("display_name".into())));
        }
        let account = NewAccount {
            username,
            email,
            display_name: Some(display_name),
            role,
            invite,
            mfa_required,
            // The new user's emails follow the language the administrator works in until they choose.
            locale: req.locale,
        };
        let created = self
            .create(Actor::Admin(current.user.id), Some(req), &account, false)
            .await
            .map_err(refusal)?
            .ok_or(AppError::Internal)?;
        Ok(CreatedUser {
            username: username.to_string(),
            temporary_password: created.temporary_password,
        })
    }

    #[tracing::instrument(name = "admin.set_role", skip_all)]
    async fn admin_set_role(
        &self,
        req: &RequestInfo,
        username: &str,
        role: Role,
    ) -> Result<(), AppError> {
        let (actor, user) = self.acting_on_other(req, username).await?;
        let mut tx = self.0.begin().await?;
        if users::set_role(&mut tx, user.id, role)
            .await
            .or_internal("changing a role")?
        {
            let detail = json!({ "from": user.role.as_str(), "to": role.as_str() });
            self.record(
                &mut tx,
                actor,
                Some(req),
                Event::RoleChanged,
                user.id,
                detail,
            )
            .await
            .map_err(refusal)?;
        }
        tx.commit().await.or_internal("committing a role")
    }

    #[tracing::instrument(name = "admin.set_disabled", skip_all)]
    async fn admin_set_disabled(
        &self,
        req: &RequestInfo,
        username: &str,
        disabled: bool,
    ) -> Result<(), AppError> {
        let (actor, user) = self.acting_on_other(req, username).await?;
        let mut tx = self.0.begin().await?;
        if users::set_disabled(&mut tx, user.id, disabled)
            .await
            .or_internal("disabling an account")?
        {
            let (event, ended) = if disabled {
                let ended = session::delete_all_for_user(&mut tx, user.id, None)
                    .await
                    .or_internal("ending sessions")?;
                (Event::AccountDisabled, ended)
            } else {
                (Event::AccountEnabled, 0)
            };
            let detail = json!({ "sessions_ended": ended });
            self.record(&mut tx, actor, Some(req), event, user.id, detail)
                .await
                .map_err(refusal)?;
        }
        tx.commit().await.or_internal("committing a disabling")
    }

    #[tracing::instrument(name = "admin.unlock", skip_all)]
    async fn admin_unlock(&self, req: &RequestInfo, username: &str) -> Result<bool, AppError> {
        let (actor, _, user) = self.acting_on(req, username).await?;
        self.unlock_user(actor, Some(req), &user)
            .await
            .map_err(refusal)
    }

    #[tracing::instrument(name = "admin.issue_temporary_password", skip_all)]
    async fn admin_issue_temporary_password(
        &self,
        req: &RequestInfo,
        username: &str,
    ) -> Result<String, AppError> {
        let (actor, user) = self.acting_on_other(req, username).await?;
        self.issue_temporary_password_to(actor, Some(req), &user)
            .await
            .map_err(refusal)
    }

    #[tracing::instrument(name = "admin.end_sessions", skip_all)]
    async fn admin_end_sessions(&self, req: &RequestInfo, username: &str) -> Result<u64, AppError> {
        let (actor, user) = self.acting_on_other(req, username).await?;
        let mut tx = self.0.begin().await?;
        let ended = session::delete_all_for_user(&mut tx, user.id, None)
            .await
            .or_internal("ending sessions")?;
        let detail = json!({ "count": ended });
        self.record(
            &mut tx,
            actor,
            Some(req),
            Event::SessionsEndedByAdmin,
            user.id,
            detail,
        )
        .await
        .map_err(refusal)?;
        tx.commit().await.or_internal("committing ended sessions")?;
        Ok(ended)
    }

    #[tracing::instrument(name = "admin.require_two_factor", skip_all)]
    async fn admin_require_two_factor(
        &self,
        req: &RequestInfo,
        username: &str,
        required: bool,
    ) -> Result<(), AppError> {
        let (actor, _, user) = self.acting_on(req, username).await?;
        self.require_two_factor_for(actor, Some(req), &user, required, None)
            .await
            .map_err(refusal)
    }

    #[tracing::instrument(name = "admin.audit", skip_all)]
    async fn admin_audit(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
        page: u32,
    ) -> Result<AuditPage, AppError> {
        self.audit_page(req, event, username, page).await
    }

    #[tracing::instrument(name = "admin.recovery_requests", skip_all)]
    async fn admin_recovery_requests(
        &self,
        req: &RequestInfo,
    ) -> Result<Vec<RecoveryView>, AppError> {
        self.recovery_requests(req).await
    }

    #[tracing::instrument(name = "admin.record_verification", skip_all)]
    async fn admin_record_verification(
        &self,
        req: &RequestInfo,
        id: i64,
        method: &str,
        reference: &str,
    ) -> Result<(), AppError> {
        self.record_verification(req, id, method, reference).await
    }

    #[tracing::instrument(name = "admin.approve_recovery", skip_all)]
    async fn admin_approve_recovery(&self, req: &RequestInfo, id: i64) -> Result<i64, AppError> {
        self.approve_recovery(req, id).await
    }

    #[tracing::instrument(name = "admin.reject_recovery", skip_all)]
    async fn admin_reject_recovery(&self, req: &RequestInfo, id: i64) -> Result<(), AppError> {
        self.reject_recovery(req, id).await
    }

    #[tracing::instrument(name = "admin.audit_csv", skip_all)]
    async fn admin_audit_csv(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
    ) -> Result<String, AppError> {
        self.audit_csv(req, event, username).await
    }
}
