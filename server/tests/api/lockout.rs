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

    async fn the_count_of_second_factors_is_checked_again_when_a_right_password_settles(app: TestApp) {
        // The password step plans from the factors counted by the claim; the statement that settles
        // it counts them again. A factor confirmed in between (while the password was hashed) is seen:
        // the sign-in is not recorded as completed, and the count answered lets the step decide again.
        use server::auth::factor;
        use server::users;
        let id = app.user("kim", PASSWORD).await;
        let now = app.clock_now();
        let last = format!("SELECT COALESCE(last_sign_in_at, -1) FROM users WHERE id = {id}");
        let before = app.count(&last).await;
        let mut conn = app.conn().await;
        let claim = users::claim_sign_in(&mut conn, "KIM", 5, now)
            .await
            .expect("claim")
            .expect("granted");
        assert_eq!((claim.user.id, claim.confirmed_factors), (id, 0));
        let pending = factor::create_pending(
            &mut conn,
            id,
            app::types::FactorKind::Totp,
            "Phone",
            Some(b"sealed".as_slice()),
            None,
            now,
        )
        .await
        .expect("pending factor");
        assert!(factor::confirm(&mut conn, pending, None, "Phone", now).await.expect("confirm"));
        let settled = users::settle_right_sign_in(&mut conn, id, 0, Some(now + 7))
            .await
            .expect("settle");
        assert_eq!(settled, Some(1), "the factor confirmed meanwhile is counted");
        assert_eq!(app.count(&last).await, before, "not recorded as a completed sign-in");
        // Planned from the count as it is, the completed sign-in is recorded by the same statement.
        let claim = users::claim_sign_in(&mut conn, "kim@example.com", 5, now)
            .await
            .expect("claim")
            .expect("granted");
        assert_eq!(claim.confirmed_factors, 1);
        let settled = users::settle_right_sign_in(&mut conn, id, 1, Some(now + 9))
            .await
            .expect("settle");
        assert_eq!(settled, Some(1));
        assert_eq!(app.count(&last).await, now + 9);
        assert_eq!(
            app.count(&format!("SELECT sign_ins_in_flight FROM users WHERE id = {id}")).await,
            0,
            "both claims released"
        );
        // Locked meanwhile: nothing is settled and no sign-in follows.
        users::claim_sign_in(&mut conn, "kim", 5, now).await.expect("claim").expect("granted");
        assert!(users::lock(&mut conn, id, now).await.expect("lock"));
        assert_eq!(users::settle_right_sign_in(&mut conn, id, 1, Some(now + 11)).await.expect("settle"), None);
        assert_eq!(app.count(&last).await, now + 9);
    }

    async fn attempt_counters_commit_without_waiting_for_the_disk_and_nothing_else_does(app: TestApp) {
        use sqlx::Row;
        if app.db.backend != server::db::Backend::Postgres {
            return; // SQLite's WAL commits never wait for the disk.
        }
        let setting = |row: sqlx::any::AnyRow| row.try_get::<String, _>(0).expect("setting");
        let mut counters = app.db.begin_counters().await.expect("counters");
        let show = "SHOW synchronous_commit";
        assert_eq!(setting(sqlx::query(show).fetch_one(&mut *counters).await.expect("show")), "off");
        counters.commit().await.expect("commit");
        let mut tx = app.db.begin().await.expect("transaction");
        assert_eq!(setting(sqlx::query(show).fetch_one(&mut *tx).await.expect("show")), "on");
        tx.rollback().await.expect("rollback");
        let row = sqlx::query(show).fetch_one(&app.db.pool).await.expect("show");
        assert_eq!(setting(row), "on", "the setting ended with its transaction");
    }
}
