//! Devices and sign-in alerts: the new-device email (not for the first sign-in, not for a known device
//! whose browser updated), its single-use "This wasn't me" link, the alert for a password that was
//! right when the second step was never completed, and locations from a MaxMind-format database.
use crate::browser::burst;
use crate::harness::{serve_args, token_of, Browser, TestApp};
use crate::second_factor::{code, enrolled_user, verify, PASSWORD};
use serde_json::json;
use server::config::ServeArgs;

const DEVICE_COOKIE: &str = "__Host-portcullis_device";

fn kinds(mails: &[(String, String, String)], kind: &str) -> usize {
    mails.iter().filter(|(k, _, _)| k == kind).count()
}

/// Another instance on the same database that knows locations (the MaxMind test database) and trusts
/// the loopback proxy's X-Forwarded-For.
async fn with_locations(app: &TestApp) -> TestApp {
    let db =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/GeoLite2-City-Test.mmdb");
    TestApp::spawn_on(
        app.test_db.clone(),
        app.clock.clone(),
        Default::default(),
        ServeArgs {
            geoip_database: Some(db),
            trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
            ..serve_args()
        },
    )
    .await
}

fn from_london(b: &mut Browser) {
    b.headers
        .push(("x-forwarded-for".into(), "81.2.69.142".into()));
}

