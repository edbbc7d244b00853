//! Passkey scenarios with a software authenticator (webauthn-authenticator-rs's SoftPasskey, real
//! P-256 signatures): registration, the second step, confirming identity, passwordless sign-in, and
//! every way an answer must be refused — wrong origin, replayed or expired challenge, unknown
//! credential, a ceremony finished by another session or for another account.
use crate::harness::{Browser, TestApp};
use crate::second_factor::PASSWORD;
use serde_json::Value;
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_core::proto::{CreationChallengeResponse, RequestChallengeResponse};

/// The options a server function answered (a JSON document inside a JSON string).
async fn options(b: &Browser, function: &str, form: &[(&str, &str)]) -> Value {
    let a = b.call(function, form).await;
    assert_eq!(a.status, 200, "{function}: {}", a.body);
    serde_json::from_str(a.json().as_str().expect("options text")).expect("options JSON")
}

/// An authenticator that verifies its user when asked to (it has a PIN or a fingerprint), or not.
fn authenticator(verifies_user: bool) -> SoftPasskey {
    SoftPasskey::new(verifies_user)
}

/// Registers a new credential on `key` for the signed-in browser (identity confirmed just before);
/// answers the user handle it was made for.
async fn register(
    app: &TestApp,
    b: &Browser,
    key: &mut SoftPasskey,
    verifies_user: bool,
    label: &str,
) -> String {
    let mut opts = options(b, "begin_passkey_registration", &[]).await;
    let handle = opts["publicKey"]["user"]["id"]
        .as_str()
        .expect("user id")
        .to_string();
    if verifies_user {
        // The software key performs user verification only when it is required.
        opts["publicKey"]["authenticatorSelection"]["userVerification"] = "required".into();
    }
    let ccr: CreationChallengeResponse = serde_json::from_value(opts).expect("creation options");
    let answer = key
        .do_registration(Url::parse(&app.base).unwrap(), ccr)
        .expect("registration");
    let done = b
        .call(
            "finish_passkey_registration",
            &[
                ("credential", &serde_json::to_string(&answer).unwrap()),
                ("label", label),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    handle
}

/// Answers assertion options with `key` from `origin` (the key's own credentials, as a browser that
/// found a discoverable one would list them); `user_handle` as a discoverable credential returns it.
fn assertion(
    key: &mut SoftPasskey,
    mut opts: Value,
    origin: &str,
    allow: Option<&[String]>,
    user_handle: Option<&str>,
    verifies_user: bool,
) -> Result<String, String> {
    if let Some(ids) = allow {
        opts["publicKey"]["allowCredentials"] = ids
            .iter()
            .map(|id| serde_json::json!({ "type": "public-key", "id": id }))
            .collect();
    }
    if verifies_user {
        opts["publicKey"]["userVerification"] = "required".into();
    }
    let rcr: RequestChallengeResponse = serde_json::from_value(opts).map_err(|e| e.to_string())?;
    let answer = key
        .do_authentication(Url::parse(origin).unwrap(), rcr)
        .map_err(|e| format!("{e:?}"))?;
    let mut json = serde_json::to_value(&answer).unwrap();
    if let Some(handle) = user_handle {
        json["response"]["userHandle"] = handle.into();
    }
    Ok(json.to_string())
}

/// The credential ids registered to an account.
async fn credential_ids(app: &TestApp, user_id: i64) -> Vec<String> {
    use sqlx::Row;
    sqlx::query("SELECT credential_id FROM second_factors WHERE user_id = $1 AND kind = 'passkey'")
        .bind(user_id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

/// A user with one passkey (user-verifying), signed in on `b`; answers (browser, key, handle, id).
async fn with_passkey(app: &TestApp, name: &str) -> (Browser, SoftPasskey, String, i64) {
    let id = app.user(name, PASSWORD).await;
    let b = app.browser();
    assert_eq!(b.sign_in(name, PASSWORD).await.json()["stage"], "Full");
    let mut key = authenticator(true);
    let handle = register(app, &b, &mut key, true, "Laptop").await;
    (b, key, handle, id)
}

async fn second_step(b: &Browser, answer: &str) -> crate::harness::Answer {
    b.call(
        "verify_second_factor",
        &[("method", "Passkey"), ("code", answer)],
    )
    .await
}

scenarios! {
    async fn a_registered_passkey_is_listed_with_its_kind_and_is_the_second_step(app: TestApp) {
        let (b, mut key, _handle, id) = with_passkey(&app, "ada").await;
        let overview = b.call("security_overview", &[]).await.json();
        let factor = &overview["factors"][0];
        assert_eq!(factor["kind"], "Passkey");
        assert_eq!(factor["label"], "Laptop");
        assert_eq!(factor["passkey"], "SecurityKey", "{factor}");
        assert_eq!(factor["passwordless"], true);
        assert_eq!(overview["backup_codes_remaining"], 10, "the first factor brings backup codes");
        assert!(app.events(id).await.contains(&"factor.added".to_string()));
        assert!(app.mails_to("ada@example.com").await.iter().any(|(k, _, _)| k == "factor_added"));
        // Signing in again: the password, then the passkey.
        let b2 = app.browser();
        assert_eq!(b2.sign_in("ada", PASSWORD).await.json()["stage"], "SecondFactor");
        let challenge = b2.call("challenge", &[]).await.json();
        assert_eq!(challenge["methods"][0], "Passkey");
        let opts = options(&b2, "begin_passkey_assertion", &[]).await;
        assert_eq!(opts["publicKey"]["allowCredentials"].as_array().unwrap().len(), 1);
        let answer = assertion(&mut key, opts, &app.base, None, None, true).unwrap();
        let done = second_step(&b2, &answer).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json()["stage"], "Full");
        assert!(app.events(id).await.contains(&"sign_in.second_factor".to_string()));
    }

    async fn an_answer_from_another_origin_is_refused(app: TestApp) {
        let (_b, mut key, _h, _id) = with_passkey(&app, "ada").await;
        let b2 = app.browser();
        b2.sign_in("ada", PASSWORD).await;
        let opts = options(&b2, "begin_passkey_assertion", &[]).await;
        // Same host name, another origin (a phishing page on another port of the same machine).
        let port: u16 = Url::parse(&app.base).unwrap().port().unwrap();
        let evil = format!("http://localhost:{}", port.wrapping_add(1));
        let answer = assertion(&mut key, opts, &evil, None, None, true).unwrap();
        let refused = second_step(&b2, &answer).await;
        assert_eq!(refused.body, "\"PasskeyRefused\"");
        assert_eq!(b2.state().await["Partial"], "SecondFactor");
    }

    async fn a_replayed_or_expired_challenge_is_refused(app: TestApp) {
        let (_b, mut key, _h, _id) = with_passkey(&app, "ada").await;
        let b2 = app.browser();
        b2.sign_in("ada", PASSWORD).await;
        // Expired: five minutes are the ceremony's whole life.
        let opts = options(&b2, "begin_passkey_assertion", &[]).await;
        let late = assertion(&mut key, opts, &app.base, None, None, true).unwrap();
        app.clock.advance(301);
        assert_eq!(second_step(&b2, &late).await.body, "\"PasskeyRefused\"");
        // The sign-in itself is still live: a fresh ceremony works, once.
        let b3 = app.browser();
        b3.sign_in("ada", PASSWORD).await;
        let opts = options(&b3, "begin_passkey_assertion", &[]).await;
        let answer = assertion(&mut key, opts, &app.base, None, None, true).unwrap();
        // An answer to an older ceremony of the same session is refused (its challenge is not this
        // one), and spends the newer ceremony: every ceremony is answered at most once.
        let opts_again = options(&b3, "begin_passkey_assertion", &[]).await;
        assert_eq!(second_step(&b3, &answer).await.body, "\"PasskeyRefused\"");
        let spent = assertion(&mut key, opts_again, &app.base, None, None, true).unwrap();
        assert_eq!(second_step(&b3, &spent).await.body, "\"PasskeyRefused\"");
        let opts = options(&b3, "begin_passkey_assertion", &[]).await;
        let answer = assertion(&mut key, opts, &app.base, None, None, true).unwrap();
        assert_eq!(second_step(&b3, &answer).await.json()["stage"], "Full");
        // Replayed (by someone who captured it) into another half-signed-in session: no ceremony there.
        let b4 = app.browser();
        b4.sign_in("ada", PASSWORD).await;
        options(&b4, "begin_passkey_assertion", &[]).await;
        assert_eq!(second_step(&b4, &answer).await.body, "\"PasskeyRefused\"");
    }

    async fn a_credential_of_another_account_or_unknown_is_refused(app: TestApp) {
        let (_b, _key, _h, _ada) = with_passkey(&app, "ada").await;
        let (_b, mut bobs_key, bobs_handle, bob) = with_passkey(&app, "bob").await;
        let bobs_ids = credential_ids(&app, bob).await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        let opts = options(&b, "begin_passkey_assertion", &[]).await;
        let answer = assertion(&mut bobs_key, opts, &app.base, Some(&bobs_ids), None, true).unwrap();
        assert_eq!(second_step(&b, &answer).await.body, "\"PasskeyRefused\"");
        // Passwordless with a credential this server does not know (removed meanwhile).
        sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
            .bind(bob)
            .execute(&app.db.pool)
            .await
            .unwrap();
        let anon = app.browser();
        let opts = options(&anon, "begin_passkey_sign_in", &[]).await;
        let answer =
            assertion(&mut bobs_key, opts, &app.base, Some(&bobs_ids), Some(&bobs_handle), true).unwrap();
        let refused = anon.call("finish_passkey_sign_in", &[("credential", &answer)]).await;
        assert_eq!(refused.body, "\"PasskeyRefused\"");
        assert_eq!(anon.state().await, "Anonymous");
    }

    async fn a_registration_is_finished_only_by_the_session_and_account_that_started_it(app: TestApp) {
        let ada = app.user("ada", PASSWORD).await;
        app.user("bob", PASSWORD).await;
        let a = app.browser();
        a.sign_in("ada", PASSWORD).await;
        let b = app.browser();
        b.sign_in("bob", PASSWORD).await;
        let a2 = app.browser();
        a2.sign_in("ada", PASSWORD).await;
        let opts = options(&a, "begin_passkey_registration", &[]).await;
        let ccr: CreationChallengeResponse = serde_json::from_value(opts).unwrap();
        let answer = authenticator(true)
            .do_registration(Url::parse(&app.base).unwrap(), ccr)
            .unwrap();
        let answer = serde_json::to_string(&answer).unwrap();
        let finish = |browser: &Browser| {
            let browser = browser.clone();
            let answer = answer.clone();
            async move {
                browser
                    .call("finish_passkey_registration", &[("credential", &answer), ("label", "Stolen")])
                    .await
            }
        };
        // Another account: nothing of its own to finish.
        assert_eq!(finish(&b).await.body, r#"{"Invalid":"SetupExpired"}"#);
        // Another account that started a ceremony of its own: the answer is not for its challenge.
        options(&b, "begin_passkey_registration", &[]).await;
        assert_eq!(finish(&b).await.body, "\"PasskeyRefused\"");
        // Another session of the same account.
        assert_eq!(finish(&a2).await.body, r#"{"Invalid":"SetupExpired"}"#);
        assert_eq!(app.count("SELECT COUNT(*) FROM second_factors").await, 0);
        // The session that started it: accepted, once.
        assert_eq!(finish(&a).await.status, 200);
        assert_eq!(finish(&a).await.body, r#"{"Invalid":"SetupExpired"}"#);
        assert_eq!(credential_ids(&app, ada).await.len(), 1);
    }

    async fn a_passkey_signs_in_without_a_password_and_the_account_rules_still_apply(app: TestApp) {
        let (_b, mut key, handle, id) = with_passkey(&app, "ada").await;
        let ids = credential_ids(&app, id).await;
        let sign_in = |key: &mut SoftPasskey, b: &Browser, opts: Value| {
            assertion(key, opts, &app.base, Some(&ids), Some(&handle), true).map(|answer| {
                let b = b.clone();
                async move { b.call("finish_passkey_sign_in", &[("credential", &answer)]).await }
            })
        };
        let anon = app.browser();
        let opts = options(&anon, "begin_passkey_sign_in", &[("conditional", "true")]).await;
        assert_eq!(opts["mediation"], "conditional");
        assert_eq!(opts["publicKey"]["allowCredentials"], serde_json::json!([]));
        let done = sign_in(&mut key, &anon, opts).unwrap().await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json()["stage"], "Full");
        assert!(app.events(id).await.contains(&"sign_in.passkey".to_string()));
        // Without the browser's ceremony cookie, nothing to finish.
        let other = app.browser();
        let opts = options(&other, "begin_passkey_sign_in", &[]).await;
        other.set_cookie("__Host-portcullis_webauthn", "forged");
        assert_eq!(sign_in(&mut key, &other, opts).unwrap().await.body, "\"PasskeyRefused\"");
        // A locked account stays locked, passkey or not.
        for _ in 0..5 {
            app.browser().sign_in("ada", "Wrong-Horse-1").await;
        }
        let locked = app.browser();
        let opts = options(&locked, "begin_passkey_sign_in", &[]).await;
        assert_eq!(sign_in(&mut key, &locked, opts).unwrap().await.body, "\"SignInFailed\"");
        assert_eq!(locked.state().await, "Anonymous");
    }

    async fn a_security_key_without_user_verification_is_only_a_second_step(app: TestApp) {
        let id = app.user("ada", PASSWORD).await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        let mut key = authenticator(false);
        let handle = register(&app, &b, &mut key, false, "YubiKey").await;
        let overview = b.call("security_overview", &[]).await.json();
        assert_eq!(overview["factors"][0]["passwordless"], false);
        let ids = credential_ids(&app, id).await;
        let anon = app.browser();
        let opts = options(&anon, "begin_passkey_sign_in", &[]).await;
        let answer = assertion(&mut key, opts, &app.base, Some(&ids), Some(&handle), false).unwrap();
        let refused = anon.call("finish_passkey_sign_in", &[("credential", &answer)]).await;
        assert_eq!(refused.body, "\"PasskeyNeedsPassword\"");
        assert_eq!(anon.state().await, "Anonymous");
        // After the password it is a second factor like any other.
        let b2 = app.browser();
        b2.sign_in("ada", PASSWORD).await;
        let opts = options(&b2, "begin_passkey_assertion", &[]).await;
        let answer = assertion(&mut key, opts, &app.base, None, None, false).unwrap();
        assert_eq!(second_step(&b2, &answer).await.json()["stage"], "Full");
    }

    async fn parallel_bad_passkey_answers_stay_within_the_shared_limit(app: TestApp) {
        let (_b, _key, _h, id) = with_passkey(&app, "ada").await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        options(&b, "begin_passkey_assertion", &[]).await;
        let answers = crate::browser::burst((0..12).map(|_| {
            let b = b.clone();
            async move { second_step(&b, "{\"not\":\"an answer\"}").await }
        }))
        .await;
        let judged = answers.iter().filter(|a| a.body == "\"PasskeyRefused\"").count();
        assert!(judged <= 5, "{judged} answers judged: {:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());
        assert!(answers.iter().all(|a| a.status != 200));
        use sqlx::Row;
        let failures: i64 = sqlx::query("SELECT failures FROM second_factor_limits WHERE user_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert!(failures <= 5, "{failures}");
    }

    async fn a_passkey_confirms_identity_then_can_be_renamed_and_removed(app: TestApp) {
        let (b, mut key, _h, id) = with_passkey(&app, "ada").await;
        app.clock.advance(6 * 60);
        let factor = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        assert_eq!(b.call("remove_factor", &[("factor_id", &factor)]).await.body, "\"ReauthenticationRequired\"");
        // The password alone is not enough when the account has a second factor.
        assert!(b.call("confirm_identity", &[("password", PASSWORD)]).await.body.contains("Required"));
        let opts = options(&b, "begin_passkey_assertion", &[]).await;
        let answer = assertion(&mut key, opts, &app.base, None, None, true).unwrap();
        let confirmed = b
            .call("confirm_identity", &[("password", PASSWORD), ("method", "Passkey"), ("code", &answer)])
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        assert_eq!(b.call("rename_factor", &[("factor_id", &factor), ("label", "Old laptop")]).await.status, 200);
        assert_eq!(b.call("security_overview", &[]).await.json()["factors"][0]["label"], "Old laptop");
        assert_eq!(b.call("remove_factor", &[("factor_id", &factor)]).await.status, 200);
        assert_eq!(b.call("security_overview", &[]).await.json()["factors"], serde_json::json!([]));
        assert!(app.events(id).await.contains(&"factor.removed".to_string()));
        assert!(app.mails_to("ada@example.com").await.iter().any(|(k, _, _)| k == "factor_removed"));
    }

    async fn a_credential_id_belongs_to_one_account(app: TestApp) {
        let (_b, _key, _h, ada) = with_passkey(&app, "ada").await;
        let bob = app.user("bob", PASSWORD).await;
        let (factor, stored) = server::auth::factor::passkey::of_user(&mut *app.conn().await, ada)
            .await
            .unwrap()
            .remove(0);
        let _ = factor;
        let again = server::auth::factor::passkey::store(&mut *app.conn().await, bob, "Copy", &stored, app.clock_now())
            .await
            .unwrap();
        assert_eq!(again, None);
        assert!(credential_ids(&app, bob).await.is_empty());
    }
}
