//! Emailed and texted codes: bound to their sign-in attempt, single use, voided by a new one, expiring
//! with the clock, capped (also under parallel bursts), counted in the shared second-step limit; the
//! webhook and Twilio-compatible providers against real listeners that check the signature, the form
//! and the basic authentication.
//!
//! The provider listeners are in `sms_provider`.
use crate::browser::burst;
use crate::harness::{Answer, Browser, TestApp, SESSION_COOKIE};
use crate::second_factor::{password_step, verify, PASSWORD};
use crate::sms_provider::{args_with, code_in, verified_webhook, webhook, with_sms, Listener};
use base64::Engine as _;
use serde_json::json;
use server::config::{CodeArgs, ServeArgs, SmsProviderKind};

/// A user with a verified email and email codes on; answers their id.
pub(crate) async fn email_code_user(app: &TestApp, name: &str) -> i64 {
    let id = app.user(name, PASSWORD).await;
    sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let b = app.browser();
    assert_eq!(b.sign_in(name, PASSWORD).await.json()["stage"], "Full");
    let on = b.call("enable_email_codes", &[]).await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.json()["backup_codes"].as_array().unwrap().len(), 10);
    id
}

pub(crate) async fn send(b: &Browser, method: &str) -> Answer {
    b.call("send_code", &[("method", method)]).await
}

/// The code of the newest sign-in-code email to `name`.
pub(crate) async fn emailed_code(app: &TestApp, name: &str) -> String {
    let mails = app.mails_to(&format!("{name}@example.com")).await;
    let (_, _, body) = mails
        .iter()
        .rev()
        .find(|m| m.0 == "sign_in_code")
        .expect("a sign-in code email");
    code_in(body.split("Code:").nth(1).expect("the code line"))
}

pub(crate) async fn second_step_failures(app: &TestApp, id: i64) -> usize {
    app.events(id)
        .await
        .iter()
        .filter(|e| *e == "second_factor.failed")
        .count()
}

