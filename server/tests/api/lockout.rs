//! Lockout scenarios: five wrong passwords, the unlock email, the per-address throttle.
use crate::harness::{serve_args, token_of, TestApp, SESSION_COOKIE};
use server::config::{ServeArgs, SiteArgs};
use server::services::admin::Actor;

const PASSWORD: &str = "Correct-Horse-42";

async fn instance(app: &TestApp, site: SiteArgs, serve: ServeArgs) -> TestApp {
    TestApp::spawn_on(app.test_db.clone(), app.clock.clone(), site, serve).await
}

scenarios! {
    async fn five_wrong_passwords_lock_the_account_and_email_an_unlock_link(app: TestApp) {
        let id = app.user("fay", PASSWORD).await;
        let b = app.browser();
        for _ in 0..4 {
            assert_eq!(
                b.sign_in("fay", "Wrong-Horse-1").await.body,
                "\"SignInFailed\""
            );
        }
        assert!(app.mails_to("fay@example.com").await.is_empty());
        assert_eq!(
            b.sign_in("fay", "Wrong-Horse-1").await.body,
            "\"SignInFailed\""
        );
        // Locked: even the right password gets the same answer, and no session.
        assert_eq!(b.sign_in("fay", PASSWORD).await.body, "\"SignInFailed\"");
        assert!(b.cookie(SESSION_COOKIE).is_none());
        for _ in 0..3 {
            b.sign_in("fay", "Wrong-Horse-1").await;
        }
        let mails = app.mails_to("fay@example.com").await;
        assert_eq!(mails.len(), 1, "one email explains the lock");
        assert_eq!(mails[0].0, "account_locked");
        assert!(
            mails[0].2.contains("/forgot-password"),
            "points to password reset"
        );
        let link = app.link_in_mail("fay@example.com", "account_locked").await;
        assert!(link.contains("/unlock/"), "{link}");
        let token = token_of(&link);
        assert_eq!(b.get(&format!("/unlock/{token}")).await.status, 200);
        assert_eq!(
            b.call("unlock_account", &[("token", &token)]).await.status,
            200
        );
        assert_eq!(
            b.call("unlock_account", &[("token", &token)]).await.body,
            "\"LinkInvalid\""
        );
        assert_eq!(b.sign_in("fay", PASSWORD).await.status, 200);
        let events: Vec<String> = app.events(id).await;
        assert!(
            events.contains(&"account.locked".to_string())
                && events.contains(&"account.unlocked".to_string())
        );
    }

    async fn a_correct_password_resets_the_failure_count(app: TestApp) {
        app.user("gil", PASSWORD).await;
        let b = app.browser();
        for _ in 0..4 {
            b.sign_in("gil", "Wrong-Horse-1").await;
        }
        assert_eq!(b.sign_in("gil", PASSWORD).await.status, 200);
        for _ in 0..4 {
            b.sign_in("gil", "Wrong-Horse-1").await;
        }
        assert_eq!(
            b.sign_in("gil", PASSWORD).await.status,
            200,
            "not locked: the count started over"
        );
    }

    async fn a_password_reset_unlocks_the_account(app: TestApp) {
        app.user("hal", PASSWORD).await;
        let b = app.browser();
        for _ in 0..5 {
            b.sign_in("hal", "Wrong-Horse-1").await;
        }
        b.call(
            "request_password_reset",
            &[("username", "hal"), ("email", "hal@example.com")],
        )
        .await;
        let token = token_of(&app.link_in_mail("hal@example.com", "password_reset").await);
        b.call(
            "set_password_by_link",
            &[
                ("kind", "Reset"),
                ("token", &token),
                ("new", "Unlocked-Horse-5"),
                ("confirm", "Unlocked-Horse-5"),
            ],
        )
        .await;
        assert_eq!(b.sign_in("hal", "Unlocked-Horse-5").await.status, 200);
        // The unlock link from the lock email is void now.
        let unlock = token_of(&app.link_in_mail("hal@example.com", "account_locked").await);
        assert_eq!(
            b.call("unlock_account", &[("token", &unlock)]).await.body,
            "\"LinkInvalid\""
        );
    }

    async fn an_administrator_unlocks_an_account(app: TestApp) {
        app.user("ida", PASSWORD).await;
        let b = app.browser();
        for _ in 0..5 {
            b.sign_in("ida", "Wrong-Horse-1").await;
        }
        assert!(app.admin().unlock(Actor::Operator, "ida").await.unwrap());
        assert!(
            !app.admin().unlock(Actor::Operator, "ida").await.unwrap(),
            "already unlocked"
        );
        assert_eq!(b.sign_in("ida", PASSWORD).await.status, 200);
    }

    async fn sign_in_failures_are_throttled_per_address(app: TestApp) {
        let strict = instance(
            &app,
            SiteArgs::default(),
            ServeArgs {
                signin_failures_per_address: 3,
                ..serve_args()
            },
        )
        .await;
        strict.user("joe", PASSWORD).await;
        let b = strict.browser();
        for name in ["a1", "a2", "a3"] {
            assert_eq!(b.sign_in(name, PASSWORD).await.body, "\"SignInFailed\"");
        }
        assert_eq!(
            b.sign_in("joe", PASSWORD).await.body,
            "\"RateLimited\"",
            "the address must wait"
        );
        strict.clock.advance(15 * 60);
        assert_eq!(b.sign_in("joe", PASSWORD).await.status, 200);
    }
}
