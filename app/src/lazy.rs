//! The pages that load on demand. The first download carries what a visitor of the sign-in page needs
//! (the sign-in and second-step pages, the shared components, the catalogue glue); every other area is
//! its own WebAssembly chunk, fetched when the router reaches it (and preloaded by the server for the page
//! it renders). Each wrapper only names the page: the page stays where it is.
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_pages {
    ($( $(#[$meta:meta])* $route:ident => $page:path; )*) => {
        $(
            $(#[$meta])*
            pub struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    $page().into_any()
                }
            }
        )*
    };
}

lazy_pages! {
    /// The forced password change.
    ChangePasswordNow => crate::pages::auth::change_password::ForcedPasswordChangePage;
    /// The mandatory enrolment.
    Enroll => crate::pages::auth::enroll::EnrollPage;
    ForgotPassword => crate::pages::auth::forgot::ForgotPasswordPage;
    ResetPassword => crate::pages::auth::email_link::ResetPasswordPage;
    Invitation => crate::pages::auth::email_link::InvitationPage;
    Unlock => crate::pages::auth::email_link::UnlockPage;
    /// "This wasn't me" from a new-device email.
    NotMe => crate::pages::auth::email_link::NotMePage;
    /// Confirming a new email address from the link sent to it.
    ConfirmEmail => crate::pages::auth::confirm_email::ConfirmEmailPage;
    Home => crate::pages::account::home::HomePage;
    AccountPassword => crate::pages::account::password::ChangePasswordPage;
    Security => crate::pages::account::security::SecurityPage;
    Sessions => crate::pages::account::sessions::SessionsPage;
    DevMailbox => crate::pages::mailbox::DevMailboxPage;
    Guide => crate::pages::guide::GuidePage;
    AccountDetails => crate::pages::account::details::AccountDetailsPage;
    PayoutDetails => crate::pages::account::payout::PayoutPage;
    Developers => crate::pages::developers::DevelopersPage;
    GuideSection => crate::pages::guide::GuidePage;
    /// The back office.
    AdminUsers => crate::pages::admin::users::AdminUsersPage;
    AdminUser => crate::pages::admin::user::AdminUserPage;
    AdminAudit => crate::pages::admin::audit::AdminAuditPage;
    AdminRecovery => crate::pages::admin::recovery::AdminRecoveryPage;
    /// "I can't use any of my methods", and cancelling an approved recovery from its email.
    RecoveryRequest => crate::pages::auth::recovery::RecoveryRequestPage;
    CancelRecovery => crate::pages::auth::recovery::CancelRecoveryPage;
    /// The owner's own audit log.
    Activity => crate::pages::account::activity::ActivityPage;
}