scenarios! {
    async fn an_emailed_code_finishes_only_the_attempt_it_was_sent_for(app: TestApp) {
        email_code_user(&app, "erin").await;
        let (b1, s1) = password_step(&app, "erin").await;
        let (b2, s2) = password_step(&app, "erin").await;
        assert_eq!((s1["stage"].as_str(), s2["stage"].as_str()), (Some("SecondFactor"), Some("SecondFactor")));
        let info = b1.call("challenge", &[]).await.json();
        assert_eq!(info["methods"][0], "Email", "{info}");
        assert_eq!(info["destinations"], json!([["Email", "e•••@example.com"]]));
        let sent = send(&b1, "Email").await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert_eq!(
            sent.json(),
            json!({ "method": "Email", "destination": "e•••@example.com", "valid_minutes": 15, "resend_after_secs": 60 })
        );
        let code = emailed_code(&app, "erin").await;
        // The email says who sent it, that staff never ask for it, and what to do if it was not them.
        let mails = app.mails_to("erin@example.com").await;
        let (_, subject, body) = mails.iter().rev().find(|m| m.0 == "sign_in_code").unwrap();
        assert!(subject.contains("Portcullis"), "{subject}");
        assert!(body.contains("staff will never ask you for this code"), "{body}");
        assert!(body.contains("If you did not try to sign in"), "{body}");
        // Stored only as a keyed hash.
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM one_time_codes WHERE code_hash LIKE '%{code}%'")).await, 0);
        // The other partial session cannot use it.
        assert_eq!(verify(&b2, Some("Email"), &code, false).await.body, "\"WrongCode\"");
        // Pasted with spaces, it finishes its own attempt, once.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        let done = verify(&b1, Some("Email"), &spaced, false).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json()["stage"], "Full");
        assert_eq!(b1.state().await["Active"]["stage"], "Full");
        assert_eq!(verify(&b2, Some("Email"), &code, false).await.body, "\"WrongCode\"");
    }

    async fn a_new_code_voids_the_previous_one_and_waits_for_the_countdown(app: TestApp) {
        email_code_user(&app, "rhea").await;
        let (b, _) = password_step(&app, "rhea").await;
        assert_eq!(send(&b, "Email").await.status, 200);
        let old = emailed_code(&app, "rhea").await;
        app.clock.advance(20);
        let early = send(&b, "Email").await;
        assert_eq!(early.status, 429);
        assert_eq!(early.json(), json!({ "ResendTooSoon": { "seconds": 40 } }));
        app.clock.advance(41);
        assert_eq!(send(&b, "Email").await.status, 200);
        let new = emailed_code(&app, "rhea").await;
        if new != old {
            assert_eq!(verify(&b, Some("Email"), &old, false).await.body, "\"WrongCode\"");
        }
        let done = verify(&b, Some("Email"), &new, false).await;
        assert_eq!(done.json()["stage"], "Full", "{}", done.body);
    }

    async fn an_expired_code_is_refused_without_counting_a_guess(app: TestApp) {
        // Shorter than the partial session's ten minutes, so the code expires first.
        let codes = CodeArgs {
            email_code_lifetime: std::time::Duration::from_secs(120),
            ..CodeArgs::default()
        };
        let app = with_sms(&app, codes).await;
        let id = email_code_user(&app, "ezra").await;
        let (b, _) = password_step(&app, "ezra").await;
        let sent = send(&b, "Email").await.json();
        assert_eq!(sent["valid_minutes"], 2);
        let code = emailed_code(&app, "ezra").await;
        app.clock.advance(120);
        let late = verify(&b, Some("Email"), &code, false).await;
        assert_eq!(late.body, "\"CodeExpired\"");
        assert_eq!(second_step_failures(&app, id).await, 0, "not counted as a guess");
        // A new code, used in time, works.
        assert_eq!(send(&b, "Email").await.status, 200);
        let code = emailed_code(&app, "ezra").await;
        app.clock.advance(119);
        assert_eq!(verify(&b, Some("Email"), &code, false).await.json()["stage"], "Full");
    }

    async fn sends_are_capped_per_account_and_per_address_even_in_a_burst(app: TestApp) {
        email_code_user(&app, "cass").await;
        // Ten attempts at once, each asking for a code: the cap of five holds.
        let mut browsers = Vec::new();
        for _ in 0..10 {
            browsers.push(password_step(&app, "cass").await.0);
        }
        let answers = burst(browsers.into_iter().map(|b| async move { send(&b, "Email").await })).await;
        let sent = answers.iter().filter(|a| a.status == 200).count();
        let capped: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
        assert_eq!(sent, 5, "{answers:?}");
        assert_eq!(capped.len(), 5);
        assert!(capped.iter().all(|a| a.body == "\"CodeLimitReached\""), "{capped:?}");
        assert_eq!(capped[0].headers["retry-after"], "3600");
        let mails = app.mails_to("cass@example.com").await;
        assert_eq!(mails.iter().filter(|m| m.0 == "sign_in_code").count(), 5);
        // The same address for another account is capped too.
        email_code_user(&app, "dora").await;
        let (b, _) = password_step(&app, "dora").await;
        assert_eq!(send(&b, "Email").await.body, "\"CodeLimitReached\"");
        // An hour later, codes flow again.
        app.clock.advance(3601);
        let (b, _) = password_step(&app, "dora").await;
        assert_eq!(send(&b, "Email").await.status, 200);
    }

    async fn parallel_wrong_codes_stay_within_the_shared_limit(app: TestApp) {
        let id = email_code_user(&app, "wynn").await;
        let (b, _) = password_step(&app, "wynn").await;
        assert_eq!(send(&b, "Email").await.status, 200);
        let code = emailed_code(&app, "wynn").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let token = b.cookie(SESSION_COOKIE).unwrap();
        let browsers: Vec<Browser> = (0..30)
            .map(|_| {
                let c = app.browser();
                c.set_cookie(SESSION_COOKIE, &token);
                c
            })
            .collect();
        let answers = burst(browsers.into_iter().map(move |c| async move {
            c.call("verify_second_factor", &[("method", "Email"), ("code", wrong)]).await
        }))
        .await;
        assert!(answers.iter().all(|a| a.status == 422 || a.status == 429), "{answers:?}");
        let judged = second_step_failures(&app, id).await;
        assert!((1..=5).contains(&judged), "{judged} wrong codes were judged");
        // The right code is refused now: the step is suspended.
        let right = verify(&b, Some("Email"), &code, false).await;
        assert_eq!(right.json(), json!({ "ChallengeSuspended": { "minutes": 15 } }));
    }

    async fn email_codes_need_a_verified_address(app: TestApp) {
        app.user("nova", PASSWORD).await;
        let b = app.browser();
        b.sign_in("nova", PASSWORD).await;
        let refused = b.call("enable_email_codes", &[]).await;
        assert_eq!(refused.json(), json!({ "Invalid": "EmailNotVerified" }));
        let o = b.call("security_overview", &[]).await.json();
        assert!(o["available_methods"].as_array().unwrap().contains(&json!("Email")));
        assert!(!o["available_methods"].as_array().unwrap().contains(&json!("Sms")), "no provider: no texts");
    }

    async fn a_phone_is_added_and_signs_in_through_the_signed_webhook(app: TestApp) {
        let listener = Listener::start().await;
        let app = with_sms(&app, webhook(&listener)).await;
        app.user("sami", PASSWORD).await;
        let b = app.browser();
        b.sign_in("sami", PASSWORD).await;
        assert_eq!(b.call("begin_phone", &[("phone", "06 12 34 56 78")]).await.json(), json!({ "Invalid": "Phone" }));
        let setup = b.call("begin_phone", &[("phone", "+33 6 12 34 56 78")]).await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        let setup = setup.json();
        assert_eq!(setup["sent"]["destination"], "+33 •••• 78");
        assert_eq!(setup["sent"]["valid_minutes"], 10);
        let r = listener.last();
        assert_eq!(r.path, "/sms");
        let (to, text) = verified_webhook(&r);
        assert_eq!(to, "+33612345678");
        assert!(text.contains("Portcullis") && text.contains("never ask"), "{text}");
        let code = code_in(&text);
        let id = setup["factor_id"].to_string();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(
            b.call("confirm_phone", &[("factor_id", &id), ("code", wrong)]).await.body,
            "\"WrongCode\""
        );
        let done = b.call("confirm_phone", &[("factor_id", &id), ("code", &code), ("label", "My phone")]).await;
        assert_eq!(done.status, 200, "{}", done.body);
        let o = b.call("security_overview", &[]).await.json();
        assert_eq!(o["factors"][0]["kind"], "Sms");
        assert_eq!(o["factors"][0]["destination"], "+33 •••• 78");
        assert_eq!(o["default_method"], "Sms");
        // Sign-in with a texted code.
        let (b, _) = password_step(&app, "sami").await;
        let sent = send(&b, "Sms").await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let (_, text) = verified_webhook(&listener.last());
        let done = verify(&b, Some("Sms"), &code_in(&text), false).await;
        assert_eq!(done.json()["stage"], "Full", "{}", done.body);
    }

    async fn a_provider_failure_is_answered_with_a_retry_and_the_code_stays_out_of_logs(app: TestApp) {
        let listener = Listener::start().await;
        let app = with_sms(&app, webhook(&listener)).await;
        app.user("fay", PASSWORD).await;
        let b = app.browser();
        b.sign_in("fay", PASSWORD).await;
        listener.fail(true);
        let failed = b.call("begin_phone", &[("phone", "+447700900123")]).await;
        assert_eq!(failed.status, 503);
        assert_eq!(failed.body, "\"DeliveryFailed\"");
        assert_eq!(failed.headers["retry-after"], "30");
        let id = app.count("SELECT id FROM users WHERE username = 'fay'").await;
        assert!(app.events(id).await.contains(&"code.delivery_failed".to_string()));
        // The person may retry at once: no countdown after a failure.
        listener.fail(false);
        let pending = app.count("SELECT id FROM second_factors WHERE kind = 'sms'").await;
        let again = b.call("resend_phone_code", &[("factor_id", &pending.to_string())]).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(listener.all().len(), 2);
    }

    async fn the_twilio_compatible_provider_sends_the_form_with_basic_auth(app: TestApp) {
        let listener = Listener::start().await;
        let codes = CodeArgs {
            sms_provider: SmsProviderKind::Twilio,
            twilio_base_url: listener.url.clone(),
            twilio_account_sid: Some("AC123".into()),
            twilio_auth_token: Some("tok-456".into()),
            twilio_from: Some("+15005550006".into()),
            ..CodeArgs::default()
        };
        let app = with_sms(&app, codes).await;
        app.user("tess", PASSWORD).await;
        let b = app.browser();
        b.sign_in("tess", PASSWORD).await;
        let setup = b.call("begin_phone", &[("phone", "+1 202 555 0123")]).await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        let r = listener.last();
        assert_eq!(r.path, "/2010-04-01/Accounts/AC123/Messages.json");
        let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("AC123:tok-456"));
        assert_eq!(r.headers["authorization"], expected.as_str());
        assert_eq!(r.headers["content-type"], "application/x-www-form-urlencoded");
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(field("To"), "+12025550123");
        assert_eq!(field("From"), "+15005550006");
        let code = code_in(&field("Body"));
        let id = setup.json()["factor_id"].to_string();
        let done = b.call("confirm_phone", &[("factor_id", &id), ("code", &code)]).await;
        assert_eq!(done.status, 200, "{}", done.body);
    }

    async fn texts_are_capped_per_number_and_limited_to_allowed_countries(app: TestApp) {
        let listener = Listener::start().await;
        let codes = CodeArgs {
            sms_allowed_countries: vec!["44".into(), "+33".into()],
            ..webhook(&listener)
        };
        // Behind a proxy, so two people can come from two addresses.
        let args = ServeArgs {
            trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
            ..args_with(codes)
        };
        let app = TestApp::spawn_on(app.test_db.clone(), app.clock.clone(), Default::default(), args).await;
        let person = |name: &'static str, ip: &'static str| {
            let app = &app;
            async move {
                app.user(name, PASSWORD).await;
                let mut b = app.browser();
                b.headers.push(("x-forwarded-for".into(), ip.into()));
                b.sign_in(name, PASSWORD).await;
                b
            }
        };
        let a = person("uma", "203.0.113.1").await;
        assert_eq!(
            a.call("begin_phone", &[("phone", "+12025550123")]).await.json(),
            json!({ "Invalid": "PhoneCountryNotAllowed" })
        );
        for i in 0..3 {
            let r = a.call("begin_phone", &[("phone", "+447700900123")]).await;
            assert_eq!(r.status, 200, "send {i}: {}", r.body);
            app.clock.advance(61);
        }
        // Someone else, from elsewhere, pumping the same number: five texts an hour to it in all.
        let c = person("ugo", "198.51.100.7").await;
        for i in 0..2 {
            let r = c.call("begin_phone", &[("phone", "+44 7700 900123")]).await;
            assert_eq!(r.status, 200, "send {i}: {}", r.body);
            app.clock.advance(61);
        }
        let capped = c.call("begin_phone", &[("phone", "+447700900123")]).await;
        assert_eq!(capped.body, "\"CodeLimitReached\"");
        assert_eq!(listener.all().len(), 5, "nothing sent past the cap");
        // Another number is fine for that person.
        let other = c.call("begin_phone", &[("phone", "+33612345678")]).await;
        assert_eq!(other.status, 200, "{}", other.body);
    }
}
