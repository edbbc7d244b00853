//! Password scenarios: change, forgot-password links, temporary passwords, invitations.
use crate::harness::token_of;
use serde_json::json;
use server::services::admin::Actor;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Correct-Horse-42";

scenarios! {
    async fn changing_the_password_emails_the_owner_and_refuses_common_passwords(app: TestApp) {
        app.user("ann", PASSWORD).await;
        let b = app.browser();
        b.sign_in("ann", PASSWORD).await;
        let common = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "P@ssw0rd"),
                    ("confirm", "P@ssw0rd"),
                ],
            )
            .await;
        assert_eq!(common.json(), json!({ "PasswordRejected": ["NotCommon"] }));
        let mismatch = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Fresh-Horse-43"),
                    ("confirm", "Fresh-Horse-44"),
                ],
            )
            .await;
        assert_eq!(mismatch.json(), json!({ "Invalid": "PasswordsDiffer" }));
        let ok = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Fresh-Horse-43"),
                    ("confirm", "Fresh-Horse-43"),
                ],
            )
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let mails = app.mails_to("ann@example.com").await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].0, "password_changed");
        assert!(mails[0].1.contains("password was changed"));
        assert!(
            mails[0].2.contains("127.0.0.1") && mails[0].2.contains("Chrome 156 (Linux)"),
            "{}",
            mails[0].2
        );
    }

    async fn forgot_password_emails_a_single_use_link(app: TestApp) {
        let id = app.user("bea", PASSWORD).await;
        let elsewhere = app.browser();
        elsewhere.sign_in("bea", PASSWORD).await;
        let b = app.browser();
        let a = b
            .call(
                "request_password_reset",
                &[("username", "bea"), ("email", "BEA@example.com")],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let link = app.link_in_mail("bea@example.com", "password_reset").await;
        assert!(
            link.starts_with(&format!("{}/reset-password/", app.base)),
            "{link}"
        );
        let token = token_of(&link);
        // Only the hash is stored.
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{token}'"
            ))
            .await,
            0
        );
        // Opening the page (as a mail scanner would) spends nothing.
        for _ in 0..2 {
            assert_eq!(b.get(&format!("/reset-password/{token}")).await.status, 200);
        }
        let info = b
            .call("inspect_link", &[("kind", "Reset"), ("token", &token)])
            .await;
        assert_eq!(
            info.json(),
            json!({ "username": "bea", "email": "bea@example.com" })
        );
        // A password the rules refuse leaves the link usable.
        let weak = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Reset"),
                    ("token", &token),
                    ("new", "weak"),
                    ("confirm", "weak"),
                ],
            )
            .await;
        assert!(weak.body.contains("PasswordRejected"));
        let done = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Reset"),
                    ("token", &token),
                    ("new", "Rescued-Horse-7"),
                    ("confirm", "Rescued-Horse-7"),
                ],
            )
            .await;
        assert_eq!(done.status, 200, "{}", done.body);
        let again = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Reset"),
                    ("token", &token),
                    ("new", "Second-Horse-8"),
                    ("confirm", "Second-Horse-8"),
                ],
            )
            .await;
        assert_eq!(again.body, "\"LinkInvalid\"");
        // Every session ended; the new password works, the old does not; the owner was told.
        assert_eq!(elsewhere.state().await, json!("Expired"));
        assert_eq!(
            app.browser().sign_in("bea", PASSWORD).await.body,
            "\"SignInFailed\""
        );
        assert_eq!(
            app.browser().sign_in("bea", "Rescued-Horse-7").await.status,
            200
        );
        let kinds: Vec<String> = app
            .mails_to("bea@example.com")
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        // The new password was then used from a browser the account had not signed in from.
        assert_eq!(kinds, vec!["password_reset", "password_changed", "new_device"]);
        let events = app.events(id).await;
        assert!(events.iter().any(|e| e == "password.reset"));
    }

    async fn a_reset_link_expires_after_thirty_minutes(app: TestApp) {
        app.user("cid", PASSWORD).await;
        let b = app.browser();
        b.call(
            "request_password_reset",
            &[("username", "cid"), ("email", "cid@example.com")],
        )
        .await;
        let token = token_of(&app.link_in_mail("cid@example.com", "password_reset").await);
        app.clock.advance(30 * 60);
        let info = b
            .call("inspect_link", &[("kind", "Reset"), ("token", &token)])
            .await;
        assert_eq!(info.body, "\"LinkInvalid\"");
    }

    async fn forgot_password_answers_the_same_whether_or_not_the_account_matches(app: TestApp) {
        app.user("dan", PASSWORD).await;
        let b = app.browser();
        let mut timings = Vec::new();
        for (username, email) in [
            ("dan", "dan@example.com"),
            ("dan", "other@example.com"),
            ("nobody", "nobody@example.com"),
        ] {
            let started = Instant::now();
            let a = b
                .call(
                    "request_password_reset",
                    &[("username", username), ("email", email)],
                )
                .await;
            timings.push(started.elapsed());
            assert_eq!(
                (a.status, a.body.as_str()),
                (200, "null"),
                "{username} {email}"
            );
        }
        assert_eq!(
            app.mails_to("dan@example.com").await.len(),
            1,
            "only the matching request sends mail"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
        let (fastest, slowest) = (timings.iter().min().unwrap(), timings.iter().max().unwrap());
        assert!(
            *fastest >= Duration::from_millis(240),
            "every answer waits for the floor: {timings:?}"
        );
        assert!(
            slowest.as_secs_f64() < fastest.as_secs_f64() * 3.0,
            "same order of magnitude: {timings:?}"
        );
    }

    async fn forgot_password_is_rate_limited_per_account_and_per_address(app: TestApp) {
        app.user("eve", PASSWORD).await;
        let b = app.browser();
        for _ in 0..5 {
            let a = b
                .call(
                    "request_password_reset",
                    &[("username", "eve"), ("email", "eve@example.com")],
                )
                .await;
            assert_eq!(a.status, 200);
        }
        assert_eq!(
            app.mails_to("eve@example.com").await.len(),
            3,
            "three emails an hour per account"
        );
        for _ in 0..5 {
            b.call(
                "request_password_reset",
                &[("username", "x"), ("email", "x@example.com")],
            )
            .await;
        }
        let limited = b
            .call(
                "request_password_reset",
                &[("username", "y"), ("email", "y@example.com")],
            )
            .await;
        assert_eq!(
            limited.body, "\"RateLimited\"",
            "ten requests per 15 minutes per address"
        );
        app.clock.advance(15 * 60);
        let later = b
            .call(
                "request_password_reset",
                &[("username", "y"), ("email", "y@example.com")],
            )
            .await;
        assert_eq!(later.status, 200);
    }

    async fn a_temporary_password_stops_working_after_its_lifetime(app: TestApp) {
        let temporary = app.temporary_user("oli").await;
        let mails = app.mails_to("oli@example.com").await;
        assert_eq!(mails[0].0, "user_created");
        assert!(mails[0].2.contains("Username: oli") && mails[0].2.contains(&temporary));
        app.clock.advance(72 * 3600);
        // Typed correctly, an expired temporary password says what to do next.
        assert_eq!(
            app.browser().sign_in("oli", &temporary).await.body,
            "\"TemporaryPasswordExpired\""
        );
        assert_eq!(
            app.browser().sign_in("oli", "Not-The-Password-1").await.body,
            "\"SignInFailed\""
        );
        // An administrator issues a new one, which works and must be changed.
        let fresh = app.admin().issue_temporary_password(Actor::Operator, "oli").await.unwrap();
        let a = app.browser().sign_in("oli", &fresh).await;
        assert_eq!(a.json()["stage"], json!({ "PasswordChange": "Temporary" }));
        assert_eq!(
            app.mails_to("oli@example.com").await.last().unwrap().0,
            "temporary_password"
        );
    }

    async fn an_invitation_link_sets_the_first_password(app: TestApp) {
        let created = app.create("pia", true).await;
        assert!(created.temporary_password.is_none());
        let b = app.browser();
        assert_eq!(
            b.sign_in("pia", "Anything-1").await.body,
            "\"SignInFailed\"",
            "no password yet"
        );
        let link = app.link_in_mail("pia@example.com", "invitation").await;
        assert!(link.contains("/invitation/"), "{link}");
        let token = token_of(&link);
        let info = b
            .call("inspect_link", &[("kind", "Invite"), ("token", &token)])
            .await;
        assert_eq!(info.json()["username"], "pia");
        // A reset form cannot spend an invitation, nor the other way round.
        let wrong_kind = b
            .call("inspect_link", &[("kind", "Reset"), ("token", &token)])
            .await;
        assert_eq!(wrong_kind.body, "\"LinkInvalid\"");
        let set = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Invite"),
                    ("token", &token),
                    ("new", "Welcome-Horse-3"),
                    ("confirm", "Welcome-Horse-3"),
                ],
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(
            b.sign_in("pia", "Welcome-Horse-3").await.json()["stage"],
            "Full"
        );
        let again = b
            .call("inspect_link", &[("kind", "Invite"), ("token", &token)])
            .await;
        assert_eq!(again.body, "\"LinkInvalid\"");
    }

    async fn an_invitation_expires_after_seventy_two_hours(app: TestApp) {
        app.create("quin", true).await;
        let token = token_of(&app.link_in_mail("quin@example.com", "invitation").await);
        app.clock.advance(72 * 3600);
        let b = app.browser();
        assert_eq!(
            b.call("inspect_link", &[("kind", "Invite"), ("token", &token)])
                .await
                .body,
            "\"LinkInvalid\""
        );
    }
}
