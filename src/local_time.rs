//! Dates and times as people read them: stored in UTC, shown in the organisation's time zone
//! (Europe/London unless the organisation chose another), in UK format ("1 December 2026",
//! "7:02am on 1 December 2026").
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

/// The zone for pages that belong to no organisation (platform admin pages, certificates).
pub const SERVICE_ZONE: Tz = chrono_tz::Europe::London;

/// The time zone called `name` (an IANA name), or Europe/London when it is not one.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::Europe::London)
}

/// Whether `name` is a time zone this server knows (for the organisation settings form).
pub fn is_known_zone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// The IANA zones a course lead can choose from (by region, in name order).
pub fn zone_names() -> Vec<&'static str> {
    const REGIONS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|n| REGIONS.iter().any(|r| n.starts_with(r)))
        .collect();
    names.sort_unstable();
    names
}

/// The calendar date at `at` where the organisation is.
pub fn local_date(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// "1 December 2026".
pub fn date(day: NaiveDate) -> String {
    day.format("%-d %B %Y").to_string()
}

/// "Tuesday 1 December 2026".
pub fn day_and_date(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// "1 December 2026", for an instant, in the organisation's zone.
pub fn date_of(at: DateTime<Utc>, tz: Tz) -> String {
    date(local_date(at, tz))
}

/// "1 Dec 2026", for tables.
pub fn short_date(day: NaiveDate) -> String {
    day.format("%-d %b %Y").to_string()
}

/// "1 Dec 2026", for an instant, in the organisation's zone.
pub fn short_date_of(at: DateTime<Utc>, tz: Tz) -> String {
    short_date(local_date(at, tz))
}

/// A date stored as midnight UTC of a calendar day (a due date, a cohort's start): that day,
/// whatever the zone, as "1 December 2026".
pub fn calendar_day(at: DateTime<Utc>) -> String {
    date(at.date_naive())
}

/// "7:02am", "3pm", "midday".
pub fn time_of(at: DateTime<Utc>, tz: Tz) -> String {
    let time = at.with_timezone(&tz).format("%-I:%M%P").to_string();
    match time.as_str() {
        "12:00pm" => "midday".to_string(),
        "12:00am" => "midnight".to_string(),
        _ => time.replace(":00", ""),
    }
}

/// "1 Dec 2026, 7:02am", for tables.
pub fn short_time_on_date(at: DateTime<Utc>, tz: Tz) -> String {
    format!("{}, {}", short_date_of(at, tz), time_of(at, tz))
}

/// "7:02am on 1 December 2026" (NHS style: am and pm, no leading zero; midday and midnight in words).
pub fn time_on_date(at: DateTime<Utc>, tz: Tz) -> String {
    format!("{} on {}", time_of(at, tz), date_of(at, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_summer_time_is_shown_an_hour_ahead_of_utc_in_london() {
        let at = Utc.with_ymd_and_hms(2026, 7, 1, 6, 2, 0).unwrap();
        assert_eq!(
            time_on_date(at, zone("Europe/London")),
            "7:02am on 1 July 2026"
        );
    }

    #[test]
    fn a_winter_time_in_london_is_utc_and_whole_hours_drop_the_minutes() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        assert_eq!(
            time_on_date(at, zone("Europe/London")),
            "3pm on 1 December 2026"
        );
        let noon = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        assert_eq!(
            time_on_date(noon, zone("Europe/London")),
            "midday on 1 December 2026"
        );
    }

    #[test]
    fn late_evening_utc_is_already_the_next_day_further_east() {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        assert_eq!(date_of(at, zone("Europe/London")), "1 December 2026");
        assert_eq!(date_of(at, zone("Europe/Berlin")), "2 December 2026");
    }

    #[test]
    fn the_zones_offered_include_london_and_new_york_but_not_legacy_names() {
        let names = zone_names();
        assert!(names.contains(&"Europe/London"));
        assert!(names.contains(&"America/New_York"));
        assert!(!names.contains(&"GB"));
        assert!(names.iter().all(|n| is_known_zone(n)));
    }

    #[test]
    fn table_dates_are_short_and_calendar_days_keep_their_day() {
        let at = Utc.with_ymd_and_hms(2026, 7, 1, 23, 30, 0).unwrap();
        assert_eq!(
            short_time_on_date(at, zone("Europe/London")),
            "2 Jul 2026, 12:30am"
        );
        let due = Utc.with_ymd_and_hms(2026, 12, 8, 0, 0, 0).unwrap();
        assert_eq!(calendar_day(due), "8 December 2026");
        assert_eq!(short_date(due.date_naive()), "8 Dec 2026");
    }

    #[test]
    fn an_unknown_zone_falls_back_to_london() {
        assert!(!is_known_zone("Mars/Olympus"));
        assert_eq!(zone("Mars/Olympus"), chrono_tz::Europe::London);
    }
}
