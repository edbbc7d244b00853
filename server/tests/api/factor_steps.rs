//! Test support for second-factor scenarios: the test password, an authenticator app's codes, an
//! enrolled user, and the two steps of signing in.
use crate::harness::{Browser, TestApp};
use serde_json::Value;

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

pub async fn verify(
    b: &Browser,
    kind: Option<&str>,
    code: &str,
    trust: bool,
) -> crate::harness::Answer {
    let mut form = vec![("code", code)];
    form.push(("method", kind.unwrap_or("BackupCode")));
    if trust {
        form.push(("trust", "true"));
    }
    b.call("verify_second_factor", &form).await
}
