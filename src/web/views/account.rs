//! Words the account pages share (the account page and two-step verification).

/// A wrong current password on a form that asks for it.
pub const WRONG_PASSWORD: &str = "Your password is not right. Enter the password you use to log in";

/// Too many wrong current passwords in an hour.
pub const TOO_MANY: &str =
    "You have entered a wrong password too many times. Wait an hour, then try again";

pub fn when(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    crate::local_time::short_time_on_date(t, tz)
}

pub fn day(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    crate::local_time::date_of(t, tz)
}

/// A short, readable description of a browser's user agent ("Firefox on Windows").
pub fn describe_agent(ua: Option<&str>) -> String {
    let Some(ua) = ua.filter(|u| !u.trim().is_empty()) else {
        return "Unknown browser".into();
    };
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "A browser or program"
    };
    let os = if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        Some("iOS")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("CrOS") {
        Some("ChromeOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_described_in_plain_words() {
        assert_eq!(
            describe_agent(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0"
            )),
            "Edge on Windows"
        );
        assert_eq!(
            describe_agent(Some(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            )),
            "Safari on iOS"
        );
        assert_eq!(describe_agent(None), "Unknown browser");
        assert_eq!(describe_agent(Some("curl/8.0")), "A browser or program");
    }
}
