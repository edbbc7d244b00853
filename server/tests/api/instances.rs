//! The limits and single-use links with two server instances on one database, requests split between
//! them and fired at once: what holds on one instance holds across several, because every limit and
//! every spend is one SQL statement on the shared database, never a counter in a process.
use crate::admin::administrator;
use crate::browser::burst;
use crate::harness::{serve_args, token_of, Answer, Browser, TestApp, SESSION_COOKIE};
use crate::otp::{email_code_user, emailed_code, second_step_failures, send};
use crate::recovery::{asking_user, factors};
use crate::second_factor::{password_step, verify, PASSWORD};
use serde_json::json;

const DAY: i64 = 24 * 3600;

async fn second_instance(app: &TestApp) -> TestApp {
    TestApp::spawn_on(
        app.test_db.clone(),
        app.clock.clone(),
        Default::default(),
        serve_args(),
    )
    .await
}

/// The same browser state (cookies) on the other instance (its own origin, as a browser there sends).
fn there(b: &Browser, other: &TestApp, cookie: &str) -> Browser {
    let t = other.browser();
    if let Some(v) = b.cookie(cookie) {
        t.set_cookie(cookie, &v);
    }
    t
}

fn statuses(answers: &[Answer]) -> Vec<u16> {
    answers.iter().map(|a| a.status).collect()
}