scenarios! {
    async fn a_new_device_is_announced_but_not_the_first_sign_in_nor_a_known_device(app: TestApp) {
        let id = app.user("nd1", PASSWORD).await;
        let mut laptop = app.browser();
        assert_eq!(laptop.sign_in("nd1", PASSWORD).await.json()["stage"], "Full");
        let device = laptop.cookie(DEVICE_COOKIE).expect("a device cookie is set at sign-in");
        assert_eq!(kinds(&app.mails_to("nd1@example.com").await, "new_device"), 0, "the first sign-in is not news");

        // The same browser after an update: recognised by its cookie, not its User-Agent.
        laptop.call("sign_out", &[]).await;
        laptop.user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0".into();
        laptop.sign_in("nd1", PASSWORD).await;
        assert_eq!(laptop.cookie(DEVICE_COOKIE).as_deref(), Some(device.as_str()), "the device id is kept");
        assert_eq!(kinds(&app.mails_to("nd1@example.com").await, "new_device"), 0, "a known device after an update");

        // A browser the account never used, through a proxy, from London.
        let located = with_locations(&app).await;
        let mut phone = located.browser();
        phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1".into();
        from_london(&mut phone);
        phone.sign_in("nd1", PASSWORD).await;
        let mails = app.mails_to("nd1@example.com").await;
        assert_eq!(kinds(&mails, "new_device"), 1);
        let (_, subject, body) = mails.iter().find(|(k, _, _)| k == "new_device").unwrap();
        assert!(subject.contains("New sign-in"), "{subject}");
        for fact in ["81.2.69.142", "London, United Kingdom", "Safari 18 (iOS 18.0)", "/not-me/"] {
            assert!(body.contains(fact), "the alert says {fact}: {body}");
        }
        assert!(!body.contains(&device), "never the device id");
        assert!(app.events(id).await.contains(&"device.new".to_string()));

        // The sessions list names browser, system and place; in French for a French reader.
        let list = phone.call("list_sessions", &[]).await.json();
        let mine = list.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap().clone();
        assert_eq!(mine["browser"], "Safari 18");
        assert_eq!(mine["os"], "iOS 18.0");
        assert_eq!(mine["location"], "London, United Kingdom");
        phone.set_cookie("__Host-portcullis_lang", "fr");
        let list = phone.call("list_sessions", &[]).await.json();
        let mine = list.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap().clone();
        assert_eq!(mine["location"], "Londres, Royaume-Uni");

        // Signing in again from the phone is no longer news.
        phone.call("sign_out", &[]).await;
        phone.sign_in("nd1", PASSWORD).await;
        assert_eq!(kinds(&app.mails_to("nd1@example.com").await, "new_device"), 1);
    }

    async fn a_forged_device_cookie_is_replaced_and_two_first_sign_ins_announce_once(app: TestApp) {
        app.user("nd2", PASSWORD).await;
        app.browser().sign_in("nd2", PASSWORD).await;
        let forged = app.browser();
        forged.set_cookie(DEVICE_COOKIE, "not-one-the-server-made");
        forged.sign_in("nd2", PASSWORD).await;
        let replaced = forged.cookie(DEVICE_COOKIE).expect("cookie");
        assert_ne!(replaced, "not-one-the-server-made");
        assert_eq!(kinds(&app.mails_to("nd2@example.com").await, "new_device"), 1);

        // One new browser signing in twice at once (two tabs): one alert.
        let twin = app.browser();
        twin.set_cookie(DEVICE_COOKIE, &"A".repeat(43));
        let results = burst((0..4).map(|_| {
            let b = twin.clone();
            async move { b.sign_in("nd2", PASSWORD).await.status }
        }))
        .await;
        assert!(results.iter().all(|s| *s == 200), "{results:?}");
        assert_eq!(kinds(&app.mails_to("nd2@example.com").await, "new_device"), 2);
    }

    async fn this_wasnt_me_ends_every_session_once_and_starts_a_reset(app: TestApp) {
        let id = app.user("nm1", PASSWORD).await;
        let laptop = app.browser();
        laptop.sign_in("nm1", PASSWORD).await;
        let thief = app.browser();
        thief.sign_in("nm1", PASSWORD).await;
        let link = app.link_in_mail("nm1@example.com", "new_device").await;
        assert!(link.contains("/not-me/"), "{link}");
        let token = token_of(&link);

        // Opening the link (a mail scanner does) spends nothing.
        let owner = app.browser();
        assert_eq!(owner.get(&link.replace(&app.base, "")).await.status, 200);
        let info = owner.call("inspect_link", &[("kind", "NotMe"), ("token", &token)]).await;
        assert_eq!(info.json()["username"], "nm1", "{}", info.body);
        // Not a reset link.
        let misuse = owner
            .call("set_password_by_link", &[("kind", "NotMe"), ("token", &token), ("new", "Brand-New-Horse-7"), ("confirm", "Brand-New-Horse-7")])
            .await;
        assert_eq!(misuse.body, "\"LinkInvalid\"");

        // Pressed twice at once: exactly one goes on.
        let answers = burst((0..6).map(|_| {
            let b = app.browser();
            let token = token.clone();
            async move { b.call("report_not_me", &[("token", &token)]).await }
        }))
        .await;
        let ok: Vec<_> = answers.iter().filter(|a| a.status == 200).collect();
        assert_eq!(ok.len(), 1, "{:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());
        assert!(answers.iter().filter(|a| a.status != 200).all(|a| a.body == "\"LinkInvalid\""));
        let reset: String = serde_json::from_str(&ok[0].body).unwrap();

        assert_eq!(laptop.state().await, json!("Expired"));
        assert_eq!(thief.state().await, json!("Expired"));
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
        // The password the thief knows no longer signs in.
        let again = app.browser().sign_in("nm1", PASSWORD).await;
        assert_eq!(again.body, "\"PasswordResetRequired\"", "{}", again.body);
        assert_eq!(owner.call("report_not_me", &[("token", &token)]).await.body, "\"LinkInvalid\"");

        // The reset it started sets a new password, which signs in.
        let set = owner
            .call("set_password_by_link", &[("kind", "Reset"), ("token", &reset), ("new", "Brand-New-Horse-7"), ("confirm", "Brand-New-Horse-7")])
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(app.browser().sign_in("nm1", "Brand-New-Horse-7").await.json()["stage"], "Full");
        let events = app.events(id).await;
        assert!(events.contains(&"device.not_me".to_string()), "{events:?}");
        assert!(events.contains(&"credentials.changed".to_string()), "{events:?}");
    }

    async fn a_password_without_its_second_step_is_reported_once(app: TestApp) {
        let (_b, secret, _) = enrolled_user(&app, "uf1").await;
        let id = app.count("SELECT id FROM users WHERE username = 'uf1'").await;
        let second = TestApp::spawn_on(app.test_db.clone(), app.clock.clone(), Default::default(), serve_args()).await;

        // Someone with the password stops at the second step.
        let stranger = app.browser();
        assert_eq!(stranger.sign_in("uf1", PASSWORD).await.json()["stage"], "SecondFactor");
        // The owner signs in fully elsewhere meanwhile: that does not settle the stranger's attempt.
        let owner = app.browser();
        owner.sign_in("uf1", PASSWORD).await;
        assert_eq!(verify(&owner, Some("Totp"), &code(&secret, &app, 0), false).await.status, 200);

        app.clock.advance(9 * 60);
        assert_eq!(server::services::devices::send_unfinished_alerts(&app.core).await.unwrap(), 0, "not yet");
        app.clock.advance(2 * 60);
        // Both instances run their job at the same moment: one alert.
        let (a, b) = tokio::join!(
            server::services::devices::send_unfinished_alerts(&app.core),
            server::services::devices::send_unfinished_alerts(&second.core),
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        let mails = app.mails_to("uf1@example.com").await;
        assert_eq!(kinds(&mails, "sign_in_not_completed"), 1);
        assert!(app.events(id).await.contains(&"sign_in.not_completed".to_string()));
        assert_eq!(server::services::devices::send_unfinished_alerts(&app.core).await.unwrap(), 0);
    }

    async fn a_second_step_completed_later_from_the_same_device_is_not_reported(app: TestApp) {
        let (_b, secret, _) = enrolled_user(&app, "uf2").await;
        let phone = app.browser();
        phone.sign_in("uf2", PASSWORD).await;
        // Went to fetch the phone; the partial session ran out; tried again and finished.
        app.clock.advance(11 * 60);
        phone.sign_in("uf2", PASSWORD).await;
        assert_eq!(verify(&phone, Some("Totp"), &code(&secret, &app, 0), false).await.status, 200);
        app.clock.advance(11 * 60);
        assert_eq!(server::services::devices::send_unfinished_alerts(&app.core).await.unwrap(), 0);
        assert_eq!(kinds(&app.mails_to("uf2@example.com").await, "sign_in_not_completed"), 0);

        // Wrong codes until the step is suspended: that alert is sent, and no second one.
        let stranger = app.browser();
        stranger.sign_in("uf2", PASSWORD).await;
        for _ in 0..5 {
            verify(&stranger, Some("Totp"), "000000", false).await;
        }
        app.clock.advance(11 * 60);
        assert_eq!(server::services::devices::send_unfinished_alerts(&app.core).await.unwrap(), 0);
        let mails = app.mails_to("uf2@example.com").await;
        assert_eq!(kinds(&mails, "second_step_failed"), 1);
        assert_eq!(kinds(&mails, "sign_in_not_completed"), 0);
    }
}
