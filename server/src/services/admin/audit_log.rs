//! The audit log in the back office (every account's events, filtered, a page at a time) and its CSV
//! export; and the conversions the owner's activity page shares.
use app::error::{AppError, Invalid};
use app::service::RequestInfo;
use app::types::{event_key, AuditEntry, AuditPage, Locale, AUDIT_PER_PAGE};

use super::Admin;
use crate::audit::{self, Entry, Event, Filter, Listed};
use crate::db::Conn;
use crate::services::OrInternal;
use crate::users;

/// Most rows one export carries (newest first).
const EXPORT_MAX: i64 = 100_000;

pub fn entry(listed: &Listed) -> AuditEntry {
    let e = &listed.entry;
    AuditEntry {
        id: e.id,
        at: e.at,
        event: e.event.clone(),
        actor: listed.actor_name.clone(),
        subject: listed.subject_name.clone(),
        ip: e.ip.clone(),
        browser: if e.user_agent.is_empty() {
            String::new()
        } else {
            crate::user_agent::summary(&e.user_agent)
        },
        detail: e.detail.clone(),
    }
}

/// Every event name, for the filter.
pub fn event_names() -> Vec<String> {
    Event::ALL.iter().map(|e| e.name().to_string()).collect()
}

/// One page of the log under `filter`.
pub async fn page_of(conn: &mut Conn, filter: &Filter, page: u32) -> Result<AuditPage, AppError> {
    let per_page = AUDIT_PER_PAGE;
    let (rows, total) = audit::search(
        conn,
        filter,
        i64::from(per_page),
        i64::from(page) * i64::from(per_page),
    )
    .await
    .or_internal("reading the audit log")?;
    Ok(AuditPage {
        entries: rows.iter().map(entry).collect(),
        total,
        page,
        per_page,
        events: event_names(),
    })
}

/// A CSV field: quoted when it must be, and never read as a formula by a spreadsheet.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The entries as CSV, with headers and event descriptions in `locale`.
pub fn csv(entries: &[AuditEntry], locale: Locale) -> String {
    let tr = |key: &str| app::i18n::tr(locale, key, &[]);
    let system = tr("audit.actor_system");
    let headers = [
        "audit.col_time",
        "audit.col_code",
        "audit.col_event",
        "audit.col_actor",
        "audit.col_subject",
        "audit.col_address",
        "audit.col_browser",
        "audit.col_detail",
    ];
    let mut out = headers
        .iter()
        .map(|h| field(&tr(h)))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for e in entries {
        let row = [
            app::format::iso_utc(e.at),
            e.event.clone(),
            tr(&event_key(&e.event)),
            e.actor.clone().unwrap_or_else(|| system.clone()),
            e.subject.clone().unwrap_or_default(),
            e.ip.clone(),
            e.browser.clone(),
            e.detail.clone(),
        ];
        out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

impl Admin {
    /// The filter for a request: a known event name (or none), and a username (or none; an unknown one
    /// matches nothing).
    async fn filter(
        &self,
        conn: &mut Conn,
        event: &str,
        username: &str,
    ) -> Result<Filter, AppError> {
        let event = event.trim();
        if !event.is_empty() && Event::from_name(event).is_none() {
            return Err(AppError::Invalid(Invalid::Malformed));
        }
        let username = username.trim();
        let user = if username.is_empty() {
            0
        } else {
            users::find_by_username(conn, username)
                .await
                .or_internal("finding a user")?
                .map(|u| u.id)
                .unwrap_or(-1)
        };
        Ok(Filter {
            event: event.to_string(),
            user,
            about_only: false,
        })
    }

    pub(super) async fn audit_page(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
        page: u32,
    ) -> Result<AuditPage, AppError> {
        let mut conn = self.0.conn().await?;
        self.administrator(&mut conn, req).await?;
        let filter = self.filter(&mut conn, event, username).await?;
        page_of(&mut conn, &filter, page).await
    }

    pub(super) async fn audit_csv(
        &self,
        req: &RequestInfo,
        event: &str,
        username: &str,
    ) -> Result<String, AppError> {
        let core = &self.0;
        let mut conn = core.conn().await?;
        let current = self.administrator(&mut conn, req).await?;
        let filter = self.filter(&mut conn, event, username).await?;
        let (rows, total) = audit::search(&mut conn, &filter, EXPORT_MAX, 0)
            .await
            .or_internal("reading the audit log")?;
        let entries: Vec<AuditEntry> = rows.iter().map(entry).collect();
        // Who took a copy of the log, and of what.
        let record = Entry {
            event: Event::AuditExported,
            actor: Some(current.user.id),
            subject: None,
            ip: req.ip,
            user_agent: &req.user_agent,
            detail: serde_json::json!({ "event": filter.event, "user": username.trim(), "rows": total.min(EXPORT_MAX) }),
        };
        audit::record(&mut conn, core.now(), record)
            .await
            .or_internal("writing the audit log")?;
        Ok(csv(&entries, req.locale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }

    #[test]
    fn every_event_is_described_in_every_language() {
        for locale in Locale::ALL {
            for name in event_names() {
                let key = event_key(&name);
                let text = app::i18n::tr(locale, &key, &[]);
                assert_ne!(text, key, "{key} is missing in {locale}");
            }
        }
    }

    #[test]
    fn the_export_has_translated_headers_and_one_row_per_entry() {
        let entries = vec![AuditEntry {
            id: 1,
            at: 1_800_000_000,
            event: "account.unlocked".into(),
            actor: Some("boss".into()),
            subject: Some("gus".into()),
            ip: "127.0.0.1".into(),
            browser: "Firefox on Linux".into(),
            detail: r#"{"by":"administrator"}"#.into(),
        }];
        let text = csv(&entries, Locale::Fr);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(
            lines[0].starts_with("Date,Code de l'événement,Événement,Par"),
            "{}",
            lines[0]
        );
        assert_eq!(
            lines[1],
            "2027-01-15T08:00:00Z,account.unlocked,Compte déverrouillé,boss,gus,127.0.0.1,Firefox on Linux,\"{\"\"by\"\":\"\"administrator\"\"}\""
        );
        assert_eq!(lines.len(), 3);
    }
}