scenarios! {
    async fn code_sends_split_across_two_instances_stay_capped(app: TestApp) {
        let other = second_instance(&app).await;
        email_code_user(&app, "ina").await;
        let mut browsers = Vec::new();
        for i in 0..10 {
            let (b, _) = password_step(&app, "ina").await;
            browsers.push(if i % 2 == 1 { there(&b, &other, SESSION_COOKIE) } else { b });
        }
        let answers = burst(browsers.into_iter().map(|b| async move { send(&b, "Email").await })).await;
        let sent = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(sent, 5, "{:?}", statuses(&answers));
        assert!(answers.iter().filter(|a| a.status != 200).all(|a| a.body == "\"CodeLimitReached\""));
        let mails = app.mails_to("ina@example.com").await;
        assert_eq!(mails.iter().filter(|m| m.0 == "sign_in_code").count(), 5);
    }

    async fn wrong_emailed_codes_split_across_two_instances_stay_within_the_limit(app: TestApp) {
        let other = second_instance(&app).await;
        let id = email_code_user(&app, "jon").await;
        let (b, _) = password_step(&app, "jon").await;
        assert_eq!(send(&b, "Email").await.status, 200);
        let code = emailed_code(&app, "jon").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let far = there(&b, &other, SESSION_COOKIE);
        let answers = burst((0..30).map(|i| {
            let c = if i % 2 == 0 { b.clone() } else { far.clone() };
            async move { c.call("verify_second_factor", &[("method", "Email"), ("code", wrong)]).await }
        }))
        .await;
        assert!(answers.iter().all(|a| a.status == 422 || a.status == 429), "{:?}", statuses(&answers));
        let judged = second_step_failures(&app, id).await;
        assert!((1..=5).contains(&judged), "{judged} wrong codes were judged");
        let right = verify(&b, Some("Email"), &code, false).await;
        assert_eq!(right.json(), json!({ "ChallengeSuspended": { "minutes": 15 } }));
    }

    async fn a_right_emailed_code_sent_to_both_instances_at_once_opens_one_session(app: TestApp) {
        let other = second_instance(&app).await;
        email_code_user(&app, "kai").await;
        let (b, _) = password_step(&app, "kai").await;
        assert_eq!(send(&b, "Email").await.status, 200);
        let code = emailed_code(&app, "kai").await;
        let far = there(&b, &other, SESSION_COOKIE);
        let full_before = app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'full'").await;
        let answers = burst((0..8).map(|i| {
            let c = if i % 2 == 0 { b.clone() } else { far.clone() };
            let code = code.clone();
            async move { c.call("verify_second_factor", &[("method", "Email"), ("code", &code)]).await }
        }))
        .await;
        let bodies: Vec<_> = answers.iter().map(|a| (a.status, a.body.clone(), a.headers.get("set-cookie").is_some())).collect();
        assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{bodies:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE stage = 'full'").await, full_before + 1);
    }

    async fn a_recovery_is_cancelled_once_and_completed_once_across_instances(app: TestApp) {
        let other = second_instance(&app).await;
        let (admin, _) = administrator(&app, "boss").await;
        // One recovery whose owner cancels it from both instances at once.
        let (_, id) = asking_user(&app, "lia").await;
        admin.call("admin_record_verification", &[("id", &id.to_string()), ("method", "Phone call"), ("reference", "T-1")]).await;
        assert_eq!(admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await.status, 200);
        let token = token_of(&app.link_in_mail("lia@example.com", "recovery_approved").await);
        let answers = burst((0..6).map(|i| {
            let b = if i % 2 == 0 { app.browser() } else { other.browser() };
            let token = token.clone();
            async move { b.call("cancel_recovery", &[("token", &token)]).await }
        }))
        .await;
        assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{:?}", statuses(&answers));

        // Another one that takes effect: both instances' jobs run at the same moment, one completes it.
        let (_, id) = asking_user(&app, "max").await;
        admin.sign_in("boss", PASSWORD).await;
        admin.call("admin_record_verification", &[("id", &id.to_string()), ("method", "In person"), ("reference", "Desk")]).await;
        assert_eq!(admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await.status, 200);
        app.clock.advance(DAY + 1);
        let (a, b) = tokio::join!(
            server::services::recovery::complete_due(&app.core),
            server::services::recovery::complete_due(&other.core),
        );
        assert_eq!(a.expect("complete") + b.expect("complete"), 1);
        assert_eq!(factors(&app, "max").await, 0);
        assert_eq!(factors(&app, "lia").await, 1, "the cancelled one kept its methods");
        let max = app.count("SELECT id FROM users WHERE username = 'max'").await;
        let completed = app.events(max).await.iter().filter(|e| *e == "two_step_recovery.completed").count();
        assert_eq!(completed, 1);
    }

    async fn a_new_device_and_its_link_are_handled_once_across_instances(app: TestApp) {
        let other = second_instance(&app).await;
        app.user("noa", PASSWORD).await;
        app.browser().sign_in("noa", PASSWORD).await;
        // One new browser signing in on both instances at once: one alert. (Four at once: an
        // account's passwords are judged at most the lockout threshold at a time, claimed first.)
        let here = app.browser();
        here.set_cookie("__Host-portcullis_device", &"B".repeat(43));
        let far = there(&here, &other, "__Host-portcullis_device");
        let answers = burst((0..4).map(|i| {
            let b = if i % 2 == 0 { here.clone() } else { far.clone() };
            async move { b.sign_in("noa", PASSWORD).await }
        }))
        .await;
        assert!(answers.iter().all(|a| a.status == 200), "{:?}", statuses(&answers));
        let alerts = app.mails_to("noa@example.com").await.iter().filter(|m| m.0 == "new_device").count();
        assert_eq!(alerts, 1);
        // Its "This wasn't me" pressed on both instances at once: spent once.
        // Whichever instance announced it, its link names that instance's address.
        let mails = app.mails_to("noa@example.com").await;
        let (_, _, body) = mails.iter().find(|m| m.0 == "new_device").expect("the alert");
        let link = crate::harness::first_link(body, &app.base)
            .or_else(|| crate::harness::first_link(body, &other.base))
            .expect("a link");
        let token = token_of(&link);
        let answers = burst((0..6).map(|i| {
            let b = if i % 2 == 0 { app.browser() } else { other.browser() };
            let token = token.clone();
            async move { b.call("report_not_me", &[("token", &token)]).await }
        }))
        .await;
        assert_eq!(answers.iter().filter(|a| a.status == 200).count(), 1, "{:?}", statuses(&answers));
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }
}
