//! The confidence self-assessment: its two phases, the 1-5 scale, and reading a rating form.
use std::collections::BTreeMap;

use crate::course::ConfidenceStatement;

/// When the learner rates themselves: before starting, or after finishing the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Before,
    After,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "before" => Some(Self::Before),
            "after" => Some(Self::After),
            _ => None,
        }
    }
}

/// A rating on the 1-5 scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

/// Each point of the scale, as the form and the dashboard word it.
pub const SCALE: [(u8, &str); 5] = [
    (1, "Not at all confident"),
    (2, "Slightly confident"),
    (3, "Somewhat confident"),
    (4, "Fairly confident"),
    (5, "Very confident"),
];

impl Rating {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().parse::<u8>() {
            Ok(n @ 1..=5) => Some(Self(n)),
            _ => None,
        }
    }

    /// A stored value; anything outside the scale (which the database refuses anyway) is ignored.
    pub fn from_stored(n: i32) -> Option<Self> {
        u8::try_from(n)
            .ok()
            .and_then(|n| Self::parse(&n.to_string()))
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// "4 – Fairly confident"
    pub fn label(self) -> String {
        let words = SCALE
            .iter()
            .find(|(n, _)| *n == self.0)
            .map_or("", |(_, w)| *w);
        format!("{} – {words}", self.0)
    }
}

/// The form field of a statement's radios.
pub fn field_name(statement_id: &str) -> String {
    format!("rating-{statement_id}")
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingFormError {
    /// A field or value no honest form sends: 400, nothing saved.
    #[error("the form has a field or value this assessment does not have: {0}")]
    Tampered(String),
    /// Some statements were not rated: shown again with the given ratings kept, nothing saved.
    #[error("some statements were not rated")]
    Missing {
        given: BTreeMap<String, Rating>,
        missing: Vec<String>,
    },
}

/// Reads one rating for every statement, in the course's order.
///
/// # Errors
/// `Tampered` for unknown statements, values off the scale or repeated fields; `Missing` when any
/// statement has no rating.
pub fn read_ratings(
    statements: &[ConfidenceStatement],
    pairs: &[(String, String)],
) -> Result<Vec<(String, Rating)>, RatingFormError> {
    let mut given = BTreeMap::new();
    for (name, value) in pairs {
        // Other fields (the CSRF token, the button) are not ratings.
        let Some(id) = name.strip_prefix("rating-") else {
            continue;
        };
        let statement = statements
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| RatingFormError::Tampered(name.clone()))?;
        let rating = Rating::parse(value).ok_or_else(|| RatingFormError::Tampered(name.clone()))?;
        if given.insert(statement.id.clone(), rating).is_some() {
            return Err(RatingFormError::Tampered(name.clone()));
        }
    }
    let missing: Vec<String> = statements
        .iter()
        .filter(|s| !given.contains_key(&s.id))
        .map(|s| s.id.clone())
        .collect();
    if !missing.is_empty() {
        return Err(RatingFormError::Missing { given, missing });
    }
    Ok(statements
        .iter()
        .filter_map(|s| Some((s.id.clone(), *given.get(&s.id)?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements() -> Vec<ConfidenceStatement> {
        ["a", "b"]
            .iter()
            .map(|id| ConfidenceStatement {
                id: (*id).into(),
                statement: (*id).into(),
                case_study_measure: None,
                case_study_percent: None,
            })
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn the_scale_runs_from_one_to_five() {
        assert_eq!(Rating::parse("0"), None);
        assert_eq!(Rating::parse("6"), None);
        assert_eq!(Rating::parse("x"), None);
        assert_eq!(
            Rating::parse("1").map(Rating::label).as_deref(),
            Some("1 – Not at all confident")
        );
        assert_eq!(Rating::parse("5").map(Rating::value), Some(5));
    }

    #[test]
    fn every_statement_needs_a_rating() {
        let ok = read_ratings(
            &statements(),
            &pairs(&[("rating-b", "2"), ("rating-a", "5")]),
        );
        assert_eq!(
            ok.expect("valid")
                .iter()
                .map(|(id, r)| (id.as_str(), r.value()))
                .collect::<Vec<_>>(),
            vec![("a", 5), ("b", 2)]
        );
        match read_ratings(&statements(), &pairs(&[("rating-b", "2")])) {
            Err(RatingFormError::Missing { given, missing }) => {
                assert_eq!(missing, vec!["a".to_string()]);
                assert_eq!(given.get("b").map(|r| r.value()), Some(2));
            }
            other => panic!("expected Missing, got {other:?}"),
        }
    }

    #[test]
    fn unknown_statements_and_values_off_the_scale_are_tampering() {
        for bad in [
            vec![("rating-zzz", "3")],
            vec![("rating-a", "9")],
            vec![("rating-a", "3"), ("rating-a", "4")],
        ] {
            assert!(matches!(
                read_ratings(&statements(), &pairs(&bad)),
                Err(RatingFormError::Tampered(_))
            ));
        }
    }
}
