//! Bulk onboarding files: a CSV (or tab-separated text pasted from a spreadsheet) with a header row
//! and the columns `email`, `name` and optionally `role`, `employee_number` and `manager_email`. Every row is checked before anything is
//! written; problems are reported as `FILE:LINE: what is wrong`.
use std::collections::HashMap;

use super::{DisplayName, Email};

pub const MAX_ROWS: usize = 50_000;

pub use super::roles::MemberRole;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: usize,
    pub email: Email,
    pub name: DisplayName,
    pub role: MemberRole,
    /// The organisation's employee or assignment number, when the file has that column filled in.
    pub employee_number: Option<EmployeeNumber>,
    /// Their line manager (`manager_email` column): another member, in this file or already.
    pub manager: Option<Email>,
}

/// An employee or assignment number as a Trust's HR system writes it: 1 to 40 letters, digits,
/// hyphens, slashes or dots (ESR assignment numbers look like `12345678-2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    /// # Errors
    /// A sentence saying what is wrong.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 40 {
            return Err("the employee number must be 1 to 40 characters".into());
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '.'))
        {
            return Err(
                "the employee number may contain only letters, digits, hyphens, slashes and dots"
                    .into(),
            );
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an onboarding file; `label` names it in messages.
///
/// # Errors
/// Every problem found, each as `label:line: message`.
pub fn parse(label: &str, text: &str) -> Result<Vec<ImportRow>, Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv reader miscounts lines after CRLF endings; Windows files are read as LF.
    let text = text.replace("\r\n", "\n");
    let text = text.as_str();
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect::<Vec<_>>(),
        Err(e) => return Err(vec![format!("{label}:1: cannot read the header row: {e}")]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(email_col), Some(name_col)) = (col("email"), col("name")) else {
        return Err(vec![format!(
            "{label}:1: the header row must name the columns `email` and `name` (and optionally `role`, `employee_number` and `manager_email`); found: {}",
            headers.join(", ")
        )]);
    };
    let role_col = col("role");
    let number_col = col("employee_number");
    let manager_col = col("manager_email");
    for unknown in headers.iter().filter(|h| {
        !["email", "name", "role", "employee_number", "manager_email"].contains(&h.as_str())
    }) {
        problems.push(format!(
            "{label}:1: unknown column `{unknown}` (expected email, name, role, employee_number, manager_email)"
        ));
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .position()
                    .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
                problems.push(format!("{label}:{line}: {e}"));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rows.len() + problems.len() >= MAX_ROWS {
            problems.push(format!(
                "{label}:{line}: too many rows; import at most {MAX_ROWS} at a time"
            ));
            break;
        }
        let email = record.get(email_col).unwrap_or("");
        let name = record.get(name_col).unwrap_or("");
        let role = role_col.and_then(|c| record.get(c)).unwrap_or("");
        let number = number_col.and_then(|c| record.get(c)).unwrap_or("");
        let employee_number = if number.trim().is_empty() {
            Ok(None)
        } else {
            EmployeeNumber::parse(number).map(Some)
        };
        let employee_number = match employee_number {
            Ok(n) => Some(n),
            Err(m) => {
                problems.push(format!("{label}:{line}: {m}"));
                None
            }
        };
        let manager = manager_col.and_then(|c| record.get(c)).unwrap_or("").trim();
        let manager = if manager.is_empty() {
            Some(None)
        } else {
            match Email::parse(manager) {
                Ok(m) => Some(Some(m)),
                Err(_) => {
                    problems.push(format!(
                        "{label}:{line}: manager_email '{}' is not a valid email address",
                        manager.chars().take(80).collect::<String>()
                    ));
                    None
                }
            }
        };
        let email = match Email::parse(email) {
            Ok(e) => Some(e),
            Err(_) if email.trim().is_empty() => {
                problems.push(format!("{label}:{line}: the email is missing"));
                None
            }
            Err(_) => {
                problems.push(format!(
                    "{label}:{line}: '{}' is not a valid email address",
                    email.chars().take(80).collect::<String>()
                ));
                None
            }
        };
        let name = match DisplayName::parse(name) {
            Ok(n) => Some(n),
            Err(m) => {
                problems.push(format!(
                    "{label}:{line}: {}",
                    m.replace("Enter your full name", "the name is missing")
                        .to_lowercase()
                ));
                None
            }
        };
        let role = match MemberRole::parse(role) {
            Some(r) => Some(r),
            None => {
                problems.push(format!(
                    "{label}:{line}: unknown role '{}' (use learner or org_admin)",
                    role.chars().take(40).collect::<String>()
                ));
                None
            }
        };
        if let Some(e) = &email {
            if let Some(first) = seen.get(e.as_str()) {
                problems.push(format!(
                    "{label}:{line}: {} is already on line {first}",
                    e.as_str()
                ));
                continue;
            }
            seen.insert(e.as_str().to_string(), line);
        }
        if manager
            .as_ref()
            .is_some_and(|m| m.as_ref() == email.as_ref())
            && email.is_some()
        {
            problems.push(format!(
                "{label}:{line}: a person cannot be their own line manager"
            ));
            continue;
        }
        if let (Some(email), Some(name), Some(role), Some(employee_number), Some(manager)) =
            (email, name, role, employee_number, manager)
        {
            rows.push(ImportRow {
                line,
                email,
                name,
                role,
                employee_number,
                manager,
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manager_email_column_names_each_persons_line_manager() {
        let text = "email,name,manager_email\nann@example.org,Ann,BOSS@example.org\nboss@example.org,Boss,\n";
        let rows = parse("staff.csv", text).expect("valid");
        assert_eq!(
            rows[0].manager.as_ref().map(Email::as_str),
            Some("boss@example.org")
        );
        assert_eq!(rows[1].manager, None);
        let bad = "email,name,manager_email\nann@example.org,Ann,not-an-email\nbob@example.org,Bob,bob@example.org\n";
        let problems = parse("staff.csv", bad).expect_err("invalid");
        assert!(
            problems[0].starts_with("staff.csv:2: manager_email"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("staff.csv:3: a person cannot be their own"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_good_file_with_bom_crlf_and_quoted_commas_parses() {
        let text = "\u{feff}email,name,role\r\nann@example.org,\"Smith, Ann\",learner\r\nBOB@example.org,Bob Jones,org_admin\r\ncat@example.org,Cat,\r\n";
        let rows = parse("staff.csv", text).expect("valid");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].name.as_str(), "Smith, Ann");
        assert_eq!(rows[1].email.as_str(), "bob@example.org");
        assert_eq!(rows[1].role, MemberRole::OrgAdmin);
        assert_eq!(rows[2].role, MemberRole::Learner);
        assert_eq!(rows[2].line, 4);
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "email,name,role\nann@example.org,Ann,\nnot-an-email,Bob,\ncat@example.org,,learner\nann@EXAMPLE.org,Ann again,\ndan@example.org,Dan,boss\n";
        let problems = parse("staff.csv", text).expect_err("invalid");
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("staff.csv:3:") && p.contains("not a valid email")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("staff.csv:4:") && p.contains("name")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("staff.csv:5:") && p.contains("already on line 2")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("staff.csv:6:") && p.contains("unknown role")),
            "{problems:?}"
        );
    }

    #[test]
    fn an_optional_employee_number_column_is_read_and_checked() {
        let text = "email,name,employee_number\nann@example.org,Ann,12345678-2\nbob@example.org,Bob,\ncat@example.org,Cat,=cmd|x\n";
        let problems = parse("staff.csv", text).expect_err("line 4 is bad");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("staff.csv:4:") && problems[0].contains("employee number"));
        let rows = parse(
            "staff.csv",
            "email,name,employee_number\nann@example.org,Ann,12345678-2\nbob@example.org,Bob,\n",
        )
        .expect("valid");
        assert_eq!(
            rows[0].employee_number.as_ref().map(EmployeeNumber::as_str),
            Some("12345678-2")
        );
        assert_eq!(rows[1].employee_number, None);
        assert_eq!(
            parse("x.csv", "email,name\na@b.org,A\n").expect("valid")[0].employee_number,
            None
        );
    }

    #[test]
    fn a_missing_header_is_reported_on_line_1_and_tabs_work() {
        assert!(
            parse("x.csv", "mail,who\na@b.org,A\n").expect_err("invalid")[0]
                .starts_with("x.csv:1:")
        );
        let rows = parse("pasted", "email\tname\na@b.org\tA B\n").expect("valid");
        assert_eq!(rows[0].name.as_str(), "A B");
    }
}
