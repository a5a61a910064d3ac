//! The audit log: who did what to whom, and when (UTC). Never passwords, tokens or session ids.
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::clock::Clock;
use crate::entities::audit_log;

/// Declares every audited action once: its variant, the string stored in `audit_log.action`
/// (never change one: old rows keep it) and its words for people.
macro_rules! audit_actions {
    ($( $variant:ident = $stored:literal, $words:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AuditAction {
            $( $variant, )*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$( Self::$variant, )*];

            /// The string stored in the audit log.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $stored, )*
                }
            }

            /// What it means, for the learner's data export and the admin pages.
            pub fn in_words(self) -> &'static str {
                match self {
                    $( Self::$variant => $words, )*
                }
            }

            /// The action a stored string stands for.
            pub fn parse(stored: &str) -> Option<Self> {
                match stored {
                    $( $stored => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

audit_actions! {
    AccessRefused = "access.refused", "Access refused";
    AccountActivated = "account.activate", "Account activated with a link";
    AccountDeleted = "account.delete", "Account deleted";
    AccountDisabled = "account.disable", "Account disabled";
    EmailChanged = "account.email_change", "Email address changed";
    NameChanged = "account.name_change", "Name changed";
    PasswordChanged = "account.password_change", "Password changed";
    ReauthFailure = "account.reauth_failure", "Wrong password entered on the account page";
    AccountRegistered = "account.register", "Account created";
    ResetLinkIssued = "account.reset_link", "Password reset link issued";
    SessionEnded = "account.session_end", "A session was ended";
    OtherSessionsEnded = "account.sessions_end_others", "All other sessions were ended";
    AdminCreated = "admin.create", "Platform admin account created";
    CertificateRevoked = "certificate.revoke", "Certificate revoked";
    LoginFailure = "login.failure", "Failed log-in";
    LoginMfaFailure = "login.mfa_failure", "Wrong two-step verification code";
    LoginMfaLocked = "login.mfa_locked", "Log-in locked after wrong codes";
    LoginSuccess = "login.success", "Logged in";
    MfaDisabled = "mfa.disabled", "Two-step verification turned off";
    MfaEnabled = "mfa.enabled", "Two-step verification turned on";
    RecoveryCodesReplaced = "mfa.recovery_codes_replaced", "New recovery codes made";
    OrgAdminAppointed = "org.admin.appoint", "Course lead appointed";
    CohortCreated = "org.cohort.create", "Cohort created";
    OrgCreated = "org.create", "Organisation created";
    OrgExported = "org.export", "Progress report downloaded";
    OrgImported = "org.import", "Staff imported";
    InvitationAccepted = "org.invitation.accept", "Invitation accepted";
    InvitationCreated = "org.invitation.create", "Invitation link created";
    InvitationEmailed = "org.invitation.email", "Invitation e-mailed";
    InvitationRevoked = "org.invitation.revoke", "Invitation link revoked";
    MemberMoved = "org.member.move", "Member moved to another cohort";
    MemberRemoved = "org.member.remove", "Member removed from the organisation";
    OrgSecurityChanged = "org.security", "Security setting changed";
    ScormExported = "scorm.export", "SCORM package downloaded";
    PasswordResetRequested = "account.reset_requested", "Password reset e-mail requested";
    CohortRemindersOn = "org.cohort.reminders_on", "Cohort reminders turned on";
    CohortRemindersOff = "org.cohort.reminders_off", "Cohort reminders turned off";
    ApiTokenCreated = "org.api_token.create", "API token created";
    ApiTokenRevoked = "org.api_token.revoke", "API token revoked";
    EmployeeNumberChanged = "org.member.employee_number", "Employee number changed";
    MemberRestored = "org.member.restore", "Removal undone: member rejoined";
    ActivationResent = "org.member.activation_resent", "Activation e-mail sent again";
    TeamPlanOn = "org.cohort.team_plan_on", "Cohort team plan turned on";
    TeamPlanOff = "org.cohort.team_plan_off", "Cohort team plan turned off";
    TeamPlanSectionSaved = "team_plan.section_save", "Team plan section saved";
    PlanSubmitted = "plan.submit", "Plan submitted";
    PlanReviewed = "plan.review", "Plan reviewed";
    WebhookCreated = "org.webhook.create", "Webhook endpoint added";
    WebhookDeleted = "org.webhook.delete", "Webhook endpoint removed";
    CohortModulesLocked = "org.cohort.lock_modules", "Cohort modules locked until release";
    CohortModulesUnlocked = "org.cohort.unlock_modules", "Cohort modules open before release";
    OrgTimeZoneChanged = "org.time_zone", "Time zone changed";
    SsoConfigured = "sso.configure", "Single sign-on provider configured";
    SsoRemoved = "sso.remove", "Single sign-on provider removed";
    SsoLoginFailure = "sso.login_failure", "Single sign-on refused";
    SsoAccountLinked = "sso.link", "Organisation account linked after the password was proved";
    LineManagerSet = "org.line_manager.set", "Line manager set";
    LineManagerRemoved = "org.line_manager.remove", "Line manager removed";
    ReportCountsRebuilt = "report_counts.rebuild", "Report counts recounted from the tables";
}

/// Who is acting, for the audit log: the logged-in user and the client's address (see
/// `crate::proxies` for how that address is found behind a proxy).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i32,
    pub ip: Option<String>,
}

impl Actor {
    /// An event by this user about their own account.
    pub fn event(&self, action: AuditAction, detail: Option<String>) -> AuditEvent {
        self.event_on(action, format!("user:{}", self.user_id), detail)
    }

    /// An event by this user about a target (`org:3`, `user:7`, `certificate:ABCD-…`).
    pub fn event_on(
        &self,
        action: AuditAction,
        target: String,
        detail: Option<String>,
    ) -> AuditEvent {
        AuditEvent {
            actor: Some(self.user_id),
            action,
            target: Some(target),
            detail,
            ip: self.ip.clone(),
        }
    }
}

pub struct AuditEvent {
    pub actor: Option<i32>,
    pub action: AuditAction,
    pub target: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

/// Records an event; the caller decides whether a failure matters.
///
/// # Errors
/// When the database fails.
pub async fn record(
    db: &impl ConnectionTrait,
    clock: &Clock,
    event: AuditEvent,
) -> Result<(), sea_orm::DbErr> {
    tracing::info!(
        audit.action = event.action.as_str(),
        audit.actor = event.actor,
        audit.target = event.target.as_deref().unwrap_or(""),
        "audit"
    );
    audit_log::Entity::insert(audit_log::ActiveModel {
        at: Set(clock.now()),
        actor_user_id: Set(event.actor),
        action: Set(event.action.as_str().to_string()),
        target: Set(event.target.map(|t| truncate(&t, 200))),
        detail: Set(event.detail.map(|d| truncate(&d, 500))),
        ip: Set(event.ip.map(|i| truncate(&i, 64))),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records a refused attempt to reach a guarded area (`admin`, `org:3`) at `path`.
///
/// # Errors
/// When the database fails.
pub async fn access_refused(
    db: &impl ConnectionTrait,
    clock: &Clock,
    actor: &Actor,
    area: String,
    path: &str,
) -> Result<(), sea_orm::DbErr> {
    let detail = Some(path.chars().take(200).collect());
    record(
        db,
        clock,
        actor.event_on(AuditAction::AccessRefused, area, detail),
    )
    .await
}

/// Records that a platform admin downloaded a SCORM package (`target` is `course` or `module:SLUG`).
///
/// # Errors
/// When the database fails.
pub async fn scorm_exported(
    db: &impl ConnectionTrait,
    clock: &Clock,
    actor: &Actor,
    target: String,
    detail: String,
) -> Result<(), sea_orm::DbErr> {
    let event = actor.event_on(AuditAction::ScormExported, target, Some(detail));
    record(db, clock, event).await
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The newest audit entries.
///
/// # Errors
/// When the database fails.
pub async fn recent(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    use sea_orm::{QueryOrder, QuerySelect};
    audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Audit entries about one target (e.g. `org:3`), newest first.
///
/// # Errors
/// When the database fails.
pub async fn for_target(
    db: &impl ConnectionTrait,
    target: &str,
    limit: u64,
) -> Result<Vec<audit_log::Model>, sea_orm::DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    audit_log::Entity::find()
        .filter(audit_log::Column::Target.eq(target))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_stored_string_and_words() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()), "{} twice", a.as_str());
            assert_eq!(AuditAction::parse(a.as_str()), Some(*a));
            assert!(!a.in_words().is_empty());
        }
        assert_eq!(AuditAction::parse("no.such"), None);
        assert_eq!(AuditAction::LoginSuccess.as_str(), "login.success");
    }
}
