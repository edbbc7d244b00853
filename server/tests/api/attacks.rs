//! The limits under attack: real parallel bursts, on one instance and split across two instances on one
//! database. Every limit is claimed before the work, so no burst gets past it.
use crate::browser::burst;
use crate::harness::{serve_args, Answer, Browser, TestApp, SESSION_COOKIE};
use crate::second_factor::{code, enrolled_user, password_step, verify, PASSWORD};
use serde_json::json;

async fn second_instance(app: &TestApp) -> TestApp {
    TestApp::spawn_on(
        app.test_db.clone(),
        app.clock.clone(),
        Default::default(),
        serve_args(),
    )
    .await
}

async fn count_events(app: &TestApp, id: i64, event: &str) -> usize {
    app.events(id).await.iter().filter(|e| *e == event).count()
}

async fn mails_of_kind(app: &TestApp, to: &str, kind: &str) -> usize {
    app.mails_to(to)
        .await
        .iter()
        .filter(|m| m.0 == kind)
        .count()
}

/// `n` answers to a partial session's second step, at once, half of them through `other`'s instance.
async fn wrong_codes_at_once(b: &Browser, other: Option<&TestApp>, n: usize) -> Vec<Answer> {
    let token = b.cookie(SESSION_COOKIE).expect("a partial session");
    let there = other.map(|o| {
        let t = o.browser();
        t.set_cookie(SESSION_COOKIE, &token);
        t
    });
    let browsers: Vec<Browser> = (0..n)
        .map(|i| match (&there, i % 2) {
            (Some(t), 1) => t.clone(),
            _ => b.clone(),
        })
        .collect();
    burst(browsers.into_iter().map(|b| async move {
        b.call(
            "verify_second_factor",
            &[("method", "Totp"), ("code", "000000")],
        )
        .await
    }))
    .await
}

async fn forty_wrong_codes(app: TestApp, split: bool) {
    let other = if split {
        Some(second_instance(&app).await)
    } else {
        None
    };
    let (_, secret, _) = enrolled_user(&app, "wanda").await;
    let id = app
        .count("SELECT id FROM users WHERE username = 'wanda'")
        .await;
    let (b, step) = password_step(&app, "wanda").await;
    assert_eq!(step["stage"], "SecondFactor");
    let answers = wrong_codes_at_once(&b, other.as_ref(), 40).await;
    assert!(
        answers.iter().all(|a| a.status == 422 || a.status == 429),
        "{answers:?}"
    );
    let judged = count_events(&app, id, "second_factor.failed").await;
    assert!(
        (1..=5).contains(&judged),
        "{judged} wrong codes were judged"
    );
    // The right code afterwards is refused: the step is suspended.
    let right = verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await;
    assert_eq!(
        right.json(),
        json!({ "ChallengeSuspended": { "minutes": 15 } })
    );
    assert_eq!(right.headers["retry-after"], "900");
    assert_eq!(
        mails_of_kind(&app, "wanda@example.com", "second_step_failed").await,
        1,
        "one alert"
    );
}

