//! Browser and operating system read from a User-Agent header, by the Woothee project's rules (a
//! maintained, data-driven parser: no regex file to ship, no network). Only for showing people what
//! signed in ("Firefox 128", "Windows 10"): a device is *recognised* by its device cookie, never by
//! this string, so a browser update raises no false alarm.
use std::sync::LazyLock;

static PARSER: LazyLock<woothee::parser::Parser> = LazyLock::new(woothee::parser::Parser::new);

/// What a User-Agent says, in product names (not translated). Empty when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    pub browser: String,
    pub os: String,
}

impl Described {
    /// One line for emails and logs: "Firefox 128 (Linux)", "Chrome 120", or "" when nothing is known.
    pub fn summary(&self) -> String {
        match (self.browser.is_empty(), self.os.is_empty()) {
            (false, false) => format!("{} ({})", self.browser, self.os),
            (false, true) => self.browser.clone(),
            (true, false) => self.os.clone(),
            (true, true) => String::new(),
        }
    }
}

fn known(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN).then_some(s)
}

/// Browser (name and major version) and operating system (name and version when it says).
pub fn describe(user_agent: &str) -> Described {
    // A header is at most a few hundred bytes from a real browser; a longer one is not parsed.
    if user_agent.is_empty() || user_agent.len() > 1024 {
        return Described::default();
    }
    let Some(r) = PARSER.parse(user_agent) else {
        return Described::default();
    };
    let browser = match known(r.name) {
        Some(name) => match known(r.version).and_then(|v| v.split('.').next()) {
            Some(major) if !major.is_empty() => format!("{name} {major}"),
            _ => name.to_string(),
        },
        None => String::new(),
    };
    // Woothee names Apple systems by device ("iPhone", "Mac OSX"); people know them as iOS and macOS.
    let os = known(r.os).map(|os| match os {
        "iPhone" | "iPad" | "iPod" => "iOS",
        "Mac OSX" => "macOS",
        other => other,
    });
    let os = match os {
        Some(os) => match known(&r.os_version) {
            // Woothee's Windows names already carry the version ("Windows 10").
            Some(v) if !os.contains(v) && !os.starts_with("Windows") => {
                format!("{os} {}", v.replace('_', "."))
            }
            _ => os.to_string(),
        },
        None => String::new(),
    };
    Described { browser, os }
}

/// `describe(ua).summary()`.
pub fn summary(user_agent: &str) -> String {
    describe(user_agent).summary()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WINDOWS: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                                  Chrome/120.0.6099.109 Safari/537.36";
    const FIREFOX_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const SAFARI_IPHONE: &str =
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 \
                                 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let d = describe(CHROME_WINDOWS);
        assert_eq!(d.browser, "Chrome 120");
        assert_eq!(d.os, "Windows 10");
        assert_eq!(d.summary(), "Chrome 120 (Windows 10)");
        let d = describe(FIREFOX_LINUX);
        assert_eq!(d.browser, "Firefox 128");
        assert_eq!(d.os, "Linux");
        let d = describe(SAFARI_IPHONE);
        assert_eq!(d.browser, "Safari 17");
        assert_eq!(d.os, "iOS 17.2");
    }

    #[test]
    fn unknown_empty_and_oversized_agents_say_nothing() {
        assert_eq!(describe(""), Described::default());
        assert_eq!(summary(&"x".repeat(5000)), "");
        assert_eq!(summary("curl/8.5.0"), describe("curl/8.5.0").summary());
        assert_eq!(describe("\u{0}\u{1}garbage").summary(), "");
    }
}
