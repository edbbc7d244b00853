//! Email texts, from the message catalogue (`email.<kind>.*` keys), in the recipient's language: each
//! message in plain text and HTML, with the time (in the recipient's time zone), address and browser of
//! the request where they help the reader decide whether it was them.
use app::i18n::tr;
use app::types::Locale;

pub use super::messages::Message;
use crate::notify::{Origin, Recipient};

pub struct Rendered {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of an email: words, a link with its label, or a list of facts.
pub(super) enum Part {
    Text(String),
    Link(String, String),
    Facts(Vec<String>),
}

pub const PRODUCT: &str = "Portcullis";

/// `2026-12-02 16:04 (Europe/Paris)`, or UTC when the reader's time zone is unknown.
pub fn local_time(at: i64, time_zone: Option<&str>) -> String {
    let utc = || app::format::utc_minute(at);
    let Some(tz) = time_zone else { return utc() };
    let Ok(ts) = jiff::Timestamp::from_second(at) else {
        return utc();
    };
    match jiff::tz::TimeZone::get(tz) {
        Ok(zone) => format!("{} ({tz})", ts.to_zoned(zone).strftime("%Y-%m-%d %H:%M")),
        Err(_) => utc(),
    }
}

pub(super) struct Writer<'a> {
    pub(super) to: &'a Recipient,
    pub(super) kind: &'static str,
}

impl Writer<'_> {
    pub(super) fn l(&self) -> Locale {
        self.to.locale
    }

    pub(super) fn key(&self, part: &str) -> String {
        format!("email.{}.{part}", self.kind)
    }

    /// A message of this email's own section.
    pub(super) fn own(&self, part: &str, args: &[(&str, &str)]) -> String {
        let mut all = args.to_vec();
        all.push(("product", PRODUCT));
        tr(self.l(), &self.key(part), &all)
    }

    pub(super) fn text(&self, part: &str, args: &[(&str, &str)]) -> Part {
        Part::Text(self.own(part, args))
    }

    pub(super) fn link(&self, label_part: &str, url: &str) -> Part {
        Part::Link(self.own(label_part, &[]), url.to_string())
    }

    pub(super) fn greeting(&self) -> Part {
        Part::Text(tr(
            self.l(),
            "email.common.greeting",
            &[("name", &self.to.name)],
        ))
    }

    pub(super) fn origin(&self, origin: &Origin) -> Part {
        let unknown = tr(self.l(), "email.common.unknown", &[]);
        let or_unknown = |s: &str| {
            if s.is_empty() {
                unknown.clone()
            } else {
                s.to_string()
            }
        };
        let mut lines = vec![
            tr(
                self.l(),
                "email.common.time",
                &[("time", &local_time(origin.at, self.to.time_zone.as_deref()))],
            ),
            tr(
                self.l(),
                "email.common.address",
                &[("ip", &or_unknown(&origin.ip))],
            ),
        ];
        lines.push(tr(
            self.l(),
            "email.common.location",
            &[(
                "location",
                &or_unknown(
                    origin
                        .location
                        .as_ref()
                        .map(|p| p.label(self.to.locale))
                        .unwrap_or(""),
                ),
            )],
        ));
        lines.push(tr(
            self.l(),
            "email.common.browser",
            &[("browser", &or_unknown(&origin.browser))],
        ));
        Part::Facts(lines)
    }
}

impl Message {
    pub fn render(&self, to: &Recipient) -> Rendered {
        let w = Writer {
            to,
            kind: self.kind(),
        };
        let (subject, parts) = self.parts(&w);
        let mut text = String::new();
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family:system-ui,sans-serif;color:#1c2230;\
             line-height:1.5\"><p style=\"font-weight:700;font-size:18px\">{PRODUCT}</p>",
            to.locale.tag()
        );
        for part in &parts {
            match part {
                Part::Text(t) => {
                    text.push_str(t);
                    html.push_str(&format!("<p>{}</p>", escape(t)));
                }
                Part::Link(label, url) => {
                    text.push_str(&format!("{label}:\n{url}"));
                    html.push_str(&format!(
                        "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#2d5bd7;\
                         color:#fff;border-radius:8px;text-decoration:none\">{}</a></p>\
                         <p style=\"font-size:13px;color:#5b6475\">{}</p>",
                        escape(url),
                        escape(label),
                        escape(url)
                    ));
                }
                Part::Facts(lines) => {
                    text.push_str(
                        &lines
                            .iter()
                            .map(|l| format!("  {l}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                    html.push_str("<ul>");
                    for l in lines {
                        html.push_str(&format!("<li>{}</li>", escape(l)));
                    }
                    html.push_str("</ul>");
                }
            }
            text.push_str("\n\n");
        }
        // Every email says who sent it and that staff never ask for codes or passwords.
        let footer = tr(to.locale, "email.common.footer", &[("product", PRODUCT)]);
        text.push_str(&format!("{footer}\n— {PRODUCT}\n"));
        html.push_str(&format!(
            "<p style=\"color:#5b6475;font-size:13px\">{}</p><p style=\"color:#5b6475\">— {PRODUCT}</p></body></html>",
            escape(&footer)
        ));
        Rendered {
            kind: self.kind(),
            subject,
            text,
            html,
        }
    }
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_readers_time_zone() {
        assert_eq!(local_time(0, None), "1970-01-01 00:00 UTC");
        assert_eq!(
            local_time(0, Some("Europe/Paris")),
            "1970-01-01 01:00 (Europe/Paris)"
        );
        assert_eq!(local_time(0, Some("Not/AZone")), "1970-01-01 00:00 UTC");
    }
}