scenarios! {
    async fn thirty_wrong_passwords_at_once_then_the_right_one_open_no_session(app: TestApp) {
        let id = app.user("vera", PASSWORD).await;
        let browsers: Vec<Browser> = (0..30).map(|_| app.browser()).collect();
        let answers = burst(browsers.into_iter().enumerate().map(|(i, b)| async move {
            b.sign_in("vera", &format!("Wrong-Horse-{i}")).await
        }))
        .await;
        assert!(answers.iter().all(|a| a.body == "\"SignInFailed\""), "{answers:?}");
        let right = app.browser().sign_in("vera", PASSWORD).await;
        assert_eq!(right.body, "\"SignInFailed\"", "the burst locked the account");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
        let judged = count_events(&app, id, "sign_in.wrong_password").await;
        assert_eq!(judged, 5, "exactly the threshold of wrong passwords were judged");
        assert_eq!(mails_of_kind(&app, "vera@example.com", "account_locked").await, 1);
    }

    async fn a_right_password_sent_while_a_burst_is_being_hashed_is_never_judged(app: TestApp) {
        let id = app.user("val", PASSWORD).await;
        let browsers: Vec<Browser> = (0..30).map(|_| app.browser()).collect();
        let wrong = tokio::spawn(burst(browsers.into_iter().enumerate().map(|(i, b)| async move {
            b.sign_in("val", &format!("Wrong-Horse-{i}")).await
        })));
        // Once the burst holds every attempt the lockout allows (claimed before any hashing), the
        // right password is sent while those are still being hashed: it is not even judged.
        let held = format!(
            "SELECT COUNT(*) FROM users WHERE id = {id} AND \
             (failed_sign_ins + sign_ins_in_flight >= 5 OR locked_at IS NOT NULL)"
        );
        let mut polls = 0;
        while app.count(&held).await == 0 {
            polls += 1;
            assert!(polls < 2_000, "the burst never claimed the account's attempts");
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let right = app.browser().sign_in("val", PASSWORD).await;
        let answers = wrong.await.expect("the burst");
        assert!(answers.iter().all(|a| a.body == "\"SignInFailed\""), "{answers:?}");
        assert_eq!(right.body, "\"SignInFailed\"");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
        assert_eq!(count_events(&app, id, "sign_in.wrong_password").await, 5);
        // Every attempt beyond the claims was refused unjudged, the right one among them.
        assert_eq!(count_events(&app, id, "sign_in.refused").await, 26);
        assert_eq!(mails_of_kind(&app, "val@example.com", "account_locked").await, 1);
    }

    async fn the_same_burst_split_across_two_instances_is_held_too(app: TestApp) {
        let other = second_instance(&app).await;
        let id = app.user("vic", PASSWORD).await;
        let browsers: Vec<Browser> =
            (0..30).map(|i| if i % 2 == 0 { app.browser() } else { other.browser() }).collect();
        burst(browsers.into_iter().map(|b| async move { b.sign_in("vic", "Wrong-Horse-1").await })).await;
        assert_eq!(other.browser().sign_in("vic", PASSWORD).await.body, "\"SignInFailed\"");
        assert_eq!(count_events(&app, id, "sign_in.wrong_password").await, 5);
        assert_eq!(mails_of_kind(&app, "vic@example.com", "account_locked").await, 1);
    }

    async fn forty_wrong_codes_at_once_judge_at_most_five(app: TestApp) {
        forty_wrong_codes(app, false).await;
    }

    async fn forty_wrong_codes_split_across_two_instances_judge_at_most_five(app: TestApp) {
        forty_wrong_codes(app, true).await;
    }

    async fn a_code_four_steps_ahead_is_answered_exactly_like_any_wrong_code(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "xena").await;
        let (b, _) = password_step(&app, "xena").await;
        let ahead = verify(&b, Some("Totp"), &code(&secret, &app, 4), false).await;
        let wrong = verify(&b, Some("Totp"), "123456", false).await;
        assert_eq!((ahead.status, &ahead.body), (wrong.status, &wrong.body));
        assert_eq!(ahead.body, "\"WrongCode\"");
        assert!(ahead.headers.get("retry-after").is_none());
    }

    async fn ten_failed_second_steps_in_a_day_require_a_password_reset(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "yuri").await;
        let (first, _) = password_step(&app, "yuri").await;
        for _ in 0..5 {
            verify(&first, Some("Totp"), "000000", false).await;
        }
        app.clock.advance(16 * 60);
        let (second, _) = password_step(&app, "yuri").await;
        let (waiting, _) = password_step(&app, "yuri").await;
        let mut last = String::new();
        for _ in 0..5 {
            last = verify(&second, Some("Totp"), "000000", false).await.body;
        }
        assert_eq!(last, "\"PasswordResetRequired\"");
        // Every half-finished sign-in ended, and the password alone no longer signs in.
        assert_eq!(waiting.call("challenge", &[]).await.body, "\"SessionExpired\"");
        assert_eq!(app.browser().sign_in("yuri", PASSWORD).await.body, "\"PasswordResetRequired\"");
        assert_eq!(mails_of_kind(&app, "yuri@example.com", "second_step_blocked").await, 1);
        // A reset through the emailed link lifts it (and the second step is still asked).
        let b = app.browser();
        b.call("request_password_reset", &[("email", "yuri@example.com")]).await;
        let token = crate::harness::token_of(&app.link_in_mail("yuri@example.com", "password_reset").await);
        let form = [("kind", "Reset"), ("token", token.as_str()), ("new", "Reset-Horse-55"), ("confirm", "Reset-Horse-55")];
        assert_eq!(b.call("set_password_by_link", &form).await.status, 200);
        let c = app.browser();
        assert_eq!(c.sign_in("yuri", "Reset-Horse-55").await.json()["stage"], "SecondFactor");
        app.clock.advance(30);
        assert_eq!(verify(&c, Some("Totp"), &code(&secret, &app, 0), false).await.status, 200);
    }

    async fn wrong_passwords_to_confirm_or_change_count_toward_the_lockout(app: TestApp) {
        app.user("zed", PASSWORD).await;
        let b = app.browser();
        b.sign_in("zed", PASSWORD).await;
        for _ in 0..3 {
            let a = b.call("confirm_identity", &[("password", "Wrong-Horse-1")]).await;
            assert_eq!(a.body, "\"WrongPassword\"");
        }
        for _ in 0..2 {
            let form = [("current", "Wrong-Horse-1"), ("new", "Other-Horse-77"), ("confirm", "Other-Horse-77")];
            assert_eq!(b.call("change_password", &form).await.body, "\"WrongPassword\"");
        }
        assert_eq!(app.browser().sign_in("zed", PASSWORD).await.body, "\"SignInFailed\"", "locked");
        assert_eq!(mails_of_kind(&app, "zed@example.com", "account_locked").await, 1);
        // While locked, even the right password does not confirm anything.
        let again = b.call("confirm_identity", &[("password", PASSWORD)]).await;
        assert_eq!(again.body, "\"WrongPassword\"");
    }

    async fn the_session_token_changes_at_every_change_of_stage(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "uma").await;
        let (b, _) = password_step(&app, "uma").await;
        let partial = b.cookie(SESSION_COOKIE).expect("partial");
        // A partial session learns nothing but its next step.
        assert_eq!(b.state().await, json!({ "Partial": "SecondFactor" }));
        assert_eq!(verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await.status, 200);
        let full = b.cookie(SESSION_COOKIE).expect("full");
        assert_ne!(partial, full);
        // The old token is dead.
        let stale = app.browser();
        stale.set_cookie(SESSION_COOKIE, &partial);
        assert_eq!(stale.state().await, json!("Expired"));
        // A confirmation of identity turns it over too.
        app.clock.advance(30);
        let confirm = [("password", PASSWORD), ("method", "Totp")];
        let now = code(&secret, &app, 0);
        let mut form = confirm.to_vec();
        form.push(("code", now.as_str()));
        assert_eq!(b.call("confirm_identity", &form).await.status, 200);
        assert_ne!(b.cookie(SESSION_COOKIE).expect("renewed"), full);
        assert_eq!(b.state().await["Active"]["username"], "uma");
    }

    async fn a_full_hashing_queue_answers_busy_at_once(app: TestApp) {
        let tight = TestApp::spawn_on(
            app.test_db.clone(),
            app.clock.clone(),
            Default::default(),
            server::config::ServeArgs {
                hash_workers: Some(1),
                hash_queue: Some(2),
                ..serve_args()
            },
        )
        .await;
        // Three sign-ins per account at most: within the lockout threshold, so only the queue refuses.
        let names: Vec<String> = (0..8).map(|i| format!("busy{i}")).collect();
        for n in &names {
            tight.user(n, PASSWORD).await;
        }
        let browsers: Vec<(Browser, String)> = (0..24).map(|i| (tight.browser(), names[i % 8].clone())).collect();
        let answers = burst(browsers.into_iter().map(|(b, n)| async move { b.sign_in(&n, PASSWORD).await })).await;
        let busy: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
        assert!(!busy.is_empty(), "a queue of 2 cannot take 24 at once");
        assert!(busy.iter().all(|a| a.body == "\"Busy\"" && a.headers.contains_key("retry-after")));
        assert!(answers.iter().all(|a| a.status == 200 || a.status == 503), "{answers:?}");
    }

    async fn request_bodies_on_the_api_are_limited(app: TestApp) {
        let big = "x".repeat(200 * 1024);
        let a = app.browser().sign_in("anyone", &big).await;
        assert_eq!(a.status, 413);
    }
}
