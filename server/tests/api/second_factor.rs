//! Second-factor scenarios: TOTP enrolment and challenge, backup codes, trusted browsers, mandatory 2FA.
use crate::harness::{serve_args, Browser, TestApp, SESSION_COOKIE};
use serde_json::{json, Value};
use server::config::{ServeArgs, SiteArgs};
use std::time::Duration;

pub const PASSWORD: &str = "Correct-Horse-42";
pub const TRUSTED_COOKIE: &str = "__Host-portcullis_trusted";

/// RFC 4648 base32 (the setup key as shown, spaces ignored).
pub fn base32_decode(key: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in key.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = ALPHABET
            .iter()
            .position(|a| *a as char == c.to_ascii_uppercase())
            .expect("base32") as u64;
        bits = (bits << 5) | v;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

/// The code an authenticator app shows at the app's clock.
pub fn code(secret: &[u8], app: &TestApp, offset_steps: i64) -> String {
    server::auth::factor::totp::code_for_step(secret, app.clock_now() / 30 + offset_steps, 6)
}

/// Signs in, confirms the password, adds an authenticator app; answers (browser, secret, backup codes).
pub async fn enrolled_user(app: &TestApp, name: &str) -> (Browser, Vec<u8>, Vec<String>) {
    app.user(name, PASSWORD).await;
    let b = app.browser();
    assert_eq!(b.sign_in(name, PASSWORD).await.json()["stage"], "Full");
    let setup = b.call("begin_totp", &[]).await.json();
    let secret = base32_decode(setup["setup_key"].as_str().expect("key"));
    let id = setup["factor_id"].to_string();
    let enrolled = b
        .call(
            "confirm_totp",
            &[
                ("factor_id", &id),
                ("code", &code(&secret, app, 0)),
                ("label", "Phone"),
            ],
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.body);
    let codes: Vec<String> = enrolled.json()["backup_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // Codes are valid for one step: the next sign-in uses the next step.
    app.clock.advance(30);
    (b, secret, codes)
}

pub async fn password_step(app: &TestApp, name: &str) -> (Browser, Value) {
    let b = app.browser();
    let a = b.sign_in(name, PASSWORD).await;
    (b, a.json())
}

pub async fn verify(b: &Browser, kind: Option<&str>, code: &str, trust: bool) -> crate::harness::Answer {
    let mut form = vec![("code", code)];
    form.push(("method", kind.unwrap_or("BackupCode")));
    if trust {
        form.push(("trust", "true"));
    }
    b.call("verify_second_factor", &form).await
}

scenarios! {
    async fn adding_an_authenticator_app_needs_a_recent_password_and_a_code(app: TestApp) {
        app.user("ada", PASSWORD).await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        app.clock.advance(6 * 60);
        assert_eq!(
            b.call("begin_totp", &[]).await.body,
            "\"ReauthenticationRequired\""
        );
        assert_eq!(
            b.call("confirm_identity", &[("password", "Wrong-Horse-1")])
                .await
                .body,
            "\"WrongPassword\""
        );
        assert_eq!(
            b.call("confirm_identity", &[("password", PASSWORD)])
                .await
                .status,
            200
        );
        let setup = b.call("begin_totp", &[]).await.json();
        let key = setup["setup_key"].as_str().unwrap();
        assert_eq!(key.split(' ').count(), 8, "{key}");
        let secret = base32_decode(key);
        assert_eq!(secret.len(), 20, "160 bits");
        assert!(setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Portcullis:ada?"));
        assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
        // Encrypted at rest: the stored bytes are not the secret.
        use sqlx::Row;
        let stored: Vec<u8> = sqlx::query("SELECT secret_ciphertext FROM second_factors")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert!(!stored.windows(20).any(|w| w == secret.as_slice()));
        // Not active until a code confirms it.
        assert_eq!(
            b.call("security_overview", &[]).await.json()["factors"],
            json!([])
        );
        let id = setup["factor_id"].to_string();
        let wrong = b
            .call(
                "confirm_totp",
                &[("factor_id", &id), ("code", "000000"), ("label", "")],
            )
            .await;
        assert!(wrong.body.contains("WrongCode"), "{}", wrong.body);
        let ok = b
            .call(
                "confirm_totp",
                &[
                    ("factor_id", &id),
                    ("code", &code(&secret, &app, 0)),
                    ("label", "Work phone"),
                ],
            )
            .await;
        let enrolled = ok.json();
        assert_eq!(enrolled["backup_codes"].as_array().unwrap().len(), 10);
        assert_eq!(enrolled["next"], "/account/security");
        let overview = b.call("security_overview", &[]).await.json();
        assert_eq!(overview["factors"][0]["label"], "Work phone");
        assert_eq!(overview["factors"][0]["kind"], "Totp");
        assert_eq!(overview["backup_codes_remaining"], 10);
        let kinds: Vec<String> = app
            .mails_to("ada@example.com")
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(kinds, vec!["factor_added"]);
    }

    async fn a_second_factor_is_asked_after_the_password_and_nothing_else_works_before(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "bob").await;
        let (b, step) = password_step(&app, "bob").await;
        assert_eq!(
            step,
            json!({ "stage": "SecondFactor", "next": "/login/verify" })
        );
        // The partial session can do nothing but the second step.
        for f in [
            "list_sessions",
            "revoke_other_sessions",
            "security_overview",
            "begin_totp",
            "regenerate_backup_codes",
        ] {
            assert_eq!(b.call(f, &[("password", PASSWORD)]).await.body, "\"SignInIncomplete\"", "{f}");
        }
        for (f, form) in [
            ("revoke_session", vec![("id", "x")]),
            (
                "change_password",
                vec![
                    ("current", PASSWORD),
                    ("new", "Other-Horse-9"),
                    ("confirm", "Other-Horse-9"),
                ],
            ),
            ("confirm_identity", vec![("password", PASSWORD)]),
            (
                "confirm_totp",
                vec![("factor_id", "1"), ("code", "123456"), ("label", "")],
            ),
            ("remove_factor", vec![("factor_id", "1")]),
            ("set_default_method", vec![("method", "Totp")]),
            ("revoke_trusted_browser", vec![("id", "x")]),
        ] {
            assert_eq!(b.call(f, &form).await.body, "\"SignInIncomplete\"", "{f}");
        }
        for path in [
            "/",
            "/account/sessions",
            "/account/security",
            "/account/password",
        ] {
            let page = b.get(path).await;
            assert_eq!(
                (page.status, page.headers["location"].to_str().unwrap()),
                (302, "/login/verify"),
                "{path}"
            );
        }
        let info = b.call("challenge", &[]).await.json();
        assert_eq!(info["methods"], json!(["Totp"]));
        assert_eq!(info["backup_codes_remaining"], 10);
        let ok = verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await;
        assert_eq!(ok.json(), json!({ "stage": "Full", "next": "/" }));
        assert_eq!(b.call("list_sessions", &[]).await.status, 200);
        assert!(
            b.cookie(TRUSTED_COOKIE).is_none(),
            "not trusted unless asked"
        );
    }

    async fn a_code_cannot_be_used_twice(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "cyd").await;
        let (first, _) = password_step(&app, "cyd").await;
        let (second, _) = password_step(&app, "cyd").await;
        let now_code = code(&secret, &app, 0);
        assert_eq!(
            verify(&first, Some("Totp"), &now_code, false).await.status,
            200
        );
        assert_eq!(
            verify(&second, Some("Totp"), &now_code, false).await.body,
            "\"CodeAlreadyUsed\""
        );
        // The previous step's code is older than the one used: refused too.
        assert_eq!(
            verify(&second, Some("Totp"), &code(&secret, &app, -1), false)
                .await
                .body,
            "\"CodeAlreadyUsed\""
        );
        app.clock.advance(30);
        assert_eq!(
            verify(&second, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .status,
            200
        );
    }

    async fn a_clock_that_is_off_is_diagnosed(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "dia").await;
        let (b, _) = password_step(&app, "dia").await;
        // A code from a device 3 minutes ahead is answered like any wrong code: it says nothing about
        // when it would be valid.
        let ahead = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await;
        let random = verify(&b, Some("Totp"), "000000", false).await;
        assert_eq!((ahead.status, ahead.body.as_str()), (422, "\"WrongCode\""));
        assert_eq!((random.status, random.body.as_str()), (422, "\"WrongCode\""));
        // Two consecutive codes from that device agree on one offset: it is the person's device with
        // its clock off. The code is accepted and the answer says how far off the clock is.
        let first = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await;
        assert_eq!(first.body, "\"WrongCode\"");
        app.clock.advance(30);
        let second = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await.json();
        assert_eq!(second["stage"], "Full");
        assert_eq!(second["clock_drift_steps"], 6, "about 3 minutes ahead");
        // From then on codes are expected at that offset.
        app.clock.advance(30);
        let (c, _) = password_step(&app, "dia").await;
        let later = verify(&c, Some("Totp"), &code(&secret, &app, 6), false).await;
        assert_eq!(later.status, 200, "{}", later.body);
        // At enrolment the secret has just been shown, so the offset is named at once.
        let fresh = app.browser();
        app.user("dib", PASSWORD).await;
        fresh.sign_in("dib", PASSWORD).await;
        let setup = fresh.call("begin_totp", &[]).await.json();
        let key = base32_decode(setup["setup_key"].as_str().unwrap());
        let id = setup["factor_id"].to_string();
        let behind = fresh
            .call("confirm_totp", &[("factor_id", &id), ("code", &code(&key, &app, -4)), ("label", "")])
            .await;
        assert_eq!(behind.json(), json!({ "ClockDrift": { "steps": -4 } }));
    }

    async fn five_wrong_codes_suspend_the_challenge_for_fifteen_minutes(app: TestApp) {
        let (_, secret, codes) = enrolled_user(&app, "edd").await;
        let (b, _) = password_step(&app, "edd").await;
        for _ in 0..4 {
            assert!(verify(&b, Some("Totp"), "000000", false)
                .await
                .body
                .contains("WrongCode"));
        }
        assert_eq!(
            verify(&b, Some("Totp"), "000000", false).await.json(),
            json!({ "ChallengeSuspended": { "minutes": 15 } })
        );
        // Suspended: right codes, backup codes, and new sign-ins all wait.
        assert!(verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
            .await
            .body
            .contains("ChallengeSuspended"));
        assert!(verify(&b, None, &codes[0], false)
            .await
            .body
            .contains("ChallengeSuspended"));
        app.clock.advance(9 * 60);
        let (fresh, _) = password_step(&app, "edd").await;
        assert!(verify(&fresh, Some("Totp"), &code(&secret, &app, 0), false)
            .await
            .body
            .contains("ChallengeSuspended"));
        app.clock.advance(6 * 60);
        let (later, _) = password_step(&app, "edd").await;
        assert_eq!(
            verify(&later, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .status,
            200
        );
    }

    async fn a_backup_code_works_once_and_warns_when_few_remain(app: TestApp) {
        let (_, _, codes) = enrolled_user(&app, "fin").await;
        assert!(
            codes.iter().all(|c| c.len() == 11 && &c[5..6] == "-"),
            "{codes:?}"
        );
        let (b, _) = password_step(&app, "fin").await;
        // Typed in capitals with spaces: still the code.
        let typed = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(
            verify(&b, None, &typed, false).await.json()["stage"],
            "Full"
        );
        let (again, _) = password_step(&app, "fin").await;
        assert!(verify(&again, None, &codes[0], false)
            .await
            .body
            .contains("BackupCodeInvalid"));
        for c in &codes[1..8] {
            let (b, _) = password_step(&app, "fin").await;
            assert_eq!(verify(&b, None, c, false).await.status, 200);
        }
        let mails = app.mails_to("fin@example.com").await;
        let used: Vec<&(String, String, String)> =
            mails.iter().filter(|m| m.0 == "backup_code_used").collect();
        assert_eq!(used.len(), 8, "an email for every use");
        assert!(
            used[6].1.contains("only 3 left") || !used[6].1.contains("only"),
            "{}",
            used[6].1
        );
        assert!(
            used[7].1.contains("only 2 left"),
            "warned when 2 or fewer remain: {}",
            used[7].1
        );
        assert_eq!(
            again.call("challenge", &[]).await.json()["backup_codes_remaining"],
            2
        );
    }

    async fn one_backup_code_used_twice_at_once_lets_exactly_one_in(app: TestApp) {
        let (_, _, codes) = enrolled_user(&app, "gus").await;
        let (a, _) = password_step(&app, "gus").await;
        let (b, _) = password_step(&app, "gus").await;
        let (ra, rb) = tokio::join!(
            verify(&a, None, &codes[3], false),
            verify(&b, None, &codes[3], false)
        );
        let ok = [ra.status, rb.status].iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "{} / {}", ra.body, rb.body);
    }

    async fn a_trusted_browser_skips_the_second_step_until_revoked(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "hue").await;
        let (b, _) = password_step(&app, "hue").await;
        let a = verify(&b, Some("Totp"), &code(&secret, &app, 0), true).await;
        let set: Vec<String> = a
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let trusted = set
            .iter()
            .find(|c| c.starts_with(TRUSTED_COOKIE))
            .expect("trusted-browser cookie");
        for attr in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            &format!("Max-Age={}", 30 * 86_400),
        ] {
            assert!(trusted.contains(attr), "{trusted} lacks {attr}");
        }
        b.call("sign_out", &[]).await;
        assert!(b.cookie(SESSION_COOKIE).is_none());
        assert_eq!(
            b.sign_in("hue", PASSWORD).await.json()["stage"],
            "Full",
            "trusted: no second step"
        );
        // Another browser is still asked.
        assert_eq!(password_step(&app, "hue").await.1["stage"], "SecondFactor");
        let overview = b.call("security_overview", &[]).await.json();
        let browsers = overview["trusted_browsers"].as_array().unwrap();
        assert_eq!(browsers.len(), 1);
        assert_eq!(browsers[0]["current"], true);
        assert_eq!(browsers[0]["browser"], "Chrome on Linux");
        let id = browsers[0]["id"].as_str().unwrap().to_string();
        assert_eq!(
            b.call("revoke_trusted_browser", &[("id", &id)])
                .await
                .status,
            200
        );
        b.call("sign_out", &[]).await;
        assert_eq!(
            b.sign_in("hue", PASSWORD).await.json()["stage"],
            "SecondFactor",
            "asked again after revoke"
        );
        // Thirty days later the trust has ended by itself.
        let (c, _) = password_step(&app, "hue").await;
        verify(&c, Some("Totp"), &code(&secret, &app, 0), true).await;
        c.call("sign_out", &[]).await;
        app.clock.advance(30 * 86_400);
        assert_eq!(
            c.sign_in("hue", PASSWORD).await.json()["stage"],
            "SecondFactor"
        );
    }

    async fn a_new_password_forgets_trusted_browsers(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ivy").await;
        let (b, _) = password_step(&app, "ivy").await;
        verify(&b, Some("Totp"), &code(&secret, &app, 0), true).await;
        let change = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Other-Horse-77"),
                    ("confirm", "Other-Horse-77"),
                ],
            )
            .await;
        assert_eq!(change.status, 200, "{}", change.body);
        b.call("sign_out", &[]).await;
        assert_eq!(
            b.sign_in("ivy", "Other-Horse-77").await.json()["stage"],
            "SecondFactor"
        );
    }

    async fn new_backup_codes_void_the_old_set(app: TestApp) {
        let (b, secret, old) = enrolled_user(&app, "jan").await;
        app.clock.advance(5 * 60);
        assert_eq!(
            b.call("regenerate_backup_codes", &[]).await.body,
            "\"ReauthenticationRequired\""
        );
        // The password alone is not a full authentication for a user with a second factor.
        assert_eq!(
            b.call("confirm_identity", &[("password", PASSWORD)]).await.json(),
            json!({ "Invalid": { "Required": "code" } })
        );
        let now = code(&secret, &app, 0);
        let confirmed = b
            .call("confirm_identity", &[("password", PASSWORD), ("method", "Totp"), ("code", &now)])
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        let new: Vec<String> =
            serde_json::from_str(&b.call("regenerate_backup_codes", &[]).await.body).unwrap();
        assert_eq!(new.len(), 10);
        let (x, _) = password_step(&app, "jan").await;
        assert!(verify(&x, None, &old[0], false)
            .await
            .body
            .contains("BackupCodeInvalid"));
        assert_eq!(verify(&x, None, &new[0], false).await.status, 200);
    }

    async fn removing_the_last_factor_turns_two_step_verification_off(app: TestApp) {
        let (b, secret, _) = enrolled_user(&app, "kim").await;
        let id = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        app.clock.advance(5 * 60);
        assert_eq!(
            b.call("remove_factor", &[("factor_id", &id)]).await.body,
            "\"ReauthenticationRequired\""
        );
        let now = code(&secret, &app, 0);
        b.call("confirm_identity", &[("password", PASSWORD), ("method", "Totp"), ("code", &now)])
            .await;
        assert_eq!(
            b.call("remove_factor", &[("factor_id", &id)]).await.status,
            200
        );
        let overview = b.call("security_overview", &[]).await.json();
        assert_eq!(
            (
                overview["factors"].clone(),
                overview["backup_codes_remaining"].clone()
            ),
            (json!([]), json!(0))
        );
        assert_eq!(password_step(&app, "kim").await.1["stage"], "Full");
        let kinds: Vec<String> = app
            .mails_to("kim@example.com")
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(kinds, vec!["factor_added", "factor_removed"]);
    }

    async fn mandatory_two_factor_forces_enrolment_before_anything_else(app: TestApp) {
        let id = app.user("lou", PASSWORD).await;
        server::users::set_mfa_required(&mut *app.conn().await, id, true, None)
            .await
            .unwrap();
        let (b, step) = password_step(&app, "lou").await;
        assert_eq!(
            step,
            json!({ "stage": "Enrollment", "next": "/login/enroll" })
        );
        assert_eq!(
            b.call("list_sessions", &[]).await.body,
            "\"SignInIncomplete\""
        );
        assert_eq!(
            b.call("security_overview", &[]).await.body,
            "\"SignInIncomplete\""
        );
        assert_eq!(b.get("/").await.headers["location"], "/login/enroll");
        let setup = b.call("begin_totp", &[]).await.json();
        let secret = base32_decode(setup["setup_key"].as_str().unwrap());
        let id = setup["factor_id"].to_string();
        let enrolled = b
            .call(
                "confirm_totp",
                &[
                    ("factor_id", &id),
                    ("code", &code(&secret, &app, 0)),
                    ("label", ""),
                ],
            )
            .await
            .json();
        assert_eq!(enrolled["next"], "/");
        assert_eq!(enrolled["backup_codes"].as_array().unwrap().len(), 10);
        assert_eq!(b.state().await["Active"]["stage"], "Full");
        // Mandatory: the last factor cannot be removed.
        let fid = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        assert!(b
            .call("remove_factor", &[("factor_id", &fid)])
            .await
            .body
            .contains("LastMandatoryMethod"));
    }

    async fn mandatory_two_factor_for_everyone_allows_a_grace_period(app: TestApp) {
        let serve = ServeArgs {
            mfa_required: true,
            mfa_grace_period: Some(Duration::from_secs(7 * 86_400)),
            ..serve_args()
        };
        let strict = TestApp::spawn_on(
            app.test_db.clone(),
            app.clock.clone(),
            SiteArgs::default(),
            serve,
        )
        .await;
        strict.user("moe", PASSWORD).await;
        let b = strict.browser();
        assert_eq!(
            b.sign_in("moe", PASSWORD).await.json()["stage"],
            "Full",
            "in the grace period"
        );
        assert_eq!(
            b.state().await["Active"]["two_factor_grace_days"],
            7,
            "the countdown banner"
        );
        strict.clock.advance(3 * 86_400);
        let later = strict.browser();
        assert_eq!(later.sign_in("moe", PASSWORD).await.json()["stage"], "Full");
        assert_eq!(later.state().await["Active"]["two_factor_grace_days"], 4);
        strict.clock.advance(4 * 86_400);
        assert_eq!(
            strict.browser().sign_in("moe", PASSWORD).await.json()["stage"],
            "Enrollment",
            "grace is over"
        );
    }

    async fn a_partial_session_ends_after_ten_minutes(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ned").await;
        let (b, _) = password_step(&app, "ned").await;
        app.clock.advance(5 * 60);
        assert_eq!(b.call("challenge", &[]).await.status, 200);
        app.clock.advance(5 * 60);
        assert_eq!(
            verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .body,
            "\"SessionExpired\""
        );
    }

    async fn a_dormant_account_with_a_second_factor_still_changes_its_password(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ola").await;
        app.clock.advance(31 * 86_400);
        let (b, step) = password_step(&app, "ola").await;
        assert_eq!(
            step["stage"], "SecondFactor",
            "the second factor comes first"
        );
        let a = verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await;
        assert_eq!(a.json()["stage"], json!({ "PasswordChange": "Dormant" }));
    }

    async fn a_password_reset_still_asks_for_the_second_factor(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "pam").await;
        let b = app.browser();
        b.call(
            "request_password_reset",
            &[("username", "pam"), ("email", "pam@example.com")],
        )
        .await;
        let token = crate::harness::token_of(&app.link_in_mail("pam@example.com", "password_reset").await);
        let set = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Reset"),
                    ("token", &token),
                    ("new", "Reset-Horse-31"),
                    ("confirm", "Reset-Horse-31"),
                ],
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let step = b.sign_in("pam", "Reset-Horse-31").await.json();
        assert_eq!(
            step["stage"], "SecondFactor",
            "the emailed link stands in for the password only"
        );
        assert_eq!(
            verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .json()["stage"],
            "Full"
        );
    }
}
