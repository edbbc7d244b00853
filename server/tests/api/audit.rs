//! The audit log as people read it: the owner's own activity, and the back office's log with filters,
//! pages and the CSV export.
use crate::admin::administrator;
use serde_json::Value;

const PASSWORD: &str = "Correct-Horse-42";

fn events_of(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["event"].as_str().expect("event").to_string())
        .collect()
}

scenarios! {
    async fn the_owner_sees_what_happened_on_their_account_and_nothing_else(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        app.user("hana", PASSWORD).await;
        app.user("ivan", PASSWORD).await;
        let hana = app.browser();
        hana.sign_in("hana", "Wrong-Password-1").await;
        hana.sign_in("hana", PASSWORD).await;
        app.browser().sign_in("ivan", PASSWORD).await;
        let a = admin
            .call("admin_set_role", &[("username", "hana"), ("role", "Authorized")])
            .await;
        assert_eq!(a.status, 200, "{}", a.body);

        let mine = hana.call("my_activity", &[]).await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        let mine = mine.json();
        let events = events_of(&mine);
        // Newest first.
        assert_eq!(events[0], "user.role_changed", "{events:?}");
        assert!(events.contains(&"sign_in.password_ok".to_string()));
        assert!(events.contains(&"sign_in.wrong_password".to_string()));
        let entries = mine["entries"].as_array().expect("entries");
        assert!(entries.iter().all(|e| e["subject"] == "hana"), "only hana's: {entries:?}");
        assert_eq!(entries[0]["actor"], "boss");
        assert_eq!(entries[0]["ip"], "127.0.0.1");
        assert!(!entries[0]["browser"].as_str().expect("browser").is_empty());
        // The administrator's own activity does not list what they did to others.
        let boss = admin.call("my_activity", &[]).await.json();
        assert!(!events_of(&boss).contains(&"user.role_changed".to_string()));
        // Anonymous visitors and partial sessions see nothing.
        assert_eq!(app.browser().call("my_activity", &[]).await.status, 401);
    }

    async fn the_back_office_filters_pages_and_exports_the_log(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        app.user("jon", PASSWORD).await;
        let jon = app.browser();
        for _ in 0..3 {
            jon.sign_in("jon", PASSWORD).await;
        }
        for _ in 0..45 {
            app.browser().sign_in("nobody-here", PASSWORD).await;
        }
        let all = admin.call("admin_audit", &[]).await.json();
        assert_eq!(all["per_page"], 50);
        assert!(all["total"].as_i64().expect("total") > 50);
        assert_eq!(all["entries"].as_array().expect("entries").len(), 50);
        assert!(all["events"].as_array().expect("events").iter().any(|e| e == "user.created"));
        let second = admin.call("admin_audit", &[("page", "1")]).await.json();
        assert_ne!(second["entries"][0]["id"], all["entries"][0]["id"]);

        let unknown = admin
            .call("admin_audit", &[("event", "sign_in.unknown_account")])
            .await
            .json();
        assert_eq!(unknown["total"], 45);
        assert!(events_of(&unknown).iter().all(|e| e == "sign_in.unknown_account"));

        let jons = admin.call("admin_audit", &[("user", "JON")]).await.json();
        assert!(jons["entries"].as_array().expect("entries").iter().all(|e| e["subject"] == "jon" || e["actor"] == "jon"));
        assert_eq!(
            events_of(&jons).iter().filter(|e| *e == "sign_in.password_ok").count(),
            3
        );
        let nobody = admin.call("admin_audit", &[("user", "no-such-user")]).await.json();
        assert_eq!(nobody["total"], 0);
        let bad = admin.call("admin_audit", &[("event", "not.an_event")]).await;
        assert_eq!(bad.status, 422);

        // The export: every matching entry, headers in the administrator's language.
        admin.set_cookie("__Host-portcullis_lang", "fr");
        let csv = admin.get("/admin/audit.csv?event=sign_in.password_ok&user=jon").await;
        assert_eq!(csv.status, 200, "{}", csv.body);
        assert!(csv.headers["content-type"].to_str().expect("type").starts_with("text/csv"));
        assert!(csv.headers["content-disposition"].to_str().expect("disposition").contains("attachment"));
        let lines: Vec<&str> = csv.body.lines().collect();
        assert!(lines[0].starts_with("Date,Code de l'événement,Événement"), "{}", lines[0]);
        assert_eq!(lines.len(), 4, "{}", csv.body);
        assert!(lines[1..].iter().all(|l| l.contains(",sign_in.password_ok,Mot de passe accepté,jon,jon,127.0.0.1,")), "{}", csv.body);
        let everything = admin.get("/admin/audit.csv").await;
        assert!(everything.body.lines().count() > 50);
        // The export is itself in the log.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'audit_log.exported'").await,
            2
        );
    }
}
