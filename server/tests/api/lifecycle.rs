//! Password lifecycle scenarios: change, forgot, lockout, expiry, temporary passwords, invitations, email.
use crate::smtp::SmtpServer;
use crate::harness::{serve_args, token_of, TestApp, SESSION_COOKIE};
use server::services::admin::Actor;
use serde_json::json;
use server::config::{ServeArgs, SiteArgs};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Correct-Horse-42";
const DAY: i64 = 86_400;

async fn instance(app: &TestApp, site: SiteArgs, serve: ServeArgs) -> TestApp {
    TestApp::spawn_on(app.test_db.clone(), app.clock.clone(), site, serve).await
}

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
            mails[0].2.contains("127.0.0.1") && mails[0].2.contains("Chrome on Linux"),
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
        assert_eq!(kinds, vec!["password_reset", "password_changed"]);
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

    async fn an_expired_password_must_be_changed_right_after_the_password_step(app: TestApp) {
        app.user("kai", PASSWORD).await;
        // Signed in regularly (so never dormant), until the password is 90 days old.
        for _ in 0..4 {
            app.clock.advance(20 * DAY);
            assert_eq!(
                app.browser().sign_in("kai", PASSWORD).await.json()["stage"],
                "Full"
            );
        }
        app.clock.advance(10 * DAY);
        let b = app.browser();
        let a = b.sign_in("kai", PASSWORD).await;
        assert_eq!(
            a.json(),
            json!({ "stage": { "PasswordChange": "Expired" }, "next": "/login/change-password" })
        );
        assert_eq!(
            b.call("list_sessions", &[]).await.body,
            "\"SignInIncomplete\""
        );
        let c = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Renewed-Horse-9"),
                    ("confirm", "Renewed-Horse-9"),
                ],
            )
            .await;
        assert_eq!(c.json()["stage"], "Full");
    }

    async fn a_dormant_account_must_change_its_password(app: TestApp) {
        app.user("lia", PASSWORD).await;
        assert_eq!(
            app.browser().sign_in("lia", PASSWORD).await.json()["stage"],
            "Full"
        );
        app.clock.advance(30 * DAY);
        let a = app.browser().sign_in("lia", PASSWORD).await;
        assert_eq!(a.json()["stage"], json!({ "PasswordChange": "Dormant" }));
    }

    async fn the_expiry_and_dormancy_periods_are_configurable(app: TestApp) {
        let site = SiteArgs {
            password_max_age: Duration::from_secs(10 * DAY as u64),
            dormancy_period: Duration::from_secs(3 * DAY as u64),
            ..SiteArgs::default()
        };
        let short = instance(&app, site, serve_args()).await;
        short.user("max", PASSWORD).await;
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            "Full"
        );
        short.clock.advance(3 * DAY);
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            json!({ "PasswordChange": "Dormant" })
        );
        short.clock.advance(7 * DAY);
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            json!({ "PasswordChange": "Expired" })
        );
    }

    async fn expiry_warnings_go_out_fourteen_seven_and_one_days_before(app: TestApp) {
        let warn = || server::jobs::send_warnings(&app.core);
        app.user("ned", PASSWORD).await;
        let b = app.browser();
        app.clock.advance(75 * DAY);
        assert_eq!(warn().await.unwrap(), 0, "15 days left: nothing yet");
        b.sign_in("ned", PASSWORD).await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            json!(null)
        );
        app.clock.advance(DAY);
        assert_eq!(warn().await.unwrap(), 1, "14 days left");
        assert_eq!(warn().await.unwrap(), 0, "once per threshold");
        b.sign_in("ned", PASSWORD).await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            14,
            "the banner"
        );
        app.clock.advance(7 * DAY);
        assert_eq!(warn().await.unwrap(), 1, "7 days left");
        app.clock.advance(6 * DAY);
        assert_eq!(warn().await.unwrap(), 1, "1 day left");
        assert_eq!(warn().await.unwrap(), 0);
        let subjects: Vec<String> = app
            .mails_to("ned@example.com")
            .await
            .into_iter()
            .map(|m| m.1)
            .collect();
        assert_eq!(
            subjects,
            vec![
                "Your Portcullis password expires in 14 days",
                "Your Portcullis password expires in 7 days",
                "Your Portcullis password expires tomorrow"
            ]
        );
        // A new password starts the warnings over.
        b.sign_in("ned", PASSWORD).await;
        b.call(
            "change_password",
            &[
                ("current", PASSWORD),
                ("new", "Renewed-Horse-9"),
                ("confirm", "Renewed-Horse-9"),
            ],
        )
        .await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            json!(null)
        );
        app.clock.advance(76 * DAY);
        assert_eq!(warn().await.unwrap(), 1);
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

    async fn emails_leave_over_smtp_and_failures_are_retried(app: TestApp) {
        let smtp = SmtpServer::start().await;
        let serve = ServeArgs {
            smtp_url: Some(smtp.url()),
            smtp_from: "Portcullis <auth@example.org>".into(),
            ..serve_args()
        };
        let mailing = instance(&app, SiteArgs::default(), serve).await;
        mailing.user("rue", PASSWORD).await;
        let b = mailing.browser();
        b.call(
            "request_password_reset",
            &[("username", "rue"), ("email", "rue@example.com")],
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while smtp.messages().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = smtp.messages();
        assert_eq!(got.len(), 1, "delivered by the server's worker");
        assert_eq!(got[0].to, vec!["rue@example.com".to_string()]);
        assert_eq!(got[0].from, "auth@example.org");
        assert!(
            got[0]
                .data
                .contains("Subject: Reset your Portcullis password"),
            "{}",
            got[0].data
        );
        let link = crate::harness::first_link(&got[0].data, &mailing.base).expect("link in the SMTP message");
        assert!(link.contains("/reset-password/"));
        let info = b
            .call(
                "inspect_link",
                &[("kind", "Reset"), ("token", &token_of(&link))],
            )
            .await;
        assert_eq!(info.json()["username"], "rue");
        assert_eq!(
            mailing
                .count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
                .await,
            1
        );

        // A server that does not answer: the message stays, with the error, for a later attempt.
        let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_url = format!("smtp://127.0.0.1:{}", dead.local_addr().unwrap().port());
        drop(dead);
        let transport =
            server::notify::mail::delivery::Transport::from_config(Some(&dead_url), "a@b.c").unwrap();
        let delivery = server::notify::mail::delivery::Delivery::new(
            mailing.db.clone(),
            mailing.test_db.keys.clone(),
            transport,
        );
        sqlx::query("DELETE FROM outbox")
            .execute(&mailing.db.pool)
            .await
            .unwrap();
        let to = server::notify::Recipient {
            address: "rue@example.com".into(),
            name: "rue".into(),
            locale: app::types::Locale::En,
            time_zone: None,
        };
        let message = server::notify::Message::Invitation {
            username: "rue".into(),
            link: "http://x/invitation/t".into(),
            valid_hours: 72,
        };
        mailing
            .core
            .notifier
            .email(&mut *mailing.conn().await, &to, &message, mailing.clock_now())
            .await
            .unwrap();
        // The running worker may claim it first; either way it fails against the dead server.
        let _ = delivery.deliver_due(mailing.clock_now()).await.unwrap();
        let row = sqlx::query("SELECT status, attempts, last_error FROM outbox")
            .fetch_one(&mailing.db.pool)
            .await
            .unwrap();
        use sqlx::Row;
        let (status, attempts, error): (String, i64, Option<String>) = (
            row.get("status"),
            row.get("attempts"),
            row.get("last_error"),
        );
        assert_eq!(status, "pending");
        assert!(attempts >= 1, "{attempts}");
        assert!(error.is_some());
    }

    async fn the_developer_mailbox_exists_only_when_enabled(app: TestApp) {
        let b = app.browser();
        assert_eq!(b.call("dev_mailbox", &[]).await.body, "\"NotFound\"");
        assert_eq!(b.get("/dev/mailbox").await.status, 404);
        let dev = instance(
            &app,
            SiteArgs::default(),
            ServeArgs {
                dev_mailbox: true,
                ..serve_args()
            },
        )
        .await;
        dev.temporary_user("sam").await;
        let d = dev.browser();
        let list = d.call("dev_mailbox", &[]).await.json();
        assert_eq!(list[0]["recipient"], "sam@example.com");
        let page = d.get("/dev/mailbox").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("sam@example.com"));
    }
}
